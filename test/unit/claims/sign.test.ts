import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { inspectWasm } from '../../../src/claims/inspect.js'
import { KeyPair } from '../../../src/claims/nkeys.js'
import { EXPERIMENTAL_TAG, MAX_CLAIM_DAYS, projectSignTags, signWasmFile, type SignEvent, type SignWasmFileOptions } from '../../../src/claims/sign.js'
import { scanWasm } from '../../../src/claims/wasm.js'
import { parseProject } from '../../../src/project/load.js'
import { tempDir } from '../../helpers/tmp.js'
import { coreModule, custom, FUNC_SECTIONS } from '../wasm/build-wasm.js'

const root = tempDir('wasmctl-sign-')
let counter = 0

function setup(bytes: Uint8Array = coreModule(...FUNC_SECTIONS, custom('name', [0]))) {
  const dir = path.join(root, `case-${++counter}`)
  mkdirSync(dir, { recursive: true })
  const input = path.join(dir, 'app.wasm')
  writeFileSync(input, bytes)
  const keysDirectory = path.join(dir, 'keys')
  const base: SignWasmFileOptions = { input, keysDirectory, disableKeygen: false, name: 'app', ver: '0.1.0', rev: 1 }
  return { dir, input, keysDirectory, base, bytes }
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error) => ({ code: error.code as string, message: error.message as string, hints: error.hints as string[] }),
  )

