import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type KeyValueBackend, KeyValueError, openKeyValueBackend } from '../../../src/capabilities/keyvalue/index.js'
import { type NatsServer, startNats } from '../../helpers/nats.js'
import { type RedisServer, startRedis } from '../../helpers/redis.js'
import { tempDir } from '../../helpers/tmp.js'

/**
 * The same wasi:keyvalue cases on every backend, against real servers started here: the embedded
 * store, Redis (redis-server) and NATS JetStream KV (nats-server -js). Network backends also go
 * through an outage (the server stopped and started again mid-run) and are checked for interop
 * with what wasmCloud's providers read and write.
 */
const BUCKET = 'default'
const text = (value: string) => new TextEncoder().encode(value)
const decode = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value))

interface Target {
  name: string
  /** A fresh connection with the binding's config. */
  open(): Promise<KeyValueBackend>
  /** The server behind it, for the outage case (network backends only). */
  server?: () => { stop(): Promise<void>; start(): Promise<void> }
}

let redis: RedisServer
let nats: NatsServer
const opened: KeyValueBackend[] = []

beforeAll(async () => {
  ;[redis, nats] = await Promise.all([startRedis(), startNats()])
})

afterAll(async () => {
  await Promise.all(opened.map((backend) => backend.close().catch(() => {})))
  await Promise.all([redis?.dispose(), nats?.dispose()])
})

async function track(backend: Promise<KeyValueBackend>): Promise<KeyValueBackend> {
  const value = await backend
  opened.push(value)
  return value
}

let embedded: KeyValueBackend | undefined
const targets: Target[] = [
  {
    name: 'embedded',
    // One store per file, shared: the embedded store lives in the host process.
    open: async () => (embedded ??= await track(openKeyValueBackend({ backend: 'embedded', linkConfig: {} }, { embeddedFile: `${tempDir()}/kv.json` }))),
  },
  {
    name: 'redis',
    open: () => track(openKeyValueBackend({ backend: 'redis', linkConfig: { url: redis.url } })),
    server: () => redis,
  },
  {
    name: 'nats',
    open: () => track(openKeyValueBackend({ backend: 'nats', linkConfig: { cluster_uri: nats.url, bucket: 'conformance', enable_bucket_auto_create: 'true' } })),
    server: () => nats,
  },
]

