import { createHash } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type KeyValueBackend, openKeyValueBackend } from '../../src/capabilities/keyvalue/index.js'
import type { CapabilitySources } from '../../src/host/bind.js'
import { createHost, type Host, type HostEvent, loadComponent, readComponentFile, runCommandComponent } from '../../src/host/index.js'
import { repoRoot } from '../helpers/cli.js'
import { buildJsComponent } from '../helpers/components.js'
import { type NatsServer, startNats } from '../helpers/nats.js'
import { type RedisServer, startRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'

/**
 * wasi:keyvalue@0.2.0-draft2 end to end: a real componentize-js component built against draft2
 * (test/fixtures/components/kv-draft2: compare-and-swap loops, a stale swap, a negative increment,
 * string list-keys cursors, and the original draft beside it) served by the host on the embedded
 * store, on Redis (redis-server) and on NATS JetStream KV (nats-server -js); a C guest for the
 * negative deltas a componentize-js guest cannot send; then every backend's swap under many
 * concurrent clients, below the host.
 */
const cacheRoot = path.join(repoRoot, 'test', '.cache', 'host-cache')
const fixture = path.join(repoRoot, 'test', 'fixtures', 'components', 'kv-draft2')
const text = (value: string) => new TextEncoder().encode(value)
const decode = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value))

/**
 * kv-draft2/c as a wasi:cli/run component: clang + wasi-libc, its WIT embedded and jco's preview1
 * command adapter added (jco's wasm-tools), cached by the content hash of its inputs.
 */
async function cGuestComponent(): Promise<string> {
  const dir = path.join(fixture, 'c')
  // The same draft2 WIT the JS guest is built against.
  const dependency = readFileSync(path.join(fixture, 'wit', 'deps', 'keyvalue', 'package.wit'), 'utf8')
  const inputs = [readFileSync(path.join(dir, 'main.c'), 'utf8'), readFileSync(path.join(dir, 'world.wit'), 'utf8'), dependency]
  const { componentEmbed, componentNew, preview1AdapterCommandPath } = await import('@bytecodealliance/jco')
  const adapter = readFileSync(preview1AdapterCommandPath())
  const hash = createHash('sha256').update(inputs.join('\0')).update(adapter).digest('hex').slice(0, 24)
  const output = path.join(repoRoot, 'test', '.cache', 'components', `kv-draft2-c-${hash}.wasm`)
  if (existsSync(output)) return output
  mkdirSync(path.dirname(output), { recursive: true })
  const core = `${output}.${process.pid}.core.wasm`
  try {
    await execa('clang', ['--target=wasm32-wasi', '-O2', path.join(dir, 'main.c'), '-o', core])
    // jco's wasm-tools reads no files: the WIT goes in as one source, the dependency as a nested package.
    const header = /^package ([^;]+);$/m.exec(dependency)!
    const witSource = `${inputs[1]}\npackage ${header[1]} {\n${dependency.replace(header[0], '')}\n}\n`
    const embedded = await componentEmbed({ binary: readFileSync(core), witSource, world: 'kv-draft2-c' })
    writeFileSync(`${output}.${process.pid}.tmp`, await componentNew(embedded, [['wasi_snapshot_preview1', adapter]]))
    renameSync(`${output}.${process.pid}.tmp`, output)
  } finally {
    rmSync(core, { force: true })
  }
  return output
}

let component: string
let redis: RedisServer
let nats: NatsServer
const hosts: Host[] = []
const backends: KeyValueBackend[] = []

beforeAll(async () => {
  ;[component, redis, nats] = await Promise.all([
    buildJsComponent({ sourcePath: path.join(fixture, 'app.js'), witPath: path.join(fixture, 'wit'), worldName: 'kv-draft2' }),
    startRedis(),
    startNats(),
  ])
}, 180_000)

afterAll(async () => {
  await Promise.all(hosts.map((host) => host.close()))
  await Promise.all(backends.map((backend) => backend.close().catch(() => {})))
  await Promise.all([redis?.dispose(), nats?.dispose()])
})

interface Target {
  name: string
  /** --link values selecting the backend (none: the embedded store). */
  links: () => string[]
  /** The same backend, opened directly (for the concurrency case below the host). */
  open: () => Promise<KeyValueBackend>
}

