import type { CasSnapshot, SwapOutcome } from '../../capabilities/keyvalue/types.js'
import { HostCallError } from '../channel.js'
import { resourceCounter } from './io.js'

/**
 * The wasmCloud-style capability interfaces, guest side: wasi:keyvalue (store, atomics, batch),
 * wasi:config (store, and the older runtime name) and wasi:logging. Key-value calls go to the
 * host's store on the main thread through `call`; config is a fixed map; log lines are posted.
 */
export type HostCall = (kind: string, payload: unknown) => unknown

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'critical'

/** What the main thread answers a `kv.*` call with: a backend failure is a value, not a trap. */
type KeyValueReply = { ok: unknown } | { err: { tag: string; val?: string } }

/**
 * wasi:keyvalue 0.2.0-draft and 0.2.0-draft2 share these providers (jco's glue looks imports up
 * by unversioned name), so each function serves both shapes: draft2's `cas` resource and `swap`
 * are simply never called by a draft component; `increment` gets a u64 (draft) or an s64 (draft2)
 * and the main thread computes in exact integers either way (a draft2 counter above 2^63-1, which
 * only a draft caller can reach, would read back wrapped by the glue's s64 lowering).
 */
export function createKeyvalue(call: HostCall) {
  const reply = (kind: string, payload: Record<string, unknown>): KeyValueReply => {
    try {
      return call(kind, payload) as KeyValueReply
    } catch (error) {
      // The main thread could not answer (the call channel failed): an error value, not a trap.
      if (error instanceof HostCallError) return { err: { tag: 'other', val: error.message } }
      throw error
    }
  }
  const run = (kind: string, payload: Record<string, unknown>) => {
    const answer = reply(kind, payload)
    // jco's glue turns a thrown value into the `err` of the import's result.
    if ('err' in answer) throw answer.err
    return answer.ok
  }

  class Bucket {
    /** Where every call on this bucket goes: its identifier, and the link it was opened on (wasmcloud:bus), which it keeps. */
    readonly at: { bucket: string; link: string }

    constructor(
      readonly name: string,
      link = 'default',
    ) {
      this.at = { bucket: name, link }
      resourceCounter.created++
    }

    get(key: string): Uint8Array | undefined {
      return run('kv.get', { ...this.at, key }) as Uint8Array | undefined
    }

    set(key: string, value: Uint8Array): void {
      run('kv.set', { ...this.at, key, value })
    }

    delete(key: string): void {
      run('kv.delete', { ...this.at, key })
    }

    exists(key: string): boolean {
      return run('kv.exists', { ...this.at, key }) as boolean
    }

    /**
     * The draft cursor is a u64, draft2's a string, and a first call (no cursor) does not say which
     * the guest wants back. Decimal text suits both: draft2's glue lowers it as is, draft's with
     * BigInt() (jco's toUint64), so the cursor travels as text and never loses precision.
     */
    listKeys(cursor?: bigint | string): { keys: string[]; cursor?: string } {
      const page = run('kv.list', { ...this.at, ...(cursor === undefined ? {} : { cursor: String(cursor) }) }) as { keys: string[]; cursor?: string }
      return page.cursor === undefined ? { keys: page.keys } : { keys: page.keys, cursor: page.cursor }
    }

    [Symbol.dispose](): void {}
  }

  /**
   * Draft2's compare-and-swap handle. What the swap must find (the value and revision seen at
   * `new`) stays here in the worker, so a handle the guest drops without swapping leaves nothing
   * behind on the main thread. A guest cannot forge one: it only holds a handle to this object.
   */
  class Cas {
    #used = false
    readonly #seen: CasSnapshot

    private constructor(
      readonly bucket: { bucket: string; link: string },
      readonly key: string,
      seen: CasSnapshot,
    ) {
      this.#seen = seen
      resourceCounter.created++
    }

    static new(bucket: Bucket, key: string): Cas {
      return new Cas(bucket.at, key, run('kv.casNew', { ...bucket.at, key }) as CasSnapshot)
    }

    /** The value as `new` (or the failed swap that made this handle) saw it. */
    current(): Uint8Array | undefined {
      return this.#seen.value
    }

    /** `swap` consumes the handle (the glue moves it out of the guest's table; this guards the object too). */
    static swap(cas: Cas, value: Uint8Array): void {
      if (cas.#used) throw { tag: 'store-error', val: { tag: 'other', val: 'this cas handle was already used by a swap' } }
      cas.#used = true
      const answer = reply('kv.swap', { ...cas.bucket, key: cas.key, expected: cas.#seen, value })
      if ('err' in answer) throw { tag: 'store-error', val: answer.err }
      const outcome = answer.ok as SwapOutcome
      // As the WIT asks: the handle a failed swap returns is taken at the key's state now.
      if (!outcome.swapped) throw { tag: 'cas-failed', val: new Cas(cas.bucket, cas.key, outcome.current) }
    }

    [Symbol.dispose](): void {}
  }

  return {
    store: {
      Bucket,
      open(identifier: string): Bucket {
        // The host's call wrapper names the link the component selected (wasmcloud:bus); the bucket keeps it.
        const request: { bucket: string; link?: string } = { bucket: identifier }
        run('kv.open', request)
        return new Bucket(identifier, request.link)
      },
    },
    atomics: {
      Cas,
      increment: (bucket: Bucket, key: string, delta: bigint): bigint => run('kv.increment', { ...bucket.at, key, delta }) as bigint,
      swap: (cas: Cas, value: Uint8Array): void => Cas.swap(cas, value),
    },
    batch: {
      getMany: (bucket: Bucket, keys: string[]) =>
        (run('kv.getMany', { ...bucket.at, keys }) as (Uint8Array | undefined)[]).map((value, i) =>
          value === undefined ? undefined : [keys[i], value],
        ),
      setMany: (bucket: Bucket, keyValues: [string, Uint8Array][]) => void run('kv.setMany', { ...bucket.at, keyValues }),
      deleteMany: (bucket: Bucket, keys: string[]) => void run('kv.deleteMany', { ...bucket.at, keys }),
    },
  }
}

export function createConfig(values: Record<string, string>) {
  const store = {
    get: (key: string): string | undefined => (Object.hasOwn(values, key) ? values[key] : undefined),
    getAll: (): [string, string][] => Object.entries(values),
  }
  return { store, runtime: store }
}

/**
 * wasmcloud:messaging@0.2.0 `consumer`: `request` and `publish` go to the bound NATS connection on
 * the main thread; a failure (timeout, no responders, server gone) is the `err` string.
 */
export function createMessaging(call: HostCall) {
  type Message = { subject: string; body: Uint8Array; replyTo?: string }
  const run = (kind: string, payload: unknown): unknown => {
    let reply: { ok?: unknown; err?: string }
    try {
      reply = call(kind, payload) as { ok?: unknown; err?: string }
    } catch (error) {
      if (error instanceof HostCallError) throw error.message
      throw error
    }
    if (reply.err !== undefined) throw reply.err
    return reply.ok
  }
  return {
    consumer: {
      request: (subject: string, body: Uint8Array, timeoutMs: number): Message => run('msg.request', { subject, body, timeoutMs }) as Message,
      publish: (message: Message): void => void run('msg.publish', { subject: message.subject, body: message.body, ...(message.replyTo ? { replyTo: message.replyTo } : {}) }),
    },
    types: {},
  }
}

export function createLogging(log: (level: LogLevel, context: string, message: string) => void) {
  return { logging: { log } }
}
