import { configInvalid, configValue, reasonOf } from '../errors.js'
import { connectNatsLink, type NatsLink, splitServers } from '../nats.js'
import { type BrokerMessage, type MessageHandler, type MessagingBackend, MessagingError, parseSubscriptions, type Subscription } from './types.js'

/** wasmCloud's messaging-nats provider default (it connects to the first of `cluster_uris`). */
export const NATS_MESSAGING_DEFAULT_URIS = '0.0.0.0:4222'
/** The provider's limit of messages handled at once per subscription. */
const DEFAULT_CONCURRENCY = 75

/**
 * wasmcloud:messaging@0.2.0 on NATS core (no JetStream), configured with the messaging-nats
 * provider's link-config keys: `cluster_uris` (comma-separated), `subscriptions`
 * (`subject[|queue]`, comma-separated), `client_jwt`/`client_seed`, `tls_ca`/`tls_ca_file`.
 */
export class NatsMessagingBackend implements MessagingBackend {
  readonly kind = 'nats' as const

  private constructor(
    private readonly link: NatsLink,
    readonly subscriptions: Subscription[],
  ) {}

  static async connect(linkConfig: Record<string, string>): Promise<NatsMessagingBackend> {
    const subscriptions = parseSubscriptions(configValue(linkConfig, 'subscriptions'))
    for (const { subject, queue } of subscriptions) {
      if (!isSubscribableSubject(subject) || (queue !== undefined && !/^[^\s*>]+$/.test(queue))) {
        throw configInvalid(`invalid NATS subscription "${queue === undefined ? subject : `${subject}|${queue}`}"`, [
          'subscriptions is a comma-separated list of subjects (wildcards * and > allowed), each optionally subject|queue-group',
        ])
      }
    }
    const link = await connectNatsLink({
      servers: splitServers(configValue(linkConfig, 'cluster_uris'), NATS_MESSAGING_DEFAULT_URIS),
      backend: 'NATS messaging',
      addressHint: 'cluster_uris (--link wasmcloud:messaging=nats://HOST:PORT)',
      config: linkConfig,
    })
    return new NatsMessagingBackend(link, subscriptions)
  }

  describe() {
    return {
      backend: this.kind,
      address: this.link.address,
      subscriptions: this.subscriptions.map(({ subject, queue }) => (queue === undefined ? subject : `${subject}|${queue}`)),
    }
  }

  private ready(): void {
    if (!this.link.connected()) throw new MessagingError(this.link.unavailable())
  }

  async request(subject: string, body: Uint8Array, timeoutMs: number): Promise<BrokerMessage> {
    this.ready()
    try {
      const reply = await this.link.nc.request(subject, body, { timeout: Math.max(1, timeoutMs) })
      return { subject: reply.subject, body: reply.data, ...(reply.reply ? { replyTo: reply.reply } : {}) }
    } catch (error) {
      const reason = reasonOf(error)
      if (/timeout/i.test(reason)) throw new MessagingError(`nats request to ${subject} timed out after ${timeoutMs} ms`, { cause: error })
      if (/no responders/i.test(reason) || (error as { code?: string }).code === '503') {
        throw new MessagingError(`nats request to ${subject} failed: no responders`, { cause: error })
      }
      throw new MessagingError(`nats request to ${subject} failed: ${reason}`, { cause: error })
    }
  }

  async publish(message: BrokerMessage): Promise<void> {
    this.ready()
    try {
      this.link.nc.publish(message.subject, message.body, message.replyTo ? { reply: message.replyTo } : undefined)
      // As the provider: the publish counts once the server has it.
      await this.link.nc.flush()
    } catch (error) {
      throw new MessagingError(`nats publish to ${message.subject} failed: ${reasonOf(error)}`, { cause: error })
    }
  }

  async subscribe(
    handler: MessageHandler,
    options: { onError?: (error: unknown, message: BrokerMessage) => void; concurrency?: number } = {},
  ): Promise<() => Promise<void>> {
    const limit = options.concurrency ?? DEFAULT_CONCURRENCY
    let running = 0
    const waiting: (() => void)[] = []
    const deliver = async (message: BrokerMessage) => {
      if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve))
      running++
      try {
        await handler(message)
      } catch (error) {
        options.onError?.(error, message)
      } finally {
        running--
        waiting.shift()?.()
      }
    }
    const subs = this.subscriptions.map(({ subject, queue }) =>
      this.link.nc.subscribe(subject, {
        ...(queue ? { queue } : {}),
        callback: (error, msg) => {
          if (error) return
          void deliver({ subject: msg.subject, body: msg.data, ...(msg.reply ? { replyTo: msg.reply } : {}) })
        },
      }),
    )
    // The server has the subscriptions once a round trip after them is answered.
    await this.link.nc.flush()
    return async () => {
      for (const sub of subs) sub.unsubscribe()
      await this.link.nc.flush().catch(() => {})
    }
  }

  close() {
    return this.link.close()
  }
}

/** NATS subject rules: non-empty dot-separated tokens; `*` and `>` only as whole tokens, `>` last. */
export function isSubscribableSubject(subject: string): boolean {
  const tokens = subject.split('.')
  return tokens.every((token, index) => {
    if (token === '*' || (token === '>' && index === tokens.length - 1)) return true
    return token.length > 0 && !/[\s*>]/.test(token)
  })
}
