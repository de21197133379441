import { parse } from 'smol-toml'
import { describe, expect, it } from 'vitest'

import {
  assertAllBound,
  describeBinding,
  expandEnv,
  parseLinkConfigFlag,
  providerForImage,
  resolveBindings,
  resolveRuntimeConfig,
  specCovers,
  parseInterfaceSpec,
} from '../../../src/capabilities/binding.js'

const KV_IMPORTS = ['wasi:keyvalue/store@0.2.0-draft', 'wasi:keyvalue/atomics@0.2.0-draft']
const devOf = (toml: string) => (parse(toml) as { dev?: unknown }).dev

describe('binding: defaults', () => {
  it('binds key-value to the embedded store when nothing else is said', () => {
    const { bindings, missing, idle } = resolveBindings({ imports: [...KV_IMPORTS, 'wasi:http/types@0.2.10'], exports: ['wasi:http/incoming-handler@0.2.10'] })
    expect(bindings).toEqual([{ capability: 'keyvalue', interfaces: KV_IMPORTS, backend: 'embedded', linkName: 'default', linkConfig: {}, source: 'default' }])
    expect(missing).toEqual([])
    expect(idle).toEqual([])
  })

  it('refuses a messaging consumer import nothing binds, with how to bind it', () => {
    const resolved = resolveBindings({ imports: ['wasmcloud:messaging/consumer@0.2.0'], exports: [] })
    expect(resolved.missing).toMatchObject([{ capability: 'messaging-consumer', interfaces: ['wasmcloud:messaging/consumer@0.2.0'] }])
    expect(() => assertAllBound(resolved)).toThrow(
      expect.objectContaining({ code: 'CAPABILITY_UNBOUND', message: expect.stringContaining('wasmcloud:messaging/consumer@0.2.0'), hints: expect.arrayContaining([expect.stringContaining('--link wasmcloud:messaging=nats://')]) }),
    )
  })

  it('lists a handler export without subscriptions as idle, not missing', () => {
    const resolved = resolveBindings({ imports: [], exports: ['wasmcloud:messaging/handler@0.2.0', 'wasi:http/incoming-handler@0.2.10'] })
    expect(resolved.missing).toEqual([])
    expect(resolved.idle).toMatchObject([{ capability: 'messaging-handler' }])
    expect(() => assertAllBound(resolved)).not.toThrow()
  })
})

