import type { Readable } from 'node:stream'
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads'

import { WasmctlError } from '../errors.js'
import { unprovidedImportHint } from '../manifest/providers.js'
import { BODY_WINDOW, BufferPool, CHUNK_BYTES, isPooled, sendReply, type SyncMessage } from './channel.js'
import type { BrokerMessage, ComponentResponse, FromWorker, RequestMessage, WorkerSettings } from './protocol.js'
import type { LogLevel } from './wasi/capabilities.js'
import type { HeaderList } from './wasi/http.js'
import { createWorker } from './worker-entry.js'

/**
 * The worker threads serving one loaded component. Each worker holds one instance and takes one
 * request at a time; requests wait in a bounded FIFO queue for the next idle worker. A request's
 * deadline counts from its arrival: one still queued at its deadline is refused without running,
 * one running past it gets a failure at once, and its worker is terminated (the only way to stop a
 * loop in wasm) and replaced, while the other workers keep serving.
 *
 * Bodies stream between the main thread and the worker (see channel.ts): an InboundPump feeds a
 * Node stream (the request, an outgoing response) to the worker under credit, an OutboundBody
 * receives what the worker writes and acknowledges what its consumer wrote out. Every byte held
 * on the main thread counts against one BodyBudget shared by all requests.
 */
export type PoolSettings = Omit<WorkerSettings, 'syncPort' | 'signal'>

/** Bytes of bodies held on the main thread across all requests; inbound reading pauses past the limit. */
export class BodyBudget {
  private used = 0
  private readonly waiting = new Set<() => void>()

  constructor(readonly limit: number) {}

  get exhausted(): boolean {
    return this.used >= this.limit
  }

  get inUse(): number {
    return this.used
  }

  take(bytes: number): void {
    this.used += bytes
  }

  give(bytes: number): void {
    this.used -= bytes
    if (this.used < this.limit && this.waiting.size > 0) {
      const waiting = [...this.waiting]
      this.waiting.clear()
      for (const resume of waiting) resume()
    }
  }

  /** Calls `resume` once the budget has room again. */
  whenAvailable(resume: () => void): void {
    this.waiting.add(resume)
  }

  cancel(resume: () => void): void {
    this.waiting.delete(resume)
  }
}

/**
 * Feeds a Node stream to a worker as inbound stream `stream`, pausing it while the worker holds a
 * window of unread bytes or the budget is spent.
 */
class InboundPump {
  private unacknowledged = 0
  private paused = false
  private stopped = false
  private finished = false

  constructor(
    readonly stream: number,
    private readonly source: Readable,
    private readonly send: (message: SyncMessage, transfer?: ArrayBuffer[]) => void,
    private readonly budget: BodyBudget,
    /** Destroy the source when the request ends early (an outgoing response nobody will read). */
    private readonly destroyOnStop: boolean,
    private readonly buffers: BufferPool,
  ) {
    source.on('data', this.onData)
    source.once('end', this.onEnd)
    source.once('error', this.onError)
    source.once('close', this.onClose)
    source.resume()
  }

  credit(bytes: number): void {
    this.unacknowledged -= bytes
    this.budget.give(bytes)
    this.resume()
  }

  stop(): void {
    if (this.stopped) return
    this.stopped = true
    this.budget.cancel(this.resume)
    this.budget.give(this.unacknowledged)
    this.unacknowledged = 0
    this.source.off('data', this.onData)
    this.source.off('end', this.onEnd)
    this.source.off('error', this.onError)
    this.source.off('close', this.onClose)
    // The source may still emit an error once destroyed or reset: nobody listens any more.
    this.source.on('error', () => {})
    if (this.destroyOnStop) this.source.destroy()
    else this.source.pause()
  }

  private readonly onData = (chunk: Buffer) => {
    // Copied into a pooled buffer and transferred (posting the chunk would copy the whole socket
    // buffer it is a view of); the worker sends the buffer back once read.
    const buffer = chunk.length <= CHUNK_BYTES ? this.buffers.take() : new ArrayBuffer(chunk.length)
    const bytes = new Uint8Array(buffer, 0, chunk.length)
    bytes.set(chunk)
    this.unacknowledged += bytes.length
    this.budget.take(bytes.length)
    this.send({ stream: this.stream, chunk: bytes }, [buffer])
    if (this.unacknowledged >= BODY_WINDOW || this.budget.exhausted) {
      this.paused = true
      this.source.pause()
      if (this.budget.exhausted) this.budget.whenAvailable(this.resume)
    }
  }

