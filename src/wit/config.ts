import { existsSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { parse as parseToml } from 'smol-toml'

import { fsError, WasmctlError } from '../errors.js'
import { isLoopbackRegistry } from '../oci/reference.js'
import { type PackageId, parsePackage } from './refs.js'

/**
 * Where a WIT package is fetched from, decided as wash 0.43 does (`lib/deps.rs`, `lib/cli/mod.rs`,
 * wasm-pkg-client's config): `[[registry.pull.sources]]` of wasmcloud.toml first, then the wkg
 * configuration (`package_registry_overrides`, `namespace_registries`, `default_registry`), then
 * wash's and wkg's built-in namespaces. A registry name (`wasi.dev`) stands for an OCI registry
 * and repository prefix that its `/.well-known/wasm-pkg/registry.json` announces; the ones wash
 * users meet are built in, so resolving them needs no request.
 */

export interface PullSource {
  /** As written: `wasi`, `wasi:http`, `wasi:http@0.2.0`. */
  target: string
  namespace: string
  package?: string
  version?: string
  source: string
  kind: 'oci' | 'file' | 'http' | 'git' | 'builtin'
}

export interface OciLocation {
  /** The registry name the lock records (`wasi.dev`, or the host of an `oci://` source). */
  registry: string
  /** The OCI registry host (`ghcr.io`, `127.0.0.1:5000`). */
  ociRegistry: string
  /** Prepended to `namespace/name` (`webassembly/`). */
  prefix: string
  /** Plain HTTP (wkg's `[registry."host".oci] protocol = "http"`; loopback registries by default). */
  insecure?: boolean
  user?: string
  password?: string
}

export type PackageLocation = { kind: 'oci'; location: OciLocation } | { kind: 'local'; path: string } | { kind: 'unsupported'; source: string }

interface RegistryMetadata {
  registry?: string
  namespacePrefix?: string
}

type Mapping = string | { registry: string; metadata?: { oci?: RegistryMetadata; ociRegistry?: string; ociNamespacePrefix?: string } }

export interface WkgConfig {
  defaultRegistry?: string
  namespaceRegistries: Record<string, Mapping>
  packageRegistryOverrides: Record<string, Mapping>
  registries: Record<string, { protocol?: string; user?: string; password?: string }>
  /** The file it came from, for messages. */
  file?: string
}

/** `[overrides]` of wasmcloud.toml (wash flattens wkg's package config into it) or of wkg.toml. */
export interface PackageOverride {
  path?: string
  version?: string
}

/** What `/.well-known/wasm-pkg/registry.json` of these registries says (wasi.dev, wasmcloud.com). */
export const KNOWN_REGISTRIES: Record<string, RegistryMetadata> = {
  'wasi.dev': { registry: 'ghcr.io', namespacePrefix: 'webassembly/' },
  'wasmcloud.com': { registry: 'ghcr.io', namespacePrefix: 'wasmcloud/interfaces/' },
}

/** wkg's hard-coded fallbacks, then the namespaces wash adds when the config does not map them. */
const FALLBACK_NAMESPACES: Record<string, string> = { wasi: 'wasi.dev', ba: 'bytecodealliance.org' }
const WASH_NAMESPACES: Record<string, string> = { wasmcloud: 'wasmcloud.com', wrpc: 'bytecodealliance.org' }

function configInvalid(file: string, message: string): WasmctlError {
  return new WasmctlError('WIT_DEPS_CONFIG_INVALID', `${file}: ${message}`, {
    hints: ['see `[[registry.pull.sources]]` in wash\'s documentation: target = "wasi:http", source = "oci://ghcr.io/webassembly"'],
  })
}

/** `[[registry.pull.sources]]`, checked as wash's parser checks it. */
export function readPullSources(raw: Record<string, unknown>, file = 'wasmcloud.toml'): PullSource[] {
  const registry = raw.registry as Record<string, unknown> | undefined
  const pull = registry?.pull as Record<string, unknown> | undefined
  if (pull === undefined) return []
  if (typeof pull !== 'object' || pull === null || !Array.isArray(pull.sources)) throw configInvalid(file, '[registry.pull] needs a `sources` list')
  return pull.sources.map((entry, index) => {
    const item = entry as Record<string, unknown>
    if (typeof item?.target !== 'string' || typeof item.source !== 'string') {
      throw configInvalid(file, `registry.pull.sources[${index}] needs string fields \`target\` and \`source\``)
    }
    const match = /^([a-z][a-z0-9-]*)(?::([a-z][a-z0-9-]*))?(?:\/[a-z0-9-]+)?(?:@(.+))?$/.exec(item.target.trim())
    if (!match) throw configInvalid(file, `registry.pull.sources[${index}].target "${item.target}" is not a WIT namespace or package (e.g. "wasi" or "wasi:http@0.2.0")`)
    const source = item.source.trim()
    const kind = source.startsWith('oci://')
      ? 'oci'
      : source.startsWith('file://')
        ? 'file'
        : /^https?:\/\//.test(source)
          ? 'http'
          : /^git\+(ssh|https?):\/\//.test(source)
            ? 'git'
            : source === 'builtin'
              ? 'builtin'
              : undefined
    if (!kind) throw configInvalid(file, `registry.pull.sources[${index}].source: unrecognized registry pull source [${source}]`)
    return { target: item.target, namespace: match[1], ...(match[2] ? { package: match[2] } : {}), ...(match[3] ? { version: match[3] } : {}), source, kind }
  })
}

function readTomlFile(file: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw fsError(error, 'read', file)
  }
  try {
    return parseToml(text) as Record<string, unknown>
  } catch (error) {
    throw configInvalid(file, (error as Error).message.split('\n')[0])
  }
}

