import { mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

import { fsError, WasmctlError } from '../../errors.js'
import { writeFileAtomic } from '../../files.js'
import { type CasSnapshot, checkCounter, parseCounter, type SwapOutcome } from './types.js'

/**
 * The embedded key-value store behind wasi:keyvalue: buckets of byte values in memory, written to
 * one JSON file (values base64) so state survives a restart of the host. All operations run on
 * the main thread, one at a time, so `increment` and a compare-and-swap are atomic across every
 * worker. Each write gives the key a new revision (in memory only: a `cas` handle does not outlive
 * the host), which is what a swap checks.
 *
 * A JSON file rather than a database: Node 20 has no built-in SQLite, the native stores (lmdb,
 * classic-level, better-sqlite3) need prebuilt binaries from the network, and a dev loop's state
 * is small. Writes are batched (one atomic rewrite at most every `flushDelayMs`) and flushed on
 * close.
 */
const FORMAT_VERSION = 1
/** Keys per `list-keys` page. */
const PAGE_SIZE = 1000

interface StoreFile {
  version: number
  buckets: Record<string, Record<string, string>>
}

export class KeyValueStore {
  private readonly buckets = new Map<string, Map<string, Uint8Array>>()
  /** The revision of each key's last write; keys loaded from the file get one when first asked. */
  private readonly revisions = new Map<string, Map<string, number>>()
  private lastRevision = 0
  private flushTimer?: NodeJS.Timeout
  private writing: Promise<void> = Promise.resolve()
  private dirty = false

  /** `file` undefined: memory only. `onError` hears about background writes that failed. */
  constructor(
    readonly file: string | undefined,
    private readonly onError: (error: Error) => void = () => {},
    private readonly flushDelayMs = 50,
  ) {
    if (file) this.load(file)
  }

  private load(file: string): void {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      throw fsError(error, 'read', file)
    }
    let data: StoreFile
    try {
      data = JSON.parse(text) as StoreFile
      if (data.version !== FORMAT_VERSION || typeof data.buckets !== 'object') throw new Error(`unknown format version ${data.version}`)
    } catch (error) {
      throw new WasmctlError('HOST_LOAD_FAILED', `the key-value state in ${file} is unreadable: ${(error as Error).message}`, {
        hints: [`move ${file} aside to start with an empty store`],
      })
    }
    for (const [name, entries] of Object.entries(data.buckets)) {
      this.buckets.set(name, new Map(Object.entries(entries).map(([key, value]) => [key, Buffer.from(value, 'base64')])))
    }
  }

  private bucket(name: string): Map<string, Uint8Array> {
    let bucket = this.buckets.get(name)
    if (!bucket) {
      bucket = new Map()
      this.buckets.set(name, bucket)
    }
    return bucket
  }

  get(bucket: string, key: string): Uint8Array | undefined {
    return this.buckets.get(bucket)?.get(key)
  }

  set(bucket: string, key: string, value: Uint8Array): void {
    this.bucket(bucket).set(key, Uint8Array.from(value))
    this.revisionsOf(bucket).set(key, ++this.lastRevision)
    this.changed()
  }

  delete(bucket: string, key: string): void {
    if (this.buckets.get(bucket)?.delete(key)) {
      this.revisions.get(bucket)?.delete(key)
      this.changed()
    }
  }

  private revisionsOf(bucket: string): Map<string, number> {
    let revisions = this.revisions.get(bucket)
    if (!revisions) {
      revisions = new Map()
      this.revisions.set(bucket, revisions)
    }
    return revisions
  }

  /** 0 while the key is absent (so a swap expecting absence succeeds only while it still is). */
  private revision(bucket: string, key: string): number {
    if (!this.exists(bucket, key)) return 0
    const revisions = this.revisionsOf(bucket)
    let revision = revisions.get(key)
    if (revision === undefined) {
      revision = ++this.lastRevision
      revisions.set(key, revision)
    }
    return revision
  }

  /** Draft2 `cas.new`: the value now and the revision a swap must still find. */
  casSnapshot(bucket: string, key: string): CasSnapshot {
    const value = this.get(bucket, key)
    return value === undefined ? { revision: 0 } : { value, revision: this.revision(bucket, key) }
  }

  /** Draft2 `swap`: writes only if the key's revision is still the one `expected` saw. */
  compareAndSwap(bucket: string, key: string, expected: CasSnapshot, value: Uint8Array): SwapOutcome {
    if (expected.revision === undefined || this.revision(bucket, key) !== expected.revision) {
      return { swapped: false, current: this.casSnapshot(bucket, key) }
    }
    this.set(bucket, key, value)
    return { swapped: true }
  }

  exists(bucket: string, key: string): boolean {
    return this.buckets.get(bucket)?.has(key) ?? false
  }

  /** A page of keys in insertion order; `next` is where the following page starts. */
  list(bucket: string, start: number): { keys: string[]; next?: number } {
    const keys = [...(this.buckets.get(bucket)?.keys() ?? [])]
    const page = keys.slice(start, start + PAGE_SIZE)
    return start + PAGE_SIZE < keys.length ? { keys: page, next: start + PAGE_SIZE } : { keys: page }
  }

  /** wasmtime's and wasmCloud's convention: the value is a decimal number in UTF-8. */
  increment(bucket: string, key: string, delta: bigint): bigint {
    const next = checkCounter(key, parseCounter(key, this.get(bucket, key)) + BigInt(delta))
    this.set(bucket, key, Buffer.from(next.toString(), 'utf8'))
    return next
  }

  private changed(): void {
    if (!this.file) return
    this.dirty = true
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined
      this.flush().catch(this.onError)
    }, this.flushDelayMs)
  }

  /** Writes pending changes (atomically: a temp file, then a rename). */
  flush(): Promise<void> {
    clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    if (!this.file || !this.dirty) return this.writing
    this.dirty = false
    const file = this.file
    const data: StoreFile = { version: FORMAT_VERSION, buckets: {} }
    for (const [name, bucket] of this.buckets) {
      data.buckets[name] = Object.fromEntries([...bucket].map(([key, value]) => [key, Buffer.from(value).toString('base64')]))
    }
    const text = JSON.stringify(data, null, 2) + '\n'
    this.writing = this.writing.catch(() => {}).then(async () => {
      try {
        mkdirSync(path.dirname(file), { recursive: true })
        await writeFileAtomic(file, text)
      } catch (error) {
        throw fsError(error, 'write', file)
      }
    })
    return this.writing
  }
}
