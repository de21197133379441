import { WasmctlError } from '../errors.js'
import { type HttpRequest, type HttpResponse, httpRequest } from './http.js'
import { MANIFEST_ACCEPT } from './media-types.js'
import { registryApiHost } from './reference.js'

/**
 * A small client for the OCI distribution API (https://github.com/opencontainers/distribution-spec)
 * on node:http (`./http.ts` says why not fetch). Hand-written because no npm package covers push,
 * pull and the auth flows on Node 20 without pulling in a container runtime; it stays spec-shaped
 * and small:
 * `/v2/` probe, Basic and Bearer (token) auth, blob HEAD/GET/upload (monolithic or chunked, with
 * cross-repository mount), manifest GET/PUT, bounded retries and idle timeouts.
 *
 * Credentials only ever go into Authorization headers and token requests; no message, event or
 * error built here contains them.
 */
export interface RegistryCredentials {
  username?: string
  password?: string
  /** Docker's `identitytoken` (an OAuth2 refresh token for the registry's token server). */
  identityToken?: string
  /** A ready bearer token sent as is. */
  registryToken?: string
}

export type OciEvent =
  | { type: 'notice'; message: string }
  /** Something the user should act on; commands add it to the JSON envelope's `warnings`. */
  | { type: 'warning'; message: string }
  | { type: 'retry'; attempt: number; delayMs: number; reason: string }
  | { type: 'progress'; phase: 'upload' | 'download'; digest: string; bytes: number; total?: number }
  | { type: 'blob'; action: 'exists' | 'mounted' | 'uploaded' | 'cached' | 'downloaded'; digest: string; size: number; from?: string }
  | { type: 'debug'; message: string }

export interface RegistryClientOptions {
  /** Registry as written in references (`docker.io`, `ghcr.io`, `127.0.0.1:5000`). */
  registry: string
  /** Plain HTTP instead of HTTPS. */
  insecure?: boolean
  /** HTTPS without checking the registry's certificate (wash's --insecure-skip-tls-verify). */
  insecureSkipTlsVerify?: boolean
  credentials?: RegistryCredentials
  /** Where the credentials came from, for hints when they are rejected (`--user/--password`, `~/.docker/config.json`...). */
  credentialSource?: string
  /**
   * Looks credentials up only when the registry asks for them, so anonymous registries never
   * cost a credential-helper run or a project-file read. Used when `credentials` is not given.
   */
  credentialProvider?: () => Promise<{ credentials?: RegistryCredentials; source?: string }>
  signal?: AbortSignal
  /** Longest silence (no headers, no body bytes) before a request fails; default 30 s. */
  timeoutMs?: number
  /** Retries of a request (or of a whole blob upload) after 429, 5xx or a dropped connection; default 3. */
  retries?: number
  /** Blobs above this size are uploaded in PATCH chunks of this size; default 16 MiB. */
  chunkSize?: number
  onEvent?: (event: OciEvent) => void
}

interface Challenge {
  scheme: 'basic' | 'bearer'
  params: Record<string, string>
}

interface RequestOptions {
  headers?: Record<string, string>
  /** Built again for every attempt, so a retried upload resends its body; `touch` keeps the idle timer alive. */
  body?: (touch: () => void) => HttpRequest['body']
  /** Token scopes this request needs (Bearer registries). */
  scopes: string[]
  /** 0 for requests inside an upload session: the upload as a whole is retried instead. */
  retries?: number
}

/** Reads the response inside the attempt, so a connection dropped mid-body is retried too. */
type ResponseHandler<T> = (response: HttpResponse, touch: () => void) => Promise<T>

const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504])
// node:http's codes for a connection closed under a request or mid-body ("socket hang up", "aborted").
const RETRYABLE_NETWORK = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED'])
// A host that refuses, does not resolve or does not answer the SYN: retrying only makes the user wait.
const UNREACHABLE_NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ETIMEDOUT'])
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024

class TimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`no response for ${ms / 1000} s`)
  }
}

export function pullScope(repository: string): string {
  return `repository:${repository}:pull`
}

