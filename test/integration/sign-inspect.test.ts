import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { beforeAll, describe, expect, it } from 'vitest'

import { base64UrlEncode, encodeToken, newComponentClaims } from '../../src/claims/jwt.js'
import { KeyPair } from '../../src/claims/nkeys.js'
import { appendClaimsSection, computeWascapHash, scanWasm } from '../../src/claims/wasm.js'
import { runCli } from '../helpers/cli.js'
import { helloHttpComponent } from '../helpers/components.js'
import { tempDir } from '../helpers/tmp.js'
import { bytes, coreModule, custom, FUNC_SECTIONS } from '../unit/wasm/build-wasm.js'

const root = tempDir('wasmctl-sign-it-')
const env = { HOME: path.join(root, 'home'), USER: 'tester' }
const account = KeyPair.generate('account')
const module = KeyPair.generate('module')
const keyArgs = ['--issuer', account.seed, '--subject', module.seed]
const meta = ['--name', 'hello', '--ver', '0.1.0', '--rev', '1']
let counter = 0

function write(fileName: string, content: Uint8Array | string): string {
  const dir = path.join(root, `case-${++counter}`)
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, fileName)
  writeFileSync(file, content)
  return file
}

/** The JSON text of a token's claims segment, as stored. */
const claimsText = (jwt: string) => Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')

describe('sign -> inspect round trip on a real component', () => {
  let component: string
  let original: Buffer
  beforeAll(async () => {
    component = await helloHttpComponent()
    original = readFileSync(component)
  }, 300_000)

  it('generates wash-named keys outside CI and writes the original bytes then one wasmcloud_jwt section', async () => {
    const input = write('http_hello.wasm', original)
    const keys = path.join(path.dirname(input), 'keys')
    const sign = await runCli(['sign', input, ...meta, '--tag', 'a', '--tag', 'b', '--keys-directory', keys], { env: { ...env, CI: '' } })
    expect(sign.exitCode).toBe(0)
    expect(sign.stderr).toMatch(/Generated account key tester_account \(A[A-Z2-7]{55}\) at .*tester_account\.nk/)
    expect(sign.stderr).toMatch(/Generated module key http_hello_module/)
    const output = path.join(path.dirname(input), 'http_hello_s.wasm')
    expect(sign.stdout).toContain(`Signed ${output}`)
    expect(readFileSync(input).equals(original)).toBe(true)

    const signed = readFileSync(output)
    expect(signed.subarray(0, original.length).equals(original)).toBe(true)
    const scan = scanWasm(signed)
    expect(scan.claimsSections).toHaveLength(1)
    expect(scan.claimsSections[0]).toMatchObject({ name: 'wasmcloud_jwt', offset: original.length })
    const jwt = scan.claimsSections[0].jwt
    expect(claimsText(jwt)).toMatch(
      /^\{"jti":"[0-9A-Za-z]{22}","iat":\d+,"iss":"A[A-Z2-7]{55}","sub":"M[A-Z2-7]{55}","wascap":\{"name":"hello","hash":"[0-9A-F]{64}","tags":\["a","b"\],"rev":1,"ver":"0.1.0","prov":false\},"wascap_revision":3\}$/,
    )
    expect(JSON.parse(claimsText(jwt)).wascap.hash).toBe(computeWascapHash(original))

    const inspect = await runCli(['inspect', output, '--json', '--verify'], { env })
    expect(inspect.exitCode).toBe(0)
    expect(inspect.json.result).toMatchObject({
      signed: true,
      valid: true,
      encoding: 'component',
      name: 'hello',
      ver: '0.1.0',
      rev: 1,
      tags: ['a', 'b'],
      hashMatches: true,
      signatureValid: true,
      jwt,
      world: { exports: ['wasi:http/incoming-handler@0.2.10'] },
    })
    const human = await runCli(['claims', 'inspect', output], { env })
    expect(human.stdout).toMatch(/^hello - Component\n  Account +A[A-Z2-7]{55}\n  Component +M/)
    expect(human.stdout).toContain('Verdict       valid')
    expect(human.stdout).toContain('  export  wasi:http/incoming-handler@0.2.10')
  })

  it('re-signing a signed file replaces its claims: one section remains', async () => {
    const input = write('app.wasm', original)
    const first = await runCli(['claims', 'sign', input, ...meta, ...keyArgs, '--json'], { env })
    expect(first.exitCode).toBe(0)
    const again = await runCli(['sign', first.json.result.output, ...meta, ...keyArgs, '-d', path.join(path.dirname(input), 'again.wasm'), '--json'], { env })
    expect(again.exitCode).toBe(0)
    expect(again.json.warnings).toEqual([expect.stringMatching(/was already signed; its claims were replaced/)])
    const signed = readFileSync(again.json.result.output)
    expect(scanWasm(signed).claimsSections.map((s) => s.jwt)).toEqual([again.json.result.jwt])
    expect(signed.subarray(0, original.length).equals(original)).toBe(true)
  })

  it('a tampered component (one byte changed) is valid:false, and exit 1 with --verify', async () => {
    const input = write('app.wasm', original)
    const sign = await runCli(['sign', input, ...meta, ...keyArgs, '--json'], { env })
    const signed = readFileSync(sign.json.result.output)
    signed[original.length - 100] ^= 0xff
    const tampered = write('tampered.wasm', signed)
    const inspect = await runCli(['inspect', tampered, '--json'], { env })
    expect(inspect.exitCode).toBe(0)
    expect(inspect.json.result).toMatchObject({ signed: true, valid: false, hashMatches: false, signatureValid: true })
    const verify = await runCli(['inspect', tampered, '--verify', '--json'], { env })
    expect(verify.exitCode).toBe(1)
    expect(verify.json.error.code).toBe('CLAIMS_HASH_MISMATCH')
    expect(verify.json.error.details.inspection.valid).toBe(false)
  })

  it('shows the full WIT with --wit', async () => {
    const { exitCode, stdout } = await runCli(['inspect', component, '--wit'], { env })
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/^No claims: this component is not signed/)
    expect(stdout).toContain('export wasi:http/incoming-handler@0.2.10;')
  })
})

