import { parse } from 'smol-toml'
import { describe, expect, it } from 'vitest'

import { capabilityOf, describeBinding, providerForImage, resolveBindings, targetFromFlag } from '../../../src/capabilities/binding.js'
import { safeComponents, unsafeComponent } from '../../../src/capabilities/blobstore/confined.js'
import { clampRange, ListedNames } from '../../../src/capabilities/blobstore/types.js'
import { storageOptions } from '../../../src/capabilities/blobstore/nats.js'

const BLOB_IMPORTS = ['wasi:blobstore/blobstore@0.2.0-draft', 'wasi:blobstore/container@0.2.0-draft', 'wasi:blobstore/types@0.2.0-draft']
const devOf = (toml: string) => (parse(toml) as { dev?: unknown }).dev

describe('binding wasi:blobstore', () => {
  it('recognizes the three blobstore interfaces as one capability', () => {
    expect(BLOB_IMPORTS.map((name) => capabilityOf(name, 'import'))).toEqual(['blobstore', 'blobstore', 'blobstore'])
    expect(capabilityOf('wasi:blobstore/other@0.2.0-draft', 'import')).toBeUndefined()
    expect(capabilityOf('wasi:blobstore/container@0.2.0-draft', 'export')).toBeUndefined()
  })

  it('binds to the folder backend by default (root left to the host: <project>/.wasmctl/blobstore)', () => {
    const { bindings, missing, warnings } = resolveBindings({ imports: [...BLOB_IMPORTS, 'wasi:io/streams@0.2.0'], exports: [] })
    expect(bindings).toEqual([{ capability: 'blobstore', interfaces: BLOB_IMPORTS, backend: 'folder', linkName: 'default', linkConfig: {}, source: 'default' }])
    expect(missing).toEqual([])
    expect(warnings).toEqual([])
    expect(describeBinding(bindings[0])).toMatchObject({ backend: 'folder', address: '.wasmctl/blobstore' })
  })

  it('selects NATS for a blobstore-nats image_ref and the folder for blobstore-fs, with their link config', () => {
    const nats = resolveBindings({
      imports: BLOB_IMPORTS,
      exports: [],
      dev: devOf(`
[[dev.overrides.imports]]
interface_spec = "wasi:blobstore@0.2.0-draft"
image_ref = "ghcr.io/wasmcloud/blobstore-nats:0.14.0"
config = { values = { cluster_uri = "nats://u:pw@127.0.0.1:4333", js_domain = "hub", max_age = "60" } }
`),
    })
    expect(nats.bindings).toMatchObject([
      { capability: 'blobstore', backend: 'nats', imageRef: 'ghcr.io/wasmcloud/blobstore-nats:0.14.0', linkConfig: { cluster_uri: 'nats://u:pw@127.0.0.1:4333', js_domain: 'hub', max_age: '60' } },
    ])
    const shown = describeBinding(nats.bindings[0])
    expect(shown.address).toBe('127.0.0.1:4333')
    expect(JSON.stringify(shown)).not.toContain('pw')

    const fs = resolveBindings({
      imports: BLOB_IMPORTS,
      exports: [],
      dev: devOf(`
[[dev.overrides.imports]]
interface = "wasi:blobstore/container"
uri = "ghcr.io/wasmcloud/blobstore-fs:0.10.0"
config = { values = { root = "/srv/blobs" } }
`),
    })
    expect(fs.bindings).toMatchObject([{ backend: 'folder', linkConfig: { root: '/srv/blobs' }, source: 'wasmcloud.toml' }])
    expect(describeBinding(fs.bindings[0]).address).toBe('/srv/blobs')
    // Without an image, the override configures the default folder backend.
    const bare = resolveBindings({ imports: BLOB_IMPORTS, exports: [], dev: devOf(`[[dev.overrides.imports]]\ninterface = "wasi:blobstore"\nconfig = { values = { root = "data" } }\n`) })
    expect(bare.bindings).toMatchObject([{ backend: 'folder', linkConfig: { root: 'data' } }])
  })

  it('refuses a blobstore provider image wasmctl has no backend for, and a key-value image for blobstore', () => {
    expect(providerForImage('ghcr.io/wasmcloud/blobstore-s3:0.10.0')).toBeUndefined()
    expect(() =>
      resolveBindings({ imports: BLOB_IMPORTS, exports: [], dev: devOf(`[[dev.overrides.imports]]\ninterface = "wasi:blobstore"\nimage_ref = "ghcr.io/wasmcloud/blobstore-s3:0.10.0"\n`) }),
    ).toThrow(expect.objectContaining({ code: 'CAPABILITY_PROVIDER_UNSUPPORTED', hints: expect.arrayContaining([expect.stringContaining('blobstore-nats')]) }))
    expect(() =>
      resolveBindings({ imports: BLOB_IMPORTS, exports: [], dev: devOf(`[[dev.overrides.imports]]\ninterface = "wasi:blobstore"\nimage_ref = "ghcr.io/wasmcloud/keyvalue-redis:0.28.1"\n`) }),
    ).toThrow(expect.objectContaining({ code: 'CAPABILITY_CONFIG_INVALID' }))
  })

  it('takes --link wasi:blobstore=nats://… and =file:///path, replacing the project binding', () => {
    const dev = devOf(`[[dev.overrides.imports]]\ninterface = "wasi:blobstore"\nimage_ref = "ghcr.io/wasmcloud/blobstore-fs:0.10.0"\nconfig = { values = { root = "/a" } }\n`)
    const toNats = resolveBindings({ imports: BLOB_IMPORTS, exports: [], dev, links: ['wasi:blobstore=nats://127.0.0.1:4222?js_domain=hub&storage_type=memory'] })
    expect(toNats.bindings).toEqual([
      { capability: 'blobstore', interfaces: BLOB_IMPORTS, backend: 'nats', linkName: 'default', linkConfig: { cluster_uri: 'nats://127.0.0.1:4222', js_domain: 'hub', storage_type: 'memory' }, source: 'flag' },
    ])
    const toFolder = resolveBindings({ imports: BLOB_IMPORTS, exports: [], links: ['wasi:blobstore=file:///srv/my%20blobs'], linkConfigs: ['wasi:blobstore:extra=1'] })
    expect(toFolder.bindings).toMatchObject([{ backend: 'folder', linkConfig: { root: '/srv/my blobs', extra: '1' }, source: 'flag' }])
    expect(resolveBindings({ imports: BLOB_IMPORTS, exports: [], links: ['wasi:blobstore=folder'] }).bindings).toMatchObject([{ backend: 'folder', linkConfig: {} }])
  })

  it('refuses backends that do not provide a blobstore, and folders for other capabilities', () => {
    expect(() => targetFromFlag('embedded', 'blobstore')).toThrow(expect.objectContaining({ code: 'CAPABILITY_CONFIG_INVALID', message: expect.stringContaining('file:///PATH') }))
    expect(() => targetFromFlag('redis://127.0.0.1:6379', 'blobstore')).toThrow(expect.objectContaining({ code: 'CAPABILITY_CONFIG_INVALID' }))
    expect(() => targetFromFlag('file:///tmp/x', 'keyvalue')).toThrow(expect.objectContaining({ code: 'CAPABILITY_CONFIG_INVALID' }))
    expect(() => targetFromFlag('file://remote-host/x', 'blobstore')).toThrow(expect.objectContaining({ code: 'CAPABILITY_CONFIG_INVALID' }))
  })
})

