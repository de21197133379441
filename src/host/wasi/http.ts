import {
  ALWAYS_READY,
  BODY_WINDOW,
  type ByteSink,
  type ByteSource,
  bytesSource,
  InputStream,
  type IoError,
  OutputStream,
  Pollable,
  type PollSource,
  resourceCounter,
  STREAM_CLOSED,
} from './io.js'

/**
 * wasi:http/types and wasi:http/outgoing-handler (0.2.x). Bodies stream: an incoming body is a
 * ByteSource (bytes already in memory, or a stream the main thread feeds with backpressure); an
 * outgoing body is a BodySink that collects bytes until a transport is attached (the response once
 * the guest set it, an outgoing request once it was handed to the outgoing handler), then sends
 * them on as they come, holding at most a window. A small response never attached to a started
 * transport goes back whole with the answer (one message instead of several).
 */

export type Method = { tag: string; val?: string }
export type Scheme = { tag: 'HTTP' | 'HTTPS' } | { tag: 'other'; val: string }
export type ErrorCode = { tag: string; val?: unknown }
export type HeaderList = [string, Uint8Array][]

const KNOWN_METHODS = new Set(['get', 'head', 'post', 'put', 'delete', 'connect', 'options', 'trace', 'patch'])

export function methodVariant(method: string): Method {
  const lower = method.toLowerCase()
  return KNOWN_METHODS.has(lower) ? { tag: lower } : { tag: 'other', val: method }
}

export function methodName(method: Method): string {
  return method.tag === 'other' ? String(method.val) : method.tag.toUpperCase()
}

// RFC 9110 token characters for field names; values may not hold CR, LF or NUL.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

function validValue(value: Uint8Array): boolean {
  for (const byte of value) if (byte === 0x0a || byte === 0x0d || byte === 0x00) return false
  return true
}

const HEADER_INVALID = Object.freeze({ tag: 'invalid-syntax' as const })
const HEADER_IMMUTABLE = Object.freeze({ tag: 'immutable' as const })

export class Fields {
  private entryList: HeaderList
  private immutable = false

  constructor(entries: HeaderList = []) {
    resourceCounter.created++
    this.entryList = entries
  }

  /** A read-only handle over the same entries (child resources such as `incoming-request.headers`). */
  static frozen(entries: HeaderList): Fields {
    const fields = new Fields(entries)
    fields.immutable = true
    return fields
  }

  static fromList(entries: HeaderList): Fields {
    for (const [name, value] of entries) if (!TOKEN.test(name) || !validValue(value)) throw HEADER_INVALID
    return new Fields(entries.map(([name, value]) => [name, value]))
  }

  get(name: string): Uint8Array[] {
    const lower = name.toLowerCase()
    return this.entryList.filter(([key]) => key.toLowerCase() === lower).map(([, value]) => value)
  }

  has(name: string): boolean {
    const lower = name.toLowerCase()
    return this.entryList.some(([key]) => key.toLowerCase() === lower)
  }

  set(name: string, values: Uint8Array[]): void {
    this.checkMutable(name, values)
    const lower = name.toLowerCase()
    this.entryList = this.entryList.filter(([key]) => key.toLowerCase() !== lower)
    for (const value of values) this.entryList.push([name, value])
  }

  delete(name: string): void {
    this.checkMutable(name, [])
    const lower = name.toLowerCase()
    this.entryList = this.entryList.filter(([key]) => key.toLowerCase() !== lower)
  }

  append(name: string, value: Uint8Array): void {
    this.checkMutable(name, [value])
    this.entryList.push([name, value])
  }

  entries(): HeaderList {
    return this.entryList
  }

  clone(): Fields {
    return new Fields(this.entryList.map(([name, value]) => [name, value]))
  }

  /** Marks the fields immutable (they now belong to a request or response) and returns the entries. */
  lock(): HeaderList {
    this.immutable = true
    return this.entryList
  }

  [Symbol.dispose](): void {}

