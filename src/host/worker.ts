import { readSync, writeSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { type MessagePort, parentPort, workerData } from 'node:worker_threads'

import { HostChannel, type OutboundTransport } from './channel.js'
import { wasm } from './wasm-api.js'
import { ComponentInstance, type Glue } from './instance.js'
import { LinkedInstance, linkedCall } from './link-instance.js'
import type { BrokerMessage, FromWorker, RequestMessage, ToWorker, WorkerSettings } from './protocol.js'
import { ExitSignal } from './wasi/cli.js'
import { detachBodies, flushBodies, type HeaderList, IncomingRequest, type OutgoingHttp, type OutgoingHttpResult, ResponseOutparam } from './wasi/http.js'
import { setBlobStreams } from './wasi/blobstore.js'
import { activeLinks, busVersionOf, setCapabilityLinks } from './wasi/bus.js'
import { createImports, hostLinkSelection, trackMissingImports } from './wasi/imports.js'
import { type ByteSink, type ByteSource, setHostWaiter, sleepSync } from './wasi/io.js'

/**
 * A worker thread running one instance of a component at a time. HTTP mode: it answers requests
 * one after another, resetting the instance to its post-instantiation snapshot after each (or
 * instantiating afresh when it cannot). Command mode: it runs `wasi:cli/run` once and reports the
 * exit code. The main thread terminates a worker whose request runs past the timeout: a runaway
 * loop in wasm cannot be interrupted any other way.
 */
const settings = workerData as WorkerSettings
const port = parentPort!
const post = (message: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer)

const channel = new HostChannel(post, settings.syncPort as MessagePort, new Int32Array(settings.signal))
// Bytes held back for coalescing go out before the thread blocks: the other side may be waiting for them.
channel.beforeBlock = flushBodies
setHostWaiter((timeout) => channel.wait(timeout), flushBodies)
setBlobStreams(channel)

/** Guest stdout/stderr in HTTP mode: whole lines posted to the main thread, which logs them. */
class LineSink implements ByteSink {
  private pending = ''
  private readonly decoder = new TextDecoder()

  constructor(private readonly stream: 'stdout' | 'stderr') {}

  write(bytes: Uint8Array): void {
    this.pending += this.decoder.decode(bytes, { stream: true })
    const end = this.pending.lastIndexOf('\n')
    if (end === -1) return
    for (const line of this.pending.slice(0, end).split('\n')) if (line) post({ type: 'output', stream: this.stream, line })
    this.pending = this.pending.slice(end + 1)
  }

  /** After a request: a last line without its newline. */
  end(): void {
    if (this.pending) post({ type: 'output', stream: this.stream, line: this.pending })
    this.pending = ''
  }
}

/** Command mode: the process's own file descriptors, written synchronously so nothing is lost on exit. */
function fdSink(fd: number): ByteSink {
  return { write: (bytes) => void writeAll(fd, bytes) }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let offset = 0; offset < bytes.length; ) {
    try {
      offset += writeSync(fd, bytes, offset)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error
      sleepSync(1)
    }
  }
}

const stdinSource: ByteSource = {
  read(max) {
    const buffer = new Uint8Array(max)
    for (;;) {
      try {
        const read = readSync(0, buffer, 0, max, null)
        return read === 0 ? undefined : buffer.subarray(0, read)
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'EAGAIN') sleepSync(5)
        else if (code === 'EOF' || code === 'EBADF' || code === 'EINVAL') return undefined
        else throw error
      }
    }
  },
}

const stdout = settings.mode === 'command' ? fdSink(settings.stdoutFd) : new LineSink('stdout')
const stderr = settings.mode === 'command' ? fdSink(2) : new LineSink('stderr')

/** The main thread's answer to http.fetch: the body inline, or the inbound stream carrying it. */
type FetchReply = { ok: { status: number; headers: HeaderList; body: Uint8Array | { stream: number } } } | { err: OutgoingHttpResult extends { err: infer E } ? E : never }