let embedded: Promise<KeyValueBackend> | undefined
const targets: Target[] = [
  {
    name: 'embedded',
    links: () => [],
    // One store shared by every client, as the host shares its one store between workers.
    open: () => (embedded ??= openKeyValueBackend({ backend: 'embedded', linkConfig: {} })),
  },
  {
    name: 'redis',
    links: () => [`wasi:keyvalue=${redis.url}`],
    open: () => openKeyValueBackend({ backend: 'redis', linkConfig: { URL: redis.url } }),
  },
  {
    name: 'nats',
    links: () => [`wasi:keyvalue=${nats.url}?bucket=draft2&enable_bucket_auto_create=true`],
    open: () => openKeyValueBackend({ backend: 'nats', linkConfig: { cluster_uri: nats.url, bucket: 'draft2-direct', enable_bucket_auto_create: 'true' } }),
  },
]

async function get(host: Host, route: string): Promise<{ status: number; text: string }> {
  const response = await fetch(host.url + route)
  return { status: response.status, text: await response.text() }
}

async function json(host: Host, route: string): Promise<any> {
  const answer = await get(host, route)
  expect(answer, route).toMatchObject({ status: 200 })
  return JSON.parse(answer.text)
}

describe.each(targets)('a draft2 component on $name', (target) => {
  let host: Host
  const events: HostEvent[] = []

  beforeAll(async () => {
    const capabilities: CapabilitySources = { links: target.links(), linkConfigs: [], secrets: [] }
    host = await createHost({ port: 0, workers: 3, cacheRoot, capabilities, onEvent: (event) => events.push(event) })
    hosts.push(host)
    await host.load(component)
  }, 120_000)

  it('loses no update: N concurrent requests, each a CAS-increment loop, end at exactly N', async () => {
    const requests = 60
    const answers = await Promise.all(Array.from({ length: requests }, () => json(host, '/cas-inc?key=cas/concurrent')))
    // Every request's winning swap wrote a different number, together 1..N.
    expect(answers.map((answer) => answer.value).sort((a, b) => a - b)).toEqual(Array.from({ length: requests }, (_, i) => i + 1))
    expect(await get(host, '/get?key=cas/concurrent')).toEqual({ status: 200, text: String(requests) })
    expect(events.filter((event) => event.event === 'error')).toEqual([])
  })

  it('a swap after another write fails with cas-failed; the retry on the fresh handle wins', async () => {
    // Absent when the handle was taken, then written by someone else.
    expect(await json(host, '/stale?key=stale/k&intruder=first')).toEqual({ seen: null, stale: 'cas-failed', fresh: 'first', final: 'first+retry' })
    // Present when the handle was taken, then overwritten.
    expect(await json(host, '/stale?key=stale/k&intruder=second')).toEqual({ seen: 'first+retry', stale: 'cas-failed', fresh: 'second', final: 'second+retry' })
  })

  it('increments a negative counter (draft2 s64 result) and the draft u64 increment counts on from it', async () => {
    expect((await get(host, '/set?key=signed&value=-10')).status).toBe(200)
    expect(await get(host, '/incr?key=signed&delta=4')).toEqual({ status: 200, text: '-6' })
    expect(await get(host, '/get?key=signed')).toEqual({ status: 200, text: '-6' })
    expect(await get(host, '/draft/incr?key=signed&delta=10')).toEqual({ status: 200, text: '4' })
  })

  it('lists keys across pages with draft2 string cursors (and draft u64 ones)', async () => {
    const count = 1205
    expect(await get(host, `/fill?prefix=page/&n=${count}`)).toEqual({ status: 200, text: String(count) })
    const expected = Array.from({ length: count }, (_, i) => `page/${String(i).padStart(5, '0')}`)
    const draft2 = await json(host, '/list?prefix=page/')
    expect(draft2.keys).toEqual(expected)
    expect(draft2.cursors.length).toBeGreaterThan(0)
    for (const cursor of draft2.cursors) expect(cursor).toMatch(/^string:\d+$/)
    const draft = await json(host, '/draft/list?prefix=page/')
    expect(draft.keys).toEqual(expected)
    for (const cursor of draft.cursors) expect(cursor).toMatch(/^bigint:\d+$/)
  })

  it('answers a cursor no backend returned with an error value, not a trap', async () => {
    const answer = await get(host, '/list-from?cursor=not-a-cursor')
    expect(answer.status).toBe(409)
    expect(JSON.parse(answer.text)).toEqual({ error: { tag: 'other', val: expect.stringContaining('invalid list-keys cursor') } })
  })
})

