import { randomBytes, sign } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

import { execa, type ResultPromise } from 'execa'
import { afterAll, beforeAll } from 'vitest'

/**
 * Real OCI tooling for tests: Debian's `docker-registry` (the CNCF distribution registry), a
 * `skopeo` runner, and a small HTTP proxy on 127.0.0.1 that counts or tampers with what passes
 * through. Missing binaries fail loudly with the install command: a registry test never skips.
 */
export const ociToolsInstall = 'apt-get install -y docker-registry skopeo apache2-utils'

export interface Registry {
  /** `http://127.0.0.1:PORT` */
  url: string
  /** Requests the token server received (token auth only). */
  tokenRequests: { method: string; scope: string[]; grant: 'basic' | 'refresh' | 'anonymous' }[]
  /** `127.0.0.1:PORT`, the registry part of a reference. */
  host: string
  /** Everything the registry logged so far (stderr). */
  log(): string
  stop(): Promise<void>
}

export interface StartRegistryOptions {
  /** Requires this user (a bcrypt htpasswd entry, the only kind the registry accepts). */
  htpasswd?: { user: string; password: string }
  /**
   * Bearer-token auth as Docker Hub and GHCR do it: the registry answers 401 with a
   * `Bearer realm=...` challenge and trusts JWTs from a small token server started here, which
   * grants the requested scope to this user (Basic) or to this identity (refresh) token.
   */
  token?: { user: string; password: string; identityToken?: string }
}

async function requireBinary(name: string): Promise<string> {
  const found = await execa('sh', ['-c', `command -v ${name}`], { reject: false })
  if (found.exitCode !== 0 || !String(found.stdout).trim()) {
    throw new Error(`\`${name}\` is not installed; the OCI tests need it: ${ociToolsInstall}`)
  }
  return String(found.stdout).trim()
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

async function waitForRegistry(url: string, child: ResultPromise, log: () => string): Promise<void> {
  let exited = false
  child.once('exit', () => (exited = true))
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if (exited) throw new Error(`docker-registry exited before it was ready:\n${log().slice(-2000)}`)
    try {
      const response = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) })
      await response.arrayBuffer()
      if (response.status === 200 || response.status === 401) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`docker-registry did not answer GET /v2/ within 15 s:\n${log().slice(-2000)}`)
}

