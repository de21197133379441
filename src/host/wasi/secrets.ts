import { HostCallError } from '../channel.js'
import type { HostCall } from './capabilities.js'
import { resourceCounter } from './io.js'

/**
 * wasmcloud:secrets@0.1.0-draft (`store`, `reveal`), guest side, through `secret.*` host calls to
 * the SecretStore on the main thread. A `secret` resource holds only the name it was got by; the
 * value crosses to this thread only when the guest reveals it, and is never logged on the way.
 */
type SecretsErrorValue = { tag: 'upstream'; val: string } | { tag: 'io'; val: string } | { tag: 'not-found' }
type Reply<T> = { ok: T } | { err: SecretsErrorValue }

export function createSecrets(call: HostCall) {
  const run = <T>(kind: string, payload: Record<string, unknown>): T => {
    let reply: Reply<T>
    try {
      reply = call(kind, payload) as Reply<T>
    } catch (error) {
      if (error instanceof HostCallError) throw { tag: 'upstream', val: 'the secrets store failed' } satisfies SecretsErrorValue
      throw error
    }
    // A host mode that does not serve these calls (a command) answers nothing.
    if (typeof reply !== 'object' || reply === null) throw { tag: 'upstream', val: 'wasmcloud:secrets is not available here' } satisfies SecretsErrorValue
    if ('err' in reply) throw reply.err
    return reply.ok
  }

  class Secret {
    readonly #key: string

    constructor(key: string) {
      this.#key = key
      resourceCounter.created++
    }

    static keyOf(secret: Secret): string {
      return secret.#key
    }

    [Symbol.dispose](): void {}
  }

  return {
    store: {
      Secret,
      get(key: string): Secret {
        run('secret.get', { key })
        return new Secret(key)
      },
    },
    reveal: {
      // `reveal` has no error case in the WIT: a failure here traps the request.
      reveal: (secret: Secret) => {
        try {
          return run<{ tag: 'string'; val: string } | { tag: 'bytes'; val: Uint8Array }>('secret.reveal', { key: Secret.keyOf(secret) })
        } catch {
          throw new Error('wasmcloud:secrets/reveal failed')
        }
      },
    },
  }
}