describe('signWasmFile', () => {
  it('writes <stem>_s.wasm = the original bytes then one wasmcloud_jwt section, generating wash-named keys', async () => {
    const { input, dir, keysDirectory, base, bytes } = setup()
    const events: SignEvent[] = []
    const result = await signWasmFile({ ...base, tags: ['t1'], onEvent: (e) => events.push(e), now: 1_700_000_000_000 })
    expect(result.output).toBe(path.join(dir, 'app_s.wasm'))
    const signed = readFileSync(result.output)
    expect([...signed.subarray(0, bytes.length)]).toEqual([...bytes])
    const scan = scanWasm(signed)
    expect(scan.claimsSections).toHaveLength(1)
    expect(scan.claimsSections[0]).toMatchObject({ name: 'wasmcloud_jwt', depth: 0, jwt: result.jwt, offset: bytes.length })
    expect(readFileSync(input)).toEqual(Buffer.from(bytes))
    expect(result.generatedKeys.map((k) => k.name)).toEqual([`${process.env.USER || 'user'}_account`, 'app_module'])
    expect(readdirSync(keysDirectory).sort()).toEqual([`${process.env.USER || 'user'}_account.nk`, 'app_module.nk'].sort())
    expect(events.map((e) => e.type)).toEqual(['key-generated', 'key-generated', 'signed'])
    expect(result.claims).toMatchObject({ iat: 1_700_000_000, iss: result.issuer, sub: result.subject, wascap_revision: 3 })
    expect(result.claims.wascap).toEqual({ name: 'app', hash: result.hash, tags: ['t1'], rev: 1, ver: '0.1.0', prov: false })
    expect(result.issuer[0]).toBe('A')
    expect(result.subject[0]).toBe('M')
    const inspected = inspectWasm(signed, { now: 1_700_000_000_000 })
    expect(inspected).toMatchObject({ signed: true, valid: true, hashMatches: true, signatureValid: true })
  })

  it('reuses stored keys on the next run and replaces the old claims when re-signing', async () => {
    const { base } = setup()
    const first = await signWasmFile(base)
    const again = await signWasmFile({ ...base, input: first.output, output: path.join(path.dirname(first.output), 'again.wasm'), subject: path.join(base.keysDirectory, 'app_module.nk') })
    expect(again.generatedKeys).toEqual([])
    expect(again.replacedClaims).toBe(true)
    expect([again.issuer, again.subject]).toEqual([first.issuer, first.subject])
    expect(again.hash).toBe(first.hash)
    const signed = readFileSync(again.output)
    expect(scanWasm(signed).claimsSections.map((s) => s.jwt)).toEqual([again.jwt])
    expect(signed.length).toBe(readFileSync(first.output).length)
  })

  it('sets exp and nbf from days, and validates the call alias like wash', async () => {
    const { base } = setup()
    const now = 1_700_000_000_000
    const result = await signWasmFile({ ...base, expiresInDays: 3, notBeforeDays: 1, callAlias: 'myorg/echo_1', now })
    expect(result.claims.exp).toBe(1_700_000_000 + 3 * 86400)
    expect(result.claims.nbf).toBe(1_700_000_000 + 86400)
    expect(result.claims.wascap?.call_alias).toBe('myorg/echo_1')
    for (const alias of ['', 'Has Caps', KeyPair.generate('module').publicKey, 'a-b']) {
      expect(await failure(signWasmFile({ ...base, callAlias: alias }))).toMatchObject({ code: 'INPUT_INVALID' })
    }
    expect(await failure(signWasmFile({ ...base, expiresInDays: -1 }))).toMatchObject({ code: 'INPUT_INVALID' })
  })

  it('bounds --expires/--not-before to whole days up to 100 years, so exp stays an exact integer', async () => {
    const { base, dir } = setup()
    for (const days of [999_999_999_999_999_999, MAX_CLAIM_DAYS + 1, 1.5, Number.NaN]) {
      expect(await failure(signWasmFile({ ...base, expiresInDays: days })), String(days)).toMatchObject({ code: 'INPUT_INVALID', message: expect.stringMatching(/from 0 to 36525/) })
      expect(await failure(signWasmFile({ ...base, notBeforeDays: days }))).toMatchObject({ code: 'INPUT_INVALID' })
    }
    expect(readdirSync(dir)).toEqual(['app.wasm'])
    const now = 1_700_000_000_000
    const result = await signWasmFile({ ...base, expiresInDays: MAX_CLAIM_DAYS, now })
    expect(result.claims.exp).toBe(1_700_000_000 + MAX_CLAIM_DAYS * 86400)
    expect(Number.isSafeInteger(result.claims.exp)).toBe(true)
  })

  it('writes through a temp file a later run can recognize, and leaves none behind', async () => {
    const { base, dir } = setup()
    const result = await signWasmFile(base)
    expect(readdirSync(dir).sort()).toEqual(['app.wasm', 'app_s.wasm', 'keys'])
    expect(statSync(result.output).size).toBe(result.size)
  })

  it('refuses a special file as input (a FIFO would hang, /dev/zero would never end)', async () => {
    const { base } = setup()
    expect(await failure(signWasmFile({ ...base, input: '/dev/zero', output: path.join(root, 'z_s.wasm') }))).toMatchObject({ code: 'FS_NOT_A_FILE' })
  })

  it('requires name, version and revision unless the project gives them', async () => {
    const { base } = setup()
    expect(await failure(signWasmFile({ ...base, name: undefined }))).toMatchObject({ code: 'INPUT_REQUIRED', message: expect.stringMatching(/--name/) })
    expect(await failure(signWasmFile({ ...base, ver: undefined }))).toMatchObject({ code: 'INPUT_REQUIRED', message: expect.stringMatching(/--ver/) })
    expect(await failure(signWasmFile({ ...base, rev: undefined }))).toMatchObject({ code: 'INPUT_REQUIRED', message: expect.stringMatching(/--rev/) })
    const project = parseProject('name = "from-toml"\nlanguage = "rust"\ntype = "component"\nversion = "2.3.4"\nrevision = 7\n', path.join(root, 'p', 'wasmcloud.toml'))
    const result = await signWasmFile({ ...base, name: undefined, ver: undefined, rev: undefined, project })
    expect(result.claims.wascap).toMatchObject({ name: 'from-toml', ver: '2.3.4', rev: 7 })
  })

  it('with keygen disabled, fails naming the missing key and creates nothing', async () => {
    const { base, keysDirectory, dir } = setup()
    const error = await failure(signWasmFile({ ...base, disableKeygen: true }))
    expect(error).toMatchObject({ code: 'KEY_NOT_FOUND', message: expect.stringMatching(/no account key "\w+_account" in .*keys, and key generation is off/) })
    expect(error?.hints.join('\n')).toMatch(/--issuer/)
    expect(() => statSync(keysDirectory)).toThrow()
    expect(readdirSync(dir)).toEqual(['app.wasm'])
  })

  it('takes seeds literally or from files, and refuses the wrong kind of key', async () => {
    const { base, dir } = setup()
    const account = KeyPair.generate('account')
    const module = KeyPair.generate('module')
    const seedFile = path.join(dir, 'issuer.nk')
    writeFileSync(seedFile, account.seed)
    const ok = await signWasmFile({ ...base, issuer: seedFile, subject: module.seed, disableKeygen: true })
    expect([ok.issuer, ok.subject]).toEqual([account.publicKey, module.publicKey])

    const wrong = async (issuer: string, subject = module.seed) => failure(signWasmFile({ ...base, issuer, subject, disableKeygen: true }))
    expect(await wrong(KeyPair.generate('user').seed)).toMatchObject({ code: 'KEY_WRONG_TYPE', message: expect.stringMatching(/--issuer must be an account seed .* got a user seed/) })
    expect(await wrong(module.seed)).toMatchObject({ code: 'KEY_WRONG_TYPE', message: expect.stringMatching(/got a module seed/) })
    expect(await wrong(account.seed, account.seed)).toMatchObject({ code: 'KEY_WRONG_TYPE', message: expect.stringMatching(/--subject must be a module seed/) })
    expect(await wrong(account.publicKey)).toMatchObject({ code: 'KEY_INVALID', message: expect.stringMatching(/got a public key/) })
    const corrupted = account.seed.slice(0, 30) + (account.seed[30] === 'A' ? 'B' : 'A') + account.seed.slice(31)
    expect(await wrong(corrupted)).toMatchObject({ code: 'KEY_INVALID', message: expect.stringMatching(/bad checksum/) })
    expect(await wrong('./no/such/file.nk')).toMatchObject({ code: 'KEY_INVALID', message: '--issuer is neither an existing file nor a seed' })
  })

  it('never writes over its input', async () => {
    const { base, input, bytes } = setup()
    expect(await failure(signWasmFile({ ...base, output: input }))).toMatchObject({ code: 'INPUT_INVALID', message: expect.stringMatching(/is the input file/) })
    expect(await failure(signWasmFile({ ...base, output: path.join(path.dirname(input), '.', 'app.wasm') }))).toMatchObject({ code: 'INPUT_INVALID' })
    expect(readFileSync(input).equals(Buffer.from(bytes))).toBe(true)
  })

  it('refuses input that is not wasm before touching any key', async () => {
    const { base, keysDirectory } = setup(new TextEncoder().encode('not wasm at all'))
    expect(await failure(signWasmFile(base))).toMatchObject({ code: 'WASM_INVALID' })
    expect(() => statSync(keysDirectory)).toThrow()
    expect(await failure(signWasmFile({ ...base, input: path.join(root, 'missing.wasm') }))).toMatchObject({ code: 'FS_ERROR', message: expect.stringMatching(/no such file/) })
  })
})

describe('projectSignTags', () => {
  const project = (extra: string) => parseProject(`name = "a"\nlanguage = "rust"\ntype = "component"\nversion = "0.1.0"\n[component]\n${extra}`, path.join(root, 'q', 'wasmcloud.toml'))

  it('adds the experimental tag for wasip1/wasip2 targets as wash build does', () => {
    expect(projectSignTags(project('wasm_target = "wasm32-wasip2"\ntags = ["b", "a"]\n'))).toEqual(['a', 'b', EXPERIMENTAL_TAG])
    expect(projectSignTags(project('wasm_target = "wasm32-wasi-preview1"\n'))).toEqual([EXPERIMENTAL_TAG])
    expect(projectSignTags(project('wasm_target = "wasm32-unknown-unknown"\ntags = ["x"]\n'))).toEqual(['x'])
  })
})
