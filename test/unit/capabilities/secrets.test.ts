import { inspect } from 'node:util'

import { parse } from 'smol-toml'
import { describe, expect, it } from 'vitest'

import { parseSecretFlag, resolveSecretSpecs, SecretHandle, SecretsError, SecretStore, secretsFromProject } from '../../../src/capabilities/secrets/index.js'

const VALUE = 'sk-live-DO-NOT-PRINT-4711'
const devSecrets = (toml: string) => (parse(toml) as { dev?: { secrets?: unknown } }).dev?.secrets

describe('secrets: sources', () => {
  it('parses --secret NAME=env:VAR and NAME=file:PATH, and never echoes anything else', () => {
    expect(parseSecretFlag('api-key=env:API_KEY')).toEqual({ name: 'api-key', source: { kind: 'env', variable: 'API_KEY' }, origin: 'flag' })
    expect(parseSecretFlag('db=file:./secrets/db.txt')).toEqual({ name: 'db', source: { kind: 'file', path: './secrets/db.txt' }, origin: 'flag' })
    for (const bad of [`api-key=${VALUE}`, `api-key=literal:${VALUE}`, 'no-equals', '=env:X', 'k=env:1BAD', 'k=file:']) {
      let caught: unknown
      try {
        parseSecretFlag(bad)
      } catch (error) {
        caught = error
      }
      expect(caught, bad).toMatchObject({ code: 'CAPABILITY_CONFIG_INVALID' })
      expect(JSON.stringify(caught) + String((caught as Error).message) + (caught as { hints: string[] }).hints.join(' ')).not.toContain(VALUE)
    }
  })

  it('reads wash [[dev.secrets]]: source policies env and file, values env/file/value, and warns on store policies', () => {
    const warnings: string[] = []
    const specs = secretsFromProject(
      devSecrets(`
[[dev.secrets]]
name = "api-key"
source = { policy = "env", key = "API_KEY" }
[[dev.secrets]]
name = "cert"
source = { policy = "file", key = "certs/key.pem" }
[[dev.secrets]]
name = "token"
values = { env = "TOKEN" }
[[dev.secrets]]
name = "inline"
values = { value = "\${env:INLINE}-suffix" }
[[dev.secrets]]
name = "vault"
source = { policy = "nats-kv", key = "vault-key" }
[[dev.secrets]]
name = "wash-style"
values = { db_password = "$ENV:DB_PASSWORD" }
`),
      warnings,
    )
    expect(specs).toEqual([
      { name: 'api-key', source: { kind: 'env', variable: 'API_KEY' }, origin: 'wasmcloud.toml' },
      { name: 'cert', source: { kind: 'file', path: 'certs/key.pem' }, origin: 'wasmcloud.toml' },
      { name: 'token', source: { kind: 'env', variable: 'TOKEN' }, origin: 'wasmcloud.toml' },
      { name: 'inline', source: { kind: 'inline' }, origin: 'wasmcloud.toml', inline: '${env:INLINE}-suffix' },
      // wash dev's own form: "$ENV:NAME" reads that variable.
      { name: 'wash-style', source: { kind: 'env', variable: 'DB_PASSWORD' }, origin: 'wasmcloud.toml' },
    ])
    expect(warnings).toEqual([expect.stringContaining('"vault"')])
  })

  it('lets a flag replace a project secret of the same name', () => {
    const { specs } = resolveSecretSpecs({ secrets: [{ name: 'api-key', source: { policy: 'env', key: 'OLD' } }], flags: ['api-key=env:NEW', 'other=env:OTHER'] })
    expect(specs).toEqual([
      { name: 'api-key', source: { kind: 'env', variable: 'NEW' }, origin: 'flag' },
      { name: 'other', source: { kind: 'env', variable: 'OTHER' }, origin: 'flag' },
    ])
  })
})

describe('secrets: store and reveal', () => {
  const env = { API_KEY: VALUE, INLINE: 'in' }
  const specs = resolveSecretSpecs({ secrets: [{ name: 'inline', values: { value: '${env:INLINE}-line' } }], flags: ['api-key=env:API_KEY'] }).specs

  it('gives a handle for a declared name, reveals it, and not-found otherwise', () => {
    const store = SecretStore.load(specs, { env })
    const handle = store.get('api-key')
    expect(handle).toBeInstanceOf(SecretHandle)
    expect(store.reveal(handle)).toEqual({ tag: 'string', val: VALUE })
    expect(store.reveal(store.get('inline'))).toEqual({ tag: 'string', val: 'in-line' })
    expect(() => store.get('missing')).toThrow(SecretsError)
    try {
      store.get('missing')
    } catch (error) {
      expect((error as SecretsError).toWit()).toEqual({ tag: 'not-found' })
    }
    // A handle this store did not give out reveals nothing.
    expect(() => store.reveal(new SecretHandle('api-key'))).toThrow(SecretsError)
  })

  it('never shows a value in describe(), JSON, inspect, or a handle; scrub() masks values in text', () => {
    const store = SecretStore.load(specs, { env })
    const handle = store.get('api-key')
    const shown = [JSON.stringify(store.describe()), JSON.stringify(store), inspect(store, { depth: 10, showHidden: true }), JSON.stringify(handle), inspect(handle, { showHidden: true })]
    for (const text of shown) {
      expect(text).not.toContain(VALUE)
      expect(text).not.toContain('in-line')
    }
    expect(store.describe()).toEqual([
      { name: 'inline', source: 'inline', origin: 'wasmcloud.toml' },
      { name: 'api-key', source: 'env:API_KEY', origin: 'flag' },
    ])
    expect(store.scrub(`guest said: token=${VALUE}; ok`)).toBe('guest said: token=***; ok')
  })

  it('refuses to start when a variable is missing, naming the secret and its source, never a value', () => {
    let caught: unknown
    try {
      SecretStore.load(specs, { env: { INLINE: VALUE } })
    } catch (error) {
      caught = error
    }
    expect(caught).toMatchObject({ code: 'CAPABILITY_SECRET_UNAVAILABLE', message: expect.stringContaining('secret "api-key" (env:API_KEY') })
    expect((caught as Error).message).toContain('API_KEY is not set')
    expect(JSON.stringify(caught) + (caught as Error).message).not.toContain(VALUE)
  })
})
