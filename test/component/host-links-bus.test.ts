import { writeFileSync } from 'node:fs'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createHost, type Host, type HostEvent, readComponentFile } from '../../src/host/index.js'
import { type LinkRule, loadLinkedComponents, type MemberGrants } from '../../src/host/link.js'
import { repoRoot } from '../helpers/cli.js'
import { buildJsComponent } from '../helpers/components.js'
import { startRedis } from '../helpers/redis.js'
import { refusalOf } from '../helpers/refusal.js'
import { tempDir } from '../helpers/tmp.js'

// Link names between linked components (wasmcloud:bus/lattice), per-component config and workload
// identity, with real componentize-js components from test/fixtures/components/linked-bus. The
// callee is one component linked twice, as alpha (link 'default') and beta (link 'backup'), each
// with its own wasi:config naming it: the answer says which one the call reached.
const cacheRoot = path.join(repoRoot, 'test', '.cache', 'host-cache')
const fixture = path.join(repoRoot, 'test', 'fixtures', 'components', 'linked-bus')
const files: Record<string, string> = {}

beforeAll(async () => {
  // One after another: componentize-js is heavy and the machine small.
  for (const world of ['callee', 'caller-v1', 'caller-v2', 'solo', 'prober']) {
    files[world] = await buildJsComponent({ sourcePath: path.join(fixture, `${world}.js`), witPath: path.join(fixture, 'wit'), worldName: world })
  }
}, 600_000)

const source = (world: string, name = world) => ({ ...readComponentFile(files[world]), name })
const RECEIVER = 'wasmctl-test:bus/receiver'
const twoLinks = (caller: string): LinkRule[] => [
  { source: caller, interface: RECEIVER, target: 'alpha' },
  { source: caller, interface: RECEIVER, target: 'beta', name: 'backup' },
]
const grants: Record<string, MemberGrants> = { alpha: { config: { who: 'alpha' } }, beta: { config: { who: 'beta' } } }

const hosts: Host[] = []
afterAll(async () => {
  await Promise.all(hosts.map((host) => host.close()))
})

async function serve(caller: string, rules: LinkRule[]): Promise<{ host: Host; events: HostEvent[] }> {
  const events: HostEvent[] = []
  // The host-wide config: what a component without grants of its own sees.
  const host = await createHost({ port: 0, workers: 1, cacheRoot, config: { who: 'host' }, onEvent: (event) => events.push(event) })
  hosts.push(host)
  await host.load(await loadLinkedComponents([source(caller), source('callee', 'alpha'), source('callee', 'beta')], { cacheRoot, trust: {}, rules, grants }))
  return { host, events }
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url)
  return { status: response.status, text: await response.text() }
}

const errors = (events: HostEvent[], from: number) => events.slice(from).filter((event) => event.event === 'error') as (HostEvent & { message: string })[]