describe('binding: wash [dev] overrides', () => {
  it('selects Redis for a keyvalue-redis image_ref, with its config as link config', () => {
    const dev = devOf(`
[[dev.overrides.imports]]
interface_spec = "wasi:keyvalue@0.2.0-draft"
image_ref = "ghcr.io/wasmcloud/keyvalue-redis:0.28.1"
config = { values = { url = "redis://127.0.0.1:6380/0" } }
`)
    const { bindings } = resolveBindings({ imports: KV_IMPORTS, exports: [], dev })
    expect(bindings).toEqual([
      {
        capability: 'keyvalue',
        interfaces: KV_IMPORTS,
        backend: 'redis',
        linkName: 'default',
        linkConfig: { url: 'redis://127.0.0.1:6380/0' },
        source: 'wasmcloud.toml',
        imageRef: 'ghcr.io/wasmcloud/keyvalue-redis:0.28.1',
      },
    ])
  })

  it('reads the aliases (interface, uri), a list of configs, link_config, inline secrets and link_name', () => {
    const dev = devOf(`
[dev]
link_config = { values = { js_domain = "hub" } }

[[dev.overrides.imports]]
interface = "wasi:keyvalue/store"
uri = "ghcr.io/wasmcloud/keyvalue-nats:0.4.1"
link_name = "counts"
config = [{ values = { bucket = "counts" } }, { name = "shared-config" }]
link_config = { values = { enable_bucket_auto_create = "true" } }
secrets = { name = "nats-creds", values = { client_jwt = "eyJ.jwt", client_seed = "SUAEXAMPLE" } }
`)
    const { bindings, warnings } = resolveBindings({ imports: KV_IMPORTS, exports: [], dev })
    expect(bindings).toMatchObject([
      {
        backend: 'nats',
        linkName: 'counts',
        linkConfig: { js_domain: 'hub', bucket: 'counts', enable_bucket_auto_create: 'true', client_jwt: 'eyJ.jwt', client_seed: 'SUAEXAMPLE' },
      },
      // Only a named link is bound: calls that select no link stay on the embedded store.
      { backend: 'embedded', linkName: 'default', source: 'default' },
    ])
    expect(warnings.join('\n')).toContain('named config "shared-config"')
  })

  it('binds the messaging handler from an exports override and the consumer from an imports one', () => {
    const dev = devOf(`
[[dev.overrides.imports]]
interface_spec = "wasmcloud:messaging/consumer@0.2.0"
image_ref = "ghcr.io/wasmcloud/messaging-nats:0.27.0"
config = { values = { cluster_uris = "nats://127.0.0.1:4222" } }

[[dev.overrides.exports]]
interface_spec = "wasmcloud:messaging/handler@0.2.0"
image_ref = "ghcr.io/wasmcloud/messaging-nats:0.27.0"
config = { values = { cluster_uris = "nats://127.0.0.1:4222", subscriptions = "orders.*,jobs|workers" } }
`)
    const { bindings, missing, idle } = resolveBindings({ imports: ['wasmcloud:messaging/consumer@0.2.0'], exports: ['wasmcloud:messaging/handler@0.2.0'], dev })
    expect(missing).toEqual([])
    expect(idle).toEqual([])
    expect(bindings.map((binding) => [binding.capability, binding.backend, binding.linkConfig.subscriptions])).toEqual([
      ['messaging-consumer', 'nats', undefined],
      ['messaging-handler', 'nats', 'orders.*,jobs|workers'],
    ])
  })

  it('refuses a provider image it has no backend for, naming the ones it has', () => {
    const dev = devOf(`
[[dev.overrides.imports]]
interface_spec = "wasi:keyvalue"
image_ref = "ghcr.io/wasmcloud/keyvalue-vault:0.1.0"
`)
    expect(() => resolveBindings({ imports: KV_IMPORTS, exports: [], dev })).toThrow(
      expect.objectContaining({ code: 'CAPABILITY_PROVIDER_UNSUPPORTED', hints: expect.arrayContaining([expect.stringContaining('keyvalue-redis')]) }),
    )
  })

  it('refuses an image for another capability and two overrides with one link name', () => {
    const wrong = devOf(`
[[dev.overrides.imports]]
interface_spec = "wasi:keyvalue"
image_ref = "ghcr.io/wasmcloud/messaging-nats:0.27.0"
`)
    expect(() => resolveBindings({ imports: KV_IMPORTS, exports: [], dev: wrong })).toThrow(expect.objectContaining({ code: 'CAPABILITY_CONFIG_INVALID' }))
    const twice = devOf(`
[[dev.overrides.imports]]
interface_spec = "wasi:keyvalue/store"
image_ref = "ghcr.io/wasmcloud/keyvalue-redis:0.28.1"
[[dev.overrides.imports]]
interface_spec = "wasi:keyvalue/atomics"
image_ref = "ghcr.io/wasmcloud/keyvalue-nats:0.4.1"
`)
    expect(() => resolveBindings({ imports: KV_IMPORTS, exports: [], dev: twice })).toThrow(expect.objectContaining({ code: 'CAPABILITY_CONFIG_INVALID', message: expect.stringContaining('link name') }))
  })

  it('ignores (with a warning) overrides for interfaces it does not bind', () => {
    const dev = devOf(`
[[dev.overrides.imports]]
interface_spec = "wasmcloud:postgres/query"
image_ref = "ghcr.io/wasmcloud/sqldb-postgres:0.8.0"
`)
    const { bindings, warnings } = resolveBindings({ imports: KV_IMPORTS, exports: [], dev })
    expect(bindings[0].backend).toBe('embedded')
    expect(warnings.join('\n')).toContain('wasmcloud:postgres/query')
  })
})

