import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { inspect } from 'node:util'

import { parse } from 'smol-toml'
import { describe, expect, it } from 'vitest'

import { describeBinding, openCapabilities, resolveBindings, resolveSecretSpecs, SecretStore } from '../../../src/capabilities/index.js'
import { tempDir } from '../../helpers/tmp.js'

/**
 * Secrets from real files and the environment, through the same entry the host uses
 * (openCapabilities), and everything the tool would print about them checked for the values.
 */
const FILE_VALUE = 'file-secret-9f2c7a1e'
const ENV_VALUE = 'env-secret-3b8d0c44'
const LINK_SEED = 'SUAEXAMPLESEEDNEVERPRINTED'

describe('wasmcloud:secrets from files and the environment', () => {
  it('reads text and binary files relative to the project, and env variables, at start-up', async () => {
    const project = tempDir()
    mkdirSync(path.join(project, 'secrets'))
    writeFileSync(path.join(project, 'secrets', 'db.txt'), FILE_VALUE)
    const binary = Uint8Array.from([0xff, 0xfe, 0x00, 0x80, 0x41])
    writeFileSync(path.join(project, 'secrets', 'key.bin'), binary)
    const toml = parse(`
[[dev.secrets]]
name = "db-password"
source = { policy = "file", key = "secrets/db.txt" }
[[dev.secrets]]
name = "signing-key"
values = { file = "secrets/key.bin" }
`) as { dev: { secrets: unknown } }
    const { specs } = resolveSecretSpecs({ secrets: toml.dev.secrets, flags: ['api=env:WASMCTL_TEST_API'] })
    const capabilities = await openCapabilities(resolveBindings({ imports: [], exports: [] }), { secrets: specs, baseDir: project, env: { WASMCTL_TEST_API: ENV_VALUE } })
    try {
      const { secrets } = capabilities
      expect(secrets.reveal(secrets.get('db-password'))).toEqual({ tag: 'string', val: FILE_VALUE })
      expect(secrets.reveal(secrets.get('signing-key'))).toEqual({ tag: 'bytes', val: binary })
      expect(secrets.reveal(secrets.get('api'))).toEqual({ tag: 'string', val: ENV_VALUE })
      // Read once: a change on disk after start-up is not seen (and a deleted file does not break a running component).
      writeFileSync(path.join(project, 'secrets', 'db.txt'), 'changed')
      expect(secrets.reveal(secrets.get('db-password'))).toEqual({ tag: 'string', val: FILE_VALUE })
    } finally {
      await capabilities.close()
    }
  })

  it('fails start-up on a missing or unreadable file, naming the secret and the file, never a value', async () => {
    const project = tempDir()
    const missing = resolveSecretSpecs({ flags: ['db=file:nope/db.txt'] }).specs
    await expect(openCapabilities(resolveBindings({ imports: [], exports: [] }), { secrets: missing, baseDir: project })).rejects.toMatchObject({
      code: 'CAPABILITY_SECRET_UNAVAILABLE',
      message: 'secret "db" (file:nope/db.txt, from --secret): the file does not exist',
    })
    if (process.getuid?.() !== 0) {
      writeFileSync(path.join(project, 'locked.txt'), FILE_VALUE)
      chmodSync(path.join(project, 'locked.txt'), 0o000)
      let caught: unknown
      try {
        SecretStore.load(resolveSecretSpecs({ flags: ['locked=file:locked.txt'] }).specs, { baseDir: project })
      } catch (error) {
        caught = error
      }
      expect(caught).toMatchObject({ code: 'CAPABILITY_SECRET_UNAVAILABLE', message: expect.stringContaining('permission denied') })
      expect(JSON.stringify(caught) + (caught as Error).message).not.toContain(FILE_VALUE)
    }
  })

  it('keeps values out of every description: capabilities.describe(), secrets.describe(), JSON and inspect output, and link-config secrets', async () => {
    const project = tempDir()
    writeFileSync(path.join(project, 'value.txt'), FILE_VALUE)
    const dev = (
      parse(`
[[dev.overrides.imports]]
interface = "wasi:blobstore"
image_ref = "ghcr.io/wasmcloud/blobstore-fs:0.10.0"
config = { values = { root = "blobs" } }
secrets = { name = "creds", values = { bucket_x = "${LINK_SEED}" } }
`) as { dev: unknown }
    ).dev
    const resolved = resolveBindings({ imports: ['wasi:blobstore/container@0.2.0-draft'], exports: [], dev })
    const { specs } = resolveSecretSpecs({ flags: ['file-secret=file:value.txt', 'env-secret=env:WASMCTL_TEST_SECRET'] })
    const capabilities = await openCapabilities(resolved, { secrets: specs, baseDir: project, env: { WASMCTL_TEST_SECRET: ENV_VALUE } })
    try {
      // Reveal both, so the values are certainly in memory while everything is printed.
      capabilities.secrets.reveal(capabilities.secrets.get('file-secret'))
      capabilities.secrets.reveal(capabilities.secrets.get('env-secret'))
      const printed = [
        JSON.stringify(capabilities.describe()),
        JSON.stringify(capabilities.secrets.describe()),
        JSON.stringify({ event: 'up.started', bindings: capabilities.describe(), secrets: capabilities.secrets }),
        inspect(capabilities, { depth: 20, showHidden: true }),
        JSON.stringify(resolved.bindings.map(describeBinding)),
        resolved.warnings.join('\n'),
      ].join('\n')
      for (const value of [FILE_VALUE, ENV_VALUE, LINK_SEED]) expect(printed).not.toContain(value)
      expect(printed).toContain('file:value.txt')
      expect(printed).toContain('env:WASMCTL_TEST_SECRET')
      expect(capabilities.describe()[0].linkConfig).toEqual({ root: 'blobs', bucket_x: '***' })
      // The folder backend opened where the link config said, relative to the project.
      expect(capabilities.blobstore?.describe()).toEqual({ backend: 'folder', address: path.join(project, 'blobs') })
    } finally {
      await capabilities.close()
    }
  })
})
