/**
 * wasi:io (error, poll, streams) for the embedded host, synchronous by design.
 *
 * Why not @bytecodealliance/preview2-shim: its Node streams make a round trip to a separate I/O
 * worker thread for every read and write, and its browser streams return Promises (they need
 * JSPI). The host runs each component instance on a worker thread of its own and drives it
 * synchronously, so streams here are plain in-memory buffers and sinks, and blocking waits
 * (timers, replies from the main thread) use Atomics.wait.
 *
 * Results follow jco's conventions: a function returning `result<T, E>` returns T or throws E
 * (a plain object, never an Error, so the glue lowers it as the error case).
 */

/** Bytes in flight per streamed body and direction (unread by the guest, or unwritten to the socket). */
export const BODY_WINDOW = 1024 * 1024

/** Counts resources the host constructs; an instance snapshot is only safe if none exist yet. */
export const resourceCounter = { created: 0 }

/** Thrown for `stream-error::closed`. */
export const STREAM_CLOSED = Object.freeze({ tag: 'closed' as const })

export class IoError {
  constructor(readonly message: string) {
    resourceCounter.created++
  }

  toDebugString(): string {
    return this.message
  }

  [Symbol.dispose](): void {}
}

export function lastOperationFailed(message: string): { tag: 'last-operation-failed'; val: IoError } {
  return { tag: 'last-operation-failed', val: new IoError(message) }
}

/**
 * What a pollable waits on. `ready()` is checked first; a source that is not ready either has a
 * deadline (a timer), or becomes ready when the main thread answers (`waitsOnHost`), which the
 * poll loop waits for through `waitForHost`.
 */
export interface PollSource {
  ready(): boolean
  /** performance.now() milliseconds at which the source becomes ready. */
  deadline?: number
  waitsOnHost?: boolean
}

export const ALWAYS_READY: PollSource = { ready: () => true }

/** Set by the worker: blocks until a message from the main thread arrives or `timeoutMs` passes. */
let waitForHost: ((timeoutMs: number) => void) | undefined
/** Set by the worker: runs before the thread sleeps (output held back for coalescing goes out first). */
let beforeSleep: () => void = () => {}

export function setHostWaiter(waiter: ((timeoutMs: number) => void) | undefined, onSleep: () => void = () => {}): void {
  waitForHost = waiter
  beforeSleep = onSleep
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4))

/** Blocks the thread; the only way to sleep synchronously in JavaScript. */
export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(sleepCell, 0, 0, ms)
}

export class Pollable {
  constructor(private readonly source: PollSource = ALWAYS_READY) {
    resourceCounter.created++
  }

  ready(): boolean {
    return this.source.ready()
  }

  block(): void {
    waitUntilAnyReady([this.source])
  }

  [Symbol.dispose](): void {}
}

function sourceOf(pollable: Pollable): PollSource {
  return (pollable as unknown as { source: PollSource }).source
}

function waitUntilAnyReady(sources: PollSource[]): number[] {
  for (;;) {
    const ready: number[] = []
    for (let i = 0; i < sources.length; i++) if (sources[i].ready()) ready.push(i)
    if (ready.length > 0) return ready
    let deadline = Infinity
    let onHost = false
    for (const source of sources) {
      if (source.deadline !== undefined && source.deadline < deadline) deadline = source.deadline
      if (source.waitsOnHost) onHost = true
    }
    const timeout = deadline === Infinity ? Infinity : Math.max(0, deadline - performance.now())
    if (onHost && waitForHost) waitForHost(timeout)
    else if (deadline !== Infinity) {
      beforeSleep()
      sleepSync(timeout)
    }
    else throw new Error('wasi:io/poll: waiting on pollables that can never become ready')
  }
}

export function poll(list: Pollable[]): Uint32Array {
  if (list.length === 0) throw new Error('wasi:io/poll: poll called with an empty list')
  return Uint32Array.from(waitUntilAnyReady(list.map(sourceOf)))
}

/** Where an input stream's bytes come from. `read` returns undefined at end of stream. */
export interface ByteSource {
  read(max: number, blocking: boolean): Uint8Array | undefined
  pollSource?: PollSource
}

/** A source over bytes already in memory (request and response bodies). */
export function bytesSource(bytes: Uint8Array): ByteSource {
  let offset = 0
  return {
    read(max) {
      if (offset >= bytes.length) return undefined
      const chunk = bytes.subarray(offset, Math.min(bytes.length, offset + max))
      offset += chunk.length
      return chunk.slice()
    },
  }
}

const MAX_READ = 64 * 1024 * 1024

function checkedLength(len: bigint): number {
  return Number(len > BigInt(MAX_READ) ? BigInt(MAX_READ) : len)
}