describe('wasmcloud:bus@1.0.0 between linked components', () => {
  let host: Host
  let events: HostEvent[]

  beforeAll(async () => {
    ;({ host, events } = await serve('caller-v1', twoLinks('caller-v1')))
  }, 180_000)

  it('calls the default link unless the request selects another; every request starts on default', async () => {
    expect(await get(`${host.url}/answer`)).toEqual({ status: 200, text: 'alpha answers question (call 1)\n' })
    expect(await get(`${host.url}/answer?link=backup`)).toEqual({ status: 200, text: 'beta answers question (call 1)\n' })
    expect(await get(`${host.url}/answer`)).toEqual({ status: 200, text: 'alpha answers question (call 1)\n' })
  })

  it('switches links within one request and back to default', async () => {
    for (let round = 0; round < 2; round++) {
      expect(await get(`${host.url}/switch?link=backup`)).toEqual({
        status: 200,
        text: 'alpha answers first (call 1)\nbeta answers second (call 1)\nalpha answers third (call 2)\n',
      })
    }
  })

  it('a call under a name with no link fails that request only, naming interface and link', async () => {
    const from = events.length
    expect((await get(`${host.url}/answer?link=nope`)).status).toBe(500)
    const failure = errors(events, from).map((event) => event.message).join('\n')
    expect(failure).toContain(RECEIVER)
    expect(failure).toContain('"nope"')
    expect(await get(`${host.url}/answer`)).toEqual({ status: 200, text: 'alpha answers question (call 1)\n' })
  })

  it('gives each linked component its own config; one without grants sees the host-wide config', async () => {
    expect(await get(`${host.url}/config`)).toEqual({ status: 200, text: 'caller who=host\n' })
  })

  it('a capability call on a link name the host does not serve fails clearly, never on another link', async () => {
    const from = events.length
    expect((await get(`${host.url}/kv?link=cache`)).status).toBe(500)
    const failure = errors(events, from).map((event) => event.message).join('\n')
    expect(failure).toContain('wasi:keyvalue/store')
    expect(failure).toContain('"cache"')
    expect(await get(`${host.url}/kv`)).toEqual({ status: 200, text: 'kv ok\n' })
  })

  it('wasmcloud:identity/store get answers none, logged once at debug level', async () => {
    expect(await get(`${host.url}/identity`)).toEqual({ status: 200, text: 'identity none\n' })
    expect(await get(`${host.url}/identity`)).toEqual({ status: 200, text: 'identity none\n' })
    const notices = events.filter((event) => event.event === 'log' && (event as { context?: string }).context === 'wasmcloud:identity')
    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatchObject({ level: 'debug', component: 'caller-v1' })
  })
})

describe('wasmcloud:bus@2.0.0 between linked components', () => {
  let host: Host

  beforeAll(async () => {
    ;({ host } = await serve('caller-v2', twoLinks('caller-v2')))
  }, 180_000)

  it('selects the link by name, per request', async () => {
    expect(await get(`${host.url}/answer?link=backup`)).toEqual({ status: 200, text: 'beta answers question (call 1)\n' })
    expect(await get(`${host.url}/answer`)).toEqual({ status: 200, text: 'alpha answers question (call 1)\n' })
    expect(await get(`${host.url}/answer?link=default`)).toEqual({ status: 200, text: 'alpha answers question (call 1)\n' })
  })

  it('set-link-name answers an error for a name with no link (wasmCloud wording)', async () => {
    expect(await get(`${host.url}/answer?link=nope`)).toEqual({ status: 409, text: `set-link-name err interface \`${RECEIVER}\` does not have an existing link with name \`nope\`\n` })
    expect(await get(`${host.url}/kv?link=cache`)).toEqual({ status: 409, text: 'set-link-name err interface `wasi:keyvalue/store` does not have an existing link with name `cache`\n' })
    expect(await get(`${host.url}/kv?link=default`)).toEqual({ status: 200, text: 'kv ok\n' })
  })
})

describe('an import linked only under other names', () => {
  it('has no default link: a call that selects none fails; one that selects a name reaches it', async () => {
    const rules: LinkRule[] = [
      { interface: RECEIVER, target: 'alpha', name: 'first' },
      { interface: RECEIVER, target: 'beta', name: 'second' },
    ]
    const { host, events } = await serve('caller-v2', rules)
    expect(await get(`${host.url}/answer?link=second`)).toEqual({ status: 200, text: 'beta answers question (call 1)\n' })
    expect(await get(`${host.url}/answer?link=first`)).toEqual({ status: 200, text: 'alpha answers question (call 1)\n' })
    const from = events.length
    expect((await get(`${host.url}/answer`)).status).toBe(500)
    expect(errors(events, from).map((event) => event.message).join('\n')).toMatch(/no "default" link \(its links: first, second\)/)
  }, 180_000)
})

