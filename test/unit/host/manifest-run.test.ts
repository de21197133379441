import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { WasmctlError } from '../../../src/errors.js'
import { componentReference, formatManifestEvent, isManifestArgument, parseListenAddress, planManifestRun, readManifestRun, relabelBindings } from '../../../src/host/manifest-run.js'
import { readManifest } from '../../../src/manifest/io.js'
import { resolveBindings } from '../../../src/capabilities/index.js'
import { refusal } from '../../helpers/refusal.js'
import { applicationHeader, httpServerLink } from '../../helpers/wadm-yaml.js'

// `wasmctl up app.yaml`: what a wadm manifest becomes on the embedded host (pure planning).
const dir = '/work/app'

function plan(yaml: string, options = {}) {
  return planManifestRun(readManifest(yaml).manifest, dir, options)
}

const header = applicationHeader('linked')

const httpServer = (target: string, address = '0.0.0.0:8000') => httpServerLink(target, address)

const chain = `${header}    - name: caller
      type: component
      properties:
        image: file://./build/caller.wasm
        config:
          - name: caller-config
            properties:
              greeting: hi
      traits:
        - type: spreadscaler
          properties:
            instances: 100
        - type: link
          properties:
            target:
              name: callee
            namespace: wasmctl-test
            package: linked
            interfaces: [greeter, other]
    - name: callee
      type: component
      properties:
        image: ghcr.io/acme/callee:0.1.0
        config:
          - name: callee-config
            properties:
              mood: calm
              template: "\${name}"
${httpServer('caller')}`

describe('planManifestRun: components and their links', () => {
  it('links components by their link traits, one rule per interface, the HTTP entry first', () => {
    const result = plan(chain)
    expect(result.app).toBe('linked')
    expect(result.entry).toBe('caller')
    expect(result.sources).toEqual([
      { name: 'caller', reference: path.join(dir, 'build', 'caller.wasm') },
      { name: 'callee', reference: 'ghcr.io/acme/callee:0.1.0' },
    ])
    expect(result.rules).toEqual([
      { source: 'caller', interface: 'wasmctl-test:linked/greeter', target: 'callee' },
      { source: 'caller', interface: 'wasmctl-test:linked/other', target: 'callee' },
    ])
    expect(result.links).toContainEqual({ from: 'caller', to: 'callee', interfaces: ['wasmctl-test:linked/greeter', 'wasmctl-test:linked/other'], via: 'component' })
  })

  it('grants outgoing HTTP to a linked component only through its link to the http-client provider', () => {
    const client = `    - name: client
      type: capability
      properties:
        image: ghcr.io/wasmcloud/http-client:0.12.1
`
    const calleeLink = `      traits:
        - type: link
          properties:
            target:
              name: client
            namespace: wasi
            package: http
            interfaces: [outgoing-handler]
`
    expect(plan(chain).grants.callee.outgoingHttp).toBeUndefined()
    const linked = chain.replace('              template: "${name}"\n', `              template: "\${name}"\n${calleeLink}`).replace(/\n$/, '\n') + client
    expect(plan(linked).grants.callee).toEqual({ config: { mood: 'calm', template: '${name}' }, outgoingHttp: true })
  })

  it('gives each component its config: a grant for linked ones, the host config for the entry', () => {
    const result = plan(chain)
    expect(result.config).toEqual({ caller: { greeting: 'hi' }, callee: { mood: 'calm', template: '${name}' } })
    expect(result.grants).toEqual({ callee: { config: { mood: 'calm', template: '${name}' } } })
  })

  it('listens where the http-server link says, on loopback for a wildcard host (noted)', () => {
    const result = plan(chain)
    expect(result.address).toEqual({ host: '127.0.0.1', port: 8000, given: '0.0.0.0:8000' })
    expect(result.notes.join('\n')).toContain('--address 0.0.0.0')
    expect(plan(`${header}    - name: app\n      type: component\n      properties:\n        image: file:///abs/app.wasm\n${httpServer('app', '127.0.0.2:9090')}`).address).toEqual({
      host: '127.0.0.2',
      port: 9090,
      given: '127.0.0.2:9090',
    })
  })

  it('reads ADDRESS too, and refuses an address that is not HOST:PORT', () => {
    const upper = plan(`${header}    - name: app\n      type: component\n      properties:\n        image: file:///abs/app.wasm\n${httpServer('app').replace('address:', 'ADDRESS:')}`)
    expect(upper.address?.port).toBe(8000)
    expect(refusal(() => parseListenAddress('localhost', 'the link')).code).toBe('APP_MANIFEST_INVALID')
    expect(parseListenAddress('[::]:8080', 'x')).toMatchObject({ host: '127.0.0.1', port: 8080, wildcard: true })
  })

  it('notes that scalers are not used', () => {
    expect(plan(chain).notes.join('\n')).toMatch(/caller: spreadscaler \(instances: 100\) is not used/)
  })

  it('resolves file:// images against the manifest folder, absolute ones as they are', () => {
    expect(componentReference('file://build/a.wasm', dir)).toBe(path.join(dir, 'build', 'a.wasm'))
    expect(componentReference('file:///opt/a%20b.wasm', dir)).toBe('/opt/a b.wasm')
    expect(componentReference('ghcr.io/x/y:1', dir)).toBe('ghcr.io/x/y:1')
  })

  it('detects a manifest argument only for an existing .yaml/.yml/.json file', () => {
    expect(isManifestArgument(undefined)).toBe(false)
    expect(isManifestArgument('missing.yaml')).toBe(false)
    expect(isManifestArgument('package.json')).toBe(true)
    expect(isManifestArgument('README.md')).toBe(false)
  })
})

