import { createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import type net from 'node:net'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { toWasmctlError, washErrorJson, washOutputRequested } from '../../../src/base-command.js'
import { inspectWasm } from '../../../src/claims/inspect.js'
import { KEY_TYPE_NAMES, parseKeyTypeName } from '../../../src/claims/keystore.js'
import { decodePublicKey, decodeSeed, KeyPair, verifySignature } from '../../../src/claims/nkeys.js'
import { signWasmFile } from '../../../src/claims/sign.js'
import { generateToken } from '../../../src/claims/token.js'
import { washInspectJson, washKeyLabel } from '../../../src/claims/wash-json.js'
import Build from '../../../src/commands/build.js'
import KeysGen from '../../../src/commands/keys/gen.js'
import KeysList from '../../../src/commands/keys/list.js'
import Pull from '../../../src/commands/pull.js'
import Push from '../../../src/commands/push.js'
import Sign from '../../../src/commands/sign.js'
import { WasmctlError } from '../../../src/errors.js'
import { httpRequest } from '../../../src/oci/http.js'
import { tempDir } from '../../helpers/tmp.js'
import { coreModule, custom, FUNC_SECTIONS } from '../wasm/build-wasm.js'

const root = tempDir('wasmctl-wash-output-')

describe('-o/--output json is recognised before parsing, as wash spells it', () => {
  it.each([
    [['build', '-o', 'json'], true],
    [['build', '--output', 'json'], true],
    [['build', '--output=json'], true],
    [['build', '-ojson'], true],
    [['build', '-o=json'], true],
    [['build', '-o', 'text'], false],
    [['build', '-o', 'json', '-o', 'text'], false],
    [['build', '--json'], false],
    [['sign', 'app.wasm', '-d', 'json'], false],
    [['dev', '--', '-o', 'json'], false],
    [['push', 'a/b:1', '--output-file', 'json'], false],
  ])('%j -> %s', (argv, expected) => {
    expect(washOutputRequested(argv)).toBe(expected)
  })

  it('an old `-o FILE` is a usage error that names --destination, never a file named after the format', () => {
    const parseError = Object.assign(new Error('Expected --output=dist/app_s.wasm to be one of: text, json\nSee more help with --help'), { parse: {} })
    const error = toWasmctlError(parseError)
    expect(error.code).toBe('USAGE')
    expect(error.hints[0]).toMatch(/--destination/)
  })

  it("errors take wash's shape, with wasmctl's code and hints beside it", () => {
    const error = new WasmctlError('OCI_NOT_FOUND', 'a/b:1 was not found\u001b[2J', { hints: ['check the tag'] })
    expect(washErrorJson(error)).toEqual({ success: false, error: 'a/b:1 was not found\\x1b[2J', code: 'OCI_NOT_FOUND', hints: ['check the tag'] })
  })
})

describe("each command's wash projection (wash 0.43 field names)", () => {
  it('build: component_path, built (not with --sign-only), signed', () => {
    const result = { artifact: '/p/build/app_s.wasm', signed: true }
    expect(Build.washJson!(result as never, {})).toEqual({ component_path: '/p/build/app_s.wasm', built: true, signed: true })
    expect(Build.washJson!(result as never, { 'sign-only': true })).toMatchObject({ built: false })
  })

  it('push: url without the digest, digest, tag', () => {
    expect(Push.washJson!({ registry: 'r:5000', repository: 'ci/app', tag: '1.0.0', digest: 'sha256:ab', reference: 'x' } as never)).toEqual({
      url: 'r:5000/ci/app:1.0.0',
      digest: 'sha256:ab',
      tag: '1.0.0',
    })
  })

  it('pull: file; sign: destination; keys gen: public_key and seed; keys list: names', () => {
    expect(Pull.washJson!({ output: '/tmp/a.wasm', path: '/cache/x' } as never)).toEqual({ file: '/tmp/a.wasm' })
    expect(Sign.washJson!({ output: '/tmp/a_s.wasm', input: '/tmp/a.wasm' } as never)).toEqual({ destination: '/tmp/a_s.wasm' })
    expect(KeysGen.washJson!({ type: 'account', publicKey: 'AAA', seed: 'SAA' } as never)).toEqual({ public_key: 'AAA', seed: 'SAA' })
    expect(KeysList.washJson!({ directory: '/k', keys: [{ name: 'a_account', type: 'account', publicKey: 'A' }] } as never)).toEqual({ keys: ['a_account'] })
  })

  it("inspect: a signed file's claims under wash's keys and display values", async () => {
    const dir = path.join(root, 'inspect')
    mkdirSync(dir, { recursive: true })
    const input = path.join(dir, 'app.wasm')
    writeFileSync(input, coreModule(...FUNC_SECTIONS, custom('name', [0])))
    const signed = await signWasmFile({ input, keysDirectory: path.join(dir, 'keys'), disableKeygen: false, name: 'app', ver: '1.2.3', rev: 7, tags: ['b', 'a'], expiresInDays: 3 })
    const json = washInspectJson(inspectWasm(readFileSync(signed.output)))
    expect(json).toEqual({
      account: signed.issuer,
      component: signed.subject,
      expires: expect.stringMatching(/^in (2days 23h|3days)/),
      can_be_used: 'immediately',
      version: '1.2.3',
      revision: 7,
      tags: 'b,a',
      name: 'app',
    })
    expect(washKeyLabel('OABC')).toBe('operator')
    expect(washKeyLabel('VABC')).toBe('<unknown>')
  })
})

describe('keys gen types, as wash 0.43 keytype_parser', () => {
  it.each([
    ['acCount', 'account', 'A'],
    ['usEr', 'user', 'U'],
    ['module', 'module', 'M'],
    ['COMPONENT', 'module', 'M'],
    ['SERVICE', 'service', 'V'],
    ['provider', 'service', 'V'],
    ['server', 'server', 'N'],
    ['HOST', 'server', 'N'],
    ['operator', 'operator', 'O'],
    ['CLUSTER', 'cluster', 'C'],
    ['curve', 'curve', 'X'],
    ['X25519', 'curve', 'X'],
  ])('%s is a %s key (%s...)', (name, type, prefix) => {
    const parsed = parseKeyTypeName(name)
    expect(parsed).toBe(type)
    const key = KeyPair.generate(parsed!)
    expect(key.publicKey[0]).toBe(prefix)
    expect(key.seed.slice(0, 2)).toBe(`S${prefix}`)
  })

  it.each(['accout', 'USE', 'moDUl', 'actors', 'SEVICE', 'provder', 'srver', 'hos', 'opERtoR', 'cluter'])('refuses %s', (name) => {
    expect(parseKeyTypeName(name)).toBeUndefined()
  })

  it('lists every name wash takes', () => {
    expect([...KEY_TYPE_NAMES].sort()).toEqual(['account', 'cluster', 'component', 'curve', 'host', 'module', 'operator', 'provider', 'server', 'service', 'user', 'x25519'])
  })

  it('curve keys are X25519 keys (they agree on a shared secret) and refuse to sign', () => {
    const x25519 = (key: KeyPair) => ({
      privateKey: createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), decodeSeed(key.seed).raw]), format: 'der', type: 'pkcs8' }),
      publicKey: createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), decodePublicKey(key.publicKey).raw]), format: 'der', type: 'spki' }),
    })
    const [alice, bob] = [KeyPair.generate('curve'), KeyPair.generate('curve')]
    expect(KeyPair.fromSeed(alice.seed).publicKey).toBe(alice.publicKey)
    const ab = diffieHellman({ privateKey: x25519(alice).privateKey, publicKey: x25519(bob).publicKey })
    const ba = diffieHellman({ privateKey: x25519(bob).privateKey, publicKey: x25519(alice).publicKey })
    expect(Buffer.compare(ab, ba)).toBe(0)
    expect(() => alice.sign(Buffer.from('x'))).toThrow(/cannot sign/)
  })
})