const outgoingHttp: OutgoingHttp = {
  send(request, streamingBody) {
    let transport: OutboundTransport | undefined
    if (streamingBody) transport = channel.openOutbound()
    const id = channel.start('http.fetch', transport ? { ...request, bodyStream: transport.stream } : request)
    if (streamingBody && transport) streamingBody.attach(transport)
    return {
      ready: () => channel.ready(id),
      take: (): OutgoingHttpResult => {
        const reply = channel.take(id) as FetchReply
        if ('err' in reply) return reply
        const { body } = reply.ok
        return { ok: { ...reply.ok, body: body instanceof Uint8Array ? body : channel.inboundSource(body.stream) } }
      },
      pollSource: { ready: () => channel.ready(id), waitsOnHost: true },
    }
  },
}

const modules = new Map(Object.entries(settings.modules))
const componentName = settings.chain?.at(-1)?.name ?? settings.args[0] ?? 'the component'
// An unlinked component's wasmcloud:bus selections (a linked one's members each have their own: link-instance.ts).
setCapabilityLinks(settings.capabilityLinks)
const hostLinks = hostLinkSelection(componentName, () => busVersionOf(modules.values()))
activeLinks.selection = hostLinks

const { imports, missing } = trackMissingImports(
  createImports({
    cli: () => ({ env: settings.env, args: settings.args, stdout, stderr, stdin: settings.mode === 'command' ? stdinSource : undefined }),
    preopens: settings.preopens,
    config: settings.config,
    outgoingHttp: () => (settings.outgoingHttp ? outgoingHttp : undefined),
    call: (kind, payload) => channel.call(kind, payload),
    log: (level, context, message) => post({ type: 'log', level, context, message, ...(linkedCall.component ? { component: linkedCall.component } : {}) }),
    links: hostLinks,
    component: () => linkedCall.component ?? componentName,
  }),
)

const glue = (await import(pathToFileURL(settings.gluePath).href)) as Glue
// Linked components (`up a.wasm b.wasm`): every member's glue, in the chain's order.
// The same component linked twice (e.g. under different config) gets its own copy of the glue
// module: jco's glue keeps per-component state at module level.
const chainGlues = settings.chain
  ? await Promise.all(
      settings.chain.map(async (member, index, chain) => {
        const copy = chain.findIndex((other) => other.gluePath === member.gluePath) === index ? '' : `?member=${index}`
        return (await import(`${pathToFileURL(member.gluePath).href}${copy}`)) as Glue
      }),
    )
  : []

function instantiate(): ComponentInstance | LinkedInstance {
  if (settings.chain) return LinkedInstance.create(settings.chain, chainGlues, imports, { maxUses: settings.maxUses })
  return ComponentInstance.create(glue, modules, imports, { snapshot: settings.snapshot, maxUses: settings.maxUses })
}

/** Every request or message starts on the default links (wasmcloud:bus selections last one invocation). */
const beginInvocation = settings.chain ? () => (instance as LinkedInstance).beginInvocation() : () => hostLinks.clear()

function exportNamed(exports: Record<string, any>, prefix: string): any {
  const key = Object.keys(exports).find((name) => name.startsWith(prefix))
  return key === undefined ? undefined : exports[key]
}

function describe(error: unknown): string {
  if (error instanceof wasm.RuntimeError) return `wasm trap: ${error.message}`
  if (error instanceof Error) return error.message
  return String(error)
}

let instance: ComponentInstance | LinkedInstance
try {
  instance = instantiate()
  if (missing.length > 0) {
    post({ type: 'fatal', code: 'HOST_UNSATISFIED_IMPORTS', message: 'unsatisfied imports', missing: [...new Set(missing)] })
    process.exit(0)
  }
} catch (error) {
  post({ type: 'fatal', code: 'HOST_LOAD_FAILED', message: describe(error), missing: [...new Set(missing)] })
  process.exit(0)
}

if (settings.mode === 'command') {
  const run = exportNamed(instance.exports, 'wasi:cli/run@')
  let code = 0
  try {
    run.run()
  } catch (error) {
    if (error instanceof ExitSignal) code = error.code
    else if (error instanceof Error && error.name === 'ComponentError') code = 1
    else {
      writeAll(2, new TextEncoder().encode(`error: ${describe(error)}\n`))
      code = 1
    }
  }
  post({ type: 'exit', code })
} else {
  post({ type: 'ready', reusable: instance.reusable })
  port.on('message', (message: ToWorker) => {
    if (message.type === 'request') serve(message.id, message.request)
    else if (message.type === 'message') handleMessage(message.id, message.message)
  })
}

