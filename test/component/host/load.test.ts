import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { beforeAll, describe, expect, it } from 'vitest'

import { KeyPair, signWasmFile } from '../../../src/claims/index.js'
import { componentKind, loadComponent, readComponentFile, unprovidedImports } from '../../../src/host/load.js'
import { runCommandComponent } from '../../../src/host/command.js'
import { tempDir } from '../../helpers/tmp.js'
import { cCliComponent, missingImportComponent } from '../../fixtures/components/fixtures.js'

const account = KeyPair.generate('account')
let cli: string
let signed: string

beforeAll(async () => {
  cli = await cCliComponent()
  const dir = tempDir()
  signed = path.join(dir, 'cli_s.wasm')
  await signWasmFile({
    input: cli,
    output: signed,
    name: 'cli',
    ver: '0.1.0',
    rev: 1,
    issuer: account.seed,
    subject: KeyPair.generate('module').seed,
    keysDirectory: dir,
    disableKeygen: true,
  })
}, 180_000)

describe('component loading', () => {
  it('knows which imports have a provider, and at which versions', () => {
    expect(
      unprovidedImports([
        'wasi:http/types@0.2.10',
        'wasi:cli/environment@0.2.12',
        'wasi:keyvalue/store@0.2.0-draft',
        'wasi:keyvalue/atomics@0.2.0-draft2',
        'wasi:config/store@0.2.0-draft',
        'wasi:logging/logging@0.1.0-draft',
        'wasi:http/types@0.3.0-rc-2025-09-16',
        'wasi:blobstore/blobstore@0.2.0-draft',
        'acme:billing/invoices@1.0.0',
        'wasmcloud:messaging/consumer@0.2.0',
        'wasmcloud:messaging/types@0.2.0',
        'wasmcloud:messaging/consumer@0.3.0',
      ]),
    ).toEqual(['wasi:http/types@0.3.0-rc-2025-09-16', 'acme:billing/invoices@1.0.0', 'wasmcloud:messaging/consumer@0.3.0'])
  })

  it('runs what the component exports: an HTTP handler, a command, or nothing it can run', () => {
    expect(componentKind(['wasi:http/incoming-handler@0.2.10'], 'x')).toBe('http')
    expect(componentKind(['wasi:cli/run@0.2.12'], 'x')).toBe('command')
    expect(() => componentKind(['acme:thing/api@1.0.0'], 'x.wasm')).toThrow(expect.objectContaining({ code: 'HOST_UNSUPPORTED_WORLD' }))
  })

  it('transpiles once and reuses the cached glue by component digest', async () => {
    const cacheRoot = tempDir()
    const first = await loadComponent(readComponentFile(cli), { cacheRoot, trust: {} })
    expect(first).toMatchObject({ kind: 'command', name: path.basename(cli, '.wasm') })
    expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(first.transpiled).toMatchObject({ transpiled: true, snapshot: true })
    const second = await loadComponent(readComponentFile(cli), { cacheRoot, trust: {} })
    expect(second.transpiled).toMatchObject({ transpiled: false, dir: first.transpiled.dir })
  })

  it('fails at load, listing them, when imports have no provider', async () => {
    await expect(loadComponent(readComponentFile(await missingImportComponent()), { cacheRoot: tempDir(), trust: {} })).rejects.toMatchObject({
      code: 'HOST_UNSATISFIED_IMPORTS',
      details: { missing: ['wasmctl-test:needs-missing/nothing'] },
    })
  }, 180_000)

  it('applies the trust policy as the wasmCloud host does', async () => {
    const cacheRoot = tempDir()
    const load = (file: string, trust = {}) => loadComponent(readComponentFile(file), { cacheRoot, trust })
    await expect(load(cli, { requireSigned: true })).rejects.toMatchObject({ code: 'CLAIMS_UNSIGNED' })
    await expect(load(signed, { requireSigned: true, allowedIssuers: [account.publicKey] })).resolves.toMatchObject({ kind: 'command' })
    await expect(load(signed, { allowedIssuers: [KeyPair.generate('account').publicKey] })).rejects.toMatchObject({ code: 'CLAIMS_ISSUER_NOT_ALLOWED' })
    const tampered = path.join(tempDir(), 'tampered.wasm')
    const bytes = readFileSync(signed)
    bytes[Math.floor(bytes.length / 2)] ^= 0xff
    writeFileSync(tampered, bytes)
    await expect(load(tampered)).rejects.toMatchObject({ code: 'CLAIMS_HASH_MISMATCH' })
  })
})

describe('runCommandComponent', () => {
  it('returns the exit status of a wasi:cli/run component', async () => {
    const component = await loadComponent(readComponentFile(cli), { cacheRoot: tempDir(), trust: {} })
    expect(await runCommandComponent(component, { args: ['exit=0'], stdoutFd: 2 })).toEqual({ exitCode: 0 })
    // The preview1 adapter reports any non-zero status as exit(err), which is status 1.
    expect(await runCommandComponent(component, { args: ['exit=3'], stdoutFd: 2 })).toEqual({ exitCode: 1 })
  })

  it('stops a command when the signal fires', async () => {
    const component = await loadComponent(readComponentFile(cli), { cacheRoot: tempDir(), trust: {} })
    const controller = new AbortController()
    controller.abort()
    await expect(runCommandComponent(component, { args: [], signal: controller.signal })).rejects.toMatchObject({ code: 'INTERRUPTED' })
  })
})