describe('binding: flags', () => {
  it('--link replaces the project binding; redis URLs become URL, nats query parameters become link config', () => {
    const dev = devOf(`
[[dev.overrides.imports]]
interface_spec = "wasi:keyvalue"
image_ref = "ghcr.io/wasmcloud/keyvalue-redis:0.28.1"
`)
    const redis = resolveBindings({ imports: KV_IMPORTS, exports: [], dev, links: ['wasi:keyvalue=redis://:pw@127.0.0.1:6390/2'] })
    expect(redis.bindings).toMatchObject([{ backend: 'redis', linkConfig: { URL: 'redis://:pw@127.0.0.1:6390/2' }, source: 'flag' }])
    const nats = resolveBindings({
      imports: KV_IMPORTS,
      exports: [],
      dev,
      links: ['wasi:keyvalue=nats://127.0.0.1:4222?bucket=counts&enable_bucket_auto_create=true'],
      linkConfigs: ['wasi:keyvalue:js_domain=hub'],
    })
    expect(nats.bindings).toMatchObject([{ backend: 'nats', linkConfig: { cluster_uri: 'nats://127.0.0.1:4222', bucket: 'counts', enable_bucket_auto_create: 'true', js_domain: 'hub' } }])
    expect(resolveBindings({ imports: KV_IMPORTS, exports: [], dev, links: ['wasi:keyvalue=embedded'] }).bindings[0].backend).toBe('embedded')
  })

  it('binds consumer and handler with one wasmcloud:messaging link', () => {
    const { bindings, missing } = resolveBindings({
      imports: ['wasmcloud:messaging/consumer@0.2.0'],
      exports: ['wasmcloud:messaging/handler@0.2.0'],
      links: ['wasmcloud:messaging=nats://127.0.0.1:4222?subscriptions=orders.>,jobs|workers'],
    })
    expect(missing).toEqual([])
    expect(bindings).toMatchObject([
      { capability: 'messaging-consumer', backend: 'nats', linkConfig: { cluster_uris: 'nats://127.0.0.1:4222' } },
      { capability: 'messaging-handler', backend: 'nats', linkConfig: { subscriptions: 'orders.>,jobs|workers' } },
    ])
  })

  it('rejects malformed flags with the expected form', () => {
    expect(() => resolveBindings({ imports: KV_IMPORTS, exports: [], links: ['wasi:keyvalue'] })).toThrow(expect.objectContaining({ code: 'CAPABILITY_CONFIG_INVALID', message: expect.stringContaining('INTERFACE=TARGET') }))
    expect(() => resolveBindings({ imports: KV_IMPORTS, exports: [], links: ['wasi:keyvalue=mysql://x'] })).toThrow(expect.objectContaining({ code: 'CAPABILITY_CONFIG_INVALID' }))
    expect(() => resolveBindings({ imports: KV_IMPORTS, exports: [], links: ['wasmcloud:messaging=redis://x'] })).toThrow(expect.objectContaining({ code: 'CAPABILITY_CONFIG_INVALID' }))
    expect(() => resolveBindings({ imports: KV_IMPORTS, exports: [], links: ['wasi:blobstore=embedded'] })).toThrow(expect.objectContaining({ code: 'CAPABILITY_CONFIG_INVALID' }))
    expect(() => parseLinkConfigFlag('bucket=counts')).toThrow(expect.objectContaining({ message: expect.stringContaining('INTERFACE:KEY=VALUE') }))
    expect(parseLinkConfigFlag('wasi:keyvalue/store@0.2.0-draft:URL=redis://h:1/0?x=y')).toMatchObject({ key: 'URL', value: 'redis://h:1/0?x=y', spec: { interface: 'store', version: '0.2.0-draft' } })
  })
})

