import { describe, expect, it } from 'vitest'

import { WasmctlError } from '../../../src/errors.js'
import {
  formatReference,
  isLoopbackRegistry,
  looksLikeReference,
  parseReference,
  registryApiHost,
  resolveReference,
} from '../../../src/oci/reference.js'

const digest = `sha256:${'ab'.repeat(32)}`

describe('parseReference', () => {
  it.each([
    ['ghcr.io/acme/hello:0.1.0', { registry: 'ghcr.io', repository: 'acme/hello', tag: '0.1.0' }],
    ['127.0.0.1:5000/demo/hello:0.1.0', { registry: '127.0.0.1:5000', repository: 'demo/hello', tag: '0.1.0' }],
    ['localhost/hello:v1', { registry: 'localhost', repository: 'hello', tag: 'v1' }],
    ['localhost:5000/a/b/c', { registry: 'localhost:5000', repository: 'a/b/c' }],
    [`ghcr.io/acme/hello@${digest}`, { registry: 'ghcr.io', repository: 'acme/hello', digest }],
    [`ghcr.io/acme/hello:1.0@${digest}`, { registry: 'ghcr.io', repository: 'acme/hello', tag: '1.0', digest }],
    ['[::1]:5000/x:1', { registry: '[::1]:5000', repository: 'x', tag: '1' }],
    // docker-style defaults
    ['nginx', { registry: 'docker.io', repository: 'library/nginx' }],
    ['nginx:1.27', { registry: 'docker.io', repository: 'library/nginx', tag: '1.27' }],
    ['wasmcloud/echo:0.2.0', { registry: 'docker.io', repository: 'wasmcloud/echo', tag: '0.2.0' }],
    ['index.docker.io/wasmcloud/echo:0.2.0', { registry: 'docker.io', repository: 'wasmcloud/echo', tag: '0.2.0' }],
    // lower-cased as wash does before parsing
    ['GHCR.io/Acme/Hello:V1', { registry: 'ghcr.io', repository: 'acme/hello', tag: 'v1' }],
    ['  ghcr.io/a/b:1  ', { registry: 'ghcr.io', repository: 'a/b', tag: '1' }],
    ['ghcr.io/a__b/c-d.e_f:1', { registry: 'ghcr.io', repository: 'a__b/c-d.e_f', tag: '1' }],
  ])('%s', (input, expected) => {
    expect(parseReference(input)).toEqual(expected)
  })

  it.each([
    ['', 'empty'],
    ['ghcr.io/acme/hello:', 'tag'],
    ['ghcr.io/acme/hello:-bad', 'tag'],
    ['ghcr.io/acme/hello@sha256:1234', 'digest'],
    ['ghcr.io/acme/hello@md5:abcd', 'digest'],
    ['ghcr.io/acme//hello:1', 'repository'],
    ['ghcr.io/acme/hello world:1', 'repository'],
    ['ghcr.io/-acme/hello:1', 'repository'],
    ['https://ghcr.io/acme/hello:1', 'scheme'],
    ['ghcr.io/acme/../hello:1', 'repository'],
    [`ghcr.io/${'a'.repeat(256)}:1`, 'longer'],
  ])('rejects %j (%s)', (input, reason) => {
    let error: unknown
    try {
      parseReference(input)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(WasmctlError)
    expect((error as WasmctlError).code).toBe('OCI_REFERENCE_INVALID')
    expect((error as WasmctlError).exit).toBe(2)
    expect((error as WasmctlError).message).toMatch(new RegExp(reason === 'empty' ? 'empty' : reason === 'longer' ? 'longer' : reason))
    expect((error as WasmctlError).hints.join(' ')).toMatch(/registry\/repository:tag/)
  })

  it('uses a default registry for references without one', () => {
    expect(parseReference('demo/hello:1', { defaultRegistry: '127.0.0.1:5000' })).toEqual({ registry: '127.0.0.1:5000', repository: 'demo/hello', tag: '1' })
    // a single-segment repository gets library/ only on Docker Hub
    expect(parseReference('hello:1', { defaultRegistry: 'ghcr.io' }).repository).toBe('hello')
  })
})

describe('resolveReference', () => {
  it('joins a [registry] url that holds a path prefix, as wash does', () => {
    expect(resolveReference('hello:0.1.0', 'ghcr.io/acme')).toEqual({ registry: 'ghcr.io', repository: 'acme/hello', tag: '0.1.0' })
    expect(resolveReference('hello:0.1.0', 'http://localhost:5000/')).toEqual({ registry: 'localhost:5000', repository: 'hello', tag: '0.1.0' })
  })

  it('keeps a reference that names its own registry', () => {
    expect(resolveReference('ghcr.io/other/hello:1', 'localhost:5000')).toEqual({ registry: 'ghcr.io', repository: 'other/hello', tag: '1' })
  })
})

describe('helpers', () => {
  it('formats references back', () => {
    expect(formatReference(parseReference(`ghcr.io/a/b:1@${digest}`))).toBe(`ghcr.io/a/b:1@${digest}`)
    expect(formatReference(parseReference('nginx'))).toBe('docker.io/library/nginx')
  })

  it('knows Docker Hub serves its API elsewhere', () => {
    expect(registryApiHost('docker.io')).toBe('registry-1.docker.io')
    expect(registryApiHost('ghcr.io')).toBe('ghcr.io')
  })

  it.each([
    ['localhost', true],
    ['localhost:5000', true],
    ['127.0.0.1:41234', true],
    ['127.1.2.3', true],
    ['[::1]:5000', true],
    ['[::1]', true],
    ['ghcr.io', false],
    ['10.0.0.1:5000', false],
    ['localhost.example.com', false],
  ])('isLoopbackRegistry(%s) = %s', (registry, expected) => {
    expect(isLoopbackRegistry(registry)).toBe(expected)
  })

  it.each([
    ['ghcr.io/acme/hello:0.1.0', true],
    [`ghcr.io/acme/hello@${digest}`, true],
    ['wasmcloud/echo:0.2.0', true],
    ['hello.wasm', false],
    ['build/hello_s.wasm', false],
    ['ghcr.io/acme/hello', false],
    ['not a ref:1', false],
  ])('looksLikeReference(%s) = %s', (input, expected) => {
    expect(looksLikeReference(input)).toBe(expected)
  })
})
