import { HostCallError } from '../channel.js'
import { resourceCounter } from './io.js'

/**
 * The wasmCloud-style capability interfaces, guest side: wasi:keyvalue (store, atomics, batch),
 * wasi:config (store, and the older runtime name) and wasi:logging. Key-value calls go to the
 * host's store on the main thread through `call`; config is a fixed map; log lines are posted.
 */
export type HostCall = (kind: string, payload: unknown) => unknown

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'critical'

function keyvalueError(error: unknown): never {
  if (error instanceof HostCallError) throw { tag: 'other', val: error.message }
  throw error
}

/** What the main thread answers a `kv.*` call with: a backend failure is a value, not a trap. */
type KeyValueReply = { ok: unknown } | { err: { tag: string; val?: string } }

export function createKeyvalue(call: HostCall) {
  const run = (kind: string, payload: Record<string, unknown>) => {
    let reply: KeyValueReply
    try {
      reply = call(kind, payload) as KeyValueReply
    } catch (error) {
      keyvalueError(error)
    }
    // jco's glue turns a thrown value into the `err` of the import's result.
    if ('err' in reply) throw reply.err
    return reply.ok
  }

  class Bucket {
    constructor(readonly name: string) {
      resourceCounter.created++
    }

    get(key: string): Uint8Array | undefined {
      return run('kv.get', { bucket: this.name, key }) as Uint8Array | undefined
    }

    set(key: string, value: Uint8Array): void {
      run('kv.set', { bucket: this.name, key, value })
    }

    delete(key: string): void {
      run('kv.delete', { bucket: this.name, key })
    }

    exists(key: string): boolean {
      return run('kv.exists', { bucket: this.name, key }) as boolean
    }

    /** The 0.2.0-draft cursor is a u64 (an index here); draft2's is a string. */
    listKeys(cursor?: bigint | string): { keys: string[]; cursor?: bigint | string } {
      const start = cursor === undefined ? 0 : Number(cursor)
      const page = run('kv.list', { bucket: this.name, start }) as { keys: string[]; next?: number }
      if (page.next === undefined) return { keys: page.keys }
      return { keys: page.keys, cursor: typeof cursor === 'string' ? String(page.next) : BigInt(page.next) }
    }

    [Symbol.dispose](): void {}
  }

  return {
    store: {
      Bucket,
      open(identifier: string): Bucket {
        run('kv.open', { bucket: identifier })
        return new Bucket(identifier)
      },
    },
    atomics: {
      increment: (bucket: Bucket, key: string, delta: bigint): bigint => run('kv.increment', { bucket: bucket.name, key, delta }) as bigint,
    },
    batch: {
      getMany: (bucket: Bucket, keys: string[]) =>
        (run('kv.getMany', { bucket: bucket.name, keys }) as (Uint8Array | undefined)[]).map((value, i) =>
          value === undefined ? undefined : [keys[i], value],
        ),
      setMany: (bucket: Bucket, keyValues: [string, Uint8Array][]) => void run('kv.setMany', { bucket: bucket.name, keyValues }),
      deleteMany: (bucket: Bucket, keys: string[]) => void run('kv.deleteMany', { bucket: bucket.name, keys }),
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
