import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { connect, type NatsConnection } from '@nats-io/transport-node'
import { Kvm } from '@nats-io/kv'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { runCli } from '../helpers/cli.js'
import { startCli, type LongRunningCli } from '../helpers/long-running.js'
import { type NatsServer, startNats } from '../helpers/nats.js'
import { type RedisServer, startRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'
import { templateComponent } from '../fixtures/components/fixtures.js'

// Late-bound capabilities through `wasmctl up` / `dev` as a user runs them: the template builds
// (made once by the CLI, cached), real redis-server and nats-server -js, the built CLI as a process.
const dir = tempDir('wasmctl-caps-')
const cacheEnv = { WASMCTL_CACHE_DIR: path.join(dir, 'cache') }
/** 8 clients × 500 increments by default; WASMCTL_TEST_KV_EACH lowers it on slow machines. */
const CLIENTS = 8
const EACH = Number(process.env.WASMCTL_TEST_KV_EACH ?? 500)

let kvCounter: string
let messaging: string
let redis: RedisServer
let nats: NatsServer
let client: NatsConnection

beforeAll(async () => {
  ;[kvCounter, messaging, redis, nats] = await Promise.all([templateComponent('ts-kv-counter'), templateComponent('ts-messaging'), startRedis(), startNats()])
  client = await connect({ servers: nats.url })
}, 600_000)

afterAll(async () => {
  await client?.close()
  await Promise.all([redis?.dispose(), nats?.dispose()])
})

async function serve(args: string[], env: Record<string, string> = {}): Promise<{ url: string; up: LongRunningCli }> {
  const up = startCli(['up', ...args, '--port', '0', '--json'], { cwd: dir, env: { ...cacheEnv, ...env } })
  const ready = await up.waitForEvent('host.ready')
  return { url: ready.url, up }
}

async function count(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url)
  const text = await response.text()
  return { status: response.status, body: JSON.parse(text) }
}

/** CLIENTS clients, each EACH sequential increments of one key: every count must come back exactly once. */
async function hammer(url: string): Promise<number[]> {
  const counts: number[] = []
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = 0; i < EACH; i++) {
        const answer = await count(url)
        expect(answer.status, JSON.stringify(answer.body)).toBe(200)
        counts.push(answer.body.count)
      }
    }),
  )
  return counts.sort((a, b) => a - b)
}

const expectedCounts = () => Array.from({ length: CLIENTS * EACH }, (_, i) => i + 1)

const natsLink = (bucket: string) => `wasi:keyvalue=nats://127.0.0.1:${nats.port}?bucket=${bucket}&enable_bucket_auto_create=true`

