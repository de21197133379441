import { describe, expect, it } from 'vitest'

import { unsatisfiedImports } from '../../../src/host/pool.js'
import { unprovidedImportHint } from '../../../src/manifest/providers.js'

describe('what would supply an import the embedded host does not provide', () => {
  it('names the wasmCloud provider for a capability the host has no backend for', () => {
    expect(unprovidedImportHint('wasmcloud:postgres/query@0.1.1-draft')).toBe(
      'wasmcloud:postgres/query@0.1.1-draft: on wasmCloud, the sqldb-postgres (ghcr.io/wasmcloud/sqldb-postgres) provider supplies it; the embedded host has no backend for it yet',
    )
  })

  it('names the versions wasmCloud serves when only the version is unsupported', () => {
    expect(unprovidedImportHint('wasi:keyvalue/store@0.1.0')).toContain("wasmCloud's keyvalue-redis, keyvalue-nats or keyvalue-vault provide version 0.2.0-draft and 0.2.0-draft2")
    expect(unprovidedImportHint('wasi:blobstore/blobstore@0.3.0')).toContain('version 0.2.0-draft')
    expect(unprovidedImportHint('wasi:config/store@0.3.0')).toContain('the host itself provides version 0.2.0-draft (runtime) and 0.2.0-rc.1 (store)')
  })

  it('points an interface no provider offers at linking the component that exports it', () => {
    expect(unprovidedImportHint('acme:billing/invoices@1.0.0')).toContain('another component must export it: `wasmctl up app.wasm other.wasm`')
    expect(unprovidedImportHint('do-thing')).toContain('plain function import')
  })

  it('the load error carries one such hint per interface, then what the host provides', () => {
    const error = unsatisfiedImports(['wasmcloud:postgres/query@0.1.1-draft', 'wasmcloud:postgres/types@0.1.1-draft', 'acme:billing/invoices#pay'])
    expect(error.code).toBe('HOST_UNSATISFIED_IMPORTS')
    expect(error.hints).toHaveLength(4)
    expect(error.hints[0]).toContain('sqldb-postgres')
    expect(error.hints[2]).toMatch(/^acme:billing\/invoices: no wasmCloud provider/)
    expect(error.hints[3]).toMatch(/^the embedded host provides/)
  })
})

describe('provider images by repository name', () => {
  it('reads the name whatever the registry, tag or digest, and knows no name inherited from Object', async () => {
    const { imageRepositoryName, providerKindOfImage } = await import('../../../src/manifest/providers.js')
    const { providerForImage } = await import('../../../src/capabilities/binding.js')
    expect(imageRepositoryName('oci://ghcr.io/wasmcloud/keyvalue-redis@sha256:abc')).toBe('keyvalue-redis')
    expect(imageRepositoryName('localhost:5000/keyvalue-nats:0.3.1')).toBe('keyvalue-nats')
    expect(providerKindOfImage('ghcr.io/wasmcloud/http-server:0.24.0')).toBe('http-server')
    expect(providerKindOfImage('ghcr.io/acme/constructor:1.0.0')).toBeUndefined()
    expect(providerForImage('ghcr.io/acme/toString:1.0.0')).toBeUndefined()
    expect(providerForImage('ghcr.io/wasmcloud/blobstore-nats:0.1.0')).toMatchObject({ backend: 'nats' })
  })
})