describe('binding: environment references and redaction', () => {
  it('substitutes ${env:NAME} in project and flag values, and keeps $${ literal', () => {
    const dev = devOf(`
[[dev.overrides.imports]]
interface_spec = "wasi:keyvalue"
image_ref = "ghcr.io/wasmcloud/keyvalue-redis:0.28.1"
config = { values = { URL = "redis://:\${env:REDIS_PASSWORD}@127.0.0.1:6379/0", note = "$\${literal}" } }
`)
    const { bindings } = resolveBindings({ imports: KV_IMPORTS, exports: [], dev, env: { REDIS_PASSWORD: 'hunter2' } })
    expect(bindings[0].linkConfig).toEqual({ URL: 'redis://:hunter2@127.0.0.1:6379/0', note: '${literal}' })
    expect(expandEnv('${env:HOST}:${env:PORT}', { HOST: 'h', PORT: '1' }, 'x')).toBe('h:1')
  })

  it('names a missing variable (never a value) and refuses unknown references', () => {
    expect(() => expandEnv('${env:NOT_SET}', {}, 'link config URL')).toThrow(expect.objectContaining({ code: 'CAPABILITY_CONFIG_INVALID', message: 'link config URL reads the environment variable NOT_SET, which is not set' }))
    expect(() => expandEnv('${HOME}', { HOME: '/root' }, 'x')).toThrow(expect.objectContaining({ message: expect.stringContaining('unknown reference') }))
  })

  it('describeBinding masks passwords, seeds, JWTs, tokens and URL userinfo, and gives the address', () => {
    const { bindings } = resolveBindings({
      imports: KV_IMPORTS,
      exports: ['wasmcloud:messaging/handler@0.2.0'],
      links: ['wasi:keyvalue=redis://admin:s3cret@10.0.0.5:6379/1', 'wasmcloud:messaging=nats://tok3n@127.0.0.1:4222?subscriptions=a'],
      linkConfigs: ['wasmcloud:messaging:client_seed=SUASEED', 'wasmcloud:messaging:client_jwt=eyJ.jwt', 'wasmcloud:messaging:password=pw', 'wasmcloud:messaging:api_token=t'],
    })
    const described = bindings.map(describeBinding)
    const printed = JSON.stringify(described)
    for (const secret of ['s3cret', 'tok3n', 'SUASEED', 'eyJ.jwt', '"pw"', '"t"']) expect(printed).not.toContain(secret)
    expect(described[0]).toMatchObject({ backend: 'redis', address: '10.0.0.5:6379', linkConfig: { URL: 'redis://admin:***@10.0.0.5:6379/1' } })
    expect(described[1]).toMatchObject({ backend: 'nats', address: '127.0.0.1:4222', linkConfig: { subscriptions: 'a', client_seed: '***' } })
  })
})

describe('binding: interface specs and images', () => {
  it('matches specs as wash does: package-wide, per interface, semver-compatible versions', () => {
    expect(specCovers(parseInterfaceSpec('wasi:keyvalue'), 'wasi:keyvalue/store@0.2.0-draft')).toBe(true)
    expect(specCovers(parseInterfaceSpec('wasi:keyvalue/atomics'), 'wasi:keyvalue/store@0.2.0-draft')).toBe(false)
    expect(specCovers(parseInterfaceSpec('wasi:keyvalue@0.2.0-draft'), 'wasi:keyvalue/store@0.2.0-draft')).toBe(true)
    expect(specCovers(parseInterfaceSpec('wasi:http@0.2.0'), 'wasi:http/types@0.2.10')).toBe(true)
    expect(specCovers(parseInterfaceSpec('wasi:http@0.3.0'), 'wasi:http/types@0.2.10')).toBe(false)
    expect(() => parseInterfaceSpec('not a spec')).toThrow(expect.objectContaining({ code: 'CAPABILITY_CONFIG_INVALID' }))
  })

  it('knows wasmCloud provider images by repository name, any registry, tag or digest', () => {
    expect(providerForImage('ghcr.io/wasmcloud/keyvalue-redis:0.28.1')?.backend).toBe('redis')
    expect(providerForImage('oci://ghcr.io/wasmcloud/keyvalue-nats@sha256:abc')?.backend).toBe('nats')
    expect(providerForImage('wasmcloud.azurecr.io/kvredis:0.22.0')?.backend).toBe('redis')
    expect(providerForImage('localhost:5000/messaging-nats:0.27.0')?.capabilities).toContain('messaging-handler')
    expect(providerForImage('ghcr.io/wasmcloud/http-server:0.24.0')).toBeUndefined()
  })

  it('resolves wasi:config runtime values from [dev] config and --config, with env references', () => {
    expect(resolveRuntimeConfig({ greeting: 'hi', token: '${env:TOKEN}' }, ['greeting=hello', 'empty='], { TOKEN: 't' })).toEqual({ greeting: 'hello', token: 't', empty: '' })
    expect(() => resolveRuntimeConfig({}, ['novalue'])).toThrow(expect.objectContaining({ code: 'CAPABILITY_CONFIG_INVALID' }))
  })
})
