import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { Readable } from 'node:stream'
import { rootCertificates } from 'node:tls'

import type { Dispatcher } from 'undici'

import { WasmctlError } from '../errors.js'
import type { CallStreams } from './pool.js'
import type { ErrorCode, HeaderList, OutgoingHttpRequest, OutgoingHttpResult } from './wasi/http.js'

/**
 * wasi:http/outgoing-handler, host side: the allow-list (`--allow-http`, `[dev] allow_http`) and
 * the request itself, sent with Node's fetch. Redirects are returned, not followed (wasi:http
 * semantics); failures become wasi:http error codes.
 */

/**
 * Allow-list entries: `example.com` (any port), `example.com:8080`, `*.example.com` (subdomains),
 * `*` (anything), or a URL whose host is taken (`https://api.example.com/`).
 */
export function createAllowList(entries: string[]): (url: URL) => boolean {
  const rules = entries.map((entry) => {
    const trimmed = entry.trim().toLowerCase()
    const hostPart = /^[a-z][a-z0-9+.-]*:\/\//.test(trimmed) ? new URL(trimmed).host : trimmed.replace(/\/.*$/, '')
    const match = /^(.*?)(?::(\d+))?$/.exec(hostPart)!
    return { host: match[1], port: match[2] }
  })
  return (url) => {
    const host = url.hostname.toLowerCase()
    const port = url.port || (url.protocol === 'https:' ? '443' : '80')
    return rules.some((rule) => {
      if (rule.port !== undefined && rule.port !== port) return false
      if (rule.host === '*') return true
      if (rule.host.startsWith('*.')) return host.endsWith(rule.host.slice(1))
      return host === rule.host
    })
  }
}

/** curl's --connect-to: requests for HOST:PORT connect to TARGET_HOST:TARGET_PORT instead. */
export interface ConnectTo {
  host: string
  port: string
  targetHost: string
  targetPort: string
}

/**
 * `HOST:PORT:TARGET_HOST:TARGET_PORT` as curl takes it (an empty PORT matches any port, an empty
 * TARGET part keeps the original). IPv6 addresses go in brackets: `api.test:443:[::1]:8443`.
 */
export function parseConnectTo(value: string): ConnectTo {
  const parts = /^([^:[\]]*|\[[^\]]*\]):(\d*):([^:[\]]*|\[[^\]]*\]):(\d*)$/.exec(value.trim())
  if (!parts || !parts[1]) {
    throw new WasmctlError('INPUT_INVALID', `--connect-to ${value}: expected HOST:PORT:TARGET_HOST:TARGET_PORT`, {
      hints: ['e.g. --connect-to example.com:443:127.0.0.1:8443 sends the component\'s requests for https://example.com to a server on 127.0.0.1:8443 (the allow-list and TLS still check example.com)'],
    })
  }
  const unbracket = (host: string) => host.replace(/^\[(.*)\]$/, '$1').toLowerCase()
  return { host: unbracket(parts[1]), port: parts[2], targetHost: unbracket(parts[3]), targetPort: parts[4] }
}

export interface OutgoingOptions {
  /** PEM files of certificate authorities trusted besides the system's (wasmCloud's --tls-ca-path). */
  tlsCaPaths?: string[]
  connectTo?: ConnectTo[]
}

