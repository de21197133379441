import type { KV } from '@nats-io/kv'

import { configInvalid, configValue, reasonOf } from '../errors.js'
import { connectNatsLink, type NatsLink, splitServers } from '../nats.js'
import { type CasSnapshot, checkCounter, KeyValueError, type KeyPage, type KeyValueBackend, parseCounter, type SwapOutcome } from './types.js'

/** wasmCloud's keyvalue-nats provider defaults. */
export const NATS_KV_DEFAULT_URI = 'nats://0.0.0.0:4222'
export const DEFAULT_LINK_NAME = 'default'
const PAGE_SIZE = 1000
/** Compare-and-swap attempts for `increment` before giving up (the provider stops at 5). */
const MAX_CAS_ATTEMPTS = 200
/** JetStream's answers when the expected last revision of a key is stale. */
const WRONG_LAST_SEQUENCE = 10071
const WRONG_LAST_SEQUENCE_UNKNOWN = 10164

/**
 * wasi:keyvalue on a NATS JetStream key-value bucket, as wasmCloud's keyvalue-nats provider does
 * it: the link config's `bucket` is the NATS bucket, and the identifier a component opens is the
 * link name (`default` unless the binding names another); `delete` purges; `increment` stores the
 * number as decimal text, updated by compare-and-swap on the entry's revision. Draft2's `cas`
 * remembers the entry's revision (that of a delete marker, or 0 for a key never written) and its
 * swap is a put expecting that revision, which JetStream checks on the server.
 */
export class NatsKeyValueBackend implements KeyValueBackend {
  readonly kind = 'nats' as const

  private constructor(
    private readonly link: NatsLink,
    private readonly kv: KV,
    readonly bucket: string,
    readonly linkName: string,
  ) {}

  static async connect(linkConfig: Record<string, string>, linkName = DEFAULT_LINK_NAME): Promise<NatsKeyValueBackend> {
    const bucket = configValue(linkConfig, 'bucket')
    if (!bucket) {
      throw configInvalid('NATS JetStream KV needs a bucket: the link config key `bucket` is missing', [
        'add bucket=NAME to the link config (--link-config wasi:keyvalue:bucket=NAME, or ?bucket=NAME on the nats:// URL)',
      ])
    }
    if (!/^[-\w]+$/.test(bucket)) throw configInvalid(`invalid NATS KV bucket name "${bucket}": use letters, digits, '-' and '_'`)
    const link = await connectNatsLink({
      servers: splitServers(configValue(linkConfig, 'cluster_uri'), NATS_KV_DEFAULT_URI),
      backend: 'NATS JetStream KV',
      addressHint: 'cluster_uri (--link wasi:keyvalue=nats://HOST:PORT)',
      config: linkConfig,
    })
    try {
      const { jetstream } = await import('@nats-io/jetstream')
      const { Kvm } = await import('@nats-io/kv')
      const domain = configValue(linkConfig, 'js_domain')
      const js = jetstream(link.nc, { timeout: 5000, ...(domain ? { domain } : {}) })
      const kvm = new Kvm(js)
      if (configValue(linkConfig, 'enable_bucket_auto_create')?.toLowerCase() === 'true') {
        // As the provider: a bucket that cannot be created (it exists with other settings) is
        // still opened below.
        await kvm.create(bucket).catch(() => {})
      }
      const kv = await kvm.open(bucket)
      try {
        await kv.status()
      } catch (error) {
        throw configInvalid(`NATS KV bucket "${bucket}" is not available at ${link.address}: ${reasonOf(error)}`, [
          `create it (nats kv add ${bucket}) or set enable_bucket_auto_create=true in the link config`,
          'JetStream must be enabled on the server (nats-server -js)',
        ])
      }
      return new NatsKeyValueBackend(link, kv, bucket, linkName)
    } catch (error) {
      await link.close()
      throw error
    }
  }

  describe() {
    return { backend: this.kind, address: this.link.address, bucket: this.bucket }
  }

  private async run<T>(operation: string, action: () => Promise<T>): Promise<T> {
    if (!this.link.connected()) throw new KeyValueError(this.link.unavailable())
    try {
      return await action()
    } catch (error) {
      if (error instanceof KeyValueError) throw error
      throw new KeyValueError(`NATS KV ${operation} failed: ${reasonOf(error)}`, { cause: error })
    }
  }

