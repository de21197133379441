/**
 * One interface for every wasi:keyvalue@0.2.0-draft backend (`store`, `atomics`, `batch`). The host
 * turns each guest call into one of these methods; backends never know the host.
 *
 * Failures a guest should see are thrown as KeyValueError, which carries the WIT `error` variant
 * (`no-such-store`, `access-denied`, `other(string)`). Anything else thrown is a bug.
 */
export type KeyValueErrorVariant = { tag: 'no-such-store' } | { tag: 'access-denied' } | { tag: 'other'; val: string }

export class KeyValueError extends Error {
  readonly variant: KeyValueErrorVariant

  constructor(variant: KeyValueErrorVariant | string, options?: { cause?: unknown }) {
    const value: KeyValueErrorVariant = typeof variant === 'string' ? { tag: 'other', val: variant } : variant
    super(value.tag === 'other' ? value.val : value.tag, options)
    this.name = 'KeyValueError'
    this.variant = value
  }

  /** The value a guest receives as the `err` of `result<_, error>`. */
  toWit(): KeyValueErrorVariant {
    return this.variant
  }
}

export function isKeyValueError(error: unknown): error is KeyValueError {
  return error instanceof KeyValueError
}

export interface KeyPage {
  keys: string[]
  /** Where the next page starts; undefined on the last page. A u64 in WIT. */
  cursor?: bigint
}

export type KeyValueBackendKind = 'embedded' | 'redis' | 'nats'

export interface KeyValueBackend {
  readonly kind: KeyValueBackendKind
  /** What to show the user: backend name and address, never credentials. */
  describe(): { backend: KeyValueBackendKind; address?: string; bucket?: string }
  /** `store.open`: refuses an identifier this binding does not serve (`no-such-store`). */
  open(bucket: string): Promise<void>
  get(bucket: string, key: string): Promise<Uint8Array | undefined>
  set(bucket: string, key: string, value: Uint8Array): Promise<void>
  delete(bucket: string, key: string): Promise<void>
  exists(bucket: string, key: string): Promise<boolean>
  listKeys(bucket: string, cursor?: bigint): Promise<KeyPage>
  /**
   * `atomics.increment`: the value is a decimal number in UTF-8 (the convention of wasmtime and of
   * every wasmCloud provider); a missing key counts from 0. Atomic under concurrent callers.
   */
  increment(bucket: string, key: string, delta: bigint): Promise<bigint>
  /** `batch.get-many`: one entry per key, undefined where the key is missing. */
  getMany(bucket: string, keys: string[]): Promise<(Uint8Array | undefined)[]>
  setMany(bucket: string, entries: [string, Uint8Array][]): Promise<void>
  deleteMany(bucket: string, keys: string[]): Promise<void>
  /** Lets go of connections (and flushes the embedded store). */
  close(): Promise<void>
}

/** The decimal text stored by `increment`, parsed as the providers do (empty counts as 0). */
export function parseCounter(key: string, value: Uint8Array | undefined): bigint {
  if (value === undefined || value.length === 0) return 0n
  const text = Buffer.from(value).toString('utf8')
  if (!/^\d+$/.test(text)) throw new KeyValueError(`the value of ${key} is not a number, cannot increment it`)
  return BigInt(text)
}

export const U64_MAX = (1n << 64n) - 1n