  private readonly resume = () => {
    if (!this.paused || this.stopped || this.unacknowledged >= BODY_WINDOW) return
    if (this.budget.exhausted) return this.budget.whenAvailable(this.resume)
    this.paused = false
    this.source.resume()
  }

  private readonly onEnd = () => {
    this.finished = true
    this.send({ stream: this.stream, end: true })
  }

  private readonly onError = (error: Error) => {
    this.finished = true
    this.send({ stream: this.stream, error: error.message })
  }

  private readonly onClose = () => {
    if (!this.finished && !this.stopped) this.onError(new Error('the connection closed before the body ended'))
  }
}

/**
 * Who takes an outbound body on the main thread: `written` acknowledges a chunk to the worker;
 * `done` says nothing refers to its bytes any more (its buffer may go back for reuse).
 */
export interface BodyConsumer {
  chunk(bytes: Uint8Array, written: (done?: boolean) => void): void
  end(): void
  abort(reason: string): void
}

/**
 * What a worker writes as an outbound stream (a response body, an outgoing request body), held
 * until a consumer takes it; each chunk is acknowledged once the consumer has written it out.
 */
export class OutboundBody {
  private readonly held: Uint8Array[] = []
  private state: 'open' | 'ended' | 'aborted' = 'open'
  private reason = ''
  private consumer?: BodyConsumer

  constructor(
    private readonly acknowledge: (bytes: number, reusable?: ArrayBuffer) => void,
    private readonly budget: BodyBudget,
  ) {}

  get settled(): boolean {
    return this.state !== 'open'
  }

  push(bytes: Uint8Array): void {
    if (this.state !== 'open') return
    this.budget.take(bytes.length)
    if (this.consumer) this.deliver(bytes)
    else this.held.push(bytes)
  }

  end(): void {
    if (this.state !== 'open') return
    this.state = 'ended'
    if (this.consumer && this.held.length === 0) this.consumer.end()
  }

  abort(reason: string): void {
    if (this.state !== 'open') return
    this.state = 'aborted'
    this.reason = reason
    for (const bytes of this.held.splice(0)) this.budget.give(bytes.length)
    this.consumer?.abort(reason)
  }

  consume(consumer: BodyConsumer): void {
    this.consumer = consumer
    for (const bytes of this.held.splice(0)) this.deliver(bytes)
    if (this.state === 'ended') consumer.end()
    else if (this.state === 'aborted') consumer.abort(this.reason)
  }

  /** As a web stream (a fetch request body), acknowledging chunks as the reader takes them. */
  toWebStream(): ReadableStream<Uint8Array> {
    const waiting: (() => void)[] = []
    const release = () => {
      for (const written of waiting.splice(0)) written()
    }
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) =>
          this.consume({
            chunk(bytes, written) {
              controller.enqueue(bytes)
              if ((controller.desiredSize ?? 0) > 0) written()
              else waiting.push(written)
            },
            end() {
              release()
              controller.close()
            },
            abort(reason) {
              release()
              controller.error(new Error(reason))
            },
          }),
        pull: release,
        cancel: () => {
          release()
          this.abort('the request body was not read')
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: BODY_WINDOW / 4 }),
    )
  }

  private deliver(bytes: Uint8Array): void {
    let acknowledged = false
    this.consumer!.chunk(bytes, (done) => {
      if (acknowledged) return
      acknowledged = true
      this.budget.give(bytes.length)
      this.acknowledge(bytes.length, done && isPooled(bytes) ? (bytes.buffer as ArrayBuffer) : undefined)
    })
  }
}

/** Body streams of the request a worker is serving, for host calls that stream (outgoing HTTP). */
export interface CallStreams {
  /** Feeds `source` to the worker; returns the inbound stream id to hand over in the reply. */
  openInbound(source: Readable): number
  /** The outbound stream the worker writes as `stream`. */
  outbound(stream: number): OutboundBody
}