/** wash: `overrides` in wasmcloud.toml; when absent, wkg.toml beside it. Paths become absolute. */
export function readOverrides(raw: Record<string, unknown>, projectFileDir: string): Record<string, PackageOverride> {
  let table = raw.overrides as Record<string, unknown> | undefined
  let base = projectFileDir
  const wkgToml = path.join(projectFileDir, 'wkg.toml')
  if (table === undefined && existsSync(wkgToml)) {
    table = readTomlFile(wkgToml).overrides as Record<string, unknown> | undefined
    base = projectFileDir
  }
  const overrides: Record<string, PackageOverride> = {}
  for (const [name, value] of Object.entries(table ?? {})) {
    const item = value as Record<string, unknown>
    if (typeof item !== 'object' || item === null) continue
    overrides[name] = {
      ...(typeof item.path === 'string' ? { path: path.resolve(base, item.path) } : {}),
      ...(typeof item.version === 'string' ? { version: item.version.trim() } : {}),
    }
  }
  return overrides
}

/** The wkg client configuration file, in wash's order of preference. */
export function wkgConfigFile(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string | undefined {
  const explicit = env.WASH_PACKAGE_CONFIG_FILE || env.WKG_CONFIG_FILE
  if (explicit) return explicit
  const wash = path.join(home, '.wash', 'package_config.toml')
  if (existsSync(wash)) return wash
  const global = path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'wasm-pkg', 'config.toml')
  return existsSync(global) ? global : undefined
}

export function readWkgConfig(file: string | undefined): WkgConfig {
  const config: WkgConfig = { namespaceRegistries: {}, packageRegistryOverrides: {}, registries: {} }
  if (!file) return config
  const document = readTomlFile(file)
  config.file = file
  if (typeof document.default_registry === 'string') config.defaultRegistry = document.default_registry
  config.namespaceRegistries = (document.namespace_registries ?? {}) as Record<string, Mapping>
  config.packageRegistryOverrides = (document.package_registry_overrides ?? {}) as Record<string, Mapping>
  for (const [host, value] of Object.entries((document.registry ?? {}) as Record<string, Record<string, unknown>>)) {
    const oci = (value?.oci ?? {}) as Record<string, unknown>
    let user: string | undefined
    let password: string | undefined
    if (typeof oci.auth === 'string') {
      const decoded = Buffer.from(oci.auth, 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      if (colon > 0) [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)]
    } else if (oci.auth && typeof oci.auth === 'object') {
      const auth = oci.auth as Record<string, unknown>
      if (typeof auth.username === 'string' && typeof auth.password === 'string') [user, password] = [auth.username, auth.password]
    }
    config.registries[host] = { ...(typeof oci.protocol === 'string' ? { protocol: oci.protocol } : {}), ...(user !== undefined ? { user, password } : {}) }
  }
  return config
}