/** Starts a private registry on 127.0.0.1 with storage in a temp folder; stop it in afterAll. */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<Registry> {
  const binary = await requireBinary('docker-registry')
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wasmctl-registry-'))
  const storage = path.join(dir, 'data')
  mkdirSync(storage)
  let auth = ''
  const tokenRequests: Registry['tokenRequests'] = []
  let tokenServer: http.Server | undefined
  if (options.token) {
    const started = await startTokenServer(dir, options.token, tokenRequests)
    tokenServer = started.server
    auth = `auth:\n  token:\n    realm: ${started.realm}\n    service: wasmctl-test-registry\n    issuer: wasmctl-test-issuer\n    rootcertbundle: ${JSON.stringify(started.certFile)}\n`
  }
  if (options.htpasswd) {
    await requireBinary('htpasswd')
    const entry = await execa('htpasswd', ['-Bbn', options.htpasswd.user, options.htpasswd.password])
    const file = path.join(dir, 'htpasswd')
    writeFileSync(file, String(entry.stdout).trim() + '\n')
    auth = `auth:\n  htpasswd:\n    realm: wasmctl-test\n    path: ${JSON.stringify(file)}\n`
  }
  // The port can be taken between freePort() and the registry's bind; try a few.
  for (let attempt = 0; ; attempt++) {
    const port = await freePort()
    const config = path.join(dir, 'config.yml')
    writeFileSync(
      config,
      [
        'version: 0.1',
        'log:',
        '  level: info',
        '  formatter: text',
        'storage:',
        `  filesystem:\n    rootdirectory: ${JSON.stringify(storage)}`,
        '  delete:\n    enabled: true',
        'http:',
        `  addr: 127.0.0.1:${port}`,
        // A fixed secret silences the "No HTTP secret provided" warning.
        `  secret: ${randomBytes(16).toString('hex')}`,
        auth,
      ].join('\n'),
    )
    let output = ''
    const child = execa(binary, ['serve', config], { reject: false, stdin: 'ignore', buffer: false })
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const url = `http://127.0.0.1:${port}`
    try {
      await waitForRegistry(url, child, () => output)
    } catch (error) {
      child.kill('SIGKILL')
      await child
      if (attempt < 3 && /address already in use/.test(output)) continue
      tokenServer?.close()
      rmSync(dir, { recursive: true, force: true })
      throw error
    }
    return {
      url,
      host: `127.0.0.1:${port}`,
      tokenRequests,
      log: () => output,
      async stop() {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
        await child
        clearTimeout(timer)
        tokenServer?.closeAllConnections()
        tokenServer?.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  }
}

/**
 * A token server per the distribution "token authentication" spec: RS256 JWTs whose x5c chain is
 * a self-signed certificate the registry trusts (rootcertbundle). Made with the openssl CLI
 * because Node cannot create X.509 certificates.
 */
async function startTokenServer(
  dir: string,
  account: NonNullable<StartRegistryOptions['token']>,
  log: Registry['tokenRequests'],
): Promise<{ server: http.Server; realm: string; certFile: string }> {
  const keyFile = path.join(dir, 'token.key')
  const certFile = path.join(dir, 'token.crt')
  await requireBinary('openssl')
  await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=wasmctl-test-issuer'])
  const key = readFileSync(keyFile, 'utf8')
  const chain = readFileSync(certFile, 'utf8').replace(/-----[A-Z ]+-----|\s/g, '')
  const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url')
  const issue = (scopes: string[]) => {
    const now = Math.floor(Date.now() / 1000)
    const access = scopes.map((scope) => {
      const [type, name, actions] = scope.split(':')
      return { type, name, actions: actions ? actions.split(',') : [] }
    })
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [chain] }))
    const claims = b64url(JSON.stringify({ iss: 'wasmctl-test-issuer', sub: account.user, aud: 'wasmctl-test-registry', exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access }))
    const signature = sign('RSA-SHA256', Buffer.from(`${header}.${claims}`), key).toString('base64url')
    return `${header}.${claims}.${signature}`
  }
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://token')
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
      const scope = request.method === 'POST' ? (form.get('scope') ?? '').split(' ').filter(Boolean) : url.searchParams.getAll('scope')
      const basicAuth = request.headers.authorization?.startsWith('Basic ') ? Buffer.from(request.headers.authorization.slice(6), 'base64').toString('utf8') : undefined
      let granted = false
      let grant: 'basic' | 'refresh' | 'anonymous' = 'anonymous'
      if (request.method === 'POST' && form.get('grant_type') === 'refresh_token') {
        grant = 'refresh'
        granted = account.identityToken !== undefined && form.get('refresh_token') === account.identityToken
      } else if (basicAuth !== undefined) {
        grant = 'basic'
        granted = basicAuth === `${account.user}:${account.password}`
      }
      log.push({ method: request.method ?? 'GET', scope, grant })
      if (!granted) {
        response.writeHead(401, { 'content-type': 'application/json' })
        response.end('{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}')
        return
      }
      const token = issue(scope)
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify(grant === 'refresh' ? { access_token: token, expires_in: 300 } : { token, expires_in: 300 }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  return { server, realm: `http://127.0.0.1:${port}/token`, certFile }
}

/**
 * A registry for one test file: started in beforeAll, stopped in afterAll. The returned object
 * reads through to the running registry, so tests use it as a Registry once the suite started.
 */
export function useRegistry(options: StartRegistryOptions = {}): Registry {
  let started: Registry | undefined
  beforeAll(async () => {
    started = await startRegistry(options)
  }, 60_000)
  afterAll(async () => {
    await started?.stop()
  })
  const running = (): Registry => {
    if (!started) throw new Error('the registry is used before beforeAll started it')
    return started
  }
  return {
    get url() {
      return running().url
    },
    get host() {
      return running().host
    },
    get tokenRequests() {
      return running().tokenRequests
    },
    log: () => running().log(),
    stop: () => running().stop(),
  }
}