export interface PoolOptions {
  settings: PoolSettings
  size: number
  timeoutMs: number
  /** Requests that may wait for a worker; past it, `run` refuses at once. */
  maxQueue: number
  budget: BodyBudget
  /** Work a guest asks of the host (key-value, outgoing HTTP); runs on the main thread. */
  onCall(kind: string, payload: unknown, streams: CallStreams): Promise<unknown>
  onOutput(stream: 'stdout' | 'stderr', line: string): void
  /** `component`: set when a linked component (not the entry) logged. */
  onLog(level: LogLevel, context: string, message: string, component?: string): void
  /** Worker trouble that is not tied to a request (a replacement that failed to start). */
  onProblem(message: string): void
  onReplaced(reason: 'failure' | 'reset'): void
}

/**
 * How a request ended. `response`: answered whole; `{}`: answered through `head` and a streamed
 * body. `refused`: never ran (the queue was full, its deadline passed while queued, or the pool is
 * closing).
 */
export type RequestOutcome =
  | { response?: ComponentResponse }
  | { failure: string; timedOut?: boolean; refused?: 'queue-full' | 'expired' | 'closing' }

export interface RequestHandlers {
  /** The component set its response; the body follows through `body`. */
  head(status: number, headers: HeaderList, body: OutboundBody): void
  done(outcome: RequestOutcome): void
}

/** The body as the front hands it over: all of it, or the request stream to read when a worker takes it. */
export type RequestBody = Uint8Array | Readable

interface Job {
  id: number
  request: Omit<RequestMessage, 'body' | 'bodyStream'>
  /** A message for wasmcloud:messaging/handler instead of an HTTP request (then `request` is unused). */
  message?: BrokerMessage
  body: RequestBody
  /** performance.now() milliseconds: arrival + timeout. */
  deadline: number
  handlers: RequestHandlers
  settled: boolean
}

const EMPTY = new Uint8Array(0)
const MESSAGE_REQUEST: Job['request'] = { method: 'POST', pathWithQuery: '/', authority: '', scheme: 'http', headers: [] }

/** Bodies at most this big go to the worker in the request message when the front already has them whole. */
const INLINE_BODY_BYTES = 64 * 1024

/**
 * A worker's JavaScript heap holds the glue and per-request garbage (wasm memory lives outside
 * it). V8 sizes heaps after the machine's memory; a smaller young generation keeps a busy
 * worker's footprint down for little throughput (measured on 2 cores under wrk -c8: young
 * generation 32 MB: ~1275 req/s, ~425 MiB RSS; 16 MB: ~1180 req/s, ~375 MiB; 8 MB: ~1090 req/s, ~340 MiB).
 */
const WORKER_HEAP_LIMITS = { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 512 }

class Slot {
  readonly worker: Worker
  readonly syncPort: MessagePort
  readonly signal: Int32Array
  ready = false
  job?: Job
  timer?: NodeJS.Timeout
  /** Set once the pool stopped caring about this worker (terminated, or exited). */
  gone = false
  private nextInbound = 1
  /** Buffers for inbound chunks, coming back with the worker's credit. */
  readonly buffers = new BufferPool()
  readonly inbound = new Map<number, InboundPump>()
  readonly outbound = new Map<number, OutboundBody>()

  constructor(settings: PoolSettings) {
    const { port1, port2 } = new MessageChannel()
    const signal = new SharedArrayBuffer(4)
    this.syncPort = port1
    this.signal = new Int32Array(signal)
    this.worker = createWorker('worker', {
      workerData: { ...settings, syncPort: port2, signal } satisfies WorkerSettings,
      transferList: [port2],
      resourceLimits: WORKER_HEAP_LIMITS,
    })
  }

  send = (message: SyncMessage, transfer?: ArrayBuffer[]): void => {
    if (!this.gone) sendReply(this.syncPort, this.signal, message, transfer)
  }

  openInbound(source: Readable, budget: BodyBudget, destroyOnStop: boolean): number {
    const stream = this.nextInbound++
    this.inbound.set(stream, new InboundPump(stream, source, this.send, budget, destroyOnStop, this.buffers))
    return stream
  }

  outboundBody(stream: number, budget: BodyBudget): OutboundBody {
    let body = this.outbound.get(stream)
    if (!body) {
      body = new OutboundBody((bytes, reusable) => this.send(reusable ? { ack: stream, bytes, buffers: [reusable] } : { ack: stream, bytes }, reusable ? [reusable] : undefined), budget)
      this.outbound.set(stream, body)
    }
    return body
  }