export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`
}

export class RegistryClient {
  readonly registry: string
  readonly baseUrl: string
  private readonly options: RegistryClientOptions
  private challenge?: Challenge | null
  private readonly tokens = new Map<string, Promise<string>>()
  private resolved?: Promise<{ credentials?: RegistryCredentials; source?: string }>
  private probing?: Promise<void>

  constructor(options: RegistryClientOptions) {
    this.options = options
    this.registry = options.registry
    this.baseUrl = `${options.insecure ? 'http' : 'https'}://${registryApiHost(options.registry)}`
  }

  private emit(event: OciEvent): void {
    this.options.onEvent?.(event)
  }

  /** `GET /v2/`: checks the registry answers and learns how it wants to be authenticated. */
  probe(): Promise<void> {
    // Shared by concurrent requests (push checks its blobs in parallel): one probe per client.
    this.probing ??= this.runProbe().catch((error) => {
      this.probing = undefined
      throw error
    })
    return this.probing
  }

  private async runProbe(): Promise<void> {
    await this.send('GET', '/v2/', { scopes: [], retries: this.options.retries }, async (response) => {
      if (response.status !== 200 && response.status !== 401 && response.status !== 404) throw await this.statusError(response, 'probing the registry')
      await response.body?.cancel()
      if (response.status === 404) throw this.registryError(response.status, 'the server has no OCI registry API at /v2/', [])
      this.challenge = response.status === 401 ? parseChallenge(response.headers.get('www-authenticate')) : null
    })
  }

  /** `HEAD` of a blob: its size when the repository has it, undefined when not. */
  async blobSize(repository: string, digest: string, scopes = [pullScope(repository)]): Promise<number | undefined> {
    return this.request('HEAD', `/v2/${repository}/blobs/${digest}`, { scopes }, async (response) => {
      if (response.status === 200) return Number(response.headers.get('content-length') ?? NaN)
      if (response.status === 404) return undefined
      throw await this.statusError(response, `checking blob ${digest}`)
    })
  }

  /** `GET` of a manifest by tag or digest; the digest of the bytes is checked against a digest reference. */
  async getManifest(repository: string, reference: string): Promise<{ bytes: Buffer; mediaType: string; headerDigest?: string }> {
    return this.request(
      'GET',
      `/v2/${repository}/manifests/${reference}`,
      { scopes: [pullScope(repository)], headers: { accept: MANIFEST_ACCEPT } },
      async (response, touch) => {
        if (response.status === 404) {
          await response.body?.cancel()
          throw new WasmctlError('OCI_NOT_FOUND', `${this.registry}/${repository}:${reference} was not found (no such tag, digest or repository)`, {
            hints: ['check the repository and tag; `skopeo list-tags docker://<registry>/<repository>` lists the tags'],
          })
        }
        if (response.status !== 200) throw await this.statusError(response, `fetching the manifest of ${repository}:${reference}`)
        const declared = Number(response.headers.get('content-length') ?? 0)
        if (declared > MAX_MANIFEST_BYTES) {
          await response.body?.cancel()
          throw this.registryError(response.status, `the manifest is ${declared} bytes, more than the ${MAX_MANIFEST_BYTES} a manifest may hold`, [])
        }
        const bytes = await readLimited(response, MAX_MANIFEST_BYTES, touch)
        return {
          bytes,
          mediaType: (response.headers.get('content-type') ?? '').split(';')[0].trim(),
          headerDigest: response.headers.get('docker-content-digest') ?? undefined,
        }
      },
    )
  }

  /**
   * `GET` of a blob, following redirects to storage (the Authorization header is dropped when
   * the redirect leaves the registry's origin). `consume` reads the body inside the attempt.
   */
  async getBlob<T>(repository: string, digest: string, consume: (body: AsyncIterable<Uint8Array>) => Promise<T>): Promise<T> {
    return this.request('GET', `/v2/${repository}/blobs/${digest}`, { scopes: [pullScope(repository)] }, async (response, touch) => {
      if (response.status === 404) {
        await response.body?.cancel()
        throw new WasmctlError('OCI_NOT_FOUND', `blob ${digest} is missing from ${this.registry}/${repository}`, {
          hints: ['the manifest refers to a blob the registry no longer has; push the artifact again'],
        })
      }
      if (response.status !== 200) throw await this.statusError(response, `downloading blob ${digest}`)
      return consume(touchingIterable(response.body, touch))
    })
  }

  /** `PUT` of a manifest under a tag (or digest); returns the digest the registry reported, if any. */
  async putManifest(repository: string, reference: string, bytes: Uint8Array, mediaType: string): Promise<string | undefined> {
    return this.request(
      'PUT',
      `/v2/${repository}/manifests/${reference}`,
      { scopes: [pushScope(repository)], headers: { 'content-type': mediaType }, body: () => bytes },
      async (response) => {
        if (response.status !== 201 && response.status !== 200) throw await this.statusError(response, `pushing the manifest to ${repository}:${reference}`)
        await response.body?.cancel()
        return response.headers.get('docker-content-digest') ?? undefined
      },
    )
  }

  /**
   * Makes sure `repository` holds the blob: nothing to do when a HEAD finds it, a mount when
   * `mountFrom` names a repository of this registry that has it, otherwise an upload (one PUT,
   * or PATCH chunks for large blobs). A failed upload session is started again from scratch.
   */
  async ensureBlob(repository: string, digest: string, bytes: Uint8Array, mountFrom?: string): Promise<'exists' | 'mounted' | 'uploaded'> {
    const scopes = [pushScope(repository), ...(mountFrom && mountFrom !== repository ? [pullScope(mountFrom)] : [])]
    const existing = await this.blobSize(repository, digest, scopes)
    if (existing !== undefined) {
      this.emit({ type: 'blob', action: 'exists', digest, size: bytes.length })
      return 'exists'
    }
    return this.withRetries(`uploading blob ${digest}`, async () => {
      const query = mountFrom && mountFrom !== repository ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(mountFrom)}` : ''
      const location = await this.request('POST', `/v2/${repository}/blobs/uploads/${query}`, { scopes, retries: 0, body: () => undefined }, async (response) => {
        if (response.status !== 202 && !(response.status === 201 && query)) throw await this.statusError(response, `starting the upload of blob ${digest}`)
        await response.body?.cancel()
        return response.status === 201 ? undefined : this.location(response)
      })
      if (location === undefined) {
        this.emit({ type: 'blob', action: 'mounted', digest, size: bytes.length, from: mountFrom })
        return 'mounted'
      }
      const chunkSize = this.options.chunkSize ?? 16 * 1024 * 1024
      let url = location
      if (bytes.length > chunkSize) {
        for (let start = 0; start < bytes.length; start += chunkSize) {
          const chunk = bytes.subarray(start, Math.min(start + chunkSize, bytes.length))
          url = await this.request(
            'PATCH',
            url,
            {
              scopes,
              retries: 0,
              headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${start + chunk.length - 1}` },
              body: () => chunk,
            },
            async (response) => {
              if (response.status !== 202) throw await this.statusError(response, `uploading blob ${digest}`)
              await response.body?.cancel()
              return this.location(response)
            },
          )
          this.emit({ type: 'progress', phase: 'upload', digest, bytes: start + chunk.length, total: bytes.length })
        }
      }
      const monolithic = bytes.length <= chunkSize
      const putUrl = new URL(url)
      putUrl.searchParams.set('digest', digest)
      await this.request(
        'PUT',
        putUrl.toString(),
        {
          scopes,
          retries: 0,
          headers: { 'content-type': 'application/octet-stream', 'content-length': String(monolithic ? bytes.length : 0) },
          body: (touch) => (monolithic ? this.progressBody(digest, bytes, touch) : undefined),
        },
        async (response) => {
          if (response.status !== 201) throw await this.statusError(response, `completing the upload of blob ${digest}`)
          await response.body?.cancel()
        },
      )
      this.emit({ type: 'blob', action: 'uploaded', digest, size: bytes.length })
      return 'uploaded'
    })
  }

  /** A request body that reports upload progress and keeps the idle timer alive as it is sent. */
  private async *progressBody(digest: string, bytes: Uint8Array, touch: () => void): AsyncIterable<Uint8Array> {
    const piece = 256 * 1024
    for (let offset = 0; offset < bytes.length; ) {
      const end = Math.min(offset + piece, bytes.length)
      yield bytes.subarray(offset, end)
      offset = end
      touch()
      this.emit({ type: 'progress', phase: 'upload', digest, bytes: offset, total: bytes.length })
    }
  }

  private location(response: HttpResponse): string {
    const location = response.headers.get('location')
    if (!location) throw this.registryError(response.status, 'the registry started an upload without a Location header', [])
    return new URL(location, this.baseUrl).toString()
  }

  /** A request with auth (probe first, then Basic or a scoped Bearer token) and retries. */
  private async request<T>(method: string, pathOrUrl: string, options: RequestOptions, handle: ResponseHandler<T>): Promise<T> {
    await this.probe()
    let challenged = false
    for (;;) {
      const authorization = await this.authorization(options.scopes)
      const result = await this.send<{ value: T } | { retryAuth: true }>(method, pathOrUrl, options, async (response, touch) => {
        if (response.status === 401 && !challenged) {
          // A token for too narrow a scope, an expired one, or a registry whose /v2/ was open:
          // learn the challenge this resource sets and try once more.
          const fresh = parseChallenge(response.headers.get('www-authenticate'))
          await response.body?.cancel()
          const canAnswer = fresh && (fresh.scheme === 'bearer' || ((await this.credentials()).credentials?.username && authorization === undefined))
          if (!canAnswer) throw await this.authError(response.status)
          this.challenge = fresh
          if (fresh.params.scope) options.scopes = [...new Set([...options.scopes, ...fresh.params.scope.split(' ')])]
          return { retryAuth: true }
        }
        if (response.status === 401 || response.status === 403) {
          await response.body?.cancel()
          throw await this.authError(response.status)
        }
        return { value: await handle(response, touch) }
      }, authorization)
      if ('value' in result) return result.value
      challenged = true
      this.tokens.delete(options.scopes.join(' '))
    }
  }

  private async credentials(): Promise<{ credentials?: RegistryCredentials; source?: string }> {
    if (this.options.credentials || !this.options.credentialProvider) {
      return { credentials: this.options.credentials, source: this.options.credentialSource }
    }
    this.resolved ??= this.options.credentialProvider()
    return this.resolved
  }

  private async authorization(scopes: string[]): Promise<string | undefined> {
    if (!this.challenge) return undefined
    const { credentials } = await this.credentials()
    if (this.challenge.scheme === 'basic') {
      if (!credentials?.username || credentials.password === undefined) return undefined
      return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
    }
    if (credentials?.registryToken) return `Bearer ${credentials.registryToken}`
    const key = scopes.join(' ')
    let token = this.tokens.get(key)
    if (!token) {
      token = this.fetchToken(this.challenge.params, scopes)
      this.tokens.set(key, token)
      token.catch(() => this.tokens.delete(key))
    }
    return `Bearer ${await token}`
  }

  /** The token flow of the distribution spec (docker "token authentication specification"). */
  private async fetchToken(params: Record<string, string>, scopes: string[]): Promise<string> {
    const realm = params.realm
    if (!realm || !/^https?:\/\//i.test(realm)) throw this.registryError(401, 'the registry asked for a bearer token without a valid realm', [])
    const { credentials } = await this.credentials()
    const url = new URL(realm)
    let init: Omit<HttpRequest, 'body'> & { body?: string }
    if (credentials?.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.identityToken, client_id: 'wasmctl' })
      if (params.service) form.set('service', params.service)
      if (scopes.length > 0) form.set('scope', scopes.join(' '))
      init = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() }
    } else {
      if (params.service) url.searchParams.set('service', params.service)
      for (const scope of scopes) url.searchParams.append('scope', scope)
      const headers: Record<string, string> = {}
      if (credentials?.username && credentials.password !== undefined) {
        headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
      }
      init = { method: 'GET', headers }
    }
    return this.send(init.method, url.toString(), { scopes, headers: init.headers, body: () => init.body }, async (response, touch) => {
      if (response.status === 401 || response.status === 403) {
        await response.body?.cancel()
        throw await this.authError(response.status)
      }
      if (response.status !== 200) throw await this.statusError(response, 'fetching a registry token')
      let parsed: { token?: string; access_token?: string }
      try {
        parsed = JSON.parse((await readLimited(response, 1024 * 1024, touch)).toString('utf8'))
      } catch {
        throw this.registryError(response.status, 'the token server answered with something that is not JSON', [])
      }
      const token = parsed.token ?? parsed.access_token
      if (!token) throw this.registryError(response.status, 'the token server answered without a token', [])
      return token
    })
  }

  /** Runs `work` again (from its start) after retryable failures, with exponential backoff. */
  private async withRetries<T>(what: string, work: () => Promise<T>): Promise<T> {
    const retries = this.options.retries ?? 3
    for (let attempt = 0; ; attempt++) {
      try {
        return await work()
      } catch (error) {
        const retryable = error instanceof RetryableError
        if (!retryable || attempt >= retries) throw retryable ? error.final : error
        const delayMs = error.retryAfterMs ?? backoff(attempt)
        this.emit({ type: 'retry', attempt: attempt + 1, delayMs, reason: `${what}: ${error.final.message}` })
        await sleep(delayMs, this.options.signal)
      }
    }
  }

  /** One HTTP exchange with retries on 429/5xx and dropped connections; `handle` runs inside it. */
  private async send<T>(method: string, pathOrUrl: string, options: RequestOptions, handle: ResponseHandler<T>, authorization?: string): Promise<T> {
    const url = /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${this.baseUrl}${pathOrUrl}`
    const attemptOnce = async (): Promise<T> => {
      const timeoutMs = this.options.timeoutMs ?? (Number(process.env.WASMCTL_OCI_TIMEOUT_MS) || 30_000)
      const timeout = new AbortController()
      let timer: NodeJS.Timeout | undefined
      const touch = () => {
        clearTimeout(timer)
        timer = setTimeout(() => timeout.abort(new TimeoutError(timeoutMs)), timeoutMs)
      }
      touch()
      const signal = this.options.signal ? AbortSignal.any([this.options.signal, timeout.signal]) : timeout.signal
      const headers: Record<string, string> = { 'user-agent': 'wasmctl', ...options.headers }
      if (authorization) headers.authorization = authorization
      let response: HttpResponse | undefined
      try {
        response = await httpRequest(url, { method, headers, body: options.body?.(touch), signal, ...(this.options.insecureSkipTlsVerify ? { rejectUnauthorized: false } : {}) })
        touch()
        if (RETRY_STATUSES.has(response.status)) {
          const final = await this.statusError(response, `${method} ${new URL(url).pathname}`)
          throw new RetryableError(final, retryAfter(response.headers.get('retry-after')))
        }
        return await handle(response, touch)
      } catch (error) {
        throw this.classify(error, url)
      } finally {
        clearTimeout(timer)
        // A body nobody read (a HEAD, an answer the handler only needed the status of) would keep
        // its connection, and with it the process, from finishing.
        void response?.body.cancel()
      }
    }
    return options.retries === 0 ? attemptOnce() : this.withRetries(`${method} ${new URL(url).pathname}`, attemptOnce)
  }

  /** Network failures as WasmctlErrors; dropped connections become retryable. */
  private classify(error: unknown, url: string): unknown {
    if (error instanceof WasmctlError || error instanceof RetryableError) return error
    if (this.options.signal?.aborted) return new WasmctlError('INTERRUPTED', 'registry transfer interrupted', { cause: error })
    const timeout = findCause(error, (cause) => cause instanceof TimeoutError) as TimeoutError | undefined
    if (timeout) {
      return new WasmctlError('OCI_TIMEOUT', `${this.registry} did not respond for ${timeout.ms / 1000} s`, {
        hints: ['check the network and the registry address', 'raise the limit with WASMCTL_OCI_TIMEOUT_MS (milliseconds)'],
      })
    }
    const code = (findCause(error, (cause) => typeof (cause as { code?: unknown })?.code === 'string') as { code?: string } | undefined)?.code
    const origin = new URL(url).origin
    if (code && RETRYABLE_NETWORK.has(code)) {
      return new RetryableError(new WasmctlError('OCI_UNREACHABLE', `the connection to ${origin} was dropped (${code})`, {
        cause: error,
        hints: ['retry the command; check the network or proxy between you and the registry'],
      }))
    }
    const tls = code !== undefined && (/^ERR_SSL|^ERR_TLS|CERT|EPROTO/.test(code))
    if (tls) {
      return new WasmctlError('OCI_UNREACHABLE', `TLS handshake with ${origin} failed (${code})`, {
        cause: error,
        hints: ['if the registry speaks plain HTTP, pass --insecure', 'for a private CA, point NODE_EXTRA_CA_CERTS at its certificate'],
      })
    }
    if (code && UNREACHABLE_NETWORK.has(code)) {
      return new WasmctlError('OCI_UNREACHABLE', `cannot reach the registry at ${origin} (${code})`, {
        cause: error,
        hints: ['check the registry address and that it is running', ...(this.options.insecure ? [] : ['for a plain-HTTP registry, pass --insecure'])],
      })
    }
    if (code?.startsWith('HPE_')) {
      return new WasmctlError('OCI_UNREACHABLE', `${origin} did not answer with valid HTTP (${code})`, {
        cause: error,
        hints: ['check the registry address and port', ...(this.options.insecure ? ['if the registry speaks HTTPS, leave out --insecure'] : [])],
      })
    }
    if (code) {
      // Any other system or protocol error of the exchange (too many redirects, a bad header): not a bug in wasmctl.
      return new WasmctlError('OCI_UNREACHABLE', `the exchange with ${origin} failed: ${(error as Error).message} (${code})`, {
        cause: error,
        hints: ['check the registry address and the network or proxy between you and the registry'],
      })
    }
    return error
  }

  private async authError(status: number): Promise<WasmctlError> {
    const { source } = await this.credentials()
    const message = source
      ? `${this.registry} rejected the credentials from ${source} (HTTP ${status})`
      : `${this.registry} requires authentication (HTTP ${status}) and no credentials were found`
    return new WasmctlError('OCI_AUTH_FAILED', message, {
      hints: source
        ? ['check the user name and password (or token) and that it may push/pull this repository']
        : [
            'pass --user and --password (or --password-stdin), or set WASMCTL_REG_USER and WASMCTL_REG_PASSWORD',
            `or log in once with \`docker login ${this.registry}\`; wasmctl reads ~/.docker/config.json`,
          ],
      details: { registry: this.registry, status },
    })
  }

  private async statusError(response: HttpResponse, doing: string): Promise<WasmctlError> {
    let detail: string[] = []
    try {
      const text = (await readLimited(response, 64 * 1024, () => {})).toString('utf8')
      const parsed = JSON.parse(text) as { errors?: { code?: string; message?: string; detail?: unknown }[] }
      detail = (parsed.errors ?? []).map((entry) => [entry.code, entry.message].filter(Boolean).join(': '))
    } catch {
      // not a distribution error document
      await response.body?.cancel().catch(() => {})
    }
    return this.registryError(response.status, `${doing} failed with HTTP ${response.status}${detail.length ? ` (${detail.join('; ')})` : ''}`, detail)
  }

  private registryError(status: number, message: string, errors: string[]): WasmctlError {
    return new WasmctlError('OCI_REGISTRY_ERROR', `${this.registry}: ${message}`, {
      hints: status >= 500 ? ['the registry had a problem; retry later'] : ['check the reference and the registry documentation'],
      details: { registry: this.registry, status, errors },
    })
  }
}