describe('wasmctl up: key-value on every backend', () => {
  it('counts on the embedded store (the default) with no lost update, and lists the binding at start-up', async () => {
    const served = await serve([kvCounter])
    const bound = served.up.events.find((event) => event.event === 'capabilities.bound')
    expect(bound?.bindings).toEqual([expect.objectContaining({ capability: 'keyvalue', backend: 'embedded', source: 'default' })])
    expect(await hammer(`${served.url}/hammer`)).toEqual(expectedCounts())
    expect((await served.up.stop('SIGTERM')).exitCode).toBe(0)
  }, 300_000)

  it('counts on Redis with no lost update; keys are visible to redis-cli, and the other way round', async () => {
    const served = await serve([kvCounter, '--link', `wasi:keyvalue=${redis.url}`])
    const bound = served.up.events.find((event) => event.event === 'capabilities.bound')
    expect(bound?.bindings[0]).toMatchObject({ backend: 'redis', address: expect.stringContaining(`127.0.0.1:${redis.port}`), source: 'flag' })
    expect(await hammer(`${served.url}/redis-hammer`)).toEqual(expectedCounts())
    expect(await redis.cli('GET', '/redis-hammer')).toBe(String(CLIENTS * EACH))
    await redis.cli('SET', '/from-redis-cli', '41')
    expect((await count(`${served.url}/from-redis-cli`)).body).toEqual({ path: '/from-redis-cli', count: 42 })
    expect((await served.up.stop('SIGTERM')).exitCode).toBe(0)
  }, 300_000)

  it('counts on NATS JetStream KV with no lost update; keys are visible through the NATS KV API, and the other way round', async () => {
    const served = await serve([kvCounter, '--link', natsLink('counts')])
    const bound = served.up.events.find((event) => event.event === 'capabilities.bound')
    expect(bound?.bindings[0]).toMatchObject({ backend: 'nats', address: expect.stringContaining(`127.0.0.1:${nats.port}`), linkConfig: expect.objectContaining({ bucket: 'counts' }) })
    expect(await hammer(`${served.url}/nats-hammer`)).toEqual(expectedCounts())
    const kv = await new Kvm(client).open('counts')
    expect((await kv.get('/nats-hammer'))?.string()).toBe(String(CLIENTS * EACH))
    await kv.put('/from-nats', '9')
    expect((await count(`${served.url}/from-nats`)).body).toEqual({ path: '/from-nats', count: 10 })
    expect((await served.up.stop('SIGTERM')).exitCode).toBe(0)
  }, 300_000)

  it('refuses to start, before listening, when the backend is unreachable, naming it and its address', async () => {
    const result = await runCli(['up', kvCounter, '--port', '0', '--json', '--link', 'wasi:keyvalue=redis://127.0.0.1:1/0'], { cwd: dir, env: cacheEnv })
    expect(result.exitCode).toBe(1)
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line))
    expect(lines.some((line) => line.event === 'host.ready')).toBe(false)
    expect(lines.at(-1).error).toMatchObject({ code: 'CAPABILITY_BACKEND_UNREACHABLE', message: expect.stringMatching(/Redis.*127\.0\.0\.1:1/) })
  }, 60_000)
})

describe('wasmctl up: a backend that goes away while serving', () => {
  for (const backend of ['redis', 'nats'] as const) {
    it(`${backend}: requests during the outage fail cleanly with a logged error, later ones succeed without restarting up`, async () => {
      const server = backend === 'redis' ? redis : nats
      const link = backend === 'redis' ? `wasi:keyvalue=${redis.url}` : natsLink('outage')
      const served = await serve([kvCounter, '--link', link])
      expect((await count(`${served.url}/outage-${backend}`)).body.count).toBe(1)

      await server.stop()
      const mark = served.up.mark()
      const during = await count(`${served.url}/outage-${backend}`)
      expect(during.status).toBeGreaterThanOrEqual(500)
      expect(during.body.error).toMatch(/other/)
      const logged = await served.up.waitForEvent('error', { from: mark })
      expect(logged.message).toMatch(/key-value/)

      await server.start()
      let after = await count(`${served.url}/outage-${backend}`)
      // The client reconnects by itself; give it a few seconds.
      for (let tries = 0; after.status !== 200 && tries < 100; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 200))
        after = await count(`${served.url}/outage-${backend}`)
      }
      expect(after.status).toBe(200)
      expect(after.body.count).toBe(2)
      // A wasi:keyvalue error value, not a trap: no instance was thrown away.
      expect(served.up.events.filter((event) => event.event === 'instance.replaced' && event.reason === 'failure')).toEqual([])
      expect((await served.up.stop('SIGTERM')).exitCode).toBe(0)
    }, 120_000)
  }
})