export class InputStream {
  private open = true

  constructor(private readonly byteSource: ByteSource) {
    resourceCounter.created++
  }

  read(len: bigint): Uint8Array {
    return this.take(len, false)
  }

  blockingRead(len: bigint): Uint8Array {
    return this.take(len, true)
  }

  skip(len: bigint): bigint {
    return BigInt(this.take(len, false).length)
  }

  blockingSkip(len: bigint): bigint {
    return BigInt(this.take(len, true).length)
  }

  subscribe(): Pollable {
    return new Pollable(this.byteSource.pollSource ?? ALWAYS_READY)
  }

  [Symbol.dispose](): void {
    this.open = false
  }

  private take(len: bigint, blocking: boolean): Uint8Array {
    if (!this.open) throw STREAM_CLOSED
    const max = checkedLength(len)
    if (max === 0) return new Uint8Array(0)
    const chunk = this.byteSource.read(max, blocking)
    if (chunk === undefined) throw STREAM_CLOSED
    return chunk
  }
}

/** Where an output stream's bytes go. */
export interface ByteSink {
  write(bytes: Uint8Array): void
  flush?(): void
  /** Throws a stream error (e.g. STREAM_CLOSED) once the sink accepts nothing more. */
  check?(): void
  /** Bytes the sink accepts now (backpressure); absent: always WRITE_PERMIT. */
  capacity?(): number
  /** Ready when `capacity()` is above zero. */
  pollSource?: PollSource
}

/** How much a guest may write at once to a sink without backpressure (files, stdout). */
const WRITE_PERMIT = 1024n * 1024n

export class OutputStream {
  private open = true

  constructor(private readonly sink: ByteSink) {
    resourceCounter.created++
  }

  checkWrite(): bigint {
    this.check()
    return this.sink.capacity ? BigInt(this.sink.capacity()) : WRITE_PERMIT
  }

  write(contents: Uint8Array): void {
    this.check()
    this.sink.write(contents)
  }

  /** Waits for room, writes, then waits until the sink has room again (what it holds stays bounded). */
  blockingWriteAndFlush(contents: Uint8Array): void {
    this.check()
    this.waitForCapacity()
    this.sink.write(contents)
    this.sink.flush?.()
    this.waitForCapacity()
  }

  flush(): void {
    this.check()
    this.sink.flush?.()
  }

  blockingFlush(): void {
    this.flush()
    this.waitForCapacity()
  }

  writeZeroes(len: bigint): void {
    this.write(new Uint8Array(checkedLength(len)))
  }

  blockingWriteZeroesAndFlush(len: bigint): void {
    this.blockingWriteAndFlush(new Uint8Array(checkedLength(len)))
  }

  splice(source: InputStream, len: bigint): bigint {
    return this.copyFrom(source, len, false)
  }

  blockingSplice(source: InputStream, len: bigint): bigint {
    return this.copyFrom(source, len, true)
  }

  subscribe(): Pollable {
    return new Pollable(this.sink.pollSource ?? ALWAYS_READY)
  }

  [Symbol.dispose](): void {
    this.open = false
  }

  private waitForCapacity(): void {
    if (!this.sink.capacity || !this.sink.pollSource) return
    if (this.sink.capacity() === 0) waitUntilAnyReady([this.sink.pollSource])
  }

  private copyFrom(source: InputStream, len: bigint, blocking: boolean): bigint {
    this.check()
    if (blocking) this.waitForCapacity()
    const room = this.sink.capacity ? BigInt(this.sink.capacity()) : len
    const chunk = blocking ? source.blockingRead(len < room ? len : room) : source.read(len < room ? len : room)
    // A copy: the chunk may be a view of a buffer its source reuses, and sinks may hold on to it.
    this.sink.write(chunk.slice())
    return BigInt(chunk.length)
  }

  private check(): void {
    if (!this.open) throw STREAM_CLOSED
    this.sink.check?.()
  }
}

/** A sink that keeps every chunk (response and request bodies). */
export class CollectingSink implements ByteSink {
  readonly chunks: Uint8Array[] = []
  size = 0
  closed = false

  write(bytes: Uint8Array): void {
    this.chunks.push(bytes)
    this.size += bytes.length
  }

  check(): void {
    if (this.closed) throw STREAM_CLOSED
  }

  bytes(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0]
    const out = new Uint8Array(this.size)
    let offset = 0
    for (const chunk of this.chunks) {
      out.set(chunk, offset)
      offset += chunk.length
    }
    return out
  }
}

export const io = {
  error: { Error: IoError },
  poll: { Pollable, poll },
  streams: { InputStream, OutputStream },
}