describe('a draft2 guest in C', () => {
  /** Runs the command with `args`, on the embedded store in `file`; returns its stdout lines. */
  async function run(file: string, args: string[]): Promise<string[]> {
    const loaded = await loadComponent(readComponentFile(await cGuestComponent()), { cacheRoot, trust: {} })
    const out = path.join(tempDir(), 'stdout.txt')
    const fd = openSync(out, 'w')
    try {
      expect(await runCommandComponent(loaded, { args, keyvalueFile: file, stdoutFd: fd })).toEqual({ exitCode: 0 })
    } finally {
      closeSync(fd)
    }
    return readFileSync(out, 'utf8').trim().split('\n')
  }

  it('counts down through zero with negative s64 deltas, and the count persists', async () => {
    const file = path.join(tempDir(), 'keyvalue.json')
    expect(await run(file, ['counter', '5', '-8', '-1'])).toEqual(['value=5', 'value=-3', 'value=-4'])
    expect(await run(file, ['counter', '4'])).toEqual(['value=0'])
  }, 120_000)

  it('refuses to go below the smallest s64 with an error value, leaving the counter as it was', async () => {
    const file = path.join(tempDir(), 'keyvalue.json')
    expect(await run(file, ['edge', '-9223372036854775808', '-1', '0'])).toEqual([
      'value=-9223372036854775808',
      expect.stringMatching(/^error=other:incrementing edge overflows/),
      'value=-9223372036854775808',
    ])
  }, 120_000)
})

describe.each(targets)('compare-and-swap on the $name backend', (target) => {
  it('8 clients x 40 concurrent CAS-increment loops end at exactly 320', async () => {
    const clients = await Promise.all(Array.from({ length: 8 }, async () => {
      const backend = await target.open()
      if (!backends.includes(backend)) backends.push(backend)
      return backend
    }))
    const key = `cas/direct/${target.name}`
    let conflicts = 0
    await Promise.all(
      clients.map(async (client) => {
        for (let i = 0; i < 40; i++) {
          let seen = await client.casNew('default', key)
          for (;;) {
            const outcome = await client.swap('default', key, seen, text(String(Number(decode(seen.value) ?? '0') + 1)))
            if (outcome.swapped) break
            conflicts++
            seen = outcome.current
          }
        }
      }),
    )
    expect(decode(await clients[0].get('default', key))).toBe('320')
    // The test means something only if the loops really raced.
    expect(conflicts).toBeGreaterThan(0)
  })

  it('increments by a negative delta, through zero, as draft2 (s64) allows', async () => {
    const kv = await target.open()
    if (!backends.includes(kv)) backends.push(kv)
    const key = `signed/direct/${target.name}`
    expect(await kv.increment('default', key, 5n)).toBe(5n)
    expect(await kv.increment('default', key, -8n)).toBe(-3n)
    expect(decode(await kv.get('default', key))).toBe('-3')
    expect(await kv.increment('default', key, 3n)).toBe(0n)
  })

  it('a swap expecting absence fails once the key exists, and one expecting a value fails once it is deleted', async () => {
    const kv = await target.open()
    if (!backends.includes(kv)) backends.push(kv)
    const key = `cas/absence/${target.name}`
    const absent = await kv.casNew('default', key)
    expect(absent.value).toBeUndefined()
    await kv.set('default', key, text('exists'))
    const lost = await kv.swap('default', key, absent, text('x'))
    expect(lost.swapped).toBe(false)
    if (lost.swapped) return
    expect(decode(lost.current.value)).toBe('exists')
    await kv.delete('default', key)
    const afterDelete = await kv.swap('default', key, lost.current, text('y'))
    expect(afterDelete.swapped).toBe(false)
    if (afterDelete.swapped) return
    expect(afterDelete.current.value).toBeUndefined()
    expect(await kv.swap('default', key, afterDelete.current, text('z'))).toEqual({ swapped: true })
    expect(decode(await kv.get('default', key))).toBe('z')
    // Binary values compare byte for byte.
    const binary = new Uint8Array([0, 255, 0, 1])
    await kv.set('default', key, binary)
    const seen = await kv.casNew('default', key)
    expect(seen.value).toEqual(binary)
    expect(await kv.swap('default', key, seen, new Uint8Array([2]))).toEqual({ swapped: true })
  })
})