/** Retries `action` until it succeeds (a backend coming back), failing after `seconds`. */
async function eventually<T>(action: () => Promise<T>, seconds = 15): Promise<T> {
  const deadline = Date.now() + seconds * 1000
  for (;;) {
    try {
      return await action()
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

describe.each(targets)('wasi:keyvalue on $name', (target) => {
  let kv: KeyValueBackend
  beforeAll(async () => {
    kv = await target.open()
  })

  it('stores, reads, checks and deletes byte values', async () => {
    const binary = new Uint8Array([0, 255, 1, 128, 10])
    await kv.open(BUCKET)
    expect(await kv.get(BUCKET, 'store/missing')).toBeUndefined()
    expect(await kv.exists(BUCKET, 'store/missing')).toBe(false)
    await kv.set(BUCKET, 'store/a', binary)
    expect(await kv.get(BUCKET, 'store/a')).toEqual(binary)
    expect(await kv.exists(BUCKET, 'store/a')).toBe(true)
    await kv.set(BUCKET, 'store/a', text('second'))
    expect(decode(await kv.get(BUCKET, 'store/a'))).toBe('second')
    await kv.set(BUCKET, 'store/empty', new Uint8Array())
    expect(await kv.get(BUCKET, 'store/empty')).toEqual(new Uint8Array())
    await kv.delete(BUCKET, 'store/a')
    expect(await kv.get(BUCKET, 'store/a')).toBeUndefined()
    expect(await kv.exists(BUCKET, 'store/a')).toBe(false)
    // Deleting what is not there is not an error.
    await kv.delete(BUCKET, 'store/a')
  })

  it('lists every key across pages by following the cursor', async () => {
    const keys = Array.from({ length: 1200 }, (_, i) => `list/${String(i).padStart(4, '0')}`)
    await kv.setMany(BUCKET, keys.map((key) => [key, text('x')]))
    const seen: string[] = []
    let cursor: bigint | undefined
    let pages = 0
    do {
      const page = await kv.listKeys(BUCKET, cursor)
      seen.push(...page.keys)
      cursor = page.cursor
      pages++
    } while (cursor !== undefined && pages < 10_000)
    expect(cursor).toBeUndefined()
    const listed = new Set(seen.filter((key) => key.startsWith('list/')))
    expect([...listed].sort()).toEqual(keys)
    await kv.deleteMany(BUCKET, keys)
    const after = await kv.listKeys(BUCKET)
    expect(after.keys.filter((key) => key.startsWith('list/'))).toEqual([])
  })

  it('increments a decimal counter, starting from a missing key', async () => {
    expect(await kv.increment(BUCKET, 'count/a', 5n)).toBe(5n)
    expect(await kv.increment(BUCKET, 'count/a', 1n)).toBe(6n)
    expect(decode(await kv.get(BUCKET, 'count/a'))).toBe('6')
    await kv.set(BUCKET, 'count/b', text('41'))
    expect(await kv.increment(BUCKET, 'count/b', 1n)).toBe(42n)
    // A deleted counter starts again from zero.
    await kv.delete(BUCKET, 'count/a')
    expect(await kv.increment(BUCKET, 'count/a', 2n)).toBe(2n)
    // Past 2^53, where a JS number would round.
    await kv.set(BUCKET, 'count/big', text('9007199254740993'))
    expect(await kv.increment(BUCKET, 'count/big', 2n)).toBe(9007199254740995n)
  })

  it('refuses to increment a value that is not a number, with an error value', async () => {
    await kv.set(BUCKET, 'count/text', text('hello'))
    const failure = await kv.increment(BUCKET, 'count/text', 1n).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(KeyValueError)
    expect((failure as KeyValueError).toWit()).toMatchObject({ tag: 'other', val: expect.any(String) })
    expect(decode(await kv.get(BUCKET, 'count/text'))).toBe('hello')
  })

  it('gets, sets and deletes many keys at once', async () => {
    await kv.setMany(BUCKET, [
      ['batch/a', text('1')],
      ['batch/b', text('2')],
    ])
    expect((await kv.getMany(BUCKET, ['batch/a', 'batch/missing', 'batch/b'])).map(decode)).toEqual(['1', undefined, '2'])
    expect(await kv.getMany(BUCKET, [])).toEqual([])
    await kv.setMany(BUCKET, [])
    await kv.deleteMany(BUCKET, [])
    await kv.deleteMany(BUCKET, ['batch/a', 'batch/b', 'batch/missing'])
    expect(await kv.getMany(BUCKET, ['batch/a', 'batch/b'])).toEqual([undefined, undefined])
  })

  it('loses no update with 8 concurrent clients x 500 increments', async () => {
    const clients = await Promise.all(Array.from({ length: 8 }, () => target.open()))
    const results = await Promise.all(
      clients.map(async (client) => {
        const seen: bigint[] = []
        for (let i = 0; i < 500; i++) seen.push(await client.increment(BUCKET, 'count/concurrent', 1n))
        return seen
      }),
    )
    const all = results.flat()
    // Every increment saw a different value, and together they saw 1..4000.
    expect(new Set(all.map(String)).size).toBe(4000)
    expect(all.reduce((max, value) => (value > max ? value : max), 0n)).toBe(4000n)
    expect(decode(await kv.get(BUCKET, 'count/concurrent'))).toBe('4000')
  })

  it.runIf(target.server)('fails cleanly while the backend is down and recovers when it returns', async () => {
    const server = target.server!()
    expect(await kv.increment(BUCKET, 'count/outage', 1n)).toBe(1n)
    await server.stop()
    // During the outage: an error value (no hang, no crash), for reads and writes alike.
    for (const operation of [() => kv.increment(BUCKET, 'count/outage', 1n), () => kv.get(BUCKET, 'count/outage'), () => kv.set(BUCKET, 'x', text('y'))]) {
      const failure = await operation().catch((error: unknown) => error)
      expect(failure).toBeInstanceOf(KeyValueError)
      expect((failure as KeyValueError).toWit().tag).toBe('other')
    }
    await server.start()
    // The same backend object (no restart of anything) serves again, with the data intact.
    expect(await eventually(() => kv.increment(BUCKET, 'count/outage', 1n))).toBe(2n)
    expect(decode(await kv.get(BUCKET, 'count/outage'))).toBe('2')
  })
})

describe('interop with what wasmCloud providers read and write', () => {
  it('Redis: keys are plain Redis keys (no bucket prefix), counters are INCRBY integers', async () => {
    const kv = await track(openKeyValueBackend({ backend: 'redis', linkConfig: { URL: redis.url } }))
    await kv.set(BUCKET, 'interop:greeting', text('hello from wasmctl'))
    expect(await redis.cli('GET', 'interop:greeting')).toBe('hello from wasmctl')
    await kv.increment(BUCKET, '/counter', 3n)
    expect(await redis.cli('GET', '/counter')).toBe('3')
    await redis.cli('SET', 'interop:from-cli', 'written by redis-cli')
    expect(decode(await kv.get(BUCKET, 'interop:from-cli'))).toBe('written by redis-cli')
    await redis.cli('INCRBY', '/counter', '10')
    expect(await kv.increment(BUCKET, '/counter', 1n)).toBe(14n)
  })

  it('Redis: the database number in the URL selects the database, as the provider does', async () => {
    const kv = await track(openKeyValueBackend({ backend: 'redis', linkConfig: { url: redis.url.replace(/\/0$/, '/3') } }))
    await kv.set(BUCKET, 'interop:db3', text('three'))
    expect(await redis.cli('-n', '3', 'GET', 'interop:db3')).toBe('three')
    expect(await redis.cli('-n', '0', 'EXISTS', 'interop:db3')).toBe('0')
  })

  it('NATS: values sit in the link-config bucket under the plain key, counters as decimal text', async () => {
    const kv = await track(openKeyValueBackend({ backend: 'nats', linkConfig: { cluster_uri: nats.url, bucket: 'interop', enable_bucket_auto_create: 'true' } }))
    await kv.set(BUCKET, 'greeting', text('hello from wasmctl'))
    await kv.increment(BUCKET, '/counter', 3n)
    const { connect } = await import('@nats-io/transport-node')
    const { Kvm } = await import('@nats-io/kv')
    const nc = await connect({ servers: nats.url })
    try {
      const raw = await new Kvm(nc).open('interop')
      expect((await raw.get('greeting'))?.string()).toBe('hello from wasmctl')
      expect((await raw.get('/counter'))?.string()).toBe('3')
      await raw.put('from-nats', 'written by the NATS KV API')
      expect(decode(await kv.get(BUCKET, 'from-nats'))).toBe('written by the NATS KV API')
      await raw.put('/counter', '10')
      expect(await kv.increment(BUCKET, '/counter', 1n)).toBe(11n)
      await kv.delete(BUCKET, 'greeting')
      expect((await raw.get('greeting'))?.operation).toBe('PURGE')
    } finally {
      await nc.close()
    }
  })

  it('NATS: the identifier a component opens is the link name, as the provider does', async () => {
    const kv = await track(openKeyValueBackend({ backend: 'nats', linkName: 'counts', linkConfig: { cluster_uri: nats.url, bucket: 'interop', enable_bucket_auto_create: 'true' } }))
    await kv.open('counts')
    const failure = await kv.open('default').catch((error: unknown) => error)
    expect((failure as KeyValueError).toWit()).toEqual({ tag: 'no-such-store' })
  })
})

describe('start-up faults', () => {
  it('a Redis that is not there is a coded error naming it, its address and the fix, without the password', async () => {
    const port = redis.port + 0
    await redis.stop()
    try {
      const failure = await openKeyValueBackend({ backend: 'redis', linkConfig: { URL: `redis://admin:s3cret-pass@127.0.0.1:${port}/0` } }).catch((error: unknown) => error)
      expect(failure).toMatchObject({ code: 'CAPABILITY_BACKEND_UNREACHABLE', message: expect.stringContaining(`Redis at 127.0.0.1:${port}`) })
      expect((failure as { hints: string[] }).hints.join(' ')).toMatch(/redis-server/)
      expect(JSON.stringify(failure) + String((failure as Error).message)).not.toContain('s3cret')
    } finally {
      await redis.start()
    }
  })

  it('a NATS server that is not there is a coded error naming it and its address', async () => {
    await nats.stop()
    try {
      const failure = await openKeyValueBackend({ backend: 'nats', linkConfig: { cluster_uri: nats.url, bucket: 'x' } }).catch((error: unknown) => error)
      expect(failure).toMatchObject({ code: 'CAPABILITY_BACKEND_UNREACHABLE', message: expect.stringContaining(`NATS JetStream KV at 127.0.0.1:${nats.port}`) })
    } finally {
      await nats.start()
    }
  })

  it('a missing NATS bucket is refused with how to create it, unless auto-create is on', async () => {
    const failure = await openKeyValueBackend({ backend: 'nats', linkConfig: { cluster_uri: nats.url, bucket: 'never-made' } }).catch((error: unknown) => error)
    expect(failure).toMatchObject({ code: 'CAPABILITY_CONFIG_INVALID', hints: expect.arrayContaining([expect.stringContaining('enable_bucket_auto_create=true')]) })
    const missingBucket = await openKeyValueBackend({ backend: 'nats', linkConfig: { cluster_uri: nats.url } }).catch((error: unknown) => error)
    expect(missingBucket).toMatchObject({ code: 'CAPABILITY_CONFIG_INVALID', message: expect.stringContaining('bucket') })
  })

  it('a URL that is not a Redis URL is a config error', async () => {
    const failure = await openKeyValueBackend({ backend: 'redis', linkConfig: { url: 'http://127.0.0.1:1' } }).catch((error: unknown) => error)
    expect(failure).toMatchObject({ code: 'CAPABILITY_CONFIG_INVALID' })
  })
})
