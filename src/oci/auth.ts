import { readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { fsError, WasmctlError } from '../errors.js'
import type { RegistryCredentials } from './client.js'
import { DOCKER_HUB } from './reference.js'

/**
 * Where registry credentials come from, first match wins (wash's order, plus Docker's config
 * that wash users keep asking for):
 *   1. `--user`/`--password` (or `--password-stdin`), also WASMCTL_REG_USER/WASMCTL_REG_PASSWORD
 *      and wash's WASH_REG_USER/WASH_REG_PASSWORD (resolved by the command);
 *   2. the project's `[registry] credentials` file (wash's JSON map, keyed by registry);
 *   3. Docker's config.json ($DOCKER_CONFIG or ~/.docker): `credHelpers`, then `auths`
 *      (`identitytoken`, `auth`), then the `credsStore` helper.
 * Nothing found means anonymous access. Secrets are returned to the caller only; the `source`
 * names where they came from so errors can say which ones were rejected without showing them.
 */
export interface ResolvedCredentials {
  credentials?: RegistryCredentials
  source?: string
}

export interface ResolveCredentialsOptions {
  registry: string
  user?: string
  password?: string
  /** Where user/password came from, for messages (`--user/--password`, `WASH_REG_USER/...`). */
  userSource?: string
  /** The project's `[registry] credentials` file (absolute path), if any. */
  projectCredentialsFile?: string
  env?: NodeJS.ProcessEnv
  /** Runs a Docker credential helper (`docker-credential-<name> get`); injectable for tests. */
  runHelper?: (program: string, serverUrl: string) => Promise<string>
  onDebug?: (message: string) => void
  /** Problems the user should fix (a malformed Docker config.json), said once per lookup. */
  onWarning?: (message: string) => void
}

export async function resolveCredentials(options: ResolveCredentialsOptions): Promise<ResolvedCredentials> {
  const { registry } = options
  if (options.user !== undefined || options.password !== undefined) {
    if (!options.user) throw missingHalf('--user', 'a password was given without a user name')
    if (options.password === undefined) throw missingHalf('--password', `no password was given for user "${options.user}"`)
    return { credentials: { username: options.user, password: options.password }, source: options.userSource ?? '--user/--password' }
  }
  if (options.projectCredentialsFile) {
    const fromProject = projectCredentials(options.projectCredentialsFile, registry)
    if (fromProject) return { credentials: fromProject, source: options.projectCredentialsFile }
  }
  return dockerCredentials(options)
}

function missingHalf(flag: string, message: string): WasmctlError {
  return new WasmctlError('INPUT_REQUIRED', `${message}: pass ${flag}`, {
    hints: ['pass both --user and --password (or --password-stdin)'],
    details: { flag },
  })
}

/** wash's credentials file: `{"<registry>": {"username": "...", "password": "...", "token": "..."}}`. */
function projectCredentials(file: string, registry: string): RegistryCredentials | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw fsError(error, 'read the registry credentials file', file)
  }
  let parsed: Record<string, { username?: unknown; password?: unknown; token?: unknown }>
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new WasmctlError('PROJECT_INVALID', `the registry credentials file ${file} is not valid JSON`, {
      hints: ['it maps registries to credentials: {"ghcr.io": {"username": "...", "password": "..."}}'],
    })
  }
  const entry = serverKeys(registry).map((key) => parsed?.[key]).find((value) => value && typeof value === 'object')
  if (!entry) return undefined
  const str = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined)
  const username = str(entry.username)
  const password = str(entry.password)
  const token = str(entry.token)
  if (username && (password ?? token) !== undefined) return { username, password: password ?? token }
  if (token) return { registryToken: token }
  return undefined
}

/** The keys Docker and its credential helpers file a registry under. */
function serverKeys(registry: string): string[] {
  const keys = [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`, `https://${registry}/v2/`]
  if (registry === DOCKER_HUB) keys.unshift('https://index.docker.io/v1/', 'index.docker.io', 'registry-1.docker.io')
  return keys
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; identitytoken?: string; username?: string; password?: string }>
  credHelpers?: Record<string, string>
  credsStore?: string
}

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker')
  return path.join(dir, 'config.json')
}