  private checkMutable(name: string, values: Uint8Array[]): void {
    if (this.immutable) throw HEADER_IMMUTABLE
    if (!TOKEN.test(name) || !values.every(validValue)) throw HEADER_INVALID
  }
}

/**
 * An incoming request as the front hands it over. Header values travel as latin1 strings: a Node
 * Buffer is often a view into a shared 8 KB pool, and posting it to a worker copies the whole pool.
 */
export interface IncomingRequestData {
  method: string
  pathWithQuery: string
  authority?: string
  scheme: 'http' | 'https'
  headers: [string, string][]
  /** Bytes already in memory, or a stream the main thread feeds. */
  body: Uint8Array | ByteSource
}

/** HTTP field values are bytes; Node hands them over as latin1 strings (one char per byte). */
export function latin1Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff
  return bytes
}

class IncomingBody {
  private bodyStream?: InputStream

  constructor(body: Uint8Array | ByteSource) {
    resourceCounter.created++
    this.bodyStream = new InputStream(body instanceof Uint8Array ? bytesSource(body) : body)
  }

  stream(): InputStream {
    const stream = this.bodyStream
    if (!stream) throw undefined
    this.bodyStream = undefined
    return stream
  }

  static finish(_body: IncomingBody): FutureTrailers {
    return new FutureTrailers()
  }

  [Symbol.dispose](): void {}
}

class FutureTrailers {
  private taken = false

  constructor() {
    resourceCounter.created++
  }

  subscribe(): Pollable {
    return new Pollable(ALWAYS_READY)
  }

  /** No trailers: `some(ok(ok(none)))`, then `some(err)` once taken. */
  get(): { tag: 'ok' | 'err'; val?: unknown } {
    if (this.taken) return { tag: 'err' }
    this.taken = true
    return { tag: 'ok', val: { tag: 'ok', val: undefined } }
  }

  [Symbol.dispose](): void {}
}

export class IncomingRequest {
  private consumed = false
  private headerEntries?: HeaderList

  constructor(private readonly data: IncomingRequestData) {
    resourceCounter.created++
  }

  method(): Method {
    return methodVariant(this.data.method)
  }

  pathWithQuery(): string {
    return this.data.pathWithQuery
  }

  scheme(): Scheme {
    return this.data.scheme === 'https' ? { tag: 'HTTPS' } : { tag: 'HTTP' }
  }

  authority(): string | undefined {
    return this.data.authority
  }

  headers(): Fields {
    this.headerEntries ??= this.data.headers.map(([name, value]) => [name, latin1Bytes(value)])
    return Fields.frozen(this.headerEntries)
  }

  consume(): IncomingBody {
    if (this.consumed) throw undefined
    this.consumed = true
    return new IncomingBody(this.data.body)
  }

  [Symbol.dispose](): void {}
}

/** Where a streamed outgoing body goes once it is attached (see the worker's OutboundTransport). */
export interface BodyTransport {
  readonly hasStarted: boolean
  /** Bytes the other side can take now. */
  room(): number
  readonly pollSource: PollSource
  /** Sends the pieces in order (as they were written: no copy to join them). */
  send(parts: Uint8Array[]): void
  end(): void
  abort(reason: string): void
}

/** Sends held-back bytes at this size; smaller writes are coalesced (one message per ~64 KiB). */
const COALESCE_BYTES = 64 * 1024
const attachedSinks = new Set<BodySink>()

/** Sends every attached body's held-back bytes; the worker calls this before it blocks. */
export function flushBodies(): void {
  for (const sink of attachedSinks) sink.sendHeld()
}

/** Forgets attached bodies after a request (whatever the guest left unfinished is not sent). */
export function detachBodies(): void {
  attachedSinks.clear()
}

/** An outgoing body's bytes: held until a transport is attached, then streamed through it. */
export class BodySink implements ByteSink {
  private chunks: Uint8Array[] = []
  private size = 0
  closed = false
  private transport?: BodyTransport
  /** Until the transport started, a finished body stays here to go back inline. */
  private holdFinished = false
  readonly pollSource: PollSource = { ready: () => this.capacity() > 0, waitsOnHost: true }