describe('keys for sign', () => {
  const wasm = coreModule(...FUNC_SECTIONS, custom('name', [0]))

  it('never generates keys with --json or in CI: it fails naming the missing key', async () => {
    const input = write('app.wasm', wasm)
    const keys = path.join(path.dirname(input), 'keys')
    const json = await runCli(['sign', input, ...meta, '--keys-directory', keys, '--json'], { env: { ...env, CI: '' } })
    expect(json.exitCode).toBe(1)
    expect(json.json.error).toMatchObject({ code: 'KEY_NOT_FOUND', message: expect.stringContaining('no account key "tester_account"') })
    const ci = await runCli(['sign', input, ...meta, '--keys-directory', keys], { env })
    expect(ci.exitCode).toBe(1)
    expect(ci.stderr).toMatch(/no account key "tester_account" .*\(KEY_NOT_FOUND\)/)
    expect(ci.stderr).toContain('hint: pass --issuer')
  })

  it('reads seeds from WASH_ISSUER_KEY / WASH_SUBJECT_KEY and from seed files', async () => {
    const input = write('app.wasm', wasm)
    const viaEnv = await runCli(['sign', input, ...meta, '--json'], { env: { ...env, WASH_ISSUER_KEY: account.seed, WASH_SUBJECT_KEY: module.seed } })
    expect(viaEnv.exitCode).toBe(0)
    expect(viaEnv.json.result).toMatchObject({ issuer: account.publicKey, subject: module.publicKey })
    const seedFile = path.join(path.dirname(input), 'acct.nk')
    writeFileSync(seedFile, account.seed)
    const viaFile = await runCli(['sign', input, ...meta, '--issuer', seedFile, '--subject', module.seed, '--json'], { env })
    expect(viaFile.json.result.issuer).toBe(account.publicKey)
  })

  it.each([
    ['a user seed as issuer', () => KeyPair.generate('user').seed, 'KEY_WRONG_TYPE', /--issuer must be an account seed/],
    ['a module seed as issuer', () => KeyPair.generate('module').seed, 'KEY_WRONG_TYPE', /got a module seed/],
    ['a public key where a seed is needed', () => account.publicKey, 'KEY_INVALID', /got a public key/],
    ['a seed with a corrupted checksum', () => account.seed.slice(0, 40) + (account.seed[40] === 'Q' ? 'R' : 'Q') + account.seed.slice(41), 'KEY_INVALID', /bad checksum/],
  ])('refuses %s', async (_, issuer, code, message) => {
    const input = write('app.wasm', wasm)
    const { exitCode, json } = await runCli(['sign', input, ...meta, '--issuer', issuer(), '--subject', module.seed, '--json'], { env })
    expect(exitCode).toBe(1)
    expect(json.error.code).toBe(code)
    expect(json.error.message).toMatch(message)
    expect(JSON.stringify(json)).not.toContain(account.seed)
  })

  it('takes name, version and revision from wasmcloud.toml', async () => {
    const input = write('app.wasm', wasm)
    writeFileSync(path.join(path.dirname(input), 'wasmcloud.toml'), 'name = "from-toml"\nlanguage = "rust"\ntype = "component"\nversion = "1.2.3"\nrevision = 4\n')
    const { exitCode, json } = await runCli(['sign', 'app.wasm', ...keyArgs, '--json'], { env, cwd: path.dirname(input) })
    expect(exitCode).toBe(0)
    expect(json.result.claims.wascap).toMatchObject({ name: 'from-toml', ver: '1.2.3', rev: 4 })
  })
})