  /** The request ended: stop feeding it, and abort what it left unfinished. */
  closeStreams(reason: string): void {
    for (const pump of this.inbound.values()) pump.stop()
    this.inbound.clear()
    for (const body of this.outbound.values()) body.abort(reason)
    this.outbound.clear()
  }
}

export class WorkerPool {
  private readonly slots = new Set<Slot>()
  private readonly queue: Job[] = []
  private nextId = 1
  private closing = false
  private reusable = false
  private expiryTimer?: NodeJS.Timeout
  /** The queued request the expiry timer is set for. */
  private expiryFor?: Job
  /** Workers that died before becoming ready, in a row: past a few, stop replacing them. */
  private failedStarts = 0
  private started?: { resolve(): void; reject(error: Error): void }

  private constructor(private readonly options: PoolOptions) {}

  /** Starts the workers; resolves when the first one has instantiated the component. */
  static async start(options: PoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options)
    const ready = new Promise<void>((resolve, reject) => (pool.started = { resolve, reject }))
    for (let i = 0; i < options.size; i++) pool.spawn()
    try {
      await ready
    } catch (error) {
      await pool.close(0)
      throw error
    }
    return pool
  }

  /** Whether instances are reset from a snapshot (fast) rather than instantiated per request. */
  get snapshotting(): boolean {
    return this.reusable
  }

  get busy(): number {
    let count = this.queue.length
    for (const slot of this.slots) if (slot.job) count++
    return count
  }

  /**
   * Queues a request that arrived at `arrivedAt` (performance.now()); its deadline is one timeout
   * later, wherever it is by then. Returns a cancel function (the client went away).
   */
  run(request: Job['request'], body: RequestBody, arrivedAt: number, handlers: RequestHandlers): () => void {
    const job: Job = { id: this.nextId++, request, body, deadline: arrivedAt + this.options.timeoutMs, handlers, settled: false }
    if (this.closing) {
      this.settle(job, { failure: 'the host is shutting down', refused: 'closing' })
      return () => {}
    }
    if (this.queue.length >= this.options.maxQueue) {
      this.settle(job, { failure: `the queue is full (${this.options.maxQueue} requests waiting for a worker)`, refused: 'queue-full' })
      return () => {}
    }
    this.queue.push(job)
    this.dispatch()
    this.armExpiry()
    return () => {
      const index = this.queue.indexOf(job)
      if (index === -1) return
      this.queue.splice(index, 1)
      job.settled = true
      this.armExpiry()
    }
  }

  /**
   * Queues a message for the component's wasmcloud:messaging/handler, as one more job beside the
   * HTTP requests: same queue, deadline, isolation (instance reset) and timeout. Resolves when
   * handle-message returned; rejects with what went wrong (an `err`, a trap, a timeout, a full queue).
   */
  deliver(message: BrokerMessage, arrivedAt = performance.now()): Promise<void> {
    return new Promise((resolve, reject) => {
      const job: Job = {
        id: this.nextId++,
        request: MESSAGE_REQUEST,
        message,
        body: EMPTY,
        deadline: arrivedAt + this.options.timeoutMs,
        settled: false,
        handlers: {
          head() {},
          done: (outcome) => ('failure' in outcome ? reject(new Error(outcome.failure)) : resolve()),
        },
      }
      if (this.closing) return this.settle(job, { failure: 'the host is shutting down', refused: 'closing' })
      if (this.queue.length >= this.options.maxQueue) return this.settle(job, { failure: `the queue is full (${this.options.maxQueue} jobs waiting for a worker)`, refused: 'queue-full' })
      this.queue.push(job)
      this.dispatch()
      this.armExpiry()
    })
  }

  /** Lets requests in flight finish (up to `graceMs`), then stops every worker. */
  async close(graceMs: number): Promise<void> {
    this.closing = true
    clearTimeout(this.expiryTimer)
    for (const job of this.queue.splice(0)) this.settle(job, { failure: 'the host is shutting down', refused: 'closing' })
    const deadline = Date.now() + graceMs
    while (this.busy > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    await Promise.all([...this.slots].map((slot) => this.retire(slot, 'the host is shutting down')))
  }

  private settle(job: Job, outcome: RequestOutcome): void {
    if (job.settled) return
    job.settled = true
    job.handlers.done(outcome)
  }

  /** Refuses queued requests whose deadline passed: they would only run out of time on a worker. */
  private armExpiry(): void {
    // Deadlines grow along the queue (arrival order, one timeout), so the head expires first.
    const head = this.queue[0]
    if (head === this.expiryFor) return
    clearTimeout(this.expiryTimer)
    this.expiryFor = head
    if (!head || this.closing) return
    this.expiryTimer = setTimeout(
      () => {
        this.expiryFor = undefined
        const now = performance.now()
        while (this.queue.length > 0 && this.queue[0].deadline <= now) this.expire(this.queue.shift()!)
        this.armExpiry()
      },
      Math.max(0, head.deadline - performance.now()),
    )
    this.expiryTimer.unref()
  }

  private expire(job: Job): void {
    this.settle(job, { failure: `the request waited ${this.options.timeoutMs} ms for a worker (all were busy) and was not run`, refused: 'expired' })
  }

  private spawn(): void {
    const slot = new Slot(this.options.settings)
    this.slots.add(slot)
    slot.worker.on('message', (message: FromWorker) => this.onMessage(slot, message))
    slot.worker.on('error', (error) => this.onExit(slot, `worker failed: ${error.message}`))
    slot.worker.on('exit', (code) => this.onExit(slot, `worker exited with code ${code}`))
  }

  private onMessage(slot: Slot, message: FromWorker): void {
    switch (message.type) {
      case 'ready':
        slot.ready = true
        this.failedStarts = 0
        this.reusable = message.reusable
        this.started?.resolve()
        this.started = undefined
        this.dispatch()
        break
      case 'fatal': {
        const error =
          message.code === 'HOST_UNSATISFIED_IMPORTS'
            ? unsatisfiedImports(message.missing)
            : new WasmctlError('HOST_LOAD_FAILED', `the component failed to instantiate: ${message.message}`, {
                hints: ['check that the component was built for a wasi:http or wasi:cli world at WASI 0.2'],
              })
        if (this.started) {
          this.started.reject(error)
          this.started = undefined
        } else this.options.onProblem(error.message)
        void this.retire(slot, error.message)
        break
      }
      case 'head':
        if (slot.job && slot.job.id === message.id) slot.job.handlers.head(message.status, message.headers, slot.outboundBody(message.stream, this.options.budget))
        break
      case 'chunk': {
        const body = slot.outboundBody(message.stream, this.options.budget)
        for (const part of message.parts) body.push(part)
        break
      }
      case 'end':
        slot.outboundBody(message.stream, this.options.budget).end()
        break
      case 'abort':
        slot.outboundBody(message.stream, this.options.budget).abort(message.reason)
        break
      case 'credit':
        slot.buffers.give(message.buffers)
        slot.inbound.get(message.stream)?.credit(message.bytes)
        break
      case 'response':
      case 'failed':
        if (message.replacing) slot.ready = false
        this.finish(slot, message.type === 'response' ? { response: message.response } : { failure: message.message })
        break
      case 'call': {
        // A call answered after its request ended (timed out, worker replaced) must not open streams
        // nobody will read or end: they would hold a file or socket and body budget for good.
        const job = slot.job
        const current = () => !slot.gone && slot.job === job
        const streams: CallStreams = {
          openInbound: (source) => {
            if (current()) return slot.openInbound(source, this.options.budget, true)
            source.destroy()
            return -1
          },
          outbound: (stream) => {
            if (current()) return slot.outboundBody(stream, this.options.budget)
            const ended = new OutboundBody(() => {}, this.options.budget)
            ended.abort('the request ended')
            return ended
          },
        }
        this.options.onCall(message.kind, message.payload, streams).then(
          (ok) => slot.send({ id: message.id, ok }),
          (error: Error) => slot.send({ id: message.id, error: error.message }),
        )
        break
      }
      case 'output':
        this.options.onOutput(message.stream, message.line)
        break
      case 'log':
        this.options.onLog(message.level, message.context, message.message, message.component)
        break
      case 'recycled':
        slot.ready = true
        this.options.onReplaced(message.reason)
        this.dispatch()
        break
      default:
        break
    }
  }

  private finish(slot: Slot, outcome: RequestOutcome): void {
    const job = slot.job
    if (!job) return
    clearTimeout(slot.timer)
    slot.job = undefined
    slot.closeStreams('failure' in outcome ? outcome.failure : 'the component returned before finishing the body')
    // To the back of the line: the next request goes to the worker idle the longest, not to this
    // one while it is still resetting its instance.
    this.slots.delete(slot)
    this.slots.add(slot)
    this.settle(job, outcome)
    this.dispatch()
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) break
      if (!slot.ready || slot.job || slot.gone) continue
      const now = performance.now()
      let job = this.queue.shift()
      while (job && job.deadline <= now) {
        this.expire(job)
        job = this.queue.shift()
      }
      if (!job) break
      slot.job = job
      slot.timer = setTimeout(() => this.timeOut(slot, job), Math.max(0, job.deadline - now))
      if (job.message) {
        slot.worker.postMessage({ type: 'message', id: job.id, message: job.message })
        continue
      }
      const inline = inlineBody(job.body)
      const request: RequestMessage =
        inline !== undefined ? { ...job.request, body: inline } : { ...job.request, bodyStream: slot.openInbound(job.body as Readable, this.options.budget, false) }
      slot.worker.postMessage({ type: 'request', id: job.id, request })
    }
    this.armExpiry()
  }

  private timeOut(slot: Slot, job: Job): void {
    if (slot.job !== job) return
    slot.job = undefined
    const failure = `the request ran past the ${this.options.timeoutMs} ms timeout (counted from its arrival) and was stopped`
    void this.retire(slot, failure)
    this.settle(job, { failure, timedOut: true })
    if (!this.closing) this.spawn()
  }

  private onExit(slot: Slot, reason: string): void {
    if (slot.gone) return
    slot.gone = true
    this.slots.delete(slot)
    slot.syncPort.close()
    clearTimeout(slot.timer)
    slot.closeStreams(reason)
    if (slot.job) {
      const job = slot.job
      slot.job = undefined
      this.settle(job, { failure: reason })
    }
    if (this.started) {
      this.started.reject(new WasmctlError('HOST_LOAD_FAILED', `the component could not start: ${reason}`))
      this.started = undefined
    } else if (!this.closing) {
      if (!slot.ready) this.failedStarts++
      if (this.failedStarts >= 3) {
        this.options.onProblem(`${reason}; workers keep failing to start, not replacing it`)
        return
      }
      this.options.onProblem(`${reason}; starting a replacement`)
      this.spawn()
    }
  }

  private async retire(slot: Slot, reason: string): Promise<void> {
    if (slot.gone) return
    slot.gone = true
    this.slots.delete(slot)
    clearTimeout(slot.timer)
    slot.closeStreams(reason)
    slot.syncPort.close()
    await slot.worker.terminate()
  }
}