  /** The provider serves one bucket per link, found by the link name. */
  private check(bucket: string): void {
    if (bucket !== this.linkName) {
      throw new KeyValueError({ tag: 'no-such-store' })
    }
  }

  async open(bucket: string): Promise<void> {
    this.check(bucket)
  }

  private async read(key: string) {
    const entry = await this.kv.get(key)
    return entry && entry.operation === 'PUT' ? entry : null
  }

  async get(bucket: string, key: string) {
    this.check(bucket)
    const entry = await this.run('get', () => this.read(key))
    return entry ? entry.value : undefined
  }

  async set(bucket: string, key: string, value: Uint8Array) {
    this.check(bucket)
    await this.run('put', () => this.kv.put(key, value))
  }

  async delete(bucket: string, key: string) {
    this.check(bucket)
    await this.run('purge', () => this.kv.purge(key))
  }

  async exists(bucket: string, key: string) {
    this.check(bucket)
    return (await this.run('get', () => this.read(key))) !== null
  }

  /** NATS has no key cursor: the cursor is an offset into the sorted key list. */
  async listKeys(bucket: string, cursor?: bigint): Promise<KeyPage> {
    this.check(bucket)
    const all = await this.run('keys', async () => {
      const keys: string[] = []
      for await (const key of await this.kv.keys()) keys.push(key)
      return keys.sort()
    })
    const start = Number(cursor ?? 0n)
    const keys = all.slice(start, start + PAGE_SIZE)
    return start + PAGE_SIZE < all.length ? { keys, cursor: BigInt(start + PAGE_SIZE) } : { keys }
  }

  async increment(bucket: string, key: string, delta: bigint) {
    this.check(bucket)
    return this.run('increment', async () => {
      for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
        const entry = await this.kv.get(key)
        const live = entry && entry.operation === 'PUT' ? entry : null
        const next = checkCounter(key, parseCounter(key, live?.value) + delta)
        const text = new TextEncoder().encode(next.toString())
        try {
          // create() also takes over a deleted (purged) key at its revision.
          if (live) await this.kv.update(key, text, live.revision)
          else await this.kv.create(key, text)
          return next
        } catch (error) {
          if (!isRevisionConflict(error)) throw error
          // Someone else wrote first: back off a little (with jitter, so retries spread) and reread.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 50)))
        }
      }
      throw new KeyValueError(`could not increment ${key}: too many concurrent writers (${MAX_CAS_ATTEMPTS} attempts)`)
    })
  }

  async casNew(bucket: string, key: string): Promise<CasSnapshot> {
    this.check(bucket)
    return this.run('get', () => this.snapshot(key))
  }

  private async snapshot(key: string): Promise<CasSnapshot> {
    const entry = await this.kv.get(key)
    if (!entry) return { revision: 0 }
    return entry.operation === 'PUT' ? { value: entry.value, revision: entry.revision } : { revision: entry.revision }
  }

  async swap(bucket: string, key: string, expected: CasSnapshot, value: Uint8Array): Promise<SwapOutcome> {
    this.check(bucket)
    return this.run('swap', async () => {
      try {
        await this.kv.put(key, value, { previousSeq: expected.revision ?? 0 })
        return { swapped: true }
      } catch (error) {
        if (!isRevisionConflict(error)) throw error
        return { swapped: false, current: await this.snapshot(key) }
      }
    })
  }

  async getMany(bucket: string, keys: string[]) {
    this.check(bucket)
    return this.run('get', () => Promise.all(keys.map(async (key) => (await this.read(key))?.value)))
  }

  async setMany(bucket: string, entries: [string, Uint8Array][]) {
    this.check(bucket)
    await this.run('put', () => Promise.all(entries.map(([key, value]) => this.kv.put(key, value))))
  }

  async deleteMany(bucket: string, keys: string[]) {
    this.check(bucket)
    await this.run('purge', () => Promise.all(keys.map((key) => this.kv.purge(key))))
  }

  close() {
    return this.link.close()
  }
}

function isRevisionConflict(error: unknown): boolean {
  const api = (error as { code?: number; api_error?: { err_code?: number } })
  const codes = [api?.api_error?.err_code, api?.code]
  return codes.includes(WRONG_LAST_SEQUENCE) || codes.includes(WRONG_LAST_SEQUENCE_UNKNOWN) || /wrong last sequence/i.test(String((error as Error)?.message))
}
