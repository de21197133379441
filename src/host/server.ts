import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'

import { WasmctlError } from '../errors.js'
import type { HostEvent } from './events.js'
import { KeyValueStore } from './keyvalue-store.js'
import { type ComponentInput, type LoadedComponent, loadComponent, readComponentFile, type TrustSettings } from './load.js'
import { createAllowList, sendOutgoing } from './outgoing-http.js'
import { type RequestOutcome, WorkerPool } from './pool.js'
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
  /** Per-request limit; default 30 s. */
  timeoutMs?: number
  /** Worker threads per component; default: one per CPU core. */
  workers?: number
  /** Hosts the component may reach through wasi:http/outgoing-handler (none by default). */
  allowHttp?: string[]
  /** The environment the component sees (none of the host's). */
  env?: Record<string, string>
  /** Host directories the component may use (none by default). */
  preopens?: Preopen[]
  /** wasi:config values. */
  config?: Record<string, string>
  /** Where wasi:keyvalue state is kept; undefined: in memory only. */
  keyvalueFile?: string
  trust?: TrustSettings
  /** The transpile cache root. */
  cacheRoot: string
  onEvent?: (event: HostEvent) => void
}

export interface Host {
  /** `http://address:port` with the real port. */
  readonly url: string
  readonly port: number
  /** The component being served, once one is loaded. */
  readonly component?: LoadedComponent
  /**
   * Loads a component (a file path, bytes, or one loadComponent already prepared) beside the
   * current one and swaps it in; the current one keeps serving if this fails.
   */
  load(source: string | ComponentInput | LoadedComponent): Promise<LoadedComponent>
  /** Stops accepting requests, lets those in flight finish (briefly), stops the workers, saves state. */
  close(): Promise<void>
}

const DEFAULT_PORT = 8000
const DEFAULT_TIMEOUT_MS = 30_000
/** Requests one instance serves before a fresh one replaces it (bounds what jco's glue accumulates). */
const MAX_USES_PER_INSTANCE = 20_000
const MAX_BODY_BYTES = 64 * 1024 * 1024
const CLOSE_GRACE_MS = 2000

// Hop-by-hop headers are the front's business, not the component's (RFC 9110 section 7.6.1).
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'])