describe('planManifestRun: links to capability providers', () => {
  const withProvider = (image: string, extra = '') => `${header}    - name: counter
      type: component
      properties:
        image: file://counter.wasm
      traits:
        - type: link
          properties:
            target:
              name: store
              config:
                - name: redis-url
                  properties:
                    url: redis://127.0.0.1:6379/0
                - name: shared-on-lattice
${extra}            namespace: wasi
            package: keyvalue
            interfaces: [store, atomics]
    - name: store
      type: capability
      properties:
        image: ${image}
${httpServer('counter')}`

  it('a keyvalue-redis link becomes the redis binding with the target config, as wash overrides do', () => {
    const result = plan(withProvider('ghcr.io/wasmcloud/keyvalue-redis:0.28.1'))
    expect(result.dev).toEqual({
      overrides: {
        imports: [{ interface_spec: 'wasi:keyvalue', image_ref: 'ghcr.io/wasmcloud/keyvalue-redis:0.28.1', link_name: 'default', config: { values: { url: 'redis://127.0.0.1:6379/0' } } }],
        exports: [],
      },
    })
    expect(result.warnings.join('\n')).toContain('the named config "shared-on-lattice" lives on a wasmCloud lattice')
    expect(result.links).toContainEqual({ from: 'counter', to: 'store', interfaces: ['wasi:keyvalue/store', 'wasi:keyvalue/atomics'], via: 'backend', image: 'ghcr.io/wasmcloud/keyvalue-redis:0.28.1' })
    // The binding model reads it exactly as it reads a wash override.
    const bound = resolveBindings({ imports: ['wasi:keyvalue/store@0.2.0-draft', 'wasi:keyvalue/atomics@0.2.0-draft'], exports: [], dev: result.dev })
    expect(bound.bindings).toMatchObject([{ capability: 'keyvalue', backend: 'redis', linkConfig: { url: 'redis://127.0.0.1:6379/0' } }])
  })

  it('--link on the command line replaces the manifest\'s binding; --link-config adds to it', () => {
    const result = plan(withProvider('ghcr.io/wasmcloud/keyvalue-redis:0.28.1'))
    const imports = ['wasi:keyvalue/store@0.2.0-draft']
    expect(resolveBindings({ imports, exports: [], dev: result.dev, links: ['wasi:keyvalue=embedded'] }).bindings).toMatchObject([{ backend: 'embedded', source: 'flag' }])
    expect(resolveBindings({ imports, exports: [], dev: result.dev, linkConfigs: ['wasi:keyvalue:url=redis://127.0.0.1:7000/1'] }).bindings).toMatchObject([
      { backend: 'redis', linkConfig: { url: 'redis://127.0.0.1:7000/1' } },
    ])
  })

  it('keyvalue-nats, blobstore-fs and a named link keep their link name and config', () => {
    const nats = plan(withProvider('ghcr.io/wasmcloud/keyvalue-nats:0.3.1', '            name: cache\n'))
    expect(nats.dev?.overrides.imports[0]).toMatchObject({ interface_spec: 'wasi:keyvalue', link_name: 'cache' })
    expect(resolveBindings({ imports: ['wasi:keyvalue/store@0.2.0-draft'], exports: [], dev: nats.dev }).bindings[0]).toMatchObject({ backend: 'nats', linkName: 'cache' })
    const blob = plan(withProvider('ghcr.io/wasmcloud/blobstore-fs:0.10.1').replace('package: keyvalue', 'package: blobstore').replace('[store, atomics]', '[blobstore]'))
    expect(blob.dev?.overrides.imports[0]).toMatchObject({ interface_spec: 'wasi:blobstore', image_ref: 'ghcr.io/wasmcloud/blobstore-fs:0.10.1' })
  })

  it('manifest values are literal: ${…} is not read from the environment', () => {
    const result = plan(withProvider('ghcr.io/wasmcloud/keyvalue-redis:0.28.1').replace('redis://127.0.0.1:6379/0', 'redis://${HOST}:6379'))
    const bound = resolveBindings({ imports: ['wasi:keyvalue/store@0.2.0-draft'], exports: [], dev: result.dev, env: {} })
    expect(bound.bindings[0].linkConfig.url).toBe('redis://${HOST}:6379')
  })

  it('an unknown provider image is left to the load-time check (refused if the component imports it)', () => {
    const result = plan(withProvider('ghcr.io/acme/keyvalue-dynamo:1.0.0'))
    expect(result.dev).toBeUndefined()
    expect(result.unsupported).toEqual([{ component: 'counter', direction: 'import', interfaces: ['wasi:keyvalue/store', 'wasi:keyvalue/atomics'], provider: 'store', image: 'ghcr.io/acme/keyvalue-dynamo:1.0.0' }])
  })

  it('a provider that does not implement the linked interface is refused, naming both', () => {
    const error = refusal(() => plan(withProvider('ghcr.io/wasmcloud/blobstore-fs:0.10.1')))
    expect(error.code).toBe('CAPABILITY_CONFIG_INVALID')
    expect(error.message).toContain('blobstore-fs:0.10.1 does not provide wasi:keyvalue/store')
  })

  it('a messaging-nats source link becomes the handler binding with its subscriptions', () => {
    const result = plan(`${header}    - name: worker
      type: component
      properties:
        image: file://worker.wasm
    - name: nats
      type: capability
      properties:
        image: ghcr.io/wasmcloud/messaging-nats:0.23.1
      traits:
        - type: link
          properties:
            target: worker
            namespace: wasmcloud
            package: messaging
            interfaces: [handler]
            source_config:
              - name: subs
                properties:
                  subscriptions: orders.>
                  cluster_uris: nats://127.0.0.1:4222
`)
    expect(result.entry).toBe('worker')
    expect(result.dev?.overrides.exports).toEqual([
      { interface_spec: 'wasmcloud:messaging/handler', image_ref: 'ghcr.io/wasmcloud/messaging-nats:0.23.1', link_name: 'default', config: { values: { subscriptions: 'orders.>', cluster_uris: 'nats://127.0.0.1:4222' } } },
    ])
    const bound = resolveBindings({ imports: [], exports: ['wasmcloud:messaging/handler@0.2.0'], dev: result.dev })
    expect(bound.bindings[0]).toMatchObject({ capability: 'messaging-handler', backend: 'nats' })
  })

  it('secrets are not resolved: a warning says to give them with --secret (none when given)', () => {
    const yaml = `${header}    - name: app
      type: component
      properties:
        image: file://app.wasm
        secrets:
          - name: api-key
            properties:
              policy: vault
              key: app/api
${httpServer('app')}  policies:
    - name: vault
      type: policy.secret.wasmcloud.dev/v1alpha1
      properties:
        backend: nats-kv
`
    expect(plan(yaml).warnings.join('\n')).toMatch(/the secret "api-key" comes from the secret backend nats-kv .*--secret api-key=env:VARIABLE/)
    expect(plan(yaml, { secretNames: ['api-key'] }).warnings).toEqual([])
  })

  it('an http-client link is the host itself: a warning names --allow-http', () => {
    const result = plan(`${header}    - name: app
      type: component
      properties:
        image: file://app.wasm
      traits:
        - type: link
          properties:
            target: { name: client }
            namespace: wasi
            package: http
            interfaces: [outgoing-handler]
    - name: client
      type: capability
      properties:
        image: ghcr.io/wasmcloud/http-client:0.12.1
`)
    expect(result.links).toEqual([{ from: 'app', to: 'client', interfaces: ['wasi:http/outgoing-handler'], via: 'host', image: 'ghcr.io/wasmcloud/http-client:0.12.1' }])
    expect(result.warnings.join('\n')).toContain('--allow-http')
  })

  it('two links binding one capability differently under one link name are refused', () => {
    const yaml = `${header}    - name: a
      type: component
      properties:
        image: file://a.wasm
      traits:
        - type: link
          properties: { target: { name: b }, namespace: x, package: y, interfaces: [z] }
        - type: link
          properties: { target: { name: redis }, namespace: wasi, package: keyvalue, interfaces: [store] }
    - name: b
      type: component
      properties:
        image: file://b.wasm
      traits:
        - type: link
          properties: { target: { name: nats }, namespace: wasi, package: keyvalue, interfaces: [store] }
    - name: redis
      type: capability
      properties: { image: ghcr.io/wasmcloud/keyvalue-redis:0.28.1 }
    - name: nats
      type: capability
      properties: { image: ghcr.io/wasmcloud/keyvalue-nats:0.3.1 }
`
    const error = refusal(() => plan(yaml))
    expect(error.code).toBe('HOST_LINK_INVALID')
    expect(error.message).toMatch(/both bind wasi:keyvalue \(link name default\)/)
  })
})