  write(bytes: Uint8Array): void {
    if (this.closed) throw STREAM_CLOSED
    if (bytes.length === 0) return
    // What is held goes first when this write would take it past a chunk (chunks stay <= 64 KiB).
    if (this.transport && this.size > 0 && this.size + bytes.length > COALESCE_BYTES) this.sendHeld()
    this.chunks.push(bytes)
    this.size += bytes.length
    if (this.transport && this.size >= COALESCE_BYTES) this.sendHeld()
  }

  check(): void {
    if (this.closed) throw STREAM_CLOSED
  }

  capacity(): number {
    if (!this.transport) return BODY_WINDOW
    return Math.max(0, this.transport.room() - this.size)
  }

  attach(transport: BodyTransport, options: { holdFinished?: boolean } = {}): void {
    this.transport = transport
    this.holdFinished = options.holdFinished ?? false
    attachedSinks.add(this)
    if (this.size >= COALESCE_BYTES || (this.closed && !this.holdFinished)) this.sendHeld()
  }

  get streaming(): boolean {
    return this.transport?.hasStarted ?? false
  }

  /**
   * Sends what is held back (and the end, once finished). Not the guest's `flush`: the guest
   * cannot see the other side without blocking, and the worker sends everything held before it
   * blocks, so a flush after each small write would only cost messages (and a chunked response).
   */
  sendHeld(): void {
    const transport = this.transport
    if (!transport) return
    if (this.size > 0) {
      const parts = this.chunks
      this.chunks = []
      this.size = 0
      transport.send(parts)
    }
    if (this.closed) {
      transport.end()
      attachedSinks.delete(this)
      this.transport = undefined
    }
  }

  finish(): void {
    this.closed = true
    if (this.transport && (!this.holdFinished || this.transport.hasStarted)) this.sendHeld()
  }

  /** The bytes held (a body that never streamed). */
  bytes(): Uint8Array {
    return this.take()
  }

  private take(): Uint8Array {
    const chunks = this.chunks
    this.chunks = []
    const size = this.size
    this.size = 0
    if (chunks.length === 1) return chunks[0]
    const out = new Uint8Array(size)
    let offset = 0
    for (const chunk of chunks) {
      out.set(chunk, offset)
      offset += chunk.length
    }
    return out
  }
}

class OutgoingBody {
  readonly sink = new BodySink()
  private written = false
  finished = false

  constructor() {
    resourceCounter.created++
  }

  write(): OutputStream {
    if (this.written) throw undefined
    this.written = true
    return new OutputStream(this.sink)
  }

  static finish(body: OutgoingBody, _trailers?: Fields): void {
    if (body.finished) return
    body.finished = true
    body.sink.finish()
  }

  /** Dropping a body without finishing it still ends it (wasi:http calls that an incomplete body). */
  [Symbol.dispose](): void {
    if (!this.finished) OutgoingBody.finish(this)
  }
}

export class OutgoingResponse {
  private status = 200
  private readonly headerEntries: HeaderList
  private responseBody?: OutgoingBody

  constructor(headers: Fields) {
    resourceCounter.created++
    this.headerEntries = headers.lock()
  }

  statusCode(): number {
    return this.status
  }

  setStatusCode(status: number): void {
    if (status < 100 || status > 999) throw undefined
    this.status = status
  }

  headers(): Fields {
    return Fields.frozen(this.headerEntries)
  }

  body(): OutgoingBody {
    if (this.responseBody) throw undefined
    this.responseBody = new OutgoingBody()
    return this.responseBody
  }

  /** The body's sink, once the guest asked for the body. */
  get bodySink(): BodySink | undefined {
    return this.responseBody?.sink
  }

  toHead(): { status: number; headers: HeaderList } {
    return { status: this.status, headers: this.headerEntries }
  }