describe('blobstore names and ranges', () => {
  it('accepts plain components and refuses every escape', () => {
    expect(safeComponents('a/b/c.txt', 'object')).toEqual(['a', 'b', 'c.txt'])
    expect(safeComponents('..hidden', 'object')).toEqual(['..hidden'])
    expect(safeComponents('with space and ünïcode', 'object')).toEqual(['with space and ünïcode'])
    for (const bad of ['', '.', '..', '../x', 'a/../b', '/abs', 'a//b', 'trailing/', 'nul\0byte', 'x'.repeat(256)]) {
      expect(() => safeComponents(bad, 'object'), bad).toThrow()
    }
    expect(unsafeComponent('a/b')).toContain('/')
  })

  it('clamps inclusive ranges to the object', () => {
    expect(clampRange(0n, 9n, 10n)).toEqual({ start: 0n, end: 9n })
    expect(clampRange(2n, 100n, 10n)).toEqual({ start: 2n, end: 9n })
    expect(clampRange(10n, 20n, 10n)).toBeUndefined()
    expect(clampRange(5n, 4n, 10n)).toBeUndefined()
    expect(clampRange(0n, 0n, 0n)).toBeUndefined()
  })

  it('reads and skips listed names in batches', async () => {
    const names = new ListedNames(['a', 'b', 'c'])
    expect(await names.read(2n)).toEqual({ names: ['a', 'b'], end: false })
    expect(await names.skip(5n)).toEqual({ skipped: 1n, end: true })
    expect(await names.read(1n)).toEqual({ names: [], end: true })
    expect(await new ListedNames([]).read(10n)).toEqual({ names: [], end: true })
  })

  it('maps blobstore-nats storage keys, refusing bad values as the provider does', () => {
    expect(storageOptions({ max_age: '60', storage_type: 'Memory', num_replicas: '3', compression: 'true' })).toEqual({ ttl: 60_000_000_000, storage: 'memory', replicas: 3, compression: true })
    expect(storageOptions({ max_age: '0', storage_type: '0' })).toEqual({ storage: 'file' })
    for (const bad of [{ max_age: '1h' }, { storage_type: 'tape' }, { num_replicas: '9' }, { compression: 'yes' }]) {
      expect(() => storageOptions(bad)).toThrow(expect.objectContaining({ code: 'CAPABILITY_CONFIG_INVALID' }))
    }
  })
})