class RetryableError extends Error {
  constructor(readonly final: WasmctlError, readonly retryAfterMs?: number) {
    super(final.message)
  }
}

function parseChallenge(header: string | null): Challenge | null {
  if (!header) return null
  const match = /^\s*(\w+)\s*(.*)$/.exec(header)
  if (!match) return null
  const scheme = match[1].toLowerCase()
  if (scheme !== 'basic' && scheme !== 'bearer') return null
  const params: Record<string, string> = {}
  for (const part of match[2].matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    params[part[1].toLowerCase()] = part[2] !== undefined ? part[2].replace(/\\(.)/g, '$1') : part[3]
  }
  return { scheme, params }
}

function findCause(error: unknown, test: (cause: unknown) => boolean): unknown {
  for (let cause = error, depth = 0; cause && depth < 6; cause = (cause as { cause?: unknown }).cause, depth++) {
    if (test(cause)) return cause
  }
  return undefined
}

function backoff(attempt: number): number {
  return Math.min(200 * 2 ** attempt, 5000) + Math.floor(Math.random() * 100)
}

function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined
  const seconds = Number(value)
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now()
  return Number.isFinite(ms) ? Math.max(0, Math.min(ms, 10_000)) : undefined
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new WasmctlError('INTERRUPTED', 'registry transfer interrupted'))
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        reject(new WasmctlError('INTERRUPTED', 'registry transfer interrupted'))
      },
      { once: true },
    )
  })
}

async function* touchingIterable(body: AsyncIterable<Uint8Array>, touch: () => void): AsyncIterable<Uint8Array> {
  for await (const chunk of body) {
    touch()
    yield chunk
  }
}

async function readLimited(response: HttpResponse, limit: number, touch: () => void): Promise<Buffer> {
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of touchingIterable(response.body, touch)) {
    total += chunk.length
    if (total > limit) throw new WasmctlError('OCI_REGISTRY_ERROR', `the registry sent more than ${limit} bytes where a small document was expected`)
    chunks.push(Buffer.from(chunk))
  }
  return Buffer.concat(chunks)
}