describe('planManifestRun: what a local run refuses', () => {
  it('a manifest with no component', () => {
    const error = refusal(() => plan(`${header}    - name: kv\n      type: capability\n      properties:\n        image: ghcr.io/wasmcloud/keyvalue-redis:0.28.1\n`))
    expect(error.code).toBe('APP_MANIFEST_UNSUPPORTED')
    expect(error.message).toContain('no component')
    expect(error.hints[0]).toContain('type: component')
  })

  it('two components taking HTTP requests', () => {
    const yaml = `${header}    - name: one\n      type: component\n      properties:\n        image: file://one.wasm\n    - name: two\n      type: component\n      properties:\n        image: file://two.wasm\n${httpServer('one')}${httpServer('two').replace('name: httpserver', 'name: httpserver2').replace('default-http', 'second-http')}`
    const error = refusal(() => plan(yaml))
    expect(error.code).toBe('APP_MANIFEST_UNSUPPORTED')
    expect(error.message).toContain('one and two both take HTTP requests')
    expect(error.hints[0]).toContain('split the manifest')
  })

  it('a component the entry does not link to', () => {
    const yaml = `${header}    - name: one\n      type: component\n      properties:\n        image: file://one.wasm\n    - name: lonely\n      type: component\n      properties:\n        image: file://lonely.wasm\n${httpServer('one')}`
    const error = refusal(() => plan(yaml))
    expect(error.code).toBe('APP_MANIFEST_UNSUPPORTED')
    expect(error.message).toContain('lonely is not linked from one')
  })

  it('a shared component (properties.application)', () => {
    const yaml = `${header}    - name: shared\n      type: component\n      properties:\n        application:\n          name: other-app\n          component: thing\n`
    expect(refusal(() => plan(yaml)).code).toBe('APP_MANIFEST_UNSUPPORTED')
  })
})

