import { copyFileSync, existsSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { repoRoot, runCli } from '../helpers/cli.js'
import { buildJsComponent } from '../helpers/components.js'
import { startCli } from '../helpers/long-running.js'
import { type RedisServer, startRedis } from '../helpers/redis.js'
import { freePort, useRegistry } from '../helpers/registry.js'
import { tempDir } from '../helpers/tmp.js'
import { applicationHeader, httpServerLink } from '../helpers/wadm-yaml.js'
import { probeHttpComponent } from '../fixtures/components/fixtures.js'

// `wasmctl up app.yaml`: a wadm manifest (what `wasmctl app deploy` sends to a lattice) served on
// the embedded host, with real components, a real redis-server, and wasmCloud's own fixtures.
const dir = tempDir('wasmctl-up-manifest-')
const cacheEnv = { WASMCTL_CACHE_DIR: path.join(dir, 'cache') }
const linkedChain = path.join(repoRoot, 'test', 'fixtures', 'components', 'linked-chain')
const linkedBus = path.join(repoRoot, 'test', 'fixtures', 'components', 'linked-bus')
const wasmcloudFixtures = path.resolve(repoRoot, process.env.WASMCTL_WASMCLOUD_COMPONENTS ?? '../shared/fixtures/wasmcloud-components')
let redis: RedisServer

beforeAll(async () => {
  // Under names other than the manifest's: the manifest names the components, not the files.
  for (const world of ['caller', 'callee']) {
    const built = await buildJsComponent({ sourcePath: path.join(linkedChain, `${world}.js`), witPath: path.join(linkedChain, 'wit'), worldName: world })
    copyFileSync(built, path.join(dir, `${world}-build.wasm`))
  }
  copyFileSync(await probeHttpComponent(), path.join(dir, 'probe.wasm'))
  for (const world of ['callee', 'caller-v1']) {
    const built = await buildJsComponent({ sourcePath: path.join(linkedBus, `${world}.js`), witPath: path.join(linkedBus, 'wit'), worldName: world })
    copyFileSync(built, path.join(dir, `bus-${world}.wasm`))
  }
  redis = await startRedis()
}, 300_000)

afterAll(async () => {
  await redis?.dispose()
})

const header = applicationHeader

const httpServer = (target: string, address = '0.0.0.0:8000') => httpServerLink(target, address)

function writeManifest(name: string, yaml: string): string {
  const file = path.join(dir, name)
  writeFileSync(file, yaml)
  return file
}

const chainManifest = `${header('linked-chain')}    - name: front
      type: component
      properties:
        image: file://./caller-build.wasm
      traits:
        - type: spreadscaler
          properties:
            instances: 10
        - type: link
          properties:
            target:
              name: greeter-impl
            namespace: wasmctl-test
            package: linked
            interfaces: [greeter]
    - name: greeter-impl
      type: component
      properties:
        image: file://callee-build.wasm
${httpServer('front')}`

describe('wasmctl up app.yaml: components linked by link traits', () => {
  it('serves the caller with the callee linked in, named as in the manifest, and says where each link went', async () => {
    const manifest = writeManifest('chain.yaml', chainManifest)
    // From another folder: file:// images are relative to the manifest's folder, as wash reads them.
    const up = startCli(['up', manifest, '--port', '0', '--json'], { cwd: repoRoot, env: cacheEnv })
    const { url, component } = await up.waitForEvent('host.ready', { timeoutMs: 120_000 })
    expect(component).toBe('front')
    for (let round = 0; round < 2; round++) {
      expect(await (await fetch(`${url}/?name=manifest`)).text()).toBe('hello manifest callee-calls=1 caller-requests=1\n')
    }
    const [loaded] = up.of('manifest.loaded')
    expect(loaded).toMatchObject({
      app: 'linked-chain',
      entry: 'front',
      components: [
        { name: 'front', origin: path.join(dir, 'caller-build.wasm') },
        { name: 'greeter-impl', origin: path.join(dir, 'callee-build.wasm') },
      ],
      address: '0.0.0.0:8000',
      warnings: [],
    })
    expect(loaded.links).toEqual([
      { from: 'front', to: 'greeter-impl', interfaces: ['wasmctl-test:linked/greeter'], via: 'component' },
      { from: 'httpserver', to: 'front', interfaces: ['wasi:http/incoming-handler'], via: 'http-server', image: 'ghcr.io/wasmcloud/http-server:0.27.0' },
    ])
    expect(loaded.notes.join('\n')).toContain('spreadscaler (instances: 10) is not used')
  }, 180_000)

  it('listens where the http-server link says (a wildcard host on loopback), and prints the links for people', async () => {
    const port = await freePort()
    const manifest = writeManifest('chain-port.yaml', chainManifest.replace('address: 0.0.0.0:8000', `address: 0.0.0.0:${port}`))
    const up = startCli(['up', manifest], { cwd: dir, env: cacheEnv })
    const [, served] = await up.waitForLine(/^Serving front at (http:\S+)/, { stream: 'stdout', timeoutMs: 120_000 })
    expect(served).toBe(`http://127.0.0.1:${port}`)
    expect(await (await fetch(`${served}/?name=port`)).text()).toBe('hello port callee-calls=1 caller-requests=1\n')
    expect(up.stderrLines).toContain('Manifest linked-chain (' + manifest + '): front, greeter-impl')
    expect(up.stderrLines).toContain('  front -> greeter-impl: wasmctl-test:linked/greeter')
    const exit = await up.stop('SIGINT')
    expect(exit.exitCode).toBe(0)
  }, 180_000)
})

describe('wasmctl up app.yaml: link names and per-component config', () => {
  it('one component linked twice under two link names, each with its own config; the entry gets its config and --config on top', async () => {
    const yaml = `${header('bus-links')}    - name: caller
      type: component
      properties:
        image: file://bus-caller-v1.wasm
        config:
          - name: caller-config
            properties:
              who: caller-from-manifest
      traits:
        - type: link
          properties:
            target: { name: alpha }
            namespace: wasmctl-test
            package: bus
            interfaces: [receiver]
        - type: link
          properties:
            target: { name: beta }
            namespace: wasmctl-test
            package: bus
            interfaces: [receiver]
            name: backup
    - name: alpha
      type: component
      properties:
        image: file://bus-callee.wasm
        config:
          - name: alpha-config
            properties: { who: alpha }
    - name: beta
      type: component
      properties:
        image: file://bus-callee.wasm
        config:
          - name: beta-config
            properties: { who: beta }
${httpServer('caller')}`
    const manifest = writeManifest('bus-links.yaml', yaml)
    const up = startCli(['up', manifest, '--port', '0', '--json'], { cwd: dir, env: cacheEnv })
    const { url } = await up.waitForEvent('host.ready', { timeoutMs: 120_000 })
    expect(await (await fetch(`${url}/answer`)).text()).toBe('alpha answers question (call 1)\n')
    expect(await (await fetch(`${url}/answer?link=backup`)).text()).toBe('beta answers question (call 1)\n')
    expect(await (await fetch(`${url}/config`)).text()).toBe('caller who=caller-from-manifest\n')
    expect(up.of('manifest.loaded')[0].links).toContainEqual({ from: 'caller', to: 'beta', interfaces: ['wasmctl-test:bus/receiver'], linkName: 'backup', via: 'component' })
    await up.stop('SIGINT')

    const flagged = startCli(['up', manifest, '--port', '0', '--json', '--config', 'who=from-flag'], { cwd: dir, env: cacheEnv })
    const served = await flagged.waitForEvent('host.ready', { timeoutMs: 120_000 })
    expect(await (await fetch(`${served.url}/config`)).text()).toBe('caller who=from-flag\n')
    // Linked components keep their own config: --config is the entry's.
    expect(await (await fetch(`${served.url}/answer`)).text()).toBe('alpha answers question (call 1)\n')
  }, 240_000)
})

describe('wasmctl up app.yaml: components from a registry', () => {
  const registry = useRegistry()

  it('pulls an OCI image as `up REF` does, and links it under its manifest name', async () => {
    const reference = `${registry.host}/demo/greeter:0.1.0`
    const push = await runCli(['push', reference, path.join(dir, 'callee-build.wasm'), '--insecure'], { env: cacheEnv })
    expect(push.exitCode, push.stderr).toBe(0)
    const manifest = writeManifest('chain-oci.yaml', chainManifest.replace('file://callee-build.wasm', reference))
    const up = startCli(['up', manifest, '--port', '0', '--json', '--insecure'], { cwd: dir, env: cacheEnv })
    const { url } = await up.waitForEvent('host.ready', { timeoutMs: 120_000 })
    expect(await (await fetch(`${url}/?name=oci`)).text()).toBe('hello oci callee-calls=1 caller-requests=1\n')
    // The origin pins the digest that was pulled and runs.
    expect(up.of('manifest.loaded')[0].components).toContainEqual({ name: 'greeter-impl', origin: expect.stringMatching(new RegExp(`^${reference.replaceAll('.', '\\.')}@sha256:[0-9a-f]{64}$`)) })
  }, 180_000)
})

describe('wasmctl up app.yaml: links to capability providers', () => {
  const probeManifest = (providerImage: string, url: string) => `${header('probe-app')}    - name: probe
      type: component
      properties:
        image: file://probe.wasm
        config:
          - name: probe-config
            properties:
              greeting: from-manifest
              other: kept
      traits:
        - type: link
          properties:
            target:
              name: kvredis
              config:
                - name: redis-url
                  properties:
                    url: ${url}
            namespace: wasi
            package: keyvalue
            interfaces: [store, atomics]
    - name: kvredis
      type: capability
      properties:
        image: ${providerImage}
${httpServer('probe')}`

  it('a keyvalue-redis link stores in Redis; component config is its wasi:config, --config on top', async () => {
    const manifest = writeManifest('probe-redis.yaml', probeManifest('ghcr.io/wasmcloud/keyvalue-redis:0.28.1', redis.url))
    const up = startCli(['up', manifest, '--port', '0', '--json', '--config', 'greeting=from-flag'], { cwd: dir, env: cacheEnv })
    const { url } = await up.waitForEvent('host.ready', { timeoutMs: 120_000 })
    expect(await (await fetch(`${url}/kv?bucket=default`)).text()).toBe('count=1\n')
    expect(await (await fetch(`${url}/kv?bucket=default`)).text()).toBe('count=2\n')
    expect(await redis.cli('GET', 'counter')).toBe('2')
    expect(await (await fetch(`${url}/config`)).json()).toEqual({
      greeting: 'from-flag',
      all: expect.arrayContaining([
        ['greeting', 'from-flag'],
        ['other', 'kept'],
      ]),
    })
    const [bound] = up.of('capabilities.bound')
    expect(bound.bindings).toEqual([expect.objectContaining({ capability: 'keyvalue', backend: 'redis', address: `127.0.0.1:${redis.port}`, source: 'manifest', imageRef: 'ghcr.io/wasmcloud/keyvalue-redis:0.28.1' })])
    expect(up.of('manifest.loaded')[0].links).toContainEqual({
      from: 'probe',
      to: 'kvredis',
      interfaces: ['wasi:keyvalue/store', 'wasi:keyvalue/atomics'],
      via: 'backend',
      image: 'ghcr.io/wasmcloud/keyvalue-redis:0.28.1',
    })
  }, 180_000)

  it('a provider with no stand-in, for an interface the component imports, is refused naming it', async () => {
    const manifest = writeManifest('probe-dynamo.yaml', probeManifest('ghcr.io/acme/keyvalue-dynamo:1.0.0', 'unused'))
    const result = await runCli(['up', manifest, '--port', '0'], { cwd: dir, env: cacheEnv })
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain('CAPABILITY_PROVIDER_UNSUPPORTED')
    expect(result.stderr).toContain('ghcr.io/acme/keyvalue-dynamo:1.0.0')
    expect(result.stderr).toContain('keyvalue-redis')
    expect(result.stderr).not.toMatch(/\n\s+at /)
  }, 120_000)

  it('two components taking HTTP requests are refused with --json as one error document', async () => {
    const yaml = `${header('two-http')}    - name: one
      type: component
      properties:
        image: file://probe.wasm
    - name: two
      type: component
      properties:
        image: file://probe.wasm
${httpServer('one')}${httpServer('two').replace('name: httpserver', 'name: httpserver2').replace('default-http', 'second-http')}`
    const result = await runCli(['up', writeManifest('two-http.yaml', yaml), '--port', '0', '--json'], { cwd: dir, env: cacheEnv })
    expect(result.exitCode).toBe(1)
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line))
    expect(lines.at(-1).error).toMatchObject({ code: 'APP_MANIFEST_UNSUPPORTED', message: expect.stringContaining('one and two both take HTTP requests') })
  }, 120_000)
})