export async function createHost(options: HostOptions): Promise<Host> {
  const emit = options.onEvent ?? (() => {})
  const address = options.address ?? '127.0.0.1'
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const workers = Math.max(1, options.workers ?? os.availableParallelism())
  const allowed = createAllowList(options.allowHttp ?? [])
  const store = new KeyValueStore(options.keyvalueFile, (error) => emit({ event: 'error', message: error.message }))

  let current: { component: LoadedComponent; pool: WorkerPool } | undefined
  let closed = false
  let announced = false

  const server = http.createServer((req, res) => {
    serve(req, res).catch((error: Error) => {
      // A client that went away mid-request, or a response Node refused (a header with control characters).
      emit({ event: 'error', message: `${req.method} ${req.url}: ${error.message}` })
      if (!res.headersSent && !res.destroyed) res.writeHead(500, { 'content-type': 'text/plain' }).end('internal server error\n')
      else res.destroy()
    })
  })
  server.keepAliveTimeout = 5000

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now()
    const method = req.method ?? 'GET'
    const path = req.url ?? '/'
    const finish = (status: number, headers: HeaderList | [string, string][], body: Uint8Array | string) => {
      const flat: string[] = []
      const latin1 = new TextDecoder('latin1')
      for (const [name, value] of headers) {
        const lower = name.toLowerCase()
        if (HOP_BY_HOP.has(lower) || lower === 'content-length') continue
        flat.push(name, typeof value === 'string' ? value : latin1.decode(value))
      }
      const bytes = typeof body === 'string' ? Buffer.from(body) : body
      flat.push('content-length', String(bytes.length))
      res.writeHead(status, flat)
      res.end(method === 'HEAD' ? undefined : bytes)
      emit({ event: 'request', method, path, status, durationMs: Math.round((performance.now() - started) * 100) / 100 })
    }
    if (!current) return finish(503, [['content-type', 'text/plain']], 'no component is loaded yet\n')

    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > MAX_BODY_BYTES) return finish(413, [['content-type', 'text/plain']], 'request body too large\n')
      chunks.push(chunk)
    }
    const headers: [string, string][] = []
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]
      if (!HOP_BY_HOP.has(name.toLowerCase())) headers.push([name, req.rawHeaders[i + 1]])
    }
    // An exact-size copy: chunks are views into larger socket buffers, which posting would copy whole.
    const body = new Uint8Array(size)
    let offset = 0
    for (const chunk of chunks) {
      body.set(chunk, offset)
      offset += chunk.length
    }
    // The version serving now, not when the request arrived: a swap while the body came in must
    // not send it to the pool being retired.
    const target = current
    const outcome: RequestOutcome = await target.pool.run({
      method,
      pathWithQuery: path,
      // HTTP/1.0 clients may send no Host; components build their request URL from the authority.
      authority: req.headers.host ?? `${address}:${port}`,
      scheme: 'http',
      headers,
      body,
    })
    if (res.destroyed) return
    if ('response' in outcome) return finish(outcome.response.status, outcome.response.headers, outcome.response.body)
    emit({ event: 'error', message: outcome.failure, method, path, component: target.component.name })
    finish(500, [['content-type', 'text/plain']], outcome.timedOut ? 'request timed out\n' : 'internal server error\n')
  }

  async function onCall(kind: string, payload: unknown): Promise<unknown> {
    if (kind.startsWith('kv.')) return store.handle(kind, payload)
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
      return sendOutgoing(request, timeoutMs)
    }
    throw new Error(`unknown host call ${kind}`)
  }

  /**
   * A replaced version's pool gets no new requests; those already queued or running there finish
   * there (up to the request timeout), then its workers stop. Closing it at once would fail the
   * queued ones: the hot swap must not drop a request.
   */
  const retiring = new Set<WorkerPool>()
  async function retire(pool: WorkerPool): Promise<void> {
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
    async load(source) {
      const component =
        typeof source !== 'string' && 'modules' in source
          ? source
          : await loadComponent(typeof source === 'string' ? readComponentFile(source) : source, { cacheRoot: options.cacheRoot, trust: options.trust ?? {} })
      if (component.kind !== 'http') {
        throw new WasmctlError('HOST_UNSUPPORTED_WORLD', `${component.origin} is a command (it exports wasi:cli/run), not an HTTP component`, {
          hints: ['run it as a command: `wasmctl up <file> -- <args>`'],
        })
      }
      const poolStarted = performance.now()
      const log = (level: string, message: string, context?: string) =>
        emit({ event: 'log', component: component.name, level, ...(context ? { context } : {}), message })
      const pool = await WorkerPool.start({
        size: workers,
        timeoutMs,
        settings: {
          mode: 'http',
          gluePath: component.transpiled.gluePath,
          modules: component.modules,
          snapshot: component.transpiled.snapshot,
          maxUses: MAX_USES_PER_INSTANCE,
          env: options.env ?? {},
          args: [component.name],
          preopens: options.preopens ?? [],
          config: options.config ?? {},
          outgoingHttp: true,
          stdoutFd: 2,
        },
        onCall,
        onOutput: (stream, line) => log(stream, line),
        onLog: (level, context, message) => log(level, message, context),
        onProblem: (message) => emit({ event: 'error', message, component: component.name }),
        onReplaced: (reason) => emit({ event: 'instance.replaced', component: component.name, reason }),
      })
      if (closed) {
        await pool.close(0)
        throw new WasmctlError('INTERRUPTED', 'the host was closed while the component was loading')
      }
      const previous = current
      current = { component, pool }
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
      if (!announced) {
        announced = true
        emit({ event: 'host.ready', url, component: component.name })
      }
      if (previous) void retire(previous.pool)
      return component
    },
    async close() {
      if (closed) return
      closed = true
      const closing = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      await Promise.all([current?.pool, ...retiring].map((pool) => pool?.close(CLOSE_GRACE_MS)))
      server.closeAllConnections()
      await closing
      await store.flush()
      emit({ event: 'host.closed' })
    },
  }
  return host
}

function listenError(error: NodeJS.ErrnoException, address: string, port: number): WasmctlError {
  if (error.code === 'EADDRINUSE') {
    return new WasmctlError('HOST_PORT_IN_USE', `port ${port} on ${address} is already in use`, {
      hints: [`stop what is listening on port ${port}, or pass --port with another port (--port 0 picks a free one)`],
      details: { port, address },
    })
  }
  if (error.code === 'EACCES') {
    return new WasmctlError('HOST_PORT_IN_USE', `not allowed to listen on port ${port}`, {
      hints: ['ports below 1024 need privileges: pass --port 8000 (or --port 0 for any free port)'],
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