describe('bad input', () => {
  const wasm = coreModule(...FUNC_SECTIONS)
  const now = Math.floor(Date.now() / 1000)

  async function expectFailure(args: string[], code: string, message: RegExp) {
    const { exitCode, json, stdout } = await runCli([...args, '--json'], { env })
    expect(exitCode).toBe(1)
    expect(json, stdout).toBeDefined()
    expect(json.error.code).toBe(code)
    expect(json.error.message).toMatch(message)
  }

  it.each([
    ['not a wasm file', new TextEncoder().encode('#!/bin/sh\necho hi\n'), /not a WebAssembly file/],
    ['truncated wasm', wasm.subarray(0, wasm.length - 3), /declares \d+ bytes but only \d+ remain/],
    ['a LEB128 that runs past the end', bytes(coreModule(), [0x01, 0xff, 0xff]), /LEB128 integer at offset 9 runs past the end/],
  ])('%s: sign and inspect fail with WASM_INVALID', async (_, content, message) => {
    const file = write('bad.wasm', content)
    await expectFailure(['sign', file, ...meta, ...keyArgs], 'WASM_INVALID', message)
    await expectFailure(['inspect', file], 'WASM_INVALID', message)
  })

  it('two claims sections', async () => {
    const token = encodeToken(newComponentClaims({ issuer: account.publicKey, subject: module.publicKey, hash: computeWascapHash(wasm) }), account)
    const file = write('two.wasm', appendClaimsSection([appendClaimsSection(scanWasm(wasm).stripped, token)], token))
    await expectFailure(['inspect', file], 'CLAIMS_INVALID', /2 claims sections/)
  })

  it('a token whose signature was made by another key', async () => {
    const jwt = encodeToken(newComponentClaims({ issuer: account.publicKey, subject: module.publicKey, hash: computeWascapHash(wasm) }), account)
    const input = jwt.split('.').slice(0, 2).join('.')
    const forged = `${input}.${base64UrlEncode(KeyPair.generate('account').sign(new TextEncoder().encode(input)))}`
    const file = write('forged.wasm', appendClaimsSection(scanWasm(wasm).stripped, forged))
    const plain = await runCli(['inspect', file, '--json'], { env })
    expect(plain.json.result).toMatchObject({ signatureValid: false, hashMatches: true, valid: false })
    await expectFailure(['inspect', file, '--verify'], 'CLAIMS_SIGNATURE_INVALID', /does not verify against the issuer/)
  })

  it('an expired token', async () => {
    const jwt = encodeToken(newComponentClaims({ issuer: account.publicKey, subject: module.publicKey, hash: computeWascapHash(wasm), expires: now - 3 * 86400 }), account)
    const file = write('expired.wasm', appendClaimsSection(scanWasm(wasm).stripped, jwt))
    const plain = await runCli(['inspect', file, '--json'], { env })
    expect(plain.json.result).toMatchObject({ expired: true, valid: false, expires: { human: '3days ago' } })
    await expectFailure(['inspect', file, '--verify'], 'CLAIMS_EXPIRED', /expired 3days ago/)
  })

  it('unsigned input: "no claims", exit 0, exit 1 with --verify, CLAIMS_MISSING with --jwt-only', async () => {
    const file = write('plain.wasm', wasm)
    const plain = await runCli(['inspect', file], { env })
    expect(plain.exitCode).toBe(0)
    expect(plain.stdout).toMatch(/^No claims: this module is not signed/)
    await expectFailure(['inspect', file, '--verify'], 'CLAIMS_UNSIGNED', /not signed/)
    await expectFailure(['inspect', file, '--jwt-only'], 'CLAIMS_MISSING', /has no claims/)
  })

  it('--jwt-only prints the raw token', async () => {
    const jwt = encodeToken(newComponentClaims({ issuer: account.publicKey, subject: module.publicKey, hash: computeWascapHash(wasm) }), account)
    const file = write('signed.wasm', appendClaimsSection(scanWasm(wasm).stripped, jwt))
    const { exitCode, stdout } = await runCli(['inspect', file, '--jwt-only'], { env })
    expect(exitCode).toBe(0)
    expect(stdout).toBe(jwt)
  })

  it('a missing file is FS_ERROR, and a missing name INPUT_REQUIRED naming the flag', async () => {
    await expectFailure(['inspect', path.join(root, 'nope.wasm')], 'FS_ERROR', /no such file/)
    const file = write('app.wasm', wasm)
    const { exitCode, json } = await runCli(['sign', file, ...keyArgs, '--json'], { env, cwd: path.dirname(file) })
    expect(exitCode).toBeGreaterThan(0)
    expect(exitCode).toBe(json.status)
    expect(json.error).toMatchObject({ code: 'INPUT_REQUIRED', message: expect.stringMatching(/--name/) })
  })
})
