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
    // the registry host is case-insensitive; a tag keeps its case (distribution's grammar)
    ['GHCR.io/acme/hello:V1', { registry: 'ghcr.io', repository: 'acme/hello', tag: 'V1' }],
    ['127.0.0.1:65535/x:1', { registry: '127.0.0.1:65535', repository: 'x', tag: '1' }],
    ['registry.example.com:1/x:1', { registry: 'registry.example.com:1', repository: 'x', tag: '1' }],
    [`ghcr.io/a/b@${digest.toUpperCase().replace('SHA256', 'sha256')}`, { registry: 'ghcr.io', repository: 'a/b', digest }],
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
    ['ghcr.io/acme/hello world:1', 'spaces'],
    ['ghcr.io/acme/he\u0000llo:1', 'control characters'],
    // ports and host names a URL cannot be built from (was exit 10 "Invalid URL")
    ['host:99999/x:1', '"99999" in "host:99999" is not a port'],
    ['host:0/x:1', 'not a port'],
    ['host:/x:1', 'not a port'],
    ['host:12ab/x:1', 'not a port'],
    ['127.0.0.1:65536/x:1', 'not a port'],
    ['[::1:5000/x:1', 'not a registry host'],
    ['[nothex]:5000/x:1', 'not a registry host'],
    [`${'a'.repeat(64)}.example.com/x:1`, 'not a registry host'],
    ['-bad.example.com/x:1', 'not a registry host'],
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
    expect((error as WasmctlError).message).toContain(reason)
    expect((error as WasmctlError).hints.join(' ')).toMatch(/registry\/repository:tag|host name or IP address with an optional port 1-65535/)
  })

  it('refuses an upper-case repository instead of lower-casing it, suggesting the lower-case name', () => {
    let error: WasmctlError | undefined
    try {
      parseReference('ghcr.io/Acme/Hello:V1')
    } catch (caught) {
      error = caught as WasmctlError
    }
    expect(error?.code).toBe('OCI_REFERENCE_INVALID')
    expect(error?.exit).toBe(2)
    expect(error?.message).toMatch(/repository names must be lower-case/)
    expect(error?.hints).toEqual(['use ghcr.io/acme/hello:V1'])
  })

  it('checks a default registry too', () => {
    expect(() => parseReference('x:1', { defaultRegistry: 'host:70000' })).toThrow(/not a port/)
    expect(() => resolveReference('x:1', 'host:70000')).toThrow(/not a port/)
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