/** The trusted certificates: Node's bundled roots, NODE_EXTRA_CA_CERTS (which a custom CA list would drop), then the given files. */
function trustedCertificates(caPaths: string[]): string[] {
  const extra = [process.env.NODE_EXTRA_CA_CERTS, ...caPaths].filter((file): file is string => Boolean(file))
  return [
    ...rootCertificates,
    ...extra.map((file) => {
      let pem: string
      try {
        pem = readFileSync(file, 'utf8')
      } catch (error) {
        throw new WasmctlError('INPUT_INVALID', `--tls-ca-path ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, {
          hints: ['point --tls-ca-path (or WASMCLOUD_TLS_CA_PATH) at a PEM file holding the CA certificate'],
        })
      }
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
        throw new WasmctlError('INPUT_INVALID', `--tls-ca-path ${file}: not a PEM certificate file`, { hints: ['the file must hold one or more -----BEGIN CERTIFICATE----- blocks'] })
      }
      return pem
    }),
  ]
}

/**
 * The connection pool outgoing requests use when trust or routing differs from Node's defaults;
 * undefined: fetch's own. The TLS server name (SNI and certificate check) and the Host header
 * stay those of the URL the component asked for, also when --connect-to sends it elsewhere.
 */
export async function createOutgoingDispatcher(options: OutgoingOptions): Promise<Dispatcher | undefined> {
  const caPaths = options.tlsCaPaths ?? []
  const routes = options.connectTo ?? []
  if (caPaths.length === 0 && routes.length === 0) return undefined
  const ca = caPaths.length > 0 ? trustedCertificates(caPaths) : undefined
  // undici is the library behind Node's fetch; its Agent is what fetch takes as a connection pool.
  const { Agent, buildConnector } = await import('undici')
  const connect = buildConnector(ca ? { ca } : {})
  return new Agent({
    connect(connection, callback) {
      const port = connection.port || (connection.protocol === 'https:' ? '443' : '80')
      const route = routes.find((candidate) => candidate.host === connection.hostname.toLowerCase() && (candidate.port === '' || candidate.port === port))
      if (!route) return connect(connection, callback)
      // An IP address is never a TLS server name (RFC 6066); the certificate is then checked against the address.
      const servername = isIP(connection.hostname) ? undefined : connection.hostname
      return connect({ ...connection, hostname: route.targetHost || connection.hostname, port: route.targetPort || port, ...(servername ? { servername } : {}) }, callback)
    },
  })
}

const INLINE_RESPONSE_BYTES = 64 * 1024

// Hop-by-hop headers and those fetch computes itself.
const DROPPED_HEADERS = new Set(['connection', 'content-length', 'host', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'])

function toErrorCode(error: unknown): ErrorCode {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause
  const code = cause?.code ?? (error as { code?: string }).code
  const name = (error as Error).name
  if (name === 'TimeoutError' || name === 'AbortError') return { tag: 'HTTP-response-timeout' }
  switch (code) {
    case 'ECONNREFUSED':
      return { tag: 'connection-refused' }
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { tag: 'DNS-error', val: { rcode: code, infoCode: undefined } }
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { tag: 'connection-timeout' }
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return { tag: 'connection-terminated' }
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { tag: 'destination-unavailable' }
    default:
      if (code?.startsWith('ERR_TLS') || code?.includes('CERT') || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE') return { tag: 'TLS-certificate-error' }
      return { tag: 'internal-error', val: cause?.message ?? (error as Error).message }
  }
}

/**
 * Sends one outgoing request. With `streams` (the host), bodies stream both ways: the request
 * body from the worker's outbound stream `request.bodyStream`, the response body back as an
 * inbound stream the reply names, both under backpressure. Without (tests, tools), the response
 * body is read whole.
 */
export async function sendOutgoing(request: OutgoingHttpRequest, defaultTimeoutMs: number, streams?: undefined, dispatcher?: Dispatcher): Promise<OutgoingHttpResult>
export async function sendOutgoing(request: OutgoingHttpRequest, defaultTimeoutMs: number, streams: CallStreams, dispatcher?: Dispatcher): Promise<OutgoingHttpResult | StreamedHttpResult>
export async function sendOutgoing(request: OutgoingHttpRequest, defaultTimeoutMs: number, streams?: CallStreams, dispatcher?: Dispatcher): Promise<OutgoingHttpResult | StreamedHttpResult> {
  const latin1 = new TextDecoder('latin1')
  const headers: [string, string][] = []
  for (const [name, value] of request.headers) if (!DROPPED_HEADERS.has(name.toLowerCase())) headers.push([name, latin1.decode(value)])
  const bodyAllowed = request.method !== 'GET' && request.method !== 'HEAD'
  const streamedBody = request.bodyStream !== undefined && streams ? streams.outbound(request.bodyStream) : undefined
  let body: RequestInit['body']
  if (streamedBody) {
    if (bodyAllowed) body = streamedBody.toWebStream()
    else streamedBody.consume({ chunk: (_bytes, written) => written(), end() {}, abort() {} })
  } else if (request.body.length > 0 && bodyAllowed) body = request.body
  // The guest's first-byte (or connect) timeout bounds the wait for the headers only, and never
  // beyond the host's own limit; the whole exchange, body included, ends at the host's limit.
  const firstByte = new AbortController()
  const firstByteTimer = setTimeout(
    () => firstByte.abort(new DOMException('no response headers in time', 'TimeoutError')),
    Math.min(request.firstByteTimeoutMs ?? request.connectTimeoutMs ?? defaultTimeoutMs, defaultTimeoutMs),
  )
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.any([firstByte.signal, AbortSignal.timeout(defaultTimeoutMs)]),
      // Required by fetch for a streamed request body.
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
      ...(dispatcher ? { dispatcher } : {}),
    } as RequestInit)
    clearTimeout(firstByteTimer)
    const encoder = new TextEncoder()
    const responseHeaders: HeaderList = []
    response.headers.forEach((value, name) => {
      // fetch decodes compressed bodies, so the original framing headers no longer apply.
      if (name !== 'content-encoding' && name !== 'content-length' && name !== 'transfer-encoding') responseHeaders.push([name, encoder.encode(value)])
    })
    // A small body of known length comes inline with the headers, as a socket delivers it with them:
    // a component's first non-blocking read then finds it, and no stream is set up for it.
    const length = Number(response.headers.get('content-length') ?? Number.NaN)
    const inline = !response.headers.has('content-encoding') && length <= INLINE_RESPONSE_BYTES
    if (streams && response.body && !inline) {
      const stream = streams.openInbound(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>, { highWaterMark: 64 * 1024 }))
      return { ok: { status: response.status, headers: responseHeaders, body: { stream } } }
    }
    return { ok: { status: response.status, headers: responseHeaders, body: new Uint8Array(await response.arrayBuffer()) } }
  } catch (error) {
    return { err: toErrorCode(error) }
  } finally {
    clearTimeout(firstByteTimer)
  }
}

/** A response whose body streams to the worker as an inbound stream. */
export type StreamedHttpResult = { ok: { status: number; headers: HeaderList; body: { stream: number } } }
