import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type BrokerMessage, type MessagingBackend, MessagingError, openMessagingBackend } from '../../../src/capabilities/messaging/index.js'
import { type NatsServer, startNats } from '../../helpers/nats.js'

/** wasmcloud:messaging over a real nats-server, checked with a plain NATS client on the other end. */
const text = (value: string) => new TextEncoder().encode(value)
const decode = (value: Uint8Array) => new TextDecoder().decode(value)

let nats: NatsServer
const opened: MessagingBackend[] = []
let peer: Awaited<ReturnType<typeof import('@nats-io/transport-node').connect>>

beforeAll(async () => {
  nats = await startNats()
  const { connect } = await import('@nats-io/transport-node')
  peer = await connect({ servers: nats.url })
})

afterAll(async () => {
  await peer?.close()
  await Promise.all(opened.map((backend) => backend.close()))
  await nats?.dispose()
})

async function open(linkConfig: Record<string, string>): Promise<MessagingBackend> {
  const backend = await openMessagingBackend({ backend: 'nats', linkConfig: { cluster_uris: nats.url, ...linkConfig } })
  opened.push(backend)
  return backend
}

function waitFor<T>(predicate: () => T | undefined, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const poll = () => {
      const value = predicate()
      if (value !== undefined) return resolve(value)
      if (Date.now() - started > 10_000) return reject(new Error(`timed out waiting for ${what}`))
      setTimeout(poll, 10)
    }
    poll()
  })
}

describe('wasmcloud:messaging on NATS', () => {
  it('delivers messages on the link subscriptions to the handler, with reply-to, and a reply reaches the requester', async () => {
    const backend = await open({ subscriptions: 'orders.*, audit.>' })
    const received: BrokerMessage[] = []
    const stop = await backend.subscribe(async (message) => {
      received.push(message)
      if (message.replyTo) await backend.publish({ subject: message.replyTo, body: text(`ack ${decode(message.body)}`) })
    })
    const reply = await peer.request('orders.new', text('order-1'), { timeout: 5000 })
    expect(reply.string()).toBe('ack order-1')
    peer.publish('audit.eu.login', text('alice'))
    const audit = await waitFor(() => received.find((message) => message.subject === 'audit.eu.login'), 'the audit message')
    expect(decode(audit.body)).toBe('alice')
    expect(audit.replyTo).toBeUndefined()
    expect(received[0]).toMatchObject({ subject: 'orders.new', replyTo: expect.stringMatching(/^_INBOX\./) })
    // Not subscribed: never delivered.
    peer.publish('other.subject', text('x'))
    await peer.flush()
    await stop()
    peer.publish('orders.late', text('after unsubscribe'))
    await peer.flush()
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(received.map((message) => message.subject)).toEqual(['orders.new', 'audit.eu.login'])
  })

  it('shares a queue group (subject|queue) so each message reaches one member', async () => {
    const first = await open({ subscriptions: 'jobs|workers' })
    const second = await open({ subscriptions: 'jobs|workers' })
    const seen: string[] = []
    const stops = await Promise.all([first, second].map((backend, index) => backend.subscribe(async (message) => void seen.push(`${index}:${decode(message.body)}`))))
    for (let i = 0; i < 40; i++) peer.publish('jobs', text(String(i)))
    await peer.flush()
    await waitFor(() => (seen.length >= 40 ? true : undefined), '40 jobs')
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(seen).toHaveLength(40)
    const bodies = seen.map((entry) => entry.split(':')[1]).sort((a, b) => Number(a) - Number(b))
    expect(bodies).toEqual(Array.from({ length: 40 }, (_, i) => String(i)))
    await Promise.all(stops.map((stop) => stop()))
  })

  it('requests with a timeout, and publishes what a subscriber receives', async () => {
    const backend = await open({})
    const responder = peer.subscribe('time.now', { callback: (_error, msg) => msg.respond(text(`it is ${msg.string()}`)) })
    await peer.flush()
    const reply = await backend.request('time.now', text('noon'), 2000)
    expect(decode(reply.body)).toBe('it is noon')
    expect(reply.subject).toMatch(/^_INBOX\./)
    responder.unsubscribe()

    const events = peer.subscribe('events.created', { max: 1 })
    await peer.flush()
    await backend.publish({ subject: 'events.created', body: text('{"id":1}') })
    for await (const message of events) expect(message.string()).toBe('{"id":1}')

    // A slow responder: the timeout is honoured and reported as an error string.
    const slow = peer.subscribe('slow', { callback: () => {} })
    await peer.flush()
    const timedOut = await backend.request('slow', text(''), 200).catch((error: unknown) => error)
    expect(timedOut).toBeInstanceOf(MessagingError)
    expect((timedOut as MessagingError).toWit()).toMatch(/timed out after 200 ms/)
    slow.unsubscribe()
    const nobody = await backend.request('nobody.home', text(''), 2000).catch((error: unknown) => error)
    expect((nobody as MessagingError).toWit()).toMatch(/no responders/)
  })

  it('reports a handler failure without stopping delivery', async () => {
    const backend = await open({ subscriptions: 'flaky' })
    const errors: string[] = []
    const handled: string[] = []
    const stop = await backend.subscribe(
      async (message) => {
        if (decode(message.body) === 'bad') throw new Error('handler said no')
        handled.push(decode(message.body))
      },
      { onError: (error) => errors.push((error as Error).message) },
    )
    peer.publish('flaky', text('bad'))
    peer.publish('flaky', text('good'))
    await waitFor(() => (handled.includes('good') ? true : undefined), 'the good message')
    expect(errors).toEqual(['handler said no'])
    await stop()
  })

  it('fails cleanly while the server is down and serves again (subscriptions included) when it returns', async () => {
    const backend = await open({ subscriptions: 'ping' })
    const got: string[] = []
    await backend.subscribe(async (message) => void got.push(decode(message.body)))
    await nats.stop()
    const failure = await backend.publish({ subject: 'x', body: text('') }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(MessagingError)
    await nats.start()
    const deadline = Date.now() + 15_000
    for (;;) {
      try {
        await backend.publish({ subject: 'ping', body: text('again') })
        break
      } catch (error) {
        if (Date.now() > deadline) throw error
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    await waitFor(() => (got.includes('again') ? true : undefined), 'delivery after the restart')
  })

  it('a server that is not there is CAPABILITY_BACKEND_UNREACHABLE; a bad subject is a config error', async () => {
    const failure = await openMessagingBackend({ backend: 'nats', linkConfig: { cluster_uris: 'nats://127.0.0.1:1' } }).catch((error: unknown) => error)
    expect(failure).toMatchObject({ code: 'CAPABILITY_BACKEND_UNREACHABLE', message: expect.stringContaining('NATS messaging at 127.0.0.1:1') })
    const bad = await openMessagingBackend({ backend: 'nats', linkConfig: { cluster_uris: nats.url, subscriptions: 'a..b' } }).catch((error: unknown) => error)
    expect(bad).toMatchObject({ code: 'CAPABILITY_CONFIG_INVALID' })
  })
})
