import type { Redis } from 'ioredis'

import { backendUnreachable, configInvalid, configValue, reasonOf } from '../errors.js'
import { addressOf } from '../redact.js'
import { type CasSnapshot, KeyValueError, type KeyPage, type KeyValueBackend, type SwapOutcome } from './types.js'

/** wasmCloud's keyvalue-redis provider: its default and its (case-insensitive) config key. */
export const REDIS_DEFAULT_URL = 'redis://127.0.0.1:6379/'
export const REDIS_URL_KEY = 'URL'
const SCAN_COUNT = 1000

/**
 * Draft2 `swap` as one server-side step, so no other client's write can fall between the check and
 * the set: SET only if the key still holds the value `cas.new` read (ARGV[1] = '1') or is still
 * absent ('0'); otherwise answer what it holds now, for the fresh handle. Redis keeps no version
 * per key, so "not modified" means "same bytes": a write of the very same value in between does
 * not make the swap fail (the usual value-compare CAS; the NATS backend compares revisions).
 */
const SWAP_SCRIPT = `
local current = redis.call('GET', KEYS[1])
local unchanged
if ARGV[1] == '1' then unchanged = current == ARGV[2] else unchanged = current == false end
if unchanged then
  redis.call('SET', KEYS[1], ARGV[3])
  return {1}
end
if current == false then return {0} end
return {0, current}
`
type SwapReply = [number | string, Buffer?]
interface WithSwap {
  wasmctlSwapBuffer(key: string, expectsValue: string, expected: Buffer, value: Buffer): Promise<SwapReply>
}

/**
 * wasi:keyvalue on Redis, laid out as wasmCloud's keyvalue-redis provider lays it out, so either can
 * read what the other wrote: the bucket name is not part of the key (the provider ignores it; the
 * database comes from the URL path), values are raw bytes, `increment` is INCRBY, `list-keys` is
 * SCAN with its cursor, and the batch calls are MGET, MSET and DEL.
 */
export class RedisKeyValueBackend implements KeyValueBackend {
  readonly kind = 'redis' as const

  private constructor(
    private readonly client: Redis,
    readonly address: string,
  ) {}

  static async connect(linkConfig: Record<string, string>): Promise<RedisKeyValueBackend> {
    const url = configValue(linkConfig, REDIS_URL_KEY) ?? REDIS_DEFAULT_URL
    if (!/^(redis|rediss|unix):\/\//i.test(url)) {
      throw configInvalid(`the Redis URL must start with redis://, rediss:// or unix:// (got ${addressOf(url)})`, ['set URL in the link config, e.g. redis://127.0.0.1:6379/0'])
    }
    const address = addressOf(url)
    const { Redis } = await import('ioredis')
    let started = false
    const client = new Redis(url, {
      lazyConnect: true,
      // Fail while disconnected instead of queueing: a guest gets an error value at once, and a
      // command is never replayed after a reconnect (an INCRBY must not count twice).
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // Replies as strings: INCRBY goes past 2^53.
      stringNumbers: true,
      connectTimeout: 3000,
      commandTimeout: 5000,
      // No retry at start (that is a start-up error); forever after, at most a second apart.
      retryStrategy: (attempt) => (started ? Math.min(attempt * 100, 1000) : null),
    })
    // ioredis emits 'error' for every failed reconnect; the operations report what matters.
    client.on('error', () => {})
    try {
      await client.connect()
      await client.ping()
    } catch (error) {
      client.disconnect()
      throw backendUnreachable('Redis', address, error, [
        `start redis-server, or point the link's URL at a running Redis (--link wasi:keyvalue=redis://HOST:PORT/DB)`,
        'drop the binding to use the embedded store',
      ])
    }
    started = true
    client.defineCommand('wasmctlSwap', { numberOfKeys: 1, lua: SWAP_SCRIPT })
    return new RedisKeyValueBackend(client, address)
  }

  describe() {
    return { backend: this.kind, address: this.address }
  }

  private async run<T>(operation: string, command: () => Promise<T>): Promise<T> {
    if (this.client.status !== 'ready') throw new KeyValueError(`Redis at ${this.address} is unavailable (${this.client.status}); retrying`)
    try {
      return await command()
    } catch (error) {
      throw new KeyValueError(`Redis ${operation} failed: ${reasonOf(error)}`, { cause: error })
    }
  }

  async open(_bucket: string): Promise<void> {}

  async get(_bucket: string, key: string) {
    const value = await this.run('GET', () => this.client.getBuffer(key))
    return value === null ? undefined : new Uint8Array(value)
  }

  async set(_bucket: string, key: string, value: Uint8Array) {
    await this.run('SET', () => this.client.set(key, Buffer.from(value)))
  }

  async delete(_bucket: string, key: string) {
    await this.run('DEL', () => this.client.del(key))
  }

  async exists(_bucket: string, key: string) {
    return Number(await this.run('EXISTS', () => this.client.exists(key))) > 0
  }

  async listKeys(_bucket: string, cursor?: bigint): Promise<KeyPage> {
    const [next, keys] = await this.run('SCAN', () => this.client.scan((cursor ?? 0n).toString(), 'COUNT', SCAN_COUNT))
    return next === '0' ? { keys } : { keys, cursor: BigInt(next) }
  }

  async increment(_bucket: string, key: string, delta: bigint) {
    return BigInt(await this.run('INCRBY', () => this.client.incrby(key, delta.toString())))
  }

  async casNew(bucket: string, key: string): Promise<CasSnapshot> {
    const value = await this.get(bucket, key)
    return value === undefined ? {} : { value }
  }

  async swap(_bucket: string, key: string, expected: CasSnapshot, value: Uint8Array): Promise<SwapOutcome> {
    const client = this.client as unknown as WithSwap
    const expectsValue = expected.value !== undefined
    const [swapped, current] = await this.run('swap (EVALSHA)', () =>
      client.wasmctlSwapBuffer(key, expectsValue ? '1' : '0', Buffer.from(expected.value ?? new Uint8Array()), Buffer.from(value)),
    )
    if (Number(swapped) === 1) return { swapped: true }
    return { swapped: false, current: current === undefined ? {} : { value: new Uint8Array(current) } }
  }

  async getMany(_bucket: string, keys: string[]) {
    if (keys.length === 0) return []
    const values = await this.run('MGET', () => this.client.mgetBuffer(...keys))
    return values.map((value) => (value === null ? undefined : new Uint8Array(value)))
  }

  async setMany(_bucket: string, entries: [string, Uint8Array][]) {
    if (entries.length === 0) return
    await this.run('MSET', () => this.client.mset(entries.flatMap(([key, value]) => [key, Buffer.from(value)])))
  }

  async deleteMany(_bucket: string, keys: string[]) {
    if (keys.length === 0) return
    await this.run('DEL', () => this.client.del(...keys))
  }

  async close() {
    this.client.disconnect()
  }
}