describe('an unlinked component importing wasmcloud:bus@2.0.0 and wasmcloud:identity', () => {
  it('loads and runs: its capabilities have only the default link; identity is none', async () => {
    const host = await createHost({ port: 0, workers: 1, cacheRoot, onEvent: () => {} })
    hosts.push(host)
    await host.load(source('solo'))
    expect(await get(`${host.url}/kv`)).toEqual({ status: 200, text: 'kv 1\n' })
    expect(await get(`${host.url}/kv?link=default`)).toEqual({ status: 200, text: 'kv 2\n' })
    expect(await get(`${host.url}/kv?link=cache`)).toEqual({ status: 409, text: 'set-link-name err interface `wasi:keyvalue/store` does not have an existing link with name `cache`\n' })
    expect(await get(`${host.url}/identity`)).toEqual({ status: 200, text: 'identity none\n' })
  }, 180_000)

  it('set-link-name picks a named key-value link: the calls go to that link\'s store (a real Redis), the others stay on the default one', async () => {
    const redis = await startRedis()
    try {
      const cache = { interface_spec: 'wasi:keyvalue', image_ref: 'ghcr.io/wasmcloud/keyvalue-redis:0.28.1', link_name: 'cache', config: { values: { url: redis.url } } }
      const host = await createHost({ port: 0, workers: 1, cacheRoot, capabilities: { dev: { overrides: { imports: [cache] } }, links: [], linkConfigs: [], secrets: [] }, onEvent: () => {} })
      hosts.push(host)
      await host.load(source('solo'))
      expect(await get(`${host.url}/kv`)).toEqual({ status: 200, text: 'kv 1\n' })
      expect(await get(`${host.url}/kv?link=cache`)).toEqual({ status: 200, text: 'kv 1\n' })
      expect(await get(`${host.url}/kv?link=cache`)).toEqual({ status: 200, text: 'kv 2\n' })
      // Every request starts on the default link again.
      expect(await get(`${host.url}/kv`)).toEqual({ status: 200, text: 'kv 2\n' })
      expect(await redis.cli('GET', 'hits')).toBe('2')
      expect(await get(`${host.url}/kv?link=other`)).toEqual({ status: 409, text: 'set-link-name err interface `wasi:keyvalue/store` does not have an existing link with name `other`\n' })
    } finally {
      await redis.dispose()
    }
  }, 180_000)
})

describe('link rules and grants the host refuses', () => {
  it('a rule naming a component that is not linked: HOST_LINK_INVALID with the names there are', async () => {
    const error = await refusalOf(loadLinkedComponents([source('caller-v1'), source('callee', 'alpha')], { cacheRoot, trust: {}, rules: [{ interface: RECEIVER, target: 'gamma' }] }))
    expect(error.code).toBe('HOST_LINK_INVALID')
    expect(error.hints.join('\n')).toContain('caller-v1, alpha')
  })

  it('settings for a component that is not linked: HOST_LINK_INVALID', async () => {
    const error = await refusalOf(loadLinkedComponents([source('caller-v1'), source('callee', 'alpha')], { cacheRoot, trust: {}, grants: { gamma: { config: {} } } }))
    expect(error.code).toBe('HOST_LINK_INVALID')
    expect(error.message).toContain('gamma')
  })
})

describe("the host's grants are the entry's", () => {
  it('a linked component sees no host variable and no host directory the entry was given', async () => {
    const shared = tempDir('wasmctl-bus-grants-')
    writeFileSync(path.join(shared, 'secret.txt'), 'host file')
    const host = await createHost({ port: 0, workers: 1, cacheRoot, env: { API_TOKEN: 'host-variable' }, preopens: [{ host: shared, guest: '/data' }], onEvent: () => {} })
    hosts.push(host)
    await host.load(await loadLinkedComponents([source('caller-v2'), source('prober')], { cacheRoot, trust: {} }))
    expect(await get(`${host.url}/answer?q=env`)).toEqual({ status: 200, text: '[]\n' })
    expect(await get(`${host.url}/answer?q=files`)).toEqual({ status: 200, text: '[]\n' })
    expect(await get(`${host.url}/answer?q=hello`)).toEqual({ status: 200, text: 'prober answers hello\n' })
  }, 180_000)

  it('a linked component without config of its own sees none of the host-wide wasi:config values', async () => {
    const host = await createHost({ port: 0, workers: 1, cacheRoot, config: { who: 'host' }, onEvent: () => {} })
    hosts.push(host)
    await host.load(await loadLinkedComponents([source('caller-v2'), source('callee', 'alpha')], { cacheRoot, trust: {} }))
    expect(await get(`${host.url}/answer`)).toEqual({ status: 200, text: 'nobody answers question (call 1)\n' })
  }, 180_000)
})