describe('claims token (wash 0.43 generate_*)', () => {
  const keysDirectory = path.join(root, 'token-keys')
  // decodeToken reads component tokens only: these are checked by hand (header, claims, Ed25519 signature by iss).
  const verified = (token: string) => {
    const [header, body, signature] = token.split('.')
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ typ: 'jwt', alg: 'Ed25519' })
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown> & { iss: string }
    expect(verifySignature(claims.iss, Buffer.from(`${header}.${body}`, 'ascii'), Buffer.from(signature, 'base64url'))).toBe(true)
    return claims
  }

  it('account: issued by an operator for an account, with valid_signers of account keys', async () => {
    const [operator, account, extra] = [KeyPair.generate('operator'), KeyPair.generate('account'), KeyPair.generate('account')]
    const token = await generateToken({ kind: 'account', name: 'acme', issuer: operator.seed, subject: account.seed, additionalKeys: [extra.seed], keysDirectory, disableKeygen: true, now: 1_700_000_000_000 })
    const claims = verified(token.token)
    expect(Object.keys(claims)).toEqual(['jti', 'iat', 'iss', 'sub', 'wascap', 'wascap_revision'])
    expect(claims).toMatchObject({ iat: 1_700_000_000, iss: operator.publicKey, sub: account.publicKey, wascap: { name: 'acme', valid_signers: [extra.publicKey] }, wascap_revision: 3 })
  })

  it('operator: self-signed; provider: vendor and target_hashes; component: an empty hash', async () => {
    const operator = KeyPair.generate('operator')
    const op = verified((await generateToken({ kind: 'operator', name: 'ops', issuer: operator.seed, keysDirectory, disableKeygen: true, expiresInDays: 1, now: 0 })).token)
    expect(op).toMatchObject({ exp: 86400, iss: operator.publicKey, sub: operator.publicKey, wascap: { name: 'ops', valid_signers: [] } })
    expect(Object.keys(op)[0]).toBe('exp')

    const [account, service, module] = [KeyPair.generate('account'), KeyPair.generate('service'), KeyPair.generate('module')]
    const provider = verified((await generateToken({ kind: 'provider', name: 'redis', vendor: 'acme', ver: '1.0', rev: 2, issuer: account.seed, subject: service.seed, keysDirectory, disableKeygen: true })).token)
    expect(provider.wascap).toEqual({ name: 'redis', vendor: 'acme', rev: 2, ver: '1.0', target_hashes: {} })

    const component = verified((await generateToken({ kind: 'component', name: 'echo', ver: '0.1.0', rev: 1, callAlias: 'acme/echo', issuer: account.seed, subject: module.seed, keysDirectory, disableKeygen: true })).token)
    expect(component.wascap).toEqual({ name: 'echo', hash: '', tags: [], rev: 1, ver: '0.1.0', call_alias: 'acme/echo', prov: false })
  })

  it('refuses a key of the wrong type and a missing vendor', async () => {
    const account = KeyPair.generate('account')
    await expect(generateToken({ kind: 'operator', name: 'ops', issuer: account.seed, keysDirectory, disableKeygen: true })).rejects.toMatchObject({ code: 'KEY_WRONG_TYPE', message: expect.stringMatching(/--issuer must be an operator seed \(SO\.\.\.\)/) })
    await expect(generateToken({ kind: 'provider', name: 'p', issuer: account.seed, keysDirectory, disableKeygen: true })).rejects.toMatchObject({ code: 'INPUT_REQUIRED' })
  })
})

