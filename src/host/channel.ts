import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads'

import { BODY_WINDOW, type ByteSource, lastOperationFailed, type PollSource } from './wasi/io.js'

export { BODY_WINDOW }

/**
 * Synchronous calls and body streams between a component's worker thread and the main thread.
 *
 * Calls (key-value operations, outgoing HTTP): the guest calls its imports synchronously, so the
 * worker posts the call, then sleeps in Atomics.wait until the main thread has posted the reply on
 * a dedicated port and bumped the shared counter; `receiveMessageOnPort` then takes the reply
 * without running the event loop. (The same technique synckit uses; hand-written because synckit
 * runs a function in a new worker, while here the work must happen on the main thread that owns
 * the store and the network.)
 *
 * Bodies stream through the same port, both ways, with credit-based flow control so that neither
 * side holds more than a window per body:
 * - inbound (request bodies, outgoing-request responses): the main thread sends chunks while the
 *   worker's unconsumed bytes stay under the window; the worker grants credit as the guest reads.
 * - outbound (response bodies, outgoing-request bodies): the worker posts chunks while the main
 *   thread's unwritten bytes stay under the window; the main thread acknowledges what the socket took.
 */

/** The worker grants credit in batches of at least this much (or when its buffer runs dry). */
const CREDIT_BATCH = 64 * 1024
/**
 * Body chunks travel in buffers of this size that go back and forth (transferred, never copied
 * by postMessage) and are reused: a fresh buffer per chunk, allocated on one thread and freed by
 * another thread's garbage collector much later, made malloc keep hundreds of MB per process.
 */
export const CHUNK_BYTES = 64 * 1024
/** Spare buffers a thread keeps for a direction; more are left to the garbage collector. */
const SPARE_BUFFERS = 32

/** Spare chunk buffers (see CHUNK_BYTES). */
export class BufferPool {
  private readonly spare: ArrayBuffer[] = []

  take(): ArrayBuffer {
    return this.spare.pop() ?? new ArrayBuffer(CHUNK_BYTES)
  }

  give(buffers: ArrayBuffer[] | undefined): void {
    if (!buffers) return
    for (const buffer of buffers) if (this.spare.length < SPARE_BUFFERS && buffer.byteLength === CHUNK_BYTES) this.spare.push(buffer)
  }
}

/** Whether `bytes` is a view into one of the pooled chunk buffers. */
export function isPooled(bytes: Uint8Array): boolean {
  return bytes.buffer instanceof ArrayBuffer && bytes.buffer.byteLength === CHUNK_BYTES
}

export interface CallMessage {
  type: 'call'
  id: number
  kind: string
  payload: unknown
}

/** What the main thread sends on the sync port. */
export type SyncMessage =
  | { id: number; ok: unknown }
  | { id: number; error: string }
  /** Inbound body data, its end, or its failure. */
  | { stream: number; chunk: Uint8Array }
  | { stream: number; end: true }
  | { stream: number; error: string }
  /** The main thread wrote `bytes` of outbound body `ack` out; `buffers` come back for reuse. */
  | { ack: number; bytes: number; buffers?: ArrayBuffer[] }

export type ReplyMessage = { id: number; ok: unknown } | { id: number; error: string }

/** What the worker sends about bodies (on its parent port, beside the protocol's other messages). */
export type StreamMessage =
  | { type: 'credit'; stream: number; bytes: number; buffers?: ArrayBuffer[] }
  | { type: 'chunk'; stream: number; parts: Uint8Array[] }
  | { type: 'end'; stream: number }
  | { type: 'abort'; stream: number; reason: string }

export class HostCallError extends Error {}

interface InboundState {
  chunks: Uint8Array[]
  /** Unread bytes buffered. */
  size: number
  ended: boolean
  error?: string
  /** Bytes read since the last credit. */
  consumed: number
}

export class HostChannel {
  private nextId = 1
  private nextStream = 1
  private readonly replies = new Map<number, ReplyMessage>()
  private readonly inbound = new Map<number, InboundState>()
  private readonly outbound = new Map<number, OutboundTransport>()
  /** Buffers for outbound chunks, coming back with the main thread's acknowledgements. */
  private readonly outboundBuffers = new BufferPool()
  /** Inbound chunk buffers the guest has read, to go back with the next credit. */
  private spentInbound: ArrayBuffer[] = []
  /** Runs before the thread blocks: bytes held back for coalescing must go out first. */
  beforeBlock: () => void = () => {}

