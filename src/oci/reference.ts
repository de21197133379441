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
const domainPattern = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[a-f0-9:]+\])(?::[0-9]{1,5})?$/

export interface ParseReferenceOptions {
  /** Registry for references that do not name one (wash: `--registry` or `[registry] url`); default docker.io. */
  defaultRegistry?: string
}

function invalid(input: string, reason: string): WasmctlError {
  return new WasmctlError('OCI_REFERENCE_INVALID', `invalid reference "${input}": ${reason}`, {
    hints: ['write it as registry/repository:tag or registry/repository@sha256:<digest>, e.g. ghcr.io/acme/hello:0.1.0'],
  })
}

/** Parses a reference; the input is lower-cased first, as wash does. */
export function parseReference(input: string, options: ParseReferenceOptions = {}): OciReference {
  const text = input.trim().toLowerCase()
  if (text === '') throw invalid(input, 'it is empty')
  if (/^[a-z]+:\/\//.test(text)) throw invalid(input, 'leave out the URL scheme (use --insecure for plain HTTP)')
  let rest = text
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at !== -1) {
    digest = rest.slice(at + 1)
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
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost' || parts[0].startsWith('['))) {
    registry = parts.shift()!
    if (!domainPattern.test(registry)) throw invalid(input, `"${registry}" is not a registry host`)
  } else {
    registry = normalizeRegistry(options.defaultRegistry ?? DOCKER_HUB)
  }
  if (registry === 'index.docker.io') registry = DOCKER_HUB
  if (parts.length === 0 || parts.some((part) => !pathComponent.test(part))) {
    throw invalid(input, 'the repository may only hold lower-case letters, digits and the separators . _ - /')
  }
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library')
  const repository = parts.join('/')
  if (repository.length > 255) throw invalid(input, 'the repository name is longer than 255 characters')
  return { registry, repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) }
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
  const first = input.trim().toLowerCase().split('/')[0]
  return input.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['))
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