  /** What the front sends when the body did not stream: status, headers and the body held. */
  toResponse(): { status: number; headers: HeaderList; body: Uint8Array } {
    return { status: this.status, headers: this.headerEntries, body: this.responseBody?.sink.bytes() ?? new Uint8Array(0) }
  }

  [Symbol.dispose](): void {}
}

export type ResponseOutcome = { tag: 'ok'; val: OutgoingResponse } | { tag: 'err'; val: ErrorCode }

export class ResponseOutparam {
  private outcome?: ResponseOutcome

  /** `onSet`: the worker starts streaming the response from here. */
  constructor(private readonly onSet?: (outcome: ResponseOutcome) => void) {
    resourceCounter.created++
  }

  static set(param: ResponseOutparam, response: ResponseOutcome): void {
    if (param.outcome) return
    param.outcome = response
    param.onSet?.(response)
  }

  sendInformational(): void {
    throw { tag: 'internal-error', val: 'informational responses are not supported' }
  }

  result(): ResponseOutcome | undefined {
    return this.outcome
  }

  [Symbol.dispose](): void {}
}

class RequestOptions {
  connect?: bigint
  firstByte?: bigint
  betweenBytes?: bigint

  constructor() {
    resourceCounter.created++
  }

  connectTimeout(): bigint | undefined {
    return this.connect
  }

  setConnectTimeout(duration?: bigint): void {
    this.connect = duration
  }

  firstByteTimeout(): bigint | undefined {
    return this.firstByte
  }

  setFirstByteTimeout(duration?: bigint): void {
    this.firstByte = duration
  }

  betweenBytesTimeout(): bigint | undefined {
    return this.betweenBytes
  }

  setBetweenBytesTimeout(duration?: bigint): void {
    this.betweenBytes = duration
  }

  [Symbol.dispose](): void {}
}

class OutgoingRequest {
  private requestMethod: Method = { tag: 'get' }
  private path?: string
  private requestScheme?: Scheme
  private requestAuthority?: string
  private readonly headerEntries: HeaderList
  readonly requestBody: OutgoingBody
  private bodyTaken = false

  constructor(headers: Fields) {
    resourceCounter.created++
    this.headerEntries = headers.lock()
    this.requestBody = new OutgoingBody()
  }

  body(): OutgoingBody {
    if (this.bodyTaken) throw undefined
    this.bodyTaken = true
    return this.requestBody
  }

  /** True when the guest never asked for the body or has finished writing it. */
  bodyComplete(): boolean {
    return !this.bodyTaken || this.requestBody.finished
  }

  method(): Method {
    return this.requestMethod
  }

  setMethod(method: Method): void {
    if (method.tag === 'other' && !TOKEN.test(String(method.val))) throw undefined
    this.requestMethod = method
  }

  pathWithQuery(): string | undefined {
    return this.path
  }

  setPathWithQuery(path?: string): void {
    if (path !== undefined && /[\s]/.test(path)) throw undefined
    this.path = path
  }

  scheme(): Scheme | undefined {
    return this.requestScheme
  }

  setScheme(scheme?: Scheme): void {
    this.requestScheme = scheme
  }

  authority(): string | undefined {
    return this.requestAuthority
  }