describe('what start-up shows', () => {
  it('the manifest line names each link and where it went; notes only when verbose', () => {
    const result = plan(chain)
    const event = { event: 'manifest.loaded' as const, file: 'app.yaml', app: result.app, components: [{ name: 'caller', origin: 'x' }, { name: 'callee', origin: 'y' }], links: result.links, warnings: [], notes: result.notes }
    const text = formatManifestEvent(event).text
    expect(text).toContain('Manifest linked (app.yaml): caller, callee')
    expect(text).toContain('caller -> callee: wasmctl-test:linked/greeter, wasmctl-test:linked/other')
    expect(text).toContain("httpserver -> caller: wasi:http/incoming-handler [the host's HTTP server]")
    expect(text).not.toContain('note:')
    expect(formatManifestEvent(event, true).text).toContain('note: caller: spreadscaler')
  })

  it('bindings and warnings from the manifest are labelled as the manifest, not wasmcloud.toml', () => {
    const relabelled = relabelBindings({ overrideLabels: { imports: ['the link from a to kv (wasi:keyvalue/store)'], exports: [] } }, [{ capability: 'keyvalue', interfaces: [], backend: 'redis', linkName: 'default', source: 'wasmcloud.toml', linkConfig: {} }], [
      '[[dev.overrides.imports]] #1: something',
      'wasi:keyvalue is bound (wasmcloud.toml), but the component does not use it',
    ])
    expect(relabelled.bindings[0].source).toBe('manifest')
    expect(relabelled.warnings).toEqual(['the link from a to kv (wasi:keyvalue/store): something', 'wasi:keyvalue is bound (manifest), but the component does not use it'])
  })
})

