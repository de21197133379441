import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads'

/**
 * Synchronous calls from a component's worker thread to the main thread (key-value operations,
 * outgoing HTTP). The guest calls its imports synchronously, so the worker posts the call, then
 * sleeps in Atomics.wait until the main thread has posted the reply on a dedicated port and bumped
 * the shared counter; `receiveMessageOnPort` then takes the reply without running the event loop.
 * (The same technique synckit uses; hand-written because synckit runs a function in a new worker,
 * while here the work must happen on the main thread that owns the store and the network.)
 */

export interface CallMessage {
  type: 'call'
  id: number
  kind: string
  payload: unknown
}

export type ReplyMessage = { id: number; ok: unknown } | { id: number; error: string }

export class HostCallError extends Error {}

export class HostChannel {
  private nextId = 1
  private readonly replies = new Map<number, ReplyMessage>()

  constructor(
    private readonly post: (message: CallMessage) => void,
    private readonly port: MessagePort,
    private readonly signal: Int32Array,
  ) {}

  /** Starts a call; its reply is collected by `ready`/`take` or `call`. */
  start(kind: string, payload: unknown): number {
    const id = this.nextId++
    this.post({ type: 'call', id, kind, payload })
    return id
  }

  ready(id: number): boolean {
    this.drain()
    return this.replies.has(id)
  }

  take(id: number): unknown {
    const reply = this.replies.get(id)
    if (!reply) throw new Error(`no reply yet for host call ${id}`)
    this.replies.delete(id)
    if ('error' in reply) throw new HostCallError(reply.error)
    return reply.ok
  }

  call(kind: string, payload: unknown): unknown {
    const id = this.start(kind, payload)
    while (!this.ready(id)) this.wait(Infinity)
    return this.take(id)
  }

  /** Blocks until a reply arrives (or the timeout passes). */
  wait(timeoutMs: number): void {
    const seen = Atomics.load(this.signal, 0)
    if (this.drain()) return
    Atomics.wait(this.signal, 0, seen, timeoutMs === Infinity ? undefined : timeoutMs)
    this.drain()
  }

  private drain(): boolean {
    let received = false
    for (let entry = receiveMessageOnPort(this.port); entry; entry = receiveMessageOnPort(this.port)) {
      const reply = entry.message as ReplyMessage
      this.replies.set(reply.id, reply)
      received = true
    }
    return received
  }
}

/** Main-thread side: posts the reply, then wakes the worker. */
export function sendReply(port: MessagePort, signal: Int32Array, reply: ReplyMessage): void {
  port.postMessage(reply)
  Atomics.add(signal, 0, 1)
  Atomics.notify(signal, 0)
}