/** Runs skopeo (plain HTTP, no TLS checks against the local registry); rejects with its stderr. */
export async function skopeo(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const binary = await requireBinary('skopeo')
  const result = await execa(binary, args, { reject: false, stdin: 'ignore', timeout: 120_000 })
  if (result.exitCode !== 0) {
    throw new Error(`skopeo ${args.join(' ')} failed (exit ${result.exitCode}): ${String(result.stderr).trim()}`)
  }
  return { stdout: String(result.stdout), stderr: String(result.stderr) }
}

export interface ProxyRequestRecord {
  method: string
  path: string
  /** Bytes of the request body the client sent. */
  requestBytes: number
  status: number
}

export interface RegistryProxy {
  url: string
  host: string
  requests: ProxyRequestRecord[]
  stop(): Promise<void>
}

export interface ProxyOptions {
  /**
   * Rewrites a response body on its way to the client (corruption tests). Return undefined to
   * pass it through unchanged.
   */
  tamper?: (request: { method: string; path: string }, body: Buffer) => Buffer | undefined
  /** Sends only this many body bytes of matching responses, then destroys the connection. */
  cutAfter?: (request: { method: string; path: string }) => number | undefined
  /** Sends only this many body bytes of matching responses, then holds the connection open: a transfer that hangs. */
  stallAfter?: (request: { method: string; path: string }) => number | undefined
  /** Answers a request itself instead of forwarding it (e.g. a 503 for the first attempt). */
  intercept?: (request: { method: string; path: string }) => { status: number; headers?: Record<string, string>; body?: string } | undefined
}

/**
 * A forwarding proxy on 127.0.0.1 in front of a registry: it records every request (method,
 * path, request body size) and can corrupt or cut responses. Location headers are rewritten so
 * the client keeps talking through the proxy.
 */
export async function startRegistryProxy(target: Registry, options: ProxyOptions = {}): Promise<RegistryProxy> {
  const requests: ProxyRequestRecord[] = []
  const targetUrl = new URL(target.url)
  let selfOrigin = ''
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks)
      const info = { method: request.method ?? 'GET', path: request.url ?? '/' }
      const record: ProxyRequestRecord = { ...info, requestBytes: body.length, status: 0 }
      requests.push(record)
      const canned = options.intercept?.(info)
      if (canned) {
        record.status = canned.status
        response.writeHead(canned.status, { 'content-type': 'application/json', ...canned.headers })
        response.end(canned.body ?? '')
        return
      }
      const headers = { ...request.headers, host: targetUrl.host }
      const upstream = http.request(
        { host: targetUrl.hostname, port: targetUrl.port, method: info.method, path: info.path, headers },
        (upstreamResponse) => {
          const responseChunks: Buffer[] = []
          upstreamResponse.on('data', (chunk: Buffer) => responseChunks.push(chunk))
          upstreamResponse.on('end', () => {
            record.status = upstreamResponse.statusCode ?? 0
            let payload: Buffer = Buffer.concat(responseChunks)
            payload = options.tamper?.(info, payload) ?? payload
            const outHeaders = { ...upstreamResponse.headers }
            if (typeof outHeaders.location === 'string') outHeaders.location = outHeaders.location.replace(target.url, selfOrigin)
            const cut = options.cutAfter?.(info)
            if (cut !== undefined && cut < payload.length) {
              response.writeHead(upstreamResponse.statusCode ?? 502, outHeaders)
              response.write(payload.subarray(0, cut), () => response.destroy())
              return
            }
            const stall = options.stallAfter?.(info)
            if (stall !== undefined && stall < payload.length) {
              response.writeHead(upstreamResponse.statusCode ?? 502, outHeaders)
              response.write(payload.subarray(0, stall))
              return
            }
            if (info.method !== 'HEAD') outHeaders['content-length'] = String(payload.length)
            response.writeHead(upstreamResponse.statusCode ?? 502, outHeaders)
            response.end(payload)
          })
        },
      )
      upstream.on('error', () => response.destroy())
      upstream.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  selfOrigin = `http://127.0.0.1:${port}`
  return {
    url: selfOrigin,
    host: `127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
