import { Readable } from 'node:stream'

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
      if (code?.startsWith('ERR_TLS') || code?.includes('CERT')) return { tag: 'TLS-certificate-error' }
      return { tag: 'internal-error', val: cause?.message ?? (error as Error).message }
  }
}

/**
 * Sends one outgoing request. With `streams` (the host), bodies stream both ways: the request
 * body from the worker's outbound stream `request.bodyStream`, the response body back as an
 * inbound stream the reply names, both under backpressure. Without (tests, tools), the response
 * body is read whole.
 */
export async function sendOutgoing(request: OutgoingHttpRequest, defaultTimeoutMs: number): Promise<OutgoingHttpResult>
export async function sendOutgoing(request: OutgoingHttpRequest, defaultTimeoutMs: number, streams: CallStreams): Promise<OutgoingHttpResult | StreamedHttpResult>
export async function sendOutgoing(request: OutgoingHttpRequest, defaultTimeoutMs: number, streams?: CallStreams): Promise<OutgoingHttpResult | StreamedHttpResult> {
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
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(request.firstByteTimeoutMs ?? request.connectTimeoutMs ?? defaultTimeoutMs),
      // Required by fetch for a streamed request body.
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit)
    const encoder = new TextEncoder()
    const responseHeaders: HeaderList = []
    response.headers.forEach((value, name) => {
      // fetch decodes compressed bodies, so the original framing headers no longer apply.
      if (name !== 'content-encoding' && name !== 'content-length' && name !== 'transfer-encoding') responseHeaders.push([name, encoder.encode(value)])
    })
    if (streams && response.body) {
      const stream = streams.openInbound(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>, { highWaterMark: 64 * 1024 }))
      return { ok: { status: response.status, headers: responseHeaders, body: { stream } } }
    }
    return { ok: { status: response.status, headers: responseHeaders, body: new Uint8Array(await response.arrayBuffer()) } }
  } catch (error) {
    return { err: toErrorCode(error) }
  }
}

/** A response whose body streams to the worker as an inbound stream. */
export type StreamedHttpResult = { ok: { status: number; headers: HeaderList; body: { stream: number } } }