describe('wasmCloud\'s own example manifests', () => {
  const examples = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'fixtures', 'manifests', 'wasmcloud')
  const read = (name: string) => readManifestRun(path.join(examples, name))

  it('http-keyvalue-counter: the counter from the registry, keyvalue-redis with its url, listening on :8000', async () => {
    const result = await read('rust-http-keyvalue-counter.wadm.yaml')
    expect(result.sources).toEqual([{ name: 'counter', reference: 'ghcr.io/wasmcloud/components/http-keyvalue-counter-rust:0.1.0' }])
    expect(result.dev?.overrides.imports).toEqual([{ interface_spec: 'wasi:keyvalue', image_ref: 'ghcr.io/wasmcloud/keyvalue-redis:0.29.0', link_name: 'default', config: { values: { url: 'redis://0.0.0.0:6379' } } }])
    expect(result.address).toEqual({ host: '127.0.0.1', port: 8000, given: '0.0.0.0:8000' })
    expect(result.warnings).toEqual([])
  })

  it('composition: a relative file:// image and the legacy source_config address', async () => {
    const result = await read('rust-composition.wadm.yaml')
    expect(result.sources).toEqual([{ name: 'http-component', reference: path.join(examples, 'output.wasm') }])
    expect(result.address).toEqual({ host: '127.0.0.1', port: 8000, given: '127.0.0.1:8000' })
    expect(result.notes.some((note) => note.includes('--address'))).toBe(false)
  })

  it('echo-messaging: the consumer import and the handler export both go to NATS, with the subscriptions', async () => {
    const result = await read('rust-echo-messaging.wadm.yaml')
    expect(result.dev?.overrides.imports).toEqual([{ interface_spec: 'wasmcloud:messaging/consumer', image_ref: 'ghcr.io/wasmcloud/messaging-nats:canary', link_name: 'default' }])
    expect(result.dev?.overrides.exports).toEqual([
      { interface_spec: 'wasmcloud:messaging/handler', image_ref: 'ghcr.io/wasmcloud/messaging-nats:canary', link_name: 'default', config: { values: { subscriptions: 'wasmcloud.echo' } } },
    ])
  })

  it('security-secrets: a custom provider is left to the load-time check; each secret says how to give it locally', async () => {
    const result = await read('security-secrets.wadm.yaml')
    expect(result.unsupported).toMatchObject([{ component: 'counter', direction: 'import', provider: 'kvredis', interfaces: ['wasi:keyvalue/atomics', 'wasi:keyvalue/store'] }])
    const warnings = result.warnings.join('\n')
    expect(warnings).toContain('--secret api_password=env:VARIABLE')
    expect(warnings).toContain('--link-config wasi:keyvalue:redis_password=${env:VARIABLE}')
  })

  it('a manifest wadm refuses is refused with wadm\'s message', async () => {
    const error = await readManifestRun(path.join(examples, '..', 'invalid', 'many-errors.yaml')).then(
      () => undefined,
      (failure: unknown) => failure,
    )
    expect(error).toBeInstanceOf(WasmctlError)
    expect((error as WasmctlError).code).toBe('APP_MANIFEST_INVALID')
    expect((error as WasmctlError).message).toContain('manifest name [bad.name] is not allowed')
  })
})