function serve(id: number, message: RequestMessage): void {
  beginInvocation()
  const handler = exportNamed(instance.exports, 'wasi:http/incoming-handler@')
  const { body, bodyStream, ...head } = message
  const request = new IncomingRequest({ ...head, body: body ?? (bodyStream === undefined ? new Uint8Array(0) : channel.inboundSource(bodyStream)) })
  // Once the guest sets its response, the body may stream: the head goes out before the first
  // chunk. A small response that finishes before anything was sent goes back whole instead.
  let responseBody: OutboundTransport | undefined
  const outparam = new ResponseOutparam((outcome) => {
    if (outcome.tag !== 'ok') return
    const sink = outcome.val.bodySink
    if (!sink) return
    const transport = channel.openOutbound()
    const { status, headers } = outcome.val.toHead()
    transport.onStart = () => post({ type: 'head', id, status, headers, stream: transport.stream })
    responseBody = transport
    sink.attach(transport, { holdFinished: true })
  })
  let failure: unknown
  try {
    handler.handle(request, outparam)
  } catch (error) {
    failure = error
  }
  ;(stdout as LineSink).end()
  ;(stderr as LineSink).end()
  const outcome = outparam.result()
  const streamed = responseBody?.hasStarted === true
  if (failure === undefined && outcome?.tag === 'ok' && streamed) {
    // A body dropped unfinished ends where the guest stopped, as before streaming.
    const sink = outcome.val.bodySink!
    if (!sink.closed) sink.finish()
    sink.sendHeld()
  } else if (streamed) {
    responseBody!.abort(failure === undefined ? 'the component failed after starting its response' : describe(failure))
  }
  const inline = failure === undefined && outcome?.tag === 'ok' && !streamed ? outcome.val.toResponse() : undefined
  detachBodies()
  channel.endRequest()
  // Decided before answering, so the pool knows whether this worker is free at once.
  const reusable = failure === undefined && instance.canReset()
  if (failure === undefined && outcome?.tag === 'ok') {
    post({ type: 'response', id, response: inline, replacing: !reusable })
  } else {
    const message =
      failure !== undefined
        ? describe(failure)
        : outcome
          ? `the component answered with error ${JSON.stringify(outcome.val, (_key, value) => (typeof value === 'bigint' ? String(value) : value))}`
          : 'the component returned without setting a response'
    post({ type: 'failed', id, message, replacing: !reusable })
  }
  // After the answer is on its way: put the instance back to its fresh state, or replace it.
  if (reusable) {
    instance.reset()
  } else {
    instance = instantiate()
    post({ type: 'recycled', reason: failure !== undefined ? 'failure' : 'reset' })
  }
}

/**
 * One message for wasmcloud:messaging/handler `handle-message`: a job like a request, with the
 * same reset (or replacement) of the instance afterwards. An `err` it returns fails the job.
 */
function handleMessage(id: number, message: BrokerMessage): void {
  beginInvocation()
  const handler = exportNamed(instance.exports, 'wasmcloud:messaging/handler@')
  let failure: unknown
  try {
    if (!handler) throw new Error('the component does not export wasmcloud:messaging/handler')
    handler.handleMessage({ subject: message.subject, body: message.body, ...(message.replyTo ? { replyTo: message.replyTo } : {}) })
  } catch (error) {
    failure = error
  }
  ;(stdout as LineSink).end()
  ;(stderr as LineSink).end()
  detachBodies()
  channel.endRequest()
  const reusable = failure === undefined && instance.canReset()
  if (failure === undefined) post({ type: 'response', id, replacing: !reusable })
  else post({ type: 'failed', id, message: describeHandlerError(failure), replacing: !reusable })
  if (reusable) {
    instance.reset()
  } else {
    instance = instantiate()
    post({ type: 'recycled', reason: failure !== undefined ? 'failure' : 'reset' })
  }
}

/** handle-message's `err` string arrives as a ComponentError carrying it as `payload`. */
function describeHandlerError(error: unknown): string {
  const payload = (error as { payload?: unknown } | undefined)?.payload
  if (typeof payload === 'string') return `handle-message returned an error: ${payload}`
  return describe(error)
}
