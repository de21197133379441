import { isIPv6 } from 'node:net'

import { WasmctlError } from '../errors.js'

/**
 * Image references as Docker and wash read them: `[registry/]repository[:tag][@digest]`.
 * Hand-written (about 60 lines) because the npm parsers found either pull in a whole registry
 * client or lack the docker-style defaults; the grammar is distribution's `reference` package.
 */
export interface OciReference {
  /** Host and optional port, e.g. `ghcr.io`, `127.0.0.1:5000`, `docker.io`. */
  registry: string
  /** e.g. `demo/hello`, `library/nginx` */
  repository: string
  tag?: string
  /** `sha256:<64 hex>` */
  digest?: string
}

export const DOCKER_HUB = 'docker.io'
const DOCKER_HUB_API = 'registry-1.docker.io'

const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const tagPattern = /^[\w][\w.-]{0,127}$/
const digestPattern = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/
const hostLabel = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

export interface ParseReferenceOptions {
  /** Registry for references that do not name one (wash: `--registry` or `[registry] url`); default docker.io. */
  defaultRegistry?: string
}

function invalid(input: string, reason: string, hint = 'write it as registry/repository:tag or registry/repository@sha256:<digest>, e.g. ghcr.io/acme/hello:0.1.0'): WasmctlError {
  return new WasmctlError('OCI_REFERENCE_INVALID', `invalid reference "${input}": ${reason}`, { hints: [hint] })
}

/**
 * Parses a reference with distribution's rules: the registry host is case-insensitive (lower-cased
 * here), a repository must be lower-case and is refused otherwise (wash lower-cases the whole
 * reference, which can publish to a repository the user did not name), and a tag keeps its case.
 */
export function parseReference(input: string, options: ParseReferenceOptions = {}): OciReference {
  const text = input.trim()
  if (text === '') throw invalid(input, 'it is empty')
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) throw invalid(input, 'leave out the URL scheme (use --insecure for plain HTTP)')
  if (/[\s\p{Cc}]/u.test(text)) throw invalid(input, 'it contains spaces or control characters')
  let rest = text
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at !== -1) {
    // Hex is hex whatever its case; the algorithm name is matched as written.
    digest = rest.slice(at + 1).toLowerCase()
    rest = rest.slice(0, at)
    if (!digestPattern.test(digest)) throw invalid(input, `"${digest}" is not a digest (expected sha256: and 64 hex characters)`)
  }
  let tag: string | undefined
  const lastSlash = rest.lastIndexOf('/')
  const colon = rest.lastIndexOf(':')
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!tagPattern.test(tag)) throw invalid(input, `"${tag}" is not a valid tag`)
  }
  const parts = rest.split('/')
  let registry: string
  if (parts.length > 1 && looksLikeHost(parts[0])) {
    registry = parts.shift()!.toLowerCase()
    checkRegistryHost(registry, input)
  } else {
    registry = normalizeRegistry(options.defaultRegistry ?? DOCKER_HUB)
    checkRegistryHost(registry.split('/')[0], input)
  }
  if (registry === 'index.docker.io') registry = DOCKER_HUB
  const lowered = parts.map((part) => part.toLowerCase())
  if (parts.length > 0 && lowered.every((part) => pathComponent.test(part)) && parts.some((part, index) => part !== lowered[index])) {
    const suggestion = formatReference({ registry, repository: lowered.join('/'), tag, digest })
    throw invalid(input, 'repository names must be lower-case (the OCI distribution spec does not allow upper-case letters)', `use ${suggestion}`)
  }
  if (parts.length === 0 || parts.some((part) => !pathComponent.test(part))) {
    throw invalid(input, 'the repository may only hold lower-case letters, digits and the separators . _ - /')
  }
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library')
  const repository = parts.join('/')
  if (repository.length > 255) throw invalid(input, 'the repository name is longer than 255 characters')
  return { registry, repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) }
}

/** Docker's rule for "the first component names a registry": it has a dot or a port, or is localhost. */
function looksLikeHost(first: string): boolean {
  return first.includes('.') || first.includes(':') || first.toLowerCase() === 'localhost' || first.startsWith('[')
}

/**
 * A registry host as something a URL can be built from: a DNS name (labels of at most 63
 * characters), an IPv4 address or a bracketed IPv6 address, with an optional port 1-65535.
 */
function checkRegistryHost(registry: string, input: string): void {
  const hint = 'a registry is a host name or IP address with an optional port 1-65535, e.g. ghcr.io or 127.0.0.1:5000'
  let host = registry
  let port: string | undefined
  if (registry.startsWith('[')) {
    const close = registry.indexOf(']')
    host = close === -1 ? registry : registry.slice(1, close)
    const after = close === -1 ? '' : registry.slice(close + 1)
    if (close === -1 || !isIPv6(host) || (after !== '' && !after.startsWith(':'))) throw invalid(input, `"${registry}" is not a registry host`, hint)
    port = after === '' ? undefined : after.slice(1)
  } else {
    const colon = registry.indexOf(':')
    if (colon !== -1) {
      host = registry.slice(0, colon)
      port = registry.slice(colon + 1)
    }
    const labels = host.split('.')
    if (host.length > 253 || !labels.every((label) => hostLabel.test(label))) throw invalid(input, `"${registry}" is not a registry host`, hint)
  }
  if (port !== undefined) {
    const number = /^[0-9]{1,5}$/.test(port) ? Number(port) : Number.NaN
    if (!(number >= 1 && number <= 65535)) throw invalid(input, `"${port}" in "${registry}" is not a port (1-65535)`, hint)
  }
}

/** `[registry] url` may carry a scheme or a repository prefix (`ghcr.io/acme`); keep what a host part can hold. */
export function normalizeRegistry(value: string): string {
  return value.trim().toLowerCase().replace(/^[a-z]+:\/\//, '').replace(/\/+$/, '')
}

/**
 * Parses a reference whose registry may come from `defaultRegistry` including a path prefix,
 * e.g. `[registry] url = "ghcr.io/acme"` and `hello:0.1.0` -> `ghcr.io/acme/hello:0.1.0` (wash
 * joins the two with a slash the same way).
 */
export function resolveReference(input: string, defaultRegistry?: string): OciReference {
  if (defaultRegistry && !hasExplicitRegistry(input)) return parseReference(`${normalizeRegistry(defaultRegistry)}/${input.trim()}`)
  return parseReference(input)
}

function hasExplicitRegistry(input: string): boolean {
  return input.includes('/') && looksLikeHost(input.trim().split('/')[0])
}

/** `registry/repository[:tag][@digest]` */
export function formatReference(ref: OciReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`
}

/** The host the HTTP API lives on (Docker Hub's API is not on docker.io itself). */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry
}

/** Registries reached over plain HTTP unless told otherwise: the local machine. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(1, registry.indexOf(']')) : registry.replace(/:[0-9]+$/, '')
  return host === 'localhost' || host === '::1' || /^127(?:\.[0-9]{1,3}){3}$/.test(host)
}

/**
 * Whether an argument is meant as a reference rather than a file name: it parses and names a tag
 * or digest (`hello.wasm` does not; `ghcr.io/acme/hello:0.1.0` does).
 */
export function looksLikeReference(input: string): boolean {
  if (/\.wasm$/i.test(input.trim())) return false
  try {
    const ref = parseReference(input)
    return ref.tag !== undefined || ref.digest !== undefined
  } catch {
    return false
  }
}

export function isDigest(value: string): boolean {
  return digestPattern.test(value)
}
