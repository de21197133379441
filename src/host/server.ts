import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'

import { type BrokerMessage, handleKeyValueCall, KeyValueError, MessagingError, type OpenCapabilities } from '../capabilities/index.js'
import { WasmctlError } from '../errors.js'
import { type BoundCapabilities, bindComponent, bindingKey, type CapabilitySources, EmbeddedKeyValue, openComponentCapabilities } from './bind.js'
import type { HostEvent } from './events.js'
import { type ComponentInput, type LoadedComponent, loadComponent, readComponentFile, type TrustSettings } from './load.js'
import { handleBlobCall } from './blob-calls.js'
import { createAllowList, createOutgoingDispatcher, type OutgoingOptions, sendOutgoing } from './outgoing-http.js'
import { BodyBudget, type CallStreams, type RequestOutcome, WorkerPool } from './pool.js'
import type { Preopen } from './wasi/filesystem.js'
import type { HeaderList, OutgoingHttpRequest } from './wasi/http.js'

/**
 * The embedded host: an HTTP front on node:http, and behind it a pool of worker threads per loaded
 * component. `load` brings a new version up beside the current one and switches over atomically
 * once it is ready; requests already dispatched finish on the old version, then its workers stop.
 */
export interface HostOptions {
  /** Default 127.0.0.1. */
  address?: string
  /** Default 8000; 0 picks a free port (see `url`). */
  port?: number
  /** Per-request limit, counted from the request's arrival; default 30 s. */
  timeoutMs?: number
  /** Worker threads per component; default: one per CPU core. */
  workers?: number
  /** Requests that may wait for a worker; more get 503 with Retry-After. Default: see defaultMaxQueue. */
  maxQueue?: number
  /** Body bytes held in memory across all requests before reading request bodies pauses; default 16 MiB. */
  bodyBufferBytes?: number
  /** Hosts the component may reach through wasi:http/outgoing-handler (none by default). */
  allowHttp?: string[]
  /** The environment the component sees (none of the host's). */
  env?: Record<string, string>
  /** Host directories the component may use (none by default). */
  preopens?: Preopen[]
  /** wasi:config values. */
  config?: Record<string, string>
  /** Where the embedded wasi:keyvalue backend keeps its state; undefined: in memory only. */
  keyvalueFile?: string
  /** Where capability bindings come from (project `[dev]`, --link, --link-config, --secret); default: built-in backends only. */
  capabilities?: CapabilitySources
  /**
   * Capabilities already opened for the first component (`up` opens them before the host listens,
   * so an unreachable backend stops start-up); the host owns and closes them.
   */
  bound?: BoundCapabilities
  /** The embedded key-value store `bound` was opened with (the host closes it); default: one on keyvalueFile. */
  embeddedKeyValue?: EmbeddedKeyValue
  trust?: TrustSettings
  /** Extra trusted CAs and --connect-to routes for wasi:http outgoing requests. */
  outgoing?: OutgoingOptions
  /** The transpile cache root. */
  cacheRoot: string
  onEvent?: (event: HostEvent) => void
}

/** Settings a loaded version runs with; `load` may change them for the version it brings up. */
export type VersionSettings = Pick<HostOptions, 'timeoutMs' | 'maxQueue' | 'allowHttp' | 'env' | 'preopens' | 'config' | 'trust' | 'capabilities'>

export interface Host {
  /** `http://address:port` with the real port. */
  readonly url: string
  readonly port: number
  /** The component being served, once one is loaded. */
  readonly component?: LoadedComponent
  /**
   * Loads a component (a file path, bytes, or one loadComponent already prepared) beside the
   * current one and swaps it in; the current one keeps serving if this fails. `settings` replace
   * the host's for this version and the ones after it (the listener stays: a settings change
   * does not need a new host, and nothing stops serving while the new version comes up).
   */
  load(source: string | ComponentInput | LoadedComponent, settings?: VersionSettings): Promise<LoadedComponent>
  /** Stops accepting requests, lets those in flight finish (briefly), stops the workers, saves state. */
  close(): Promise<void>
}