describe('credentials in link config', () => {
  it('never appear in output, with --log-level debug, in human mode and in --json events', async () => {
    const password = 'pw-Sup3rSecret-42'
    await redis.cli('CONFIG', 'SET', 'requirepass', password)
    try {
      const url = `redis://:${password}@127.0.0.1:${redis.port}/0`
      for (const json of [true, false]) {
        const args = ['up', kvCounter, '--port', '0', '--log-level', 'debug', '--link', `wasi:keyvalue=${url}`, ...(json ? ['--json'] : [])]
        const up = startCli(args, { cwd: dir, env: cacheEnv })
        const address = json ? (await up.waitForEvent('host.ready')).url : (await up.waitForLine(/ at (http:\/\/\S+)$/, { stream: 'stdout' }))[1]
        expect((await count(`${address}/secret-path`)).status).toBe(200)
        const stopped = await up.stop('SIGTERM')
        expect(stopped.exitCode).toBe(0)
        expect(stopped.stdout + stopped.stderr).toMatch(/redis/)
        expect(stopped.stdout + stopped.stderr).not.toContain(password)
      }
      // A failing start-up (wrong password) does not print it either.
      const refused = await runCli(['up', kvCounter, '--port', '0', '--log-level', 'debug', '--link', `wasi:keyvalue=redis://:wrong-${password}@127.0.0.1:${redis.port}/0`], { cwd: dir, env: cacheEnv })
      expect(refused.exitCode).toBe(1)
      expect(refused.stdout + refused.stderr).not.toContain(password)
    } finally {
      await redis.cli('-a', password, '--no-auth-warning', 'CONFIG', 'SET', 'requirepass', '')
    }
  }, 120_000)
})

describe('wasmctl up: messaging over NATS', () => {
  it('runs the ts-messaging template: it answers a NATS request, and its publish reaches a subscriber', async () => {
    const events = client.subscribe('greetings.events', { max: 1 })
    const event = (async () => {
      for await (const message of events) return JSON.parse(message.string())
    })()
    const served = await serve([messaging, '--link', `wasmcloud:messaging=nats://127.0.0.1:${nats.port}?subscriptions=greetings.hello`])
    const bound = served.up.events.find((line) => line.event === 'capabilities.bound')
    expect(bound?.bindings.map((binding: any) => binding.capability).sort()).toEqual(['messaging-consumer', 'messaging-handler'])
    const reply = await client.request('greetings.hello', 'Ada', { timeout: 10_000 })
    expect(reply.string()).toBe('Hello, Ada!')
    expect(await event).toEqual({ subject: 'greetings.hello', name: 'Ada', greeting: 'Hello, Ada!', answered: true })
    // No HTTP handler: HTTP gets a clear 404, the host keeps running.
    expect((await fetch(served.url)).status).toBe(404)
    expect((await served.up.stop('SIGTERM')).exitCode).toBe(0)
  }, 120_000)

  it('refuses a consumer import that nothing binds, saying how to bind it', async () => {
    const result = await runCli(['up', messaging, '--port', '0', '--json'], { cwd: dir, env: cacheEnv })
    expect(result.exitCode).toBe(1)
    const last = JSON.parse(result.stdout.trim().split('\n').at(-1)!)
    expect(last.error).toMatchObject({ code: 'CAPABILITY_UNBOUND' })
    expect(last.error.hints.join('\n')).toContain('--link wasmcloud:messaging=nats://')
  }, 60_000)
})

describe('wasmctl dev: wash-style [[dev.overrides.imports]]', () => {
  it('selects Redis for a keyvalue-redis override with no other setting', async () => {
    const created = await runCli(['new', 'actor', 'counter', '--template', 'ts-kv-counter', '--yes'], { cwd: dir })
    expect(created.exitCode, created.stderr).toBe(0)
    const project = path.join(dir, 'counter')
    const toml = path.join(project, 'wasmcloud.toml')
    writeFileSync(
      toml,
      `${readFileSync(toml, 'utf8')}
[[dev.overrides.imports]]
interface_spec = "wasi:keyvalue@0.2.0-draft"
image_ref = "ghcr.io/wasmcloud/keyvalue-redis:0.28.1"
config = { values = { url = "${redis.url}" } }
`,
    )
    const dev = startCli(['dev', '--port', '0', '--json'], { cwd: project, env: cacheEnv })
    const ready = await dev.waitForEvent('reload.ok', { timeoutMs: 240_000 })
    expect((await count(`${ready.url}/from-dev`)).body.count).toBe(1)
    expect(await redis.cli('GET', '/from-dev')).toBe('1')
    expect((await dev.stop('SIGINT')).exitCode).toBe(0)
  }, 300_000)
})