  constructor(
    private readonly post: (message: CallMessage | StreamMessage, transfer?: ArrayBuffer[]) => void,
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

  /** Blocks until a message from the main thread arrives (or the timeout passes). */
  wait(timeoutMs: number): void {
    this.beforeBlock()
    const seen = Atomics.load(this.signal, 0)
    if (this.drain()) return
    Atomics.wait(this.signal, 0, seen, timeoutMs === Infinity ? undefined : timeoutMs)
    this.drain()
  }

  /** The guest side of an inbound body the main thread streams as `stream`. */
  inboundSource(stream: number): ByteSource {
    const state = this.inboundState(stream)
    const ready = () => {
      this.drain()
      return state.size > 0 || state.ended || state.error !== undefined
    }
    const pollSource: PollSource = { ready, waitsOnHost: true }
    return {
      pollSource,
      read: (max, blocking) => {
        for (;;) {
          this.drain()
          if (state.size > 0) return this.takeInbound(stream, state, max)
          if (state.error !== undefined) throw lastOperationFailed(state.error)
          if (state.ended) return undefined
          if (!blocking) return new Uint8Array(0)
          this.wait(Infinity)
        }
      },
    }
  }

  /** A new outbound body; chunks go to the main thread as `transport.stream`. */
  openOutbound(): OutboundTransport {
    const transport = new OutboundTransport(this.nextStream++, this.post, () => this.drain(), (timeout) => this.wait(timeout), this.outboundBuffers)
    this.outbound.set(transport.stream, transport)
    return transport
  }

  /**
   * After a request: forget its bodies and the replies it never took (a future the guest dropped);
   * late messages about them are dropped, so nothing a request leaves behind accumulates.
   */
  endRequest(): void {
    this.drain()
    this.inbound.clear()
    this.outbound.clear()
    this.replies.clear()
    this.closedInbound = this.highestInbound
    this.closedCalls = this.nextId - 1
  }

  private closedCalls = 0

  private highestInbound = 0
  private closedInbound = 0

  private inboundState(stream: number): InboundState {
    let state = this.inbound.get(stream)
    if (!state) {
      state = { chunks: [], size: 0, ended: false, consumed: 0 }
      this.inbound.set(stream, state)
    }
    return state
  }

  private takeInbound(stream: number, state: InboundState, max: number): Uint8Array {
    const head = state.chunks[0]
    let chunk: Uint8Array
    let spent: ArrayBuffer | undefined
    if (head.length <= max) {
      chunk = head
      state.chunks.shift()
      if (isPooled(head)) spent = head.buffer as ArrayBuffer
    } else {
      chunk = head.subarray(0, max)
      state.chunks[0] = head.subarray(max)
    }
    state.size -= chunk.length
    state.consumed += chunk.length
    if (state.consumed >= CREDIT_BATCH || state.size === 0) {
      // Buffers read by earlier calls: the one returned now is still to be copied by the glue.
      const buffers = this.spentInbound
      this.spentInbound = []
      this.post({ type: 'credit', stream, bytes: state.consumed, buffers }, buffers)
      state.consumed = 0
    }
    if (spent) this.spentInbound.push(spent)
    // A view, not a copy: the glue copies it into the guest's memory at once.
    return chunk
  }

  private drain(): boolean {
    let received = false
    for (let entry = receiveMessageOnPort(this.port); entry; entry = receiveMessageOnPort(this.port)) {
      received = true
      const message = entry.message as SyncMessage
      if ('stream' in message) {
        if (message.stream <= this.closedInbound) continue
        if (message.stream > this.highestInbound) this.highestInbound = message.stream
        const state = this.inboundState(message.stream)
        if ('chunk' in message) {
          state.chunks.push(message.chunk)
          state.size += message.chunk.length
        } else if ('end' in message) state.ended = true
        else state.error = message.error
      } else if ('ack' in message) {
        this.outboundBuffers.give(message.buffers)
        this.outbound.get(message.ack)?.acknowledge(message.bytes)
      } else if (message.id > this.closedCalls) {
        this.replies.set(message.id, message)
      }
    }
    return received
  }
}

/** Worker side of an outbound body: posts chunks, and knows how much the main thread still holds. */
export class OutboundTransport {
  private unacknowledged = 0
  private started = false
  /** Runs once, before the first chunk or the end is posted (a response posts its head here). */
  onStart?: () => void
  readonly pollSource: PollSource

  constructor(
    readonly stream: number,
    private readonly post: (message: StreamMessage, transfer?: ArrayBuffer[]) => void,
    private readonly drain: () => void,
    private readonly block: (timeoutMs: number) => void,
    private readonly buffers: BufferPool,
  ) {
    this.pollSource = { ready: () => this.room() > 0, waitsOnHost: true }
  }

  get hasStarted(): boolean {
    return this.started
  }

  /** Bytes the main thread can take now. */
  room(): number {
    this.drain()
    return Math.max(0, BODY_WINDOW - this.unacknowledged)
  }

  send(parts: Uint8Array[]): void {
    this.begin()
    let total = 0
    for (const part of parts) total += part.length
    if (total === 0) return
    this.unacknowledged += total
    // Copied into pooled chunk buffers, which come back with the acknowledgements.
    const chunks: Uint8Array[] = []
    const buffers: ArrayBuffer[] = []
    let chunk: Uint8Array | undefined
    let filled = 0
    for (const part of parts) {
      for (let offset = 0; offset < part.length; ) {
        if (!chunk || filled === chunk.length) {
          const buffer = this.buffers.take()
          buffers.push(buffer)
          chunk = new Uint8Array(buffer, 0, Math.min(CHUNK_BYTES, total))
          total -= chunk.length
          chunks.push(chunk)
          filled = 0
        }
        const take = Math.min(part.length - offset, chunk.length - filled)
        chunk.set(part.subarray(offset, offset + take), filled)
        filled += take
        offset += take
      }
    }
    this.post({ type: 'chunk', stream: this.stream, parts: chunks }, buffers)
  }

  /** Blocks until the main thread can take more. */
  waitForRoom(): void {
    while (this.room() === 0) this.block(Infinity)
  }

  end(): void {
    this.begin()
    this.post({ type: 'end', stream: this.stream })
  }

  abort(reason: string): void {
    if (this.started) this.post({ type: 'abort', stream: this.stream, reason })
  }

  acknowledge(bytes: number): void {
    this.unacknowledged -= bytes
  }

  private begin(): void {
    if (this.started) return
    this.started = true
    this.onStart?.()
  }
}

/** Main-thread side: posts a reply or stream message, then wakes the worker. */
export function sendReply(port: MessagePort, signal: Int32Array, reply: SyncMessage, transfer?: ArrayBuffer[]): void {
  port.postMessage(reply, transfer)
  Atomics.add(signal, 0, 1)
  Atomics.notify(signal, 0)
}