async function dockerCredentials(options: ResolveCredentialsOptions): Promise<ResolvedCredentials> {
  const file = dockerConfigPath(options.env)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    // No Docker config is the common case: anonymous, as docker does. One that cannot be read is not.
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOENT' && code !== 'ENOTDIR') options.onWarning?.(`ignoring the Docker config ${file}: it cannot be read (${code ?? 'error'}); registry credentials from it are not used`)
    return {}
  }
  let config: DockerConfig
  try {
    config = JSON.parse(text) as DockerConfig
  } catch {
    // Not the parser's message: it quotes the text around the error, which may be a credential.
    options.onWarning?.(`ignoring the Docker config ${file}: it is not valid JSON; registry credentials from it are not used`)
    return {}
  }
  if (!config || typeof config !== 'object' || Array.isArray(config)) {
    options.onWarning?.(`ignoring the Docker config ${file}: it is not a JSON object; registry credentials from it are not used`)
    return {}
  }
  const keys = serverKeys(options.registry)
  const helperName = keys.map((key) => config.credHelpers?.[key]).find(Boolean)
  if (helperName) {
    const fromHelper = await helperCredentials(helperName, keys, options)
    if (fromHelper) return { credentials: fromHelper, source: `docker-credential-${helperName}` }
  }
  const key = keys.find((candidate) => config.auths?.[candidate])
  const entry = key ? config.auths![key] : undefined
  if (entry) {
    if (entry.identitytoken) return { credentials: { identityToken: entry.identitytoken }, source: `${file} (identity token)` }
    const decoded = decodeAuth(entry.auth)
    if (decoded) return { credentials: decoded, source: file }
    if (entry.username && entry.password !== undefined) return { credentials: { username: entry.username, password: entry.password }, source: file }
  }
  if (config.credsStore) {
    const fromStore = await helperCredentials(config.credsStore, keys, options)
    if (fromStore) return { credentials: fromStore, source: `docker-credential-${config.credsStore}` }
  }
  return {}
}

/** `auth` is base64 of `user:password` (padding optional). */
function decodeAuth(auth: string | undefined): RegistryCredentials | undefined {
  if (!auth) return undefined
  const text = Buffer.from(auth, 'base64').toString('utf8')
  const colon = text.indexOf(':')
  if (colon <= 0) return undefined
  return { username: text.slice(0, colon), password: text.slice(colon + 1) }
}

/**
 * Docker's credential-helper protocol: `docker-credential-<name> get` with the server URL on
 * stdin answers `{"ServerURL","Username","Secret"}`; Username `<token>` marks an identity token.
 * A helper that is missing or knows nothing leaves the registry anonymous, as docker does.
 */
async function helperCredentials(name: string, keys: string[], options: ResolveCredentialsOptions): Promise<RegistryCredentials | undefined> {
  const run = options.runHelper ?? runCredentialHelper
  const program = `docker-credential-${name}`
  const server = options.registry === DOCKER_HUB ? 'https://index.docker.io/v1/' : options.registry
  for (const serverUrl of [...new Set([server, ...keys])]) {
    let output: string
    try {
      output = await run(program, serverUrl)
    } catch (error) {
      options.onDebug?.(`${program} found nothing for ${serverUrl}: ${firstLine(error)}`)
      continue
    }
    try {
      const parsed = JSON.parse(output) as { Username?: string; Secret?: string }
      if (!parsed.Secret) continue
      if (parsed.Username === '<token>') return { identityToken: parsed.Secret }
      return { username: parsed.Username ?? '', password: parsed.Secret }
    } catch {
      options.onDebug?.(`${program} answered something that is not JSON`)
    }
  }
  return undefined
}

function firstLine(error: unknown): string {
  const err = error as { shortMessage?: string; message?: string }
  return String(err?.shortMessage ?? err?.message ?? error).split('\n')[0]
}

async function runCredentialHelper(program: string, serverUrl: string): Promise<string> {
  const { execa } = await import('execa')
  // The helper's output holds the secret: it is read here and never logged.
  const result = await execa(program, ['get'], { input: serverUrl, timeout: 15_000, stripFinalNewline: true })
  return String(result.stdout)
}

/** Reads a password piped on stdin (`--password-stdin`), without the trailing newline. */
export async function readPasswordFrom(stream: NodeJS.ReadableStream): Promise<string> {
  if ((stream as NodeJS.ReadStream).isTTY) {
    throw new WasmctlError('INPUT_REQUIRED', '--password-stdin needs the password piped on stdin', {
      hints: ['pipe it in, e.g. `echo "$TOKEN" | wasmctl push ... --user me --password-stdin`'],
      details: { flag: '--password-stdin' },
    })
  }
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer))
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
  if (password === '') {
    throw new WasmctlError('INPUT_REQUIRED', '--password-stdin read an empty password', {
      hints: ['pipe the password in on stdin'],
      details: { flag: '--password-stdin' },
    })
  }
  return password
}
