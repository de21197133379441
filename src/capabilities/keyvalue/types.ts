/**
 * One interface for every wasi:keyvalue backend (`store`, `atomics`, `batch`), serving both
 * 0.2.0-draft and 0.2.0-draft2 (which adds compare-and-swap and a signed `increment`). The host
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

export interface KeyPage {
  keys: string[]
  /** Where the next page starts; undefined on the last page (a u64 in draft, its decimal text in draft2). */
  cursor?: bigint
}

/**
 * What a draft2 `cas` handle remembers from `cas.new`: the value it saw (undefined: the key was
 * absent) and, where the backend versions its entries, the revision of that state. A swap only
 * succeeds if the key is still in that state.
 */
export interface CasSnapshot {
  value?: Uint8Array
  /** Embedded store and NATS KV: the entry's revision (0: absent). Redis compares the value itself. */
  revision?: number
}

/** A swap that lost: the key's state now, for the fresh handle `cas-failed` carries. */
export type SwapOutcome = { swapped: true } | { swapped: false; current: CasSnapshot }

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
   * `delta` is a draft u64 or a draft2 s64 (negative counts down); see checkCounter.
   */
  increment(bucket: string, key: string, delta: bigint): Promise<bigint>
  /** Draft2 `cas.new`: reads the key and what a later swap must still find. */
  casNew(bucket: string, key: string): Promise<CasSnapshot>
  /**
   * Draft2 `swap`: writes `value` only if the key was not modified since `expected` was taken,
   * atomically with respect to every other writer (other requests, workers, hosts).
   */
  swap(bucket: string, key: string, expected: CasSnapshot, value: Uint8Array): Promise<SwapOutcome>
  /** `batch.get-many`: one entry per key, undefined where the key is missing. */
  getMany(bucket: string, keys: string[]): Promise<(Uint8Array | undefined)[]>
  setMany(bucket: string, entries: [string, Uint8Array][]): Promise<void>
  deleteMany(bucket: string, keys: string[]): Promise<void>
  /** Lets go of connections (and flushes the embedded store). */
  close(): Promise<void>
}

/**
 * The decimal text stored by `increment`, parsed as the providers do (empty counts as 0). A
 * leading minus is accepted: draft2 counts down (its `increment` is an s64).
 */
export function parseCounter(key: string, value: Uint8Array | undefined): bigint {
  if (value === undefined || value.length === 0) return 0n
  const text = Buffer.from(value).toString('utf8')
  if (!/^-?\d+$/.test(text)) throw new KeyValueError(`the value of ${key} is not a number, cannot increment it`)
  return BigInt(text)
}

export const U64_MAX = (1n << 64n) - 1n
export const S64_MIN = -(1n << 63n)

/**
 * A counter must stay where one of the two WIT types can carry it: draft returns a u64, draft2 an
 * s64, so the union [-2^63, 2^64-1]; past it the increment fails (nothing is written) rather
 * than wrapping, as Redis' INCRBY and wasmtime's checked_add do.
 */
export function checkCounter(key: string, next: bigint): bigint {
  if (next > U64_MAX || next < S64_MIN) throw new KeyValueError(`incrementing ${key} overflows a 64-bit counter`)
  return next
}

/** A list-keys cursor as the guest hands it back: the decimal text of an offset or a Redis SCAN cursor. */
export function parseCursor(cursor: string | undefined): bigint | undefined {
  if (cursor === undefined || cursor === '') return undefined
  if (!/^\d{1,20}$/.test(cursor) || BigInt(cursor) > U64_MAX) throw new KeyValueError(`invalid list-keys cursor "${cursor.slice(0, 40)}": pass back the cursor a previous list-keys returned`)
  return BigInt(cursor)
}
