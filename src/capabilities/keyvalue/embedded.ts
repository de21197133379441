import { KeyValueStore } from './embedded-store.js'
import { type CasSnapshot, KeyValueError, type KeyPage, type KeyValueBackend } from './types.js'

/**
 * The default backend: KeyValueStore (memory, persisted to a JSON file) behind the async backend
 * interface. Every method runs to completion without awaiting, so on the one main thread each
 * operation — `increment` and a compare-and-swap included — is atomic.
 */
export class EmbeddedKeyValueBackend implements KeyValueBackend {
  readonly kind = 'embedded' as const

  constructor(readonly store: KeyValueStore) {}

  static open(file: string | undefined, onError?: (error: Error) => void): EmbeddedKeyValueBackend {
    return new EmbeddedKeyValueBackend(new KeyValueStore(file, onError))
  }

  describe() {
    return { backend: this.kind, ...(this.store.file ? { address: this.store.file } : {}) }
  }

  async open(_bucket: string): Promise<void> {}

  async get(bucket: string, key: string) {
    return this.store.get(bucket, key)
  }

  async set(bucket: string, key: string, value: Uint8Array) {
    this.store.set(bucket, key, value)
  }

  async delete(bucket: string, key: string) {
    this.store.delete(bucket, key)
  }

  async exists(bucket: string, key: string) {
    return this.store.exists(bucket, key)
  }

  async listKeys(bucket: string, cursor?: bigint): Promise<KeyPage> {
    const page = this.store.list(bucket, cursor === undefined ? 0 : Number(cursor))
    return page.next === undefined ? { keys: page.keys } : { keys: page.keys, cursor: BigInt(page.next) }
  }

  async increment(bucket: string, key: string, delta: bigint) {
    try {
      return this.store.increment(bucket, key, delta)
    } catch (error) {
      if (error instanceof KeyValueError) throw error
      throw new KeyValueError((error as Error).message)
    }
  }

  async casNew(bucket: string, key: string) {
    return this.store.casSnapshot(bucket, key)
  }

  async swap(bucket: string, key: string, expected: CasSnapshot, value: Uint8Array) {
    return this.store.compareAndSwap(bucket, key, expected, value)
  }

  async getMany(bucket: string, keys: string[]) {
    return keys.map((key) => this.store.get(bucket, key))
  }

  async setMany(bucket: string, entries: [string, Uint8Array][]) {
    for (const [key, value] of entries) this.store.set(bucket, key, value)
  }

  async deleteMany(bucket: string, keys: string[]) {
    for (const key of keys) this.store.delete(bucket, key)
  }

  close(): Promise<void> {
    return this.store.flush()
  }
}
