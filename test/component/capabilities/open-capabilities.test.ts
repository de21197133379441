import { parse } from 'smol-toml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { handleKeyValueCall, openCapabilities, resolveBindings } from '../../../src/capabilities/index.js'
import { type NatsServer, startNats } from '../../helpers/nats.js'
import { type RedisServer, startRedis } from '../../helpers/redis.js'

/** From a wash-style wasmcloud.toml to connected backends, against real servers. */
const KV_IMPORTS = ['wasi:keyvalue/store@0.2.0-draft', 'wasi:keyvalue/atomics@0.2.0-draft']
let redis: RedisServer
let nats: NatsServer

beforeAll(async () => {
  ;[redis, nats] = await Promise.all([startRedis(), startNats()])
})

afterAll(async () => {
  await Promise.all([redis?.dispose(), nats?.dispose()])
})

describe('openCapabilities', () => {
  it('a [[dev.overrides.imports]] naming keyvalue-redis selects Redis with no other setting, the URL from the environment', async () => {
    const { dev } = parse(`
[[dev.overrides.imports]]
interface_spec = "wasi:keyvalue@0.2.0-draft"
image_ref = "ghcr.io/wasmcloud/keyvalue-redis:0.28.1"
config = { values = { URL = "\${env:TEST_REDIS_URL}" } }
`) as { dev: unknown }
    const resolved = resolveBindings({ imports: KV_IMPORTS, exports: ['wasi:http/incoming-handler@0.2.10'], dev, env: { TEST_REDIS_URL: redis.url.replace('redis://', 'redis://default:unused-password@') } })
    const capabilities = await openCapabilities(resolved)
    try {
      expect(capabilities.keyvalue?.kind).toBe('redis')
      expect(capabilities.describe()).toEqual([
        expect.objectContaining({ backend: 'redis', address: `127.0.0.1:${redis.port}`, source: 'wasmcloud.toml', linkConfig: { URL: `redis://default:***@127.0.0.1:${redis.port}/0` } }),
      ])
      // The guest's calls, as the host forwards them.
      expect(await handleKeyValueCall(capabilities.keyvalue!, 'kv.increment', { bucket: 'default', key: '/hello', delta: 2n })).toBe(2n)
      expect(await redis.cli('GET', '/hello')).toBe('2')
      expect(await handleKeyValueCall(capabilities.keyvalue!, 'kv.list', { bucket: 'default' })).toEqual({ keys: ['/hello'] })
    } finally {
      await capabilities.close()
    }
  })

  it('routes bucket identifiers to links by link name, the rest to the default link', async () => {
    const resolved = resolveBindings({
      imports: KV_IMPORTS,
      exports: [],
      dev: parse(`
[[dev.overrides.imports]]
interface_spec = "wasi:keyvalue"
image_ref = "ghcr.io/wasmcloud/keyvalue-redis:0.28.1"
config = { values = { url = "${redis.url}" } }

[[dev.overrides.imports]]
interface_spec = "wasi:keyvalue"
image_ref = "ghcr.io/wasmcloud/keyvalue-nats:0.4.1"
link_name = "sessions"
config = { values = { cluster_uri = "${nats.url}", bucket = "sessions", enable_bucket_auto_create = "true" } }
`).dev,
    })
    const capabilities = await openCapabilities(resolved)
    try {
      const kv = capabilities.keyvalue!
      await kv.set('sessions', 'user-1', new TextEncoder().encode('nats'))
      await kv.set('anything', 'user-1', new TextEncoder().encode('redis'))
      expect(await redis.cli('GET', 'user-1')).toBe('redis')
      expect(new TextDecoder().decode(await kv.get('sessions', 'user-1'))).toBe('nats')
    } finally {
      await capabilities.close()
    }
  })

  it('an unreachable backend fails the whole start-up, closing what was already open', async () => {
    const resolved = resolveBindings({
      imports: [...KV_IMPORTS, 'wasmcloud:messaging/consumer@0.2.0'],
      exports: [],
      links: [`wasi:keyvalue=${redis.url}`, 'wasmcloud:messaging=nats://127.0.0.1:1'],
    })
    const clients = async () => Number((await redis.cli('INFO', 'clients')).match(/connected_clients:(\d+)/)![1])
    // The earlier tests' connections close asynchronously: count from a settled server (only redis-cli's own connection).
    let before = await clients()
    for (let i = 0; i < 50 && before > 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      before = await clients()
    }
    await expect(openCapabilities(resolved)).rejects.toMatchObject({ code: 'CAPABILITY_BACKEND_UNREACHABLE', message: expect.stringContaining('NATS messaging at 127.0.0.1:1') })
    // The Redis connection made first was closed again.
    let after = before + 1
    for (let i = 0; i < 50 && after > before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      after = await clients()
    }
    expect(after).toBe(before)
  })
})