/** The whole body when the front already has it (small and complete), else undefined: it streams. */
function inlineBody(body: RequestBody): Uint8Array | undefined {
  if (body instanceof Uint8Array) return body
  const request = body as Readable & { complete?: boolean }
  if (!request.complete || request.readableLength > INLINE_BODY_BYTES) return undefined
  const chunks: Buffer[] = []
  for (let chunk = request.read() as Buffer | null; chunk !== null; chunk = request.read() as Buffer | null) chunks.push(chunk)
  // An exact-size copy (posting a view copies its whole backing buffer).
  const bytes = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0))
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.length
  }
  return bytes
}

export function unsatisfiedImports(missing: string[]): WasmctlError {
  // A function of a provided interface the host lacks is reported as `interface#function`.
  const interfaces = [...new Set(missing.map((name) => name.replace(/#.*$/, '')))]
  return new WasmctlError('HOST_UNSATISFIED_IMPORTS', `the component imports what no provider offers: ${missing.join(', ')}`, {
    hints: [
      ...interfaces.map(unprovidedImportHint),
      'the embedded host provides wasi:cli, wasi:clocks, wasi:filesystem, wasi:io, wasi:random, wasi:sockets (denied), wasi:http, wasi:keyvalue, wasi:blobstore, wasi:config, wasi:logging, wasmcloud:messaging and wasmcloud:secrets',
    ],
    details: { missing },
  })
}
