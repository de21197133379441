import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads'

import { WasmctlError } from '../errors.js'
import { sendReply } from './channel.js'
import type { ComponentResponse, FromWorker, WorkerSettings } from './protocol.js'
import type { LogLevel } from './wasi/capabilities.js'
import type { IncomingRequestData } from './wasi/http.js'
import { createWorker } from './worker-entry.js'

/**
 * The worker threads serving one loaded component. Each worker holds one instance and takes one
 * request at a time; requests wait in a FIFO queue for the next idle worker. A request that runs
 * past the timeout gets a failure at once, and its worker is terminated (the only way to stop a
 * loop in wasm) and replaced, while the other workers keep serving.
 */
export type PoolSettings = Omit<WorkerSettings, 'syncPort' | 'signal'>

export interface PoolOptions {
  settings: PoolSettings
  size: number
  timeoutMs: number
  /** Work a guest asks of the host (key-value, outgoing HTTP); runs on the main thread. */
  onCall(kind: string, payload: unknown): Promise<unknown>
  onOutput(stream: 'stdout' | 'stderr', line: string): void
  onLog(level: LogLevel, context: string, message: string): void
  /** Worker trouble that is not tied to a request (a replacement that failed to start). */
  onProblem(message: string): void
  onReplaced(reason: 'failure' | 'reset'): void
}

export type RequestOutcome = { response: ComponentResponse } | { failure: string; timedOut?: boolean }

interface Job {
  id: number
  request: IncomingRequestData
  resolve(outcome: RequestOutcome): void
}

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
}

export class WorkerPool {
  private readonly slots = new Set<Slot>()
  private readonly queue: Job[] = []
  private nextId = 1
  private closing = false
  private reusable = false
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

  run(request: IncomingRequestData): Promise<RequestOutcome> {
    if (this.closing) return Promise.resolve({ failure: 'the host is shutting down' })
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, request, resolve })
      this.dispatch()
    })
  }

  /** Lets requests in flight finish (up to `graceMs`), then stops every worker. */
  async close(graceMs: number): Promise<void> {
    this.closing = true
    for (const job of this.queue.splice(0)) job.resolve({ failure: 'the host is shutting down' })
    const deadline = Date.now() + graceMs
    while (this.busy > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    await Promise.all([...this.slots].map((slot) => this.retire(slot)))
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
        void this.retire(slot)
        break
      }
      case 'response':
      case 'failed':
        if (message.replacing) slot.ready = false
        this.finish(slot, message.type === 'response' ? { response: message.response } : { failure: message.message })
        break
      case 'call':
        this.options.onCall(message.kind, message.payload).then(
          (ok) => sendReply(slot.syncPort, slot.signal, { id: message.id, ok }),
          (error: Error) => sendReply(slot.syncPort, slot.signal, { id: message.id, error: error.message }),
        )
        break
      case 'output':
        this.options.onOutput(message.stream, message.line)
        break
      case 'log':
        this.options.onLog(message.level, message.context, message.message)
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
    // To the back of the line: the next request goes to the worker idle the longest, not to this
    // one while it is still resetting its instance.
    this.slots.delete(slot)
    this.slots.add(slot)
    job.resolve(outcome)
    this.dispatch()
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return
      if (!slot.ready || slot.job || slot.gone) continue
      const job = this.queue.shift()!
      slot.job = job
      slot.timer = setTimeout(() => this.timeOut(slot, job), this.options.timeoutMs)
      slot.worker.postMessage({ type: 'request', id: job.id, request: job.request })
    }
  }

  private timeOut(slot: Slot, job: Job): void {
    if (slot.job !== job) return
    slot.job = undefined
    job.resolve({ failure: `the request ran longer than the ${this.options.timeoutMs} ms timeout and was stopped`, timedOut: true })
    void this.retire(slot)
    if (!this.closing) this.spawn()
  }

  private onExit(slot: Slot, reason: string): void {
    if (slot.gone) return
    slot.gone = true
    this.slots.delete(slot)
    slot.syncPort.close()
    clearTimeout(slot.timer)
    if (slot.job) {
      slot.job.resolve({ failure: reason })
      slot.job = undefined
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

  private async retire(slot: Slot): Promise<void> {
    if (slot.gone) return
    slot.gone = true
    this.slots.delete(slot)
    clearTimeout(slot.timer)
    slot.syncPort.close()
    await slot.worker.terminate()
  }
}

export function unsatisfiedImports(missing: string[]): WasmctlError {
  return new WasmctlError('HOST_UNSATISFIED_IMPORTS', `the component imports what no provider offers: ${missing.join(', ')}`, {
    hints: [
      'the embedded host provides wasi:cli, wasi:clocks, wasi:filesystem, wasi:io, wasi:random, wasi:sockets (denied), wasi:http, wasi:keyvalue, wasi:config and wasi:logging at WASI 0.2',
      'remove the import from the WIT world, or run the component on a wasmCloud host that links a provider for it',
    ],
    details: { missing },
  })
}
