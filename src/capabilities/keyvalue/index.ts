import { EmbeddedKeyValueBackend } from './embedded.js'
import { KeyValueError, type KeyValueBackend, parseCursor } from './types.js'

export { EmbeddedKeyValueBackend } from './embedded.js'
export { KeyValueStore } from './embedded-store.js'
export * from './types.js'

export interface OpenKeyValueOptions {
  /** The embedded store's file (undefined: memory only). */
  embeddedFile?: string
  /** Background write failures of the embedded store. */
  onError?: (error: Error) => void
}

/**
 * The backend a key-value binding names, connected and checked. A backend that cannot be reached
 * throws CAPABILITY_BACKEND_UNREACHABLE (call this before the server listens). The Redis and NATS
 * clients are imported here, on demand, so commands that never bind them do not load them.
 */
export async function openKeyValueBackend(
  binding: { backend: string; linkConfig: Record<string, string>; linkName?: string },
  options: OpenKeyValueOptions = {},
): Promise<KeyValueBackend> {
  switch (binding.backend) {
    case 'embedded':
      return EmbeddedKeyValueBackend.open(options.embeddedFile, options.onError)
    case 'redis': {
      const { RedisKeyValueBackend } = await import('./redis.js')
      return RedisKeyValueBackend.connect(binding.linkConfig)
    }
    case 'nats': {
      const { NatsKeyValueBackend } = await import('./nats.js')
      return NatsKeyValueBackend.connect(binding.linkConfig, binding.linkName)
    }
    default:
      throw new Error(`no key-value backend named ${binding.backend}`)
  }
}

/**
 * Serves one guest key-value call (`kv.*`, as src/host/wasi/capabilities.ts sends them) on any
 * backend (the host's and a command's alike). `kv.list` takes `{bucket, cursor?}` and answers
 * `{keys, cursor?}`, the cursor as decimal text (a Redis SCAN cursor can pass 2^53).
 * `kv.casNew` answers a CasSnapshot, `kv.swap` (`{bucket, key, expected, value}`) a SwapOutcome.
 * Throws KeyValueError for failures the guest should receive as a wasi:keyvalue `error`.
 */
export async function handleKeyValueCall(backend: KeyValueBackend, kind: string, payload: any): Promise<unknown> {
  switch (kind) {
    case 'kv.open':
      return backend.open(payload.bucket)
    case 'kv.get':
      return backend.get(payload.bucket, payload.key)
    case 'kv.set':
      return backend.set(payload.bucket, payload.key, payload.value)
    case 'kv.delete':
      return backend.delete(payload.bucket, payload.key)
    case 'kv.exists':
      return backend.exists(payload.bucket, payload.key)
    case 'kv.list': {
      const page = await backend.listKeys(payload.bucket, parseCursor(payload.cursor))
      return page.cursor === undefined ? { keys: page.keys } : { keys: page.keys, cursor: page.cursor.toString() }
    }
    case 'kv.increment':
      return backend.increment(payload.bucket, payload.key, BigInt(payload.delta))
    case 'kv.casNew':
      return backend.casNew(payload.bucket, payload.key)
    case 'kv.swap':
      return backend.swap(payload.bucket, payload.key, payload.expected, payload.value)
    case 'kv.getMany':
      return backend.getMany(payload.bucket, payload.keys)
    case 'kv.setMany':
      return backend.setMany(payload.bucket, payload.keyValues)
    case 'kv.deleteMany':
      return backend.deleteMany(payload.bucket, payload.keys)
    default:
      throw new KeyValueError(`unknown key-value operation ${kind}`)
  }
}