// A throwaway self-signed certificate for 127.0.0.1 (valid until 2126), made with openssl for this test only.
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg3c2DX4yJ5aRV2GQk
Mm30zayf9j1q3yDh1kuSPABTAdihRANCAASXRsBmAprwbj2ijDz+2p5B8QHnZmSq
SZAeh+RT4UoaLRdMboBIdwLb6pI/ArxR5haOh2XGdrpdLA8i8Fr/UWsU
-----END PRIVATE KEY-----`
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBkDCCATagAwIBAgIUIlJGlthoYZEzLZuY972xZXsZ7sUwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEzMDA2MzMxNFoYDzIxMjYxMTA2
MDYzMzE0WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASXRsBmAprwbj2ijDz+2p5B8QHnZmSqSZAeh+RT4UoaLRdMboBIdwLb
6pI/ArxR5haOh2XGdrpdLA8i8Fr/UWsUo2QwYjAdBgNVHQ4EFgQUIO7usgzXwXIj
1BFCqnnGZJasdNUwHwYDVR0jBBgwFoAUIO7usgzXwXIj1BFCqnnGZJasdNUwDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC
IQDOe8n7be/BLsrY0HA6VBEx6v/2X9VsGHroyXy6rUTUWwIgJ420d0PiJ6ISsLYQ
zvuDYT7MZpka540y8bBjqm7CaaQ=
-----END CERTIFICATE-----`

describe('--insecure-skip-tls-verify in the transport', () => {
  let server: https.Server
  let origin: string
  beforeAll(async () => {
    server = https.createServer({ key: TEST_KEY, cert: TEST_CERT }, (_request, response) => response.writeHead(200).end('ok'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('refuses a certificate nobody vouches for by default', async () => {
    await expect(httpRequest(`${origin}/v2/`, { method: 'GET', headers: {} })).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })
  })

  it('accepts it when told to', async () => {
    const response = await httpRequest(`${origin}/v2/`, { method: 'GET', headers: {}, rejectUnauthorized: false })
    expect(response.status).toBe(200)
    await response.body.cancel()
  })
})