describe('wasmctl up app.yaml: wasmCloud-built components', () => {
  it('inter_component_call caller + callee linked by a link trait: every request reaches the callee', async () => {
    const caller = path.join(wasmcloudFixtures, 'inter_component_call_caller.wasm')
    const callee = path.join(wasmcloudFixtures, 'inter_component_call_callee.wasm')
    if (!existsSync(caller)) throw new Error(`${caller} is missing: set WASMCTL_WASMCLOUD_COMPONENTS to the wasmcloud-components fixtures folder`)
    // As wasmCloud's integration_inter_component_call.rs wires them, in a wadm manifest.
    const yaml = `${header('inter-component-call')}    - name: http-caller
      type: component
      properties:
        image: ${pathToFileURL(caller).href}
      traits:
        - type: spreadscaler
          properties:
            instances: 1
        - type: link
          properties:
            target:
              name: receiver
            namespace: wasmcloud
            package: example
            interfaces: [receiver]
    - name: receiver
      type: component
      properties:
        image: ${pathToFileURL(callee).href}
${httpServer('http-caller')}`
    const up = startCli(['up', writeManifest('inter-component-call.yaml', yaml), '--port', '0', '--json'], { cwd: dir, env: cacheEnv })
    const { url } = await up.waitForEvent('host.ready', { timeoutMs: 120_000 })
    for (let round = 1; round <= 2; round++) {
      const from = up.mark()
      const response = await fetch(`${url}/`, { headers: { host: 'test' } })
      expect(response.status).toBe(200)
      await response.arrayBuffer()
      await up.waitForEvent('log', { from, where: (event) => event.context === 'receiver' && event.message === 'invoke' })
      // Attributed to the component by its manifest name.
      expect(up.of('log', from).filter((event) => event.context === 'receiver').map((event) => event.component)).toEqual(['receiver'])
    }
  }, 180_000)
})