  setAuthority(authority?: string): void {
    if (authority !== undefined && /[\s/?#@]/.test(authority)) throw undefined
    this.requestAuthority = authority
  }

  headers(): Fields {
    return Fields.frozen(this.headerEntries)
  }

  describe(): { method: string; url: string; headers: HeaderList } {
    const scheme = !this.requestScheme ? 'https' : this.requestScheme.tag === 'other' ? this.requestScheme.val : this.requestScheme.tag.toLowerCase()
    return {
      method: methodName(this.requestMethod),
      url: `${scheme}://${this.requestAuthority ?? ''}${this.path ?? '/'}`,
      headers: this.headerEntries,
    }
  }

  [Symbol.dispose](): void {}
}

export interface OutgoingHttpRequest {
  method: string
  url: string
  headers: HeaderList
  /** The whole body; empty when it streams (`bodyStream`). */
  body: Uint8Array
  /** The worker's outbound stream carrying the body, when the guest was still writing it. */
  bodyStream?: number
  /** Milliseconds; from request-options when the guest set them. */
  connectTimeoutMs?: number
  firstByteTimeoutMs?: number
}

export type OutgoingHttpResult = { ok: { status: number; headers: HeaderList; body: Uint8Array | ByteSource } } | { err: ErrorCode }

/**
 * Sends outgoing requests (the worker forwards them to the main thread, which applies the
 * allow-list). `streamingBody`: a body the guest is still writing, to attach to a transport.
 */
export interface OutgoingHttp {
  send(request: OutgoingHttpRequest, streamingBody?: BodySink): { ready(): boolean; take(): OutgoingHttpResult; pollSource: PollSource }
}

class IncomingResponse {
  private consumed = false

  constructor(
    private readonly statusCode: number,
    private readonly headerEntries: HeaderList,
    private readonly responseBody: Uint8Array | ByteSource,
  ) {
    resourceCounter.created++
  }

  status(): number {
    return this.statusCode
  }

  headers(): Fields {
    return Fields.frozen(this.headerEntries)
  }

  consume(): IncomingBody {
    if (this.consumed) throw undefined
    this.consumed = true
    return new IncomingBody(this.responseBody)
  }

  [Symbol.dispose](): void {}
}

type Pending = ReturnType<OutgoingHttp['send']>

class FutureIncomingResponse {
  private pending?: Pending
  private result?: OutgoingHttpResult
  private taken = false

  constructor(private readonly start: () => Pending | OutgoingHttpResult) {
    resourceCounter.created++
  }

  begin(): void {
    const started = this.start()
    if ('ready' in started) this.pending = started
    else this.result = started
  }

  subscribe(): Pollable {
    return new Pollable({
      ready: () => this.result !== undefined || this.pending?.ready() === true,
      get waitsOnHost() {
        return true
      },
    })
  }

  get(): { tag: 'ok' | 'err'; val?: unknown } | undefined {
    if (this.taken) return { tag: 'err' }
    if (this.result === undefined && this.pending?.ready()) this.result = this.pending.take()
    if (this.result === undefined) return undefined
    this.taken = true
    const result = this.result
    if ('err' in result) return { tag: 'ok', val: { tag: 'err', val: result.err } }
    return { tag: 'ok', val: { tag: 'ok', val: new IncomingResponse(result.ok.status, result.ok.headers, result.ok.body) } }
  }

  [Symbol.dispose](): void {}
}

function durationMs(duration: bigint | undefined): number | undefined {
  return duration === undefined ? undefined : Number(duration / 1_000_000n)
}

export function createHttp(outgoing: () => OutgoingHttp | undefined) {
  return {
    types: {
      Fields,
      FutureIncomingResponse,
      FutureTrailers,
      IncomingBody,
      IncomingRequest,
      IncomingResponse,
      OutgoingBody,
      OutgoingRequest,
      OutgoingResponse,
      RequestOptions,
      ResponseOutparam,
      httpErrorCode: (_error: IoError): ErrorCode | undefined => undefined,
    },
    outgoingHandler: {
      handle(request: OutgoingRequest, options?: RequestOptions): FutureIncomingResponse {
        const client = outgoing()
        // A body still being written streams; a finished (or absent) one goes whole.
        const complete = request.bodyComplete()
        const future = new FutureIncomingResponse(() => {
          if (!client) return { err: { tag: 'HTTP-request-denied' } }
          const { method, url, headers } = request.describe()
          return client.send(
            {
              method,
              url,
              headers,
              body: complete ? request.requestBody.sink.bytes() : new Uint8Array(0),
              connectTimeoutMs: durationMs(options?.connect),
              firstByteTimeoutMs: durationMs(options?.firstByte),
            },
            complete ? undefined : request.requestBody.sink,
          )
        })
        future.begin()
        return future
      },
    },
  }
}