const DEFAULT_PORT = 8000
const DEFAULT_TIMEOUT_MS = 30_000
/** Requests one instance serves before a fresh one replaces it (bounds what jco's glue accumulates). */
const MAX_USES_PER_INSTANCE = 20_000
const DEFAULT_BODY_BUFFER_BYTES = 16 * 1024 * 1024
const CLOSE_GRACE_MS = 2000
const EMPTY_BODY = new Uint8Array(0)

/**
 * How many requests may wait for a worker: as many as the workers could serve within one timeout
 * at a modest 16 requests per second each (a request still queued at its deadline is refused
 * anyway), at least 32 and at most 4096. 2 workers at 30 s: 960; at 3 s: 96.
 */
export function defaultMaxQueue(workers: number, timeoutMs: number): number {
  return Math.min(4096, Math.max(32, Math.ceil(workers * (timeoutMs / 1000) * 16)))
}

// Hop-by-hop headers are the front's business, not the component's (RFC 9110 section 7.6.1).
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'])

export async function createHost(options: HostOptions): Promise<Host> {
  const emit = options.onEvent ?? (() => {})
  const address = options.address ?? '127.0.0.1'
  const workers = Math.max(1, options.workers ?? os.availableParallelism())
  const budget = new BodyBudget(options.bodyBufferBytes ?? DEFAULT_BODY_BUFFER_BYTES)
  const outgoing = await createOutgoingDispatcher(options.outgoing ?? {})
  let versionSettings: VersionSettings = options
  /**
   * The connected backends of the version serving (see bind.ts); a new version whose bindings are
   * the same keeps them, so the embedded store and connections survive a hot swap.
   */
  let capabilities: BoundCapabilities | undefined = options.bound
  const embedded = options.embeddedKeyValue ?? new EmbeddedKeyValue(options.keyvalueFile, (error) => emit({ event: 'error', message: `key-value: ${error.message}` }))

  let current: { component: LoadedComponent; pool: WorkerPool; timeoutMs: number; unsubscribe?: () => Promise<void> } | undefined
  let closed = false
  let announced = false

  const server = http.createServer((req, res) => {
    try {
      serve(req, res)
    } catch (error) {
      // A response Node refused (a header with control characters).
      emit({ event: 'error', message: `${req.method} ${req.url}: ${(error as Error).message}` })
      if (!res.headersSent && !res.destroyed) res.writeHead(500, { 'content-type': 'text/plain' }).end('internal server error\n')
      else res.destroy()
    }
  })
  server.keepAliveTimeout = 5000

  function serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    // The deadline counts from here, not from when a worker takes the request.
    const arrived = performance.now()
    const method = req.method ?? 'GET'
    const path = req.url ?? '/'
    const withBody = hasBody(req)
    // A client that goes away mid-body makes the request emit an error; the pump reports it to the guest.
    if (withBody) req.on('error', () => {})
    const logRequest = (status: number) =>
      emit({ event: 'request', method, path, status, durationMs: Math.round((performance.now() - arrived) * 100) / 100 })
    const flatten = (headers: HeaderList | [string, string][], extra: [string, string][]) => {
      const flat: string[] = []
      const latin1 = new TextDecoder('latin1')
      for (const [name, value] of headers) {
        const lower = name.toLowerCase()
        if (HOP_BY_HOP.has(lower) || lower === 'content-length') continue
        flat.push(name, typeof value === 'string' ? value : latin1.decode(value))
      }
      for (const [name, value] of extra) flat.push(name, value)
      // A body the component did not read to the end is discarded, and the connection not reused.
      if (withBody && !req.complete) flat.push('connection', 'close')
      return flat
    }
    /** Node refused the component's status or headers (a control character in a value): a 500 instead. */
    const refused = (error: unknown) => {
      emit({ event: 'error', message: `${method} ${path}: ${(error as Error).message}`, method, path })
      if (res.headersSent || res.destroyed) return void res.destroy()
      res.writeHead(500, flatten([['content-type', 'text/plain']], [])).end('internal server error\n')
      logRequest(500)
    }
    const finish = (status: number, headers: HeaderList | [string, string][], body: Uint8Array | string, extra: [string, string][] = []) => {
      if (res.destroyed) return
      const bytes = typeof body === 'string' ? Buffer.from(body) : body
      try {
        res.writeHead(status, flatten(headers, [...extra, ['content-length', String(bytes.length)]]))
      } catch (error) {
        return refused(error)
      }
      res.end(method === 'HEAD' ? undefined : bytes)
      logRequest(status)
    }
    if (!current) return finish(503, [['content-type', 'text/plain']], 'no component is loaded yet\n', [['retry-after', '1']])
    if (!current.component.handlesHttp) return finish(404, [['content-type', 'text/plain']], 'this component has no HTTP handler (it exports wasmcloud:messaging/handler only)\n')

    const headers: [string, string][] = []
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]
      if (!HOP_BY_HOP.has(name.toLowerCase())) headers.push([name, req.rawHeaders[i + 1]])
    }
    // The version serving when the request arrived; a swap sends later requests to the new one.
    const target = current
    let streamed = false
    const cancel = target.pool.run(
      {
        method,
        pathWithQuery: path,
        // HTTP/1.0 clients may send no Host; components build their request URL from the authority.
        authority: req.headers.host ?? `${address}:${port}`,
        scheme: 'http',
        headers,
      },
      withBody ? req : EMPTY_BODY,
      arrived,
      {
        head(status, responseHeaders, body) {
          streamed = true
          let writable = !res.destroyed
          if (writable) {
            try {
              res.writeHead(status, flatten(responseHeaders, []))
            } catch (error) {
              refused(error)
              writable = false
            }
          }
          if (!writable) {
            // Nobody to write to: take the chunks so the component is not held up.
            body.consume({ chunk: (_bytes, written) => written(), end() {}, abort() {} })
            return
          }
          body.consume({
            chunk(bytes, written) {
              if (res.destroyed) written()
              // Written out: the socket no longer needs the bytes, their buffer can be reused.
              else res.write(bytes, (error) => written(!error))
            },
            end() {
              res.end()
              logRequest(status)
            },
            abort(reason) {
              emit({ event: 'error', message: `${method} ${path}: the response was cut off: ${reason}`, method, path, component: target.component.name })
              res.destroy()
            },
          })
        },
        done(outcome: RequestOutcome) {
          if (!('failure' in outcome)) {
            if (outcome.response) finish(outcome.response.status, outcome.response.headers, outcome.response.body)
            return
          }
          if (streamed) {
            // The status line is out: all that is left is to cut the response short.
            if (!res.destroyed) {
              emit({ event: 'error', message: outcome.failure, method, path, component: target.component.name })
              res.destroy()
            }
            return
          }
          emit({ event: 'error', message: outcome.failure, method, path, component: target.component.name })
          if (outcome.refused) {
            const retryAfter = String(Math.max(1, Math.ceil(target.timeoutMs / 1000)))
            finish(503, [['content-type', 'text/plain']], outcome.refused === 'queue-full' ? 'the server is busy: too many requests waiting\n' : 'the server is busy: the request timed out waiting for a worker\n', [
              ['retry-after', retryAfter],
            ])
          } else {
            finish(500, [['content-type', 'text/plain']], outcome.timedOut ? 'request timed out\n' : 'internal server error\n')
          }
        },
      },
    )
    res.on('close', () => {
      if (!res.writableFinished) cancel()
      // Whatever of the body the component left unread is discarded.
      if (withBody && !req.complete) req.resume()
    })
  }

  /** Host calls of one version, with that version's allow-list, timeout and capabilities. */
  const hostCalls = (allowed: (url: URL) => boolean, timeoutMs: number, opened: OpenCapabilities, component: string) => async (kind: string, payload: unknown, streams: CallStreams): Promise<unknown> => {
    // A call on a named link (wasmcloud:bus set-link-name; the worker only names links the host has) goes to that link's backend.
    const link = (payload as { link?: string } | undefined)?.link
    const linked = link === undefined || link === 'default' ? opened : onLink(opened, link)
    if (kind.startsWith('kv.')) return keyValueCall(linked, kind, payload, component)
    if (kind.startsWith('blob.') || kind.startsWith('secret.')) return handleBlobCall(kind, payload, streams, linked)
    if (kind.startsWith('msg.')) return messagingCall(linked, kind, payload as BrokerMessage & { timeoutMs?: number }, component, timeoutMs)
    if (kind === 'http.fetch') {
      const request = payload as OutgoingHttpRequest
      let url: URL
      try {
        url = new URL(request.url)
      } catch {
        return { err: { tag: 'HTTP-request-URI-invalid' } }
      }
      if (!allowed(url)) {
        emit({ event: 'error', message: `outgoing request to ${url.host} denied: allow it with --allow-http ${url.host} (or allow_http in [dev])` })
        return { err: { tag: 'HTTP-request-denied' } }
      }
      const result = await sendOutgoing(request, timeoutMs, streams, outgoing)
      if ('err' in result && result.err.tag === 'TLS-certificate-error') {
        emit({ event: 'error', message: `outgoing request to ${url.host} failed TLS verification: trust its certificate authority with --tls-ca-path FILE (or WASMCLOUD_TLS_CA_PATH)` })
      }
      return result
    }
    throw new Error(`unknown host call ${kind}`)
  }

  /** The capabilities as a call on the named link sees them: that link's backends in place of the default ones. */
  function onLink(opened: OpenCapabilities, link: string): OpenCapabilities {
    return { ...opened, keyvalue: opened.named.keyvalue.get(link), blobstore: opened.named.blobstore.get(link), consumer: opened.named.consumer.get(link) }
  }

  /** A backend failure is the guest's wasi:keyvalue `error` value (never a trap), and is logged. */
  async function keyValueCall(opened: OpenCapabilities, kind: string, payload: unknown, component: string): Promise<unknown> {
    if (!opened.keyvalue) return { err: { tag: 'no-such-store' } }
    try {
      return { ok: await handleKeyValueCall(opened.keyvalue, kind, payload) }
    } catch (error) {
      const message = (error as Error).message
      if (error instanceof KeyValueError) {
        const variant = error.toWit()
        if (variant.tag === 'other') emit({ event: 'error', message: `key-value (${opened.keyvalue.kind}): ${message}`, component })
        return { err: variant }
      }
      emit({ event: 'error', message: `key-value (${opened.keyvalue.kind}) failed: ${message}`, component })
      return { err: { tag: 'other', val: `the ${opened.keyvalue.kind} key-value backend failed` } }
    }
  }

  /** wasmcloud:messaging/consumer: failures are the `err` string. */
  async function messagingCall(opened: OpenCapabilities, kind: string, payload: BrokerMessage & { timeoutMs?: number }, component: string, limitMs: number): Promise<unknown> {
    if (!opened.consumer) return { err: 'wasmcloud:messaging/consumer is not bound: pass --link wasmcloud:messaging=nats://HOST:PORT' }
    try {
      if (kind === 'msg.request') {
        // The guest's timeout, within the host's own limit: a request never outlives the one that made it.
        const reply = await opened.consumer.request(payload.subject, payload.body, Math.min(limitMs, Math.max(1, Number(payload.timeoutMs ?? 0))))
        return { ok: { subject: reply.subject, body: reply.body, ...(reply.replyTo ? { replyTo: reply.replyTo } : {}) } }
      }
      if (kind === 'msg.publish') {
        await opened.consumer.publish({ subject: payload.subject, body: payload.body, ...(payload.replyTo ? { replyTo: payload.replyTo } : {}) })
        return { ok: undefined }
      }
      throw new Error(`unknown messaging operation ${kind}`)
    } catch (error) {
      const message = error instanceof MessagingError ? error.toWit() : (error as Error).message
      emit({ event: 'error', message: `messaging: ${kind === 'msg.request' ? `request to ${payload.subject}` : `publish to ${payload.subject}`} failed: ${message}`, component })
      return { err: message }
    }
  }

  /** The capabilities a version needs: the current ones when its bindings are the same, else newly opened. */
  async function capabilitiesFor(component: LoadedComponent, sources: CapabilitySources): Promise<BoundCapabilities> {
    if (capabilities && capabilities.key === bindingKey(bindComponent(component, sources), sources.secrets)) return capabilities
    return openComponentCapabilities(component, sources, { embedded })
  }

  /**
   * A replaced version's pool gets no new requests; those already queued or running there finish
   * there (up to the request timeout), then its workers stop. Closing it at once would fail the
   * queued ones: the hot swap must not drop a request.
   */
  const retiring = new Set<WorkerPool>()
  async function retire(pool: WorkerPool, timeoutMs: number): Promise<void> {
    retiring.add(pool)
    const deadline = Date.now() + timeoutMs
    while (pool.busy > 0 && Date.now() < deadline && !closed) await new Promise((resolve) => setTimeout(resolve, 10))
    retiring.delete(pool)
    await pool.close(closed ? CLOSE_GRACE_MS : 0)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, address, options.port ?? DEFAULT_PORT)))
    server.listen(options.port ?? DEFAULT_PORT, address, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`

  const host: Host = {
    url,
    port,
    get component() {
      return current?.component
    },
    async load(source, settings = versionSettings) {
      const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS
      const component =
        typeof source !== 'string' && 'modules' in source
          ? source
          : await loadComponent(typeof source === 'string' ? readComponentFile(source) : source, { cacheRoot: options.cacheRoot, trust: settings.trust ?? {} })
      if (component.kind !== 'http') {
        throw new WasmctlError('HOST_UNSUPPORTED_WORLD', `${component.origin} is a command (it exports wasi:cli/run), not an HTTP component`, {
          hints: ['run it as a command: `wasmctl up <file> -- <args>`'],
        })
      }
      const poolStarted = performance.now()
      const sources = settings.capabilities ?? options.capabilities ?? { links: [], linkConfigs: [], secrets: [] }
      const bound = await capabilitiesFor(component, sources)
      const closeIfNew = async () => {
        if (bound !== capabilities) await bound.opened.close()
      }
      const log = (level: string, message: string, context?: string, from = component.name) =>
        emit({ event: 'log', component: from, level, ...(context ? { context } : {}), message })
      const pool = await WorkerPool.start({
        size: workers,
        timeoutMs,
        maxQueue: settings.maxQueue ?? defaultMaxQueue(workers, timeoutMs),
        budget,
        settings: {
          mode: 'http',
          gluePath: component.transpiled.gluePath,
          modules: component.modules,
          snapshot: component.transpiled.snapshot,
          maxUses: MAX_USES_PER_INSTANCE,
          env: settings.env ?? {},
          args: [component.name],
          preopens: settings.preopens ?? [],
          config: settings.config ?? {},
          outgoingHttp: true,
          stdoutFd: 2,
          capabilityLinks: bound.opened.linkNames,
          ...(component.chain ? { chain: component.chain } : {}),
        },
        onCall: hostCalls(createAllowList(settings.allowHttp ?? []), timeoutMs, bound.opened, component.name),
        onOutput: (stream, line) => log(stream, line),
        onLog: (level, context, message, from) => log(level, message, context, from),
        onProblem: (message) => emit({ event: 'error', message, component: component.name }),
        onReplaced: (reason) => emit({ event: 'instance.replaced', component: component.name, reason }),
      }).catch(async (error) => {
        await closeIfNew()
        throw error
      })
      if (closed) {
        await pool.close(0)
        await closeIfNew()
        throw new WasmctlError('INTERRUPTED', 'the host was closed while the component was loading')
      }
      // Messages go through the same pool as requests (isolation, timeout); a failure is logged, not redelivered.
      let unsubscribe: (() => Promise<void>) | undefined
      if (component.handlesMessages && bound.opened.handler) {
        try {
          unsubscribe = await bound.opened.handler.subscribe((message) => pool.deliver(message), {
            concurrency: workers,
            onError: (error, message) => emit({ event: 'error', message: `message on ${message.subject}: ${(error as Error).message}`, component: component.name }),
          })
        } catch (error) {
          await pool.close(0)
          await closeIfNew()
          throw error
        }
      }
      const previous = current
      const previousCapabilities = capabilities
      current = { component, pool, timeoutMs, unsubscribe }
      capabilities = bound
      versionSettings = settings
      emit({
        event: 'component.loaded',
        name: component.name,
        digest: component.digest,
        origin: component.origin,
        loadMs: component.loadMs + Math.round(performance.now() - poolStarted),
        transpiled: component.transpiled.transpiled,
        snapshot: pool.snapshotting,
        workers,
      })
      emit({ event: 'capabilities.bound', component: component.name, bindings: bound.opened.describe(), warnings: bound.resolved.warnings })
      if (!announced) {
        announced = true
        emit({ event: 'host.ready', url, component: component.name })
      }
      if (previous) {
        void previous.unsubscribe?.().catch(() => {})
        void retire(previous.pool, previous.timeoutMs).then(() => (previousCapabilities && previousCapabilities !== bound ? previousCapabilities.opened.close() : undefined))
      }
      return component
    },
    async close() {
      if (closed) return
      closed = true
      const closing = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      await current?.unsubscribe?.().catch(() => {})
      await Promise.all([current?.pool, ...retiring].map((pool) => pool?.close(CLOSE_GRACE_MS)))
      server.closeAllConnections()
      await closing
      // Flushes the embedded store, lets go of Redis/NATS connections.
      await capabilities?.opened.close()
      await embedded.close()
      await outgoing?.close()
      emit({ event: 'host.closed' })
    },
  }
  return host
}

export function listenError(error: NodeJS.ErrnoException, address: string, port: number): WasmctlError {
  if (error.code === 'EADDRINUSE') {
    return new WasmctlError('HOST_PORT_IN_USE', `port ${port} on ${address} is already in use`, {
      hints: [`stop what is listening on port ${port}, or pass --port with another port (--port 0 picks a free one)`],
      details: { port, address },
    })
  }
  if (error.code === 'EACCES' || error.code === 'EPERM') {
    return new WasmctlError('HOST_PORT_FORBIDDEN', `not allowed to listen on port ${port} on ${address}`, {
      hints: [
        port < 1024 ? 'ports below 1024 need privileges (root or CAP_NET_BIND_SERVICE): pass --port 8000, or --port 0 for any free port' : 'pass --port with another port (--port 0 picks a free one)',
      ],
      details: { port, address },
    })
  }
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
    return new WasmctlError('INPUT_INVALID', `cannot listen on ${address}: no such local address`, {
      hints: ['pass --address 127.0.0.1 (or 0.0.0.0 to listen on every interface)'],
    })
  }
  return new WasmctlError('HOST_LOAD_FAILED', `cannot listen on ${address}:${port}: ${error.message}`, { cause: error })
}

/** Whether the request carries a body (HTTP/1.1 framing: a length above zero, or chunked). */
function hasBody(req: http.IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true
  const length = req.headers['content-length']
  return length !== undefined && length !== '0'
}
