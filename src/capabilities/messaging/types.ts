/** wasmcloud:messaging@0.2.0 `broker-message`. */
export interface BrokerMessage {
  subject: string
  body: Uint8Array
  replyTo?: string
}

/** A failure a guest receives as the `string` error of `result<_, string>`. */
export class MessagingError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'MessagingError'
  }

  toWit(): string {
    return this.message
  }
}

/** Runs a component's `handle-message`; a rejection is logged, the message is not redelivered. */
export type MessageHandler = (message: BrokerMessage) => Promise<void>

export interface Subscription {
  subject: string
  /** The queue group (`subject|queue` in the link config): one member of the group gets each message. */
  queue?: string
}

export interface MessagingBackend {
  readonly kind: 'nats'
  describe(): { backend: 'nats'; address: string; subscriptions: string[] }
  /** consumer.request: the first reply, or a MessagingError (timeout, no responders, no server). */
  request(subject: string, body: Uint8Array, timeoutMs: number): Promise<BrokerMessage>
  /** consumer.publish. */
  publish(message: BrokerMessage): Promise<void>
  /**
   * Subscribes to the link's `subscriptions` and delivers each message to `handler` (at most
   * `concurrency` at a time). Resolves once the server has the subscriptions; the returned
   * function unsubscribes. Subscriptions come back by themselves after a reconnect.
   */
  subscribe(handler: MessageHandler, options?: { onError?: (error: unknown, message: BrokerMessage) => void; concurrency?: number }): Promise<() => Promise<void>>
  close(): Promise<void>
}

/**
 * The messaging-nats provider's `subscriptions` value: comma-separated subjects, each optionally
 * `subject|queue` for a queue group. Blank entries are skipped, as the provider skips them.
 */
export function parseSubscriptions(value: string | undefined): Subscription[] {
  if (!value) return []
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const bar = entry.indexOf('|')
      return bar === -1 ? { subject: entry } : { subject: entry.slice(0, bar), queue: entry.slice(bar + 1) }
    })
}
