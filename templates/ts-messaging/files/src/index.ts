// Answers greeting requests: each message on the subscribed subject is a name; a request (a message
// with reply-to) gets "Hello, <name>!" back, and every message also publishes an event, so other
// components (or `nats sub`) can follow what was handled. Subscriptions come from the host's
// configuration, not from this code: the same build runs on wasmctl and on wasmCloud.
import { publish } from 'wasmcloud:messaging/consumer@0.2.0'
import type { BrokerMessage } from 'wasmcloud:messaging/types@0.2.0'

const EVENTS = '{{events}}'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

function handleMessage(message: BrokerMessage): void {
  const name = decoder.decode(message.body).trim() || 'world'
  const greeting = `Hello, ${name}!`
  if (message.replyTo) {
    publish({ subject: message.replyTo, body: encoder.encode(greeting) })
  }
  const event = { subject: message.subject, name, greeting, answered: message.replyTo !== undefined }
  publish({ subject: EVENTS, body: encoder.encode(JSON.stringify(event)) })
}

// componentize-js maps the exported interface `wasmcloud:messaging/handler` to this object. A
// throw becomes the `err` string of handle-message's result: the host logs it.
export const handler = { handleMessage }
