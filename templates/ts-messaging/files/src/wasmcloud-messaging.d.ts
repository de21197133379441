// Types for the wasmcloud:messaging@0.2.0 interfaces (wit/deps/messaging/), in componentize-js's
// mapping: records are objects with camelCase fields, option<T> is T | undefined, list<u8> is a
// Uint8Array, and a function returning result<T, string> returns T or throws an error whose
// `payload` is the string.

declare module 'wasmcloud:messaging/types@0.2.0' {
  export interface BrokerMessage {
    subject: string
    body: Uint8Array
    replyTo?: string
  }
}

declare module 'wasmcloud:messaging/consumer@0.2.0' {
  import type { BrokerMessage } from 'wasmcloud:messaging/types@0.2.0'

  export function request(subject: string, body: Uint8Array, timeoutMs: number): BrokerMessage
  export function publish(msg: BrokerMessage): void
}
