import { once } from 'node:events'
import http from 'node:http'
import https from 'node:https'

/**
 * One HTTP exchange on node:http/https, shaped like the part of fetch the registry client uses.
 * Hand-written rather than Node's fetch because a CLI process is always a fresh one, and there
 * undici's first request and its web streams cost more than the transfer itself: a 12.8 MB blob
 * from a local registry takes ~60 ms through fetch and ~27 ms through node:http, and a whole
 * `wasmctl pull` ran ~35% faster (measured with node --cpu-prof and interleaved runs).
 *
 * Connections are kept alive by Node's global agents (idle sockets never hold the process open).
 */
export interface HttpResponse {
  status: number
  headers: { get(name: string): string | null }
  /** The body as it arrives; `cancel()` discards the rest and leaves the connection reusable. */
  body: AsyncIterable<Uint8Array> & { cancel(): Promise<void> }
}

export interface HttpRequest {
  method: string
  headers: Record<string, string>
  /** Bytes, or chunks written with back-pressure (an upload that reports its progress). */
  body?: Uint8Array | string | AsyncIterable<Uint8Array>
  signal?: AbortSignal
  /** false: accept any TLS certificate (--insecure-skip-tls-verify); also for redirects, which stay with the same registry's blob store. */
  rejectUnauthorized?: boolean
}

const MAX_REDIRECTS = 10
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

/** Sends a request; GET and HEAD follow redirects, dropping the Authorization header when one leaves the origin, as fetch does. */
export async function httpRequest(url: string, request: HttpRequest): Promise<HttpResponse> {
  let target = new URL(url)
  let headers = request.headers
  for (let redirects = 0; ; redirects++) {
    const response = await exchange(target, { ...request, headers })
    const location = response.headers.get('location')
    const follows = (request.method === 'GET' || request.method === 'HEAD') && REDIRECT_STATUSES.has(response.status) && location
    if (!follows) return response
    await response.body.cancel()
    if (redirects === MAX_REDIRECTS) throw Object.assign(new Error(`more than ${MAX_REDIRECTS} redirects from ${url}`), { code: 'ERR_TOO_MANY_REDIRECTS' })
    const next = new URL(location, target)
    if (next.origin !== target.origin) headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'))
    target = next
  }
}

function exchange(url: URL, request: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const { signal, body } = request
    if (signal?.aborted) return reject(abortError(signal))
    const headers = { ...request.headers }
    if (typeof body === 'string' || body instanceof Uint8Array) headers['content-length'] = String(Buffer.byteLength(body))
    else if (body === undefined && request.method !== 'GET' && request.method !== 'HEAD') headers['content-length'] ??= '0'

    const req =
      url.protocol === 'https:'
        ? https.request(url, { method: request.method, headers, ...(request.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}) })
        : http.request(url, { method: request.method, headers })
    let response: http.IncomingMessage | undefined
    const onAbort = () => {
      const error = abortError(signal!)
      req.destroy(error)
      response?.destroy(error)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    const settle = () => signal?.removeEventListener('abort', onAbort)
    req.on('error', (error) => {
      settle()
      reject(error)
    })
    req.on('response', (res) => {
      response = res
      res.on('close', settle)
      resolve({
        status: res.statusCode ?? 0,
        headers: { get: (name) => headerValue(res.headers[name.toLowerCase()]) },
        body: {
          [Symbol.asyncIterator]: () => res[Symbol.asyncIterator](),
          cancel: async () => void res.resume(),
        },
      })
    })
    writeBody(req, body).catch((error) => req.destroy(error))
  })
}

async function writeBody(req: http.ClientRequest, body: HttpRequest['body']): Promise<void> {
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) {
    req.end(body)
    return
  }
  for await (const chunk of body) {
    if (!req.write(chunk)) await once(req, 'drain')
  }
  req.end()
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null
  return Array.isArray(value) ? value.join(', ') : value
}

/** What fetch throws on abort: the signal's reason (a timeout, Ctrl-C), or an AbortError. */
function abortError(signal: AbortSignal): Error {
  if (signal.reason instanceof Error) return signal.reason
  return Object.assign(new Error('the request was aborted', { cause: signal.reason }), { name: 'AbortError' })
}