function ociSource(source: string): { ociRegistry: string; prefix: string } {
  const rest = source.slice('oci://'.length).replace(/\/+$/, '')
  const slash = rest.indexOf('/')
  const ociRegistry = (slash === -1 ? rest : rest.slice(0, slash)).toLowerCase()
  const prefix = slash === -1 ? '' : `${rest.slice(slash + 1).toLowerCase()}/`
  return { ociRegistry, prefix }
}

/** The pull source for a package: a package-level entry wins over a namespace-level one; a versioned target applies to that version only. */
export function matchPullSource(sources: readonly PullSource[], pkg: PackageId): PullSource | undefined {
  const [namespace, name] = pkg.name.split(':')
  const applies = (source: PullSource) => source.namespace === namespace && (source.version === undefined || source.version === pkg.version)
  return sources.find((source) => applies(source) && source.package === name) ?? sources.find((source) => applies(source) && source.package === undefined)
}

export interface ResolveOptions {
  sources: readonly PullSource[]
  wkg: WkgConfig
  projectFileDir: string
  /** Reads a registry's well-known metadata (only for registries not built in). */
  wellKnown?: (registry: string) => Promise<RegistryMetadata | undefined>
}

export async function resolveLocation(pkg: PackageId, options: ResolveOptions): Promise<PackageLocation> {
  const source = matchPullSource(options.sources, pkg)
  if (source?.kind === 'oci') {
    const { ociRegistry, prefix } = ociSource(source.source)
    return { kind: 'oci', location: withRegistryConfig({ registry: ociRegistry, ociRegistry, prefix }, options.wkg) }
  }
  if (source?.kind === 'file') {
    const relative = source.source.slice('file://'.length)
    return { kind: 'local', path: path.resolve(options.projectFileDir, relative) }
  }
  if (source) return { kind: 'unsupported', source: source.source }

  const namespace = pkg.name.split(':')[0]
  const { wkg } = options
  const mapping: Mapping | undefined =
    wkg.packageRegistryOverrides[pkg.name] ?? wkg.namespaceRegistries[namespace] ?? WASH_NAMESPACES[namespace] ?? wkg.defaultRegistry ?? FALLBACK_NAMESPACES[namespace]
  if (mapping === undefined) {
    throw new WasmctlError('WIT_DEPS_NO_REGISTRY', `no registry is configured for the WIT namespace "${namespace}" (needed for ${pkg.name})`, {
      hints: [
        `add a source to wasmcloud.toml: [[registry.pull.sources]] target = "${namespace}", source = "oci://<registry>/<prefix>"`,
        'or map the namespace in the wkg config (namespace_registries), or put the package under wit/deps yourself',
      ],
    })
  }
  if (typeof mapping === 'object') {
    const metadata = mapping.metadata?.oci ?? { registry: mapping.metadata?.ociRegistry, namespacePrefix: mapping.metadata?.ociNamespacePrefix }
    return { kind: 'oci', location: withRegistryConfig({ registry: mapping.registry, ociRegistry: metadata.registry ?? mapping.registry, prefix: metadata.namespacePrefix ?? '' }, wkg) }
  }
  const registry = mapping
  const metadata = KNOWN_REGISTRIES[registry] ?? (await options.wellKnown?.(registry))
  return { kind: 'oci', location: withRegistryConfig({ registry, ociRegistry: metadata?.registry ?? registry, prefix: metadata?.namespacePrefix ?? '' }, wkg) }
}

function withRegistryConfig(location: OciLocation, wkg: WkgConfig): OciLocation {
  const settings = wkg.registries[location.registry] ?? wkg.registries[location.ociRegistry]
  const protocol = settings?.protocol?.toLowerCase()
  return {
    ...location,
    ...(protocol === 'http' ? { insecure: true } : protocol === 'https' ? { insecure: false } : isLoopbackRegistry(location.ociRegistry) ? { insecure: true } : {}),
    ...(settings?.user !== undefined ? { user: settings.user, password: settings.password } : {}),
  }
}

/** The OCI reference of a package version: `<registry>/<prefix><namespace>/<name>:<version>`. */
export function ociReference(location: OciLocation, pkg: PackageId, version: string): string {
  const [namespace, name] = pkg.name.split(':')
  return `${location.ociRegistry}/${location.prefix}${namespace}/${name}:${version}`
}

export { parsePackage }
