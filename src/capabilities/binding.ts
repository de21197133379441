import { fileURLToPath } from 'node:url'

import semver from 'semver'

import { WasmctlError } from '../errors.js'
import { imageRepositoryName } from '../manifest/providers.js'
import { configInvalid, configValue } from './errors.js'
import { addressOf, redactConfig, redactUrl } from './redact.js'

/**
 * The one binding model: which backend implements each capability a component imports (or, for a
 * messaging handler, exports), with that backend's link config. Every source fills it the same
 * way — wash's `[dev]` section of wasmcloud.toml, then command-line flags — and the host only asks
 * the result for a backend. Pure: no I/O, no clients; env is passed in.
 *
 * Sources, weakest first:
 * 1. the default: key-value on the embedded store, blobstore on a folder (`<project>/.wasmctl/blobstore`);
 *    messaging has none (it needs a NATS server);
 * 2. `[dev] link_config` (every binding from the project), then each `[[dev.overrides.imports]]`
 *    (and `.exports` for the handler): `interface_spec` (alias `interface`), `image_ref` (alias
 *    `uri`) naming a wasmCloud provider image, `config`, `link_config` and `secrets` values (all
 *    link config, as the provider reads them), `link_name`;
 * 3. `--link SPEC=TARGET` (replaces the project's binding for what SPEC covers), then
 *    `--link-config SPEC:KEY=VALUE`.
 * Values may say `${env:NAME}` to read an environment variable (so secrets stay out of the file);
 * `$${` is a literal `${`.
 */

export type CapabilityName = 'keyvalue' | 'blobstore' | 'messaging-consumer' | 'messaging-handler'
export type BackendName = 'embedded' | 'redis' | 'nats' | 'folder'
export type BindingSource = 'default' | 'wasmcloud.toml' | 'flag'

export interface Binding {
  capability: CapabilityName
  /** The component's imports (or export) this binding serves, as the component names them. */
  interfaces: string[]
  backend: BackendName
  /** wasmCloud's link name; the NATS key-value backend serves the bucket identifier equal to it. */
  linkName: string
  /** Resolved (environment references substituted): may hold credentials. Print describeBinding(). */
  linkConfig: Record<string, string>
  source: BindingSource
  /** The provider image the project named, when it named one. */
  imageRef?: string
  /** Link config keys whose values came from the override's `secrets`: always masked when shown. */
  secretKeys?: string[]
}

export interface UnboundCapability {
  capability: CapabilityName
  interfaces: string[]
  /** How to bind it, as a flag and as wasmcloud.toml. */
  hints: string[]
}

export interface ResolvedBindings {
  bindings: Binding[]
  /** Imports nothing satisfies: refuse the component at load (see assertAllBound). */
  missing: UnboundCapability[]
  /** A messaging handler export nothing delivers to: it runs, but only HTTP reaches it. */
  idle: UnboundCapability[]
  warnings: string[]
}

export interface ResolveInput {
  /** The component's imported interfaces (`wasi:keyvalue/store@0.2.0-draft`, …). */
  imports: string[]
  exports: string[]
  /** The raw `[dev]` table of wasmcloud.toml, if any. */
  dev?: unknown
  /** `--link` values. */
  links?: string[]
  /** `--link-config` values. */
  linkConfigs?: string[]
  env?: Record<string, string | undefined>
}

export const DEFAULT_LINK_NAME = 'default'

/** wasmCloud provider images wasmctl has a built-in backend for (by repository name). */
const PROVIDER_IMAGES: Record<string, { backend: BackendName; capabilities: CapabilityName[] }> = {
  'keyvalue-redis': { backend: 'redis', capabilities: ['keyvalue'] },
  kvredis: { backend: 'redis', capabilities: ['keyvalue'] },
  'keyvalue-nats': { backend: 'nats', capabilities: ['keyvalue'] },
  'blobstore-fs': { backend: 'folder', capabilities: ['blobstore'] },
  'blobstore-nats': { backend: 'nats', capabilities: ['blobstore'] },
  'messaging-nats': { backend: 'nats', capabilities: ['messaging-consumer', 'messaging-handler'] },
  nats_messaging: { backend: 'nats', capabilities: ['messaging-consumer', 'messaging-handler'] },
}

const SUPPORTED_IMAGES = 'ghcr.io/wasmcloud/keyvalue-redis, ghcr.io/wasmcloud/keyvalue-nats, ghcr.io/wasmcloud/blobstore-fs, ghcr.io/wasmcloud/blobstore-nats, ghcr.io/wasmcloud/messaging-nats'
/** The wasi:blobstore interfaces a component imports (all three come together). */
const BLOBSTORE_INTERFACES = ['blobstore', 'container', 'types']

const MESSAGING_HINTS = (what: 'consumer' | 'handler') => [
  what === 'handler'
    ? '--link wasmcloud:messaging=nats://127.0.0.1:4222?subscriptions=SUBJECT[,SUBJECT]'
    : '--link wasmcloud:messaging=nats://127.0.0.1:4222',
  `or in wasmcloud.toml: [[dev.overrides.${what === 'handler' ? 'exports' : 'imports'}]] interface = "wasmcloud:messaging/${what}" image_ref = "ghcr.io/wasmcloud/messaging-nats:0.27.0" config = { values = { cluster_uris = "nats://127.0.0.1:4222"${what === 'handler' ? ', subscriptions = "SUBJECT"' : ''} } }`,
]

// ---------------------------------------------------------------------------------------------
// Interface specs (wash's WitInterfaceSpec: `ns:pkg[/iface][@version]`)

export interface InterfaceSpec {
  namespace: string
  package: string
  interface?: string
  version?: string
}

export function parseInterfaceSpec(spec: string): InterfaceSpec {
  const match = /^([a-z][a-z0-9-]*):([a-z][a-z0-9-]*)(?:\/([a-z][a-z0-9-]*))?(?:@([0-9][0-9A-Za-z.+-]*))?$/.exec(spec.trim())
  if (!match) throw configInvalid(`"${spec}" is not a WIT interface spec`, ['write it as namespace:package[/interface][@version], e.g. wasi:keyvalue or wasi:keyvalue/store@0.2.0-draft'])
  const [, namespace, pkg, iface, version] = match
  return { namespace, package: pkg, ...(iface ? { interface: iface } : {}), ...(version ? { version } : {}) }
}

/** Does `spec` cover the component's interface `name`? (Versions: equal, or semver-compatible.) */
export function specCovers(spec: InterfaceSpec, name: string): boolean {
  let target: InterfaceSpec
  try {
    target = parseInterfaceSpec(name)
  } catch {
    return false
  }
  if (spec.namespace !== target.namespace || spec.package !== target.package) return false
  if (spec.interface && spec.interface !== target.interface) return false
  if (!spec.version || !target.version || spec.version === target.version) return true
  return semver.satisfies(target.version, `^${spec.version}`, { includePrerelease: true }) || semver.satisfies(spec.version, `^${target.version}`, { includePrerelease: true })
}

/** The capability an interface belongs to, if it is one that is late-bound. */
export function capabilityOf(name: string, direction: 'import' | 'export'): CapabilityName | undefined {
  const spec = (() => {
    try {
      return parseInterfaceSpec(name)
    } catch {
      return undefined
    }
  })()
  if (!spec) return undefined
  if (direction === 'import' && spec.namespace === 'wasi' && spec.package === 'keyvalue' && ['store', 'atomics', 'batch'].includes(spec.interface ?? '')) return 'keyvalue'
  if (direction === 'import' && spec.namespace === 'wasi' && spec.package === 'blobstore' && BLOBSTORE_INTERFACES.includes(spec.interface ?? '')) return 'blobstore'
  if (spec.namespace === 'wasmcloud' && spec.package === 'messaging') {
    if (direction === 'import' && spec.interface === 'consumer') return 'messaging-consumer'
    if (direction === 'export' && spec.interface === 'handler') return 'messaging-handler'
  }
  return undefined
}

/** The capabilities a spec may bind: all of a package (`wasi:keyvalue`), or one interface. */
function capabilitiesOfSpec(spec: InterfaceSpec): CapabilityName[] {
  const name = `${spec.namespace}:${spec.package}`
  if (name === 'wasi:keyvalue') return !spec.interface || ['store', 'atomics', 'batch'].includes(spec.interface) ? ['keyvalue'] : []
  if (name === 'wasi:blobstore') return !spec.interface || BLOBSTORE_INTERFACES.includes(spec.interface) ? ['blobstore'] : []
  if (name === 'wasmcloud:messaging') {
    if (!spec.interface) return ['messaging-consumer', 'messaging-handler']
    if (spec.interface === 'consumer') return ['messaging-consumer']
    if (spec.interface === 'handler') return ['messaging-handler']
  }
  return []
}

// ---------------------------------------------------------------------------------------------
// Values

/** Substitutes `${env:NAME}`; `$${` stays a literal `${`. `where` names the value in errors (never its content). */
export function expandEnv(value: string, env: Record<string, string | undefined>, where: string): string {
  return value.replace(/\$?\$\{([^}]*)\}/g, (whole, inner: string) => {
    if (whole.startsWith('$$')) return whole.slice(1)
    const match = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(inner)
    if (!match) throw configInvalid(`${where}: unknown reference \${${inner}}`, ['reference an environment variable as ${env:NAME}; write $${ for a literal ${'])
    const found = env[match[1]]
    if (found === undefined) throw configInvalid(`${where} reads the environment variable ${match[1]}, which is not set`, [`set ${match[1]} before running, or change ${where}`])
    return found
  })
}

function expandAll(config: Record<string, string>, env: Record<string, string | undefined>, where: string): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, expandEnv(value, env, `${where} ${key}`)]))
}

/** wash's `OneOrMore<DevConfigSpec>` (`{ values = {...} }` or a named config, which has no values here). */
function configValues(value: unknown, where: string, warnings: string[]): Record<string, string> {
  if (value === undefined) return {}
  const entries = Array.isArray(value) ? value : [value]
  const merged: Record<string, string> = {}
  for (const entry of entries) {
    if (!entry || typeof entry !== 'object') throw configInvalid(`${where} must be { values = { KEY = "VALUE" } } (or a list of them)`)
    const { values, name } = entry as { values?: unknown; name?: unknown }
    if (values === undefined) {
      // A named config lives in a wasmCloud lattice; there is no lattice here to read it from.
      if (typeof name === 'string') warnings.push(`${where}: the named config "${name}" is not available outside a wasmCloud lattice; give its values inline`)
      continue
    }
    if (!values || typeof values !== 'object' || Array.isArray(values)) throw configInvalid(`${where}.values must be a table of strings`)
    for (const [key, item] of Object.entries(values)) {
      if (typeof item !== 'string') throw configInvalid(`${where}.values.${key} must be a string`)
      merged[key] = item
    }
  }
  return merged
}

// ---------------------------------------------------------------------------------------------
// Targets: an image ref or a URL

interface Target {
  backend: BackendName
  linkConfig: Record<string, string>
  imageRef?: string
}

/** The built-in backend for a wasmCloud provider image (`ghcr.io/wasmcloud/keyvalue-redis:0.28.1`). */
export function providerForImage(imageRef: string): { backend: BackendName; capabilities: CapabilityName[] } | undefined {
  const name = imageRepositoryName(imageRef)
  return Object.hasOwn(PROVIDER_IMAGES, name) ? PROVIDER_IMAGES[name] : undefined
}

function targetFromImage(imageRef: string, capability: CapabilityName, where: string): Target {
  const provider = providerForImage(imageRef)
  if (!provider) {
    throw new WasmctlError('CAPABILITY_PROVIDER_UNSUPPORTED', `${where}: wasmctl does not run provider images, and has no built-in backend for ${imageRef}`, {
      hints: [`built-in backends stand in for ${SUPPORTED_IMAGES}`, 'remove the override to use the embedded key-value store'],
    })
  }
  if (!provider.capabilities.includes(capability)) throw configInvalid(`${where}: ${imageRef} does not provide ${capabilityLabel(capability)}`)
  return { backend: provider.backend, linkConfig: {}, imageRef }
}

/**
 * A `--link` target: `embedded`, `folder` (the default blobstore folder), `file:///PATH` (a
 * blobstore folder: link config `root`), `redis://…`/`rediss://…` (the URL is the link config `URL`),
 * `nats://…`/`tls://…` (the server, with query parameters as link config, e.g.
 * `?bucket=counts&enable_bucket_auto_create=true` or `?subscriptions=a.b,c|queue`), or a provider
 * image ref.
 */
export function targetFromFlag(value: string, capability: CapabilityName): Target {
  if (value === 'embedded') {
    if (capability !== 'keyvalue') throw configInvalid(`--link: there is no embedded backend for ${capabilityLabel(capability)}; give ${capability === 'blobstore' ? 'file:///PATH or ' : ''}a nats:// URL`)
    return { backend: 'embedded', linkConfig: {} }
  }
  if (value === 'folder') {
    if (capability !== 'blobstore') throw configInvalid(`--link: a folder provides wasi:blobstore only, not ${capabilityLabel(capability)}`)
    return { backend: 'folder', linkConfig: {} }
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase()
  if (scheme === 'file') {
    if (capability !== 'blobstore') throw configInvalid(`--link: a folder provides wasi:blobstore only, not ${capabilityLabel(capability)}`)
    let root: string
    try {
      root = fileURLToPath(value)
    } catch {
      throw configInvalid(`--link: ${value} is not a file URL of a folder`, ['write it as file:///absolute/path'])
    }
    return { backend: 'folder', linkConfig: { root } }
  }
  if (scheme === 'redis' || scheme === 'rediss' || scheme === 'unix') {
    if (capability !== 'keyvalue') throw configInvalid(`--link: Redis provides key-value only, not ${capabilityLabel(capability)}`)
    return { backend: 'redis', linkConfig: { URL: value } }
  }
  if (scheme === 'nats' || scheme === 'tls' || scheme === 'ws' || scheme === 'wss') {
    const query = value.indexOf('?')
    const server = query === -1 ? value : value.slice(0, query)
    const params = query === -1 ? {} : Object.fromEntries(new URLSearchParams(value.slice(query + 1)))
    const serverKey = capability === 'keyvalue' || capability === 'blobstore' ? 'cluster_uri' : 'cluster_uris'
    return { backend: 'nats', linkConfig: { [serverKey]: server, ...params } }
  }
  if (scheme) throw configInvalid(`--link: unknown backend scheme ${scheme}://`, ['use embedded, folder, file:///PATH, redis://HOST:PORT/DB, nats://HOST:PORT, or a wasmCloud provider image'])
  return targetFromImage(value, capability, '--link')
}

// ---------------------------------------------------------------------------------------------
// Flags

/** `--link SPEC=TARGET`. */
export function parseLinkFlag(value: string): { spec: InterfaceSpec; specText: string; target: string } {
  const equals = value.indexOf('=')
  if (equals <= 0 || equals === value.length - 1) {
    throw configInvalid(`--link ${redactUrl(value)}: expected INTERFACE=TARGET`, ['e.g. --link wasi:keyvalue=redis://127.0.0.1:6379/0 or --link wasmcloud:messaging=nats://127.0.0.1:4222?subscriptions=orders.>'])
  }
  const specText = value.slice(0, equals)
  return { spec: parseInterfaceSpec(specText), specText, target: value.slice(equals + 1) }
}

/** `--link-config SPEC:KEY=VALUE` (the key is after the last `:` before the `=`). */
export function parseLinkConfigFlag(value: string): { spec: InterfaceSpec; key: string; value: string } {
  const equals = value.indexOf('=')
  const left = equals === -1 ? value : value.slice(0, equals)
  const colon = left.lastIndexOf(':')
  if (equals === -1 || colon <= 0 || colon === left.length - 1 || left.indexOf(':') === colon) {
    throw configInvalid(`--link-config ${value.slice(0, Math.max(equals, 0)) || value}: expected INTERFACE:KEY=VALUE`, ['e.g. --link-config wasi:keyvalue:bucket=counts'])
  }
  return { spec: parseInterfaceSpec(left.slice(0, colon)), key: left.slice(colon + 1), value: value.slice(equals + 1) }
}

// ---------------------------------------------------------------------------------------------
// Resolution

function capabilityLabel(capability: CapabilityName): string {
  return capability === 'keyvalue' ? 'wasi:keyvalue' : capability === 'blobstore' ? 'wasi:blobstore' : capability === 'messaging-consumer' ? 'wasmcloud:messaging/consumer' : 'wasmcloud:messaging/handler'
}

/** A binding before it knows which of the component's interfaces it serves. */
type Draft = Omit<Binding, 'capability' | 'interfaces'>

export function resolveBindings(input: ResolveInput): ResolvedBindings {
  const env = input.env ?? {}
  const warnings: string[] = []
  const wanted = new Map<CapabilityName, string[]>()
  for (const [names, direction] of [
    [input.imports, 'import'],
    [input.exports, 'export'],
  ] as const) {
    for (const name of names) {
      const capability = capabilityOf(name, direction)
      if (capability) wanted.set(capability, [...(wanted.get(capability) ?? []), name])
    }
  }

  // Project bindings, by capability then link name.
  const drafts = new Map<CapabilityName, Map<string, Draft>>()
  const dev = (input.dev && typeof input.dev === 'object' ? input.dev : {}) as Record<string, unknown>
  const baseLinkConfig = expandAll(configValues(dev.link_config, '[dev] link_config', warnings), env, '[dev] link_config')
  const overrides = (dev.overrides && typeof dev.overrides === 'object' ? dev.overrides : {}) as Record<string, unknown>
  for (const direction of ['imports', 'exports'] as const) {
    const list = overrides[direction]
    if (list === undefined) continue
    if (!Array.isArray(list)) throw configInvalid(`[dev.overrides] ${direction} must be an array of tables ([[dev.overrides.${direction}]])`)
    list.forEach((raw, index) => {
      const where = `[[dev.overrides.${direction}]] #${index + 1}`
      const entry = (raw ?? {}) as Record<string, unknown>
      const specText = entry.interface_spec ?? entry.interface
      if (typeof specText !== 'string') throw configInvalid(`${where} needs interface_spec (or interface)`)
      const spec = parseInterfaceSpec(specText)
      const capabilities = capabilitiesOfSpec(spec).filter((capability) => (direction === 'exports') === (capability === 'messaging-handler'))
      if (capabilities.length === 0) {
        warnings.push(`${where}: ${specText} is not an interface wasmctl binds (key-value, blobstore and messaging are); the override is ignored`)
        return
      }
      const imageRef = entry.image_ref ?? entry.uri
      if (imageRef !== undefined && typeof imageRef !== 'string') throw configInvalid(`${where} image_ref must be a string`)
      const linkName = typeof entry.link_name === 'string' && entry.link_name ? entry.link_name : DEFAULT_LINK_NAME
      const secrets = secretValues(entry.secrets, `${where} secrets`, warnings)
      const secretKeys = Object.keys(secrets)
      const linkConfig = expandAll(
        {
          ...baseLinkConfig,
          ...configValues(entry.config, `${where} config`, warnings),
          ...configValues(entry.link_config, `${where} link_config`, warnings),
          ...secrets,
        },
        env,
        `${where} (${specText})`,
      )
      for (const capability of capabilities) {
        let target: Target
        if (imageRef) target = targetFromImage(imageRef, capability, where)
        else if (capability === 'keyvalue') {
          warnings.push(`${where}: no image_ref, so ${specText} stays on the embedded store`)
          target = { backend: 'embedded', linkConfig: {} }
        } else if (capability === 'blobstore') {
          // blobstore-fs is the default: its link config (`root`) applies without naming the image.
          target = { backend: 'folder', linkConfig: {} }
        } else target = { backend: 'nats', linkConfig: {} }
        const byName = drafts.get(capability) ?? new Map<string, Draft>()
        if (byName.has(linkName)) throw configInvalid(`${where}: a second override for ${capabilityLabel(capability)} with link name "${linkName}"`, ['give each override its own link_name'])
        byName.set(linkName, {
          backend: target.backend,
          linkName,
          linkConfig: { ...linkConfig, ...target.linkConfig },
          source: 'wasmcloud.toml',
          ...(target.imageRef ? { imageRef: target.imageRef } : {}),
          ...(secretKeys.length > 0 ? { secretKeys } : {}),
        })
        drafts.set(capability, byName)
      }
    })
  }

  // Flags replace the project's default link for what they cover.
  for (const value of input.links ?? []) {
    const { spec, specText, target } = parseLinkFlag(value)
    const capabilities = capabilitiesOfSpec(spec)
    if (capabilities.length === 0) throw configInvalid(`--link ${specText}: wasmctl binds wasi:keyvalue, wasi:blobstore and wasmcloud:messaging only`)
    for (const capability of capabilities) {
      const resolved = targetFromFlag(expandEnv(target, env, `--link ${specText}`), capability)
      const byName = drafts.get(capability) ?? new Map<string, Draft>()
      const previous = byName.get(DEFAULT_LINK_NAME)
      // A handler's subscriptions set in the project survive a --link that only moves the server.
      const kept = previous && previous.backend === resolved.backend && capability === 'messaging-handler' ? { subscriptions: configValue(previous.linkConfig, 'subscriptions') } : {}
      byName.set(DEFAULT_LINK_NAME, {
        backend: resolved.backend,
        linkName: DEFAULT_LINK_NAME,
        linkConfig: { ...(kept.subscriptions !== undefined ? { subscriptions: kept.subscriptions } : {}), ...resolved.linkConfig },
        source: 'flag',
        ...(resolved.imageRef ? { imageRef: resolved.imageRef } : {}),
      })
      drafts.set(capability, byName)
    }
  }
  for (const value of input.linkConfigs ?? []) {
    const { spec, key, value: raw } = parseLinkConfigFlag(value)
    const capabilities = capabilitiesOfSpec(spec)
    if (capabilities.length === 0) throw configInvalid(`--link-config: wasmctl binds wasi:keyvalue, wasi:blobstore and wasmcloud:messaging only`)
    let applied = false
    for (const capability of capabilities) {
      for (const draft of drafts.get(capability)?.values() ?? []) {
        draft.linkConfig[key] = expandEnv(raw, env, `--link-config ${key}`)
        applied = true
      }
    }
    if (!applied) warnings.push(`--link-config ${key}: nothing is bound to ${spec.namespace}:${spec.package}${spec.interface ? `/${spec.interface}` : ''} (add a --link for it)`)
  }

  const bindings: Binding[] = []
  const missing: UnboundCapability[] = []
  const idle: UnboundCapability[] = []
  for (const [capability, interfaces] of wanted) {
    const found = [...(drafts.get(capability)?.values() ?? [])]
    if (found.length === 0) {
      if (capability === 'keyvalue') {
        bindings.push({ capability, interfaces, backend: 'embedded', linkName: DEFAULT_LINK_NAME, linkConfig: {}, source: 'default' })
      } else if (capability === 'blobstore') {
        bindings.push({ capability, interfaces, backend: 'folder', linkName: DEFAULT_LINK_NAME, linkConfig: {}, source: 'default' })
      } else if (capability === 'messaging-consumer') {
        missing.push({ capability, interfaces, hints: MESSAGING_HINTS('consumer') })
      } else {
        idle.push({ capability, interfaces, hints: MESSAGING_HINTS('handler') })
      }
      continue
    }
    for (const draft of found) {
      if (capability === 'messaging-handler' && !configValue(draft.linkConfig, 'subscriptions')) {
        warnings.push(`wasmcloud:messaging/handler is bound to NATS but has no subscriptions: set subscriptions (comma-separated subjects) in its link config`)
      }
      bindings.push({ capability, interfaces, ...draft })
    }
    // Only named links bound: the default link keeps wasmctl's built-in default (calls that select no link go there).
    if (!found.some((draft) => draft.linkName === DEFAULT_LINK_NAME) && (capability === 'keyvalue' || capability === 'blobstore')) {
      bindings.push({ capability, interfaces, backend: capability === 'keyvalue' ? 'embedded' : 'folder', linkName: DEFAULT_LINK_NAME, linkConfig: {}, source: 'default' })
    }
  }
  for (const [capability, byName] of drafts) {
    if (!wanted.has(capability)) warnings.push(`${capabilityLabel(capability)} is bound (${[...byName.values()].map((draft) => draft.source).join(', ')}), but the component does not use it`)
  }
  return { bindings, missing, idle, warnings }
}

/** wash's DevSecretSpec with inline values: they are link config too (the providers read secrets first). */
function secretValues(value: unknown, where: string, warnings: string[]): Record<string, string> {
  if (value === undefined) return {}
  const entries = Array.isArray(value) ? value : [value]
  const merged: Record<string, string> = {}
  for (const entry of entries) {
    const { values, name } = (entry ?? {}) as { values?: Record<string, unknown>; name?: string }
    if (!values) {
      warnings.push(`${where}: the secret "${name ?? '?'}" comes from a secret store wasmctl cannot read; give its values inline (use \${env:NAME} to keep them out of the file)`)
      continue
    }
    for (const [key, item] of Object.entries(values)) if (typeof item === 'string') merged[key] = item
  }
  return merged
}

/** Refuses a component whose imports nothing can satisfy, listing each with how to bind it. */
export function assertAllBound(resolved: ResolvedBindings): void {
  if (resolved.missing.length === 0) return
  const names = resolved.missing.flatMap((entry) => entry.interfaces)
  throw new WasmctlError('CAPABILITY_UNBOUND', `nothing implements ${names.join(', ')}: the component imports ${names.length === 1 ? 'it' : 'them'} and no backend is bound`, {
    hints: resolved.missing.flatMap((entry) => entry.hints),
    details: { missing: resolved.missing.map(({ capability, interfaces }) => ({ capability, interfaces })) },
  })
}

/** What to print (start-up lines, `--json` events, `inspect --wit`): credentials masked. */
export function describeBinding(binding: Binding): {
  capability: CapabilityName
  interfaces: string[]
  backend: BackendName
  linkName: string
  source: BindingSource
  address?: string
  imageRef?: string
  linkConfig: Record<string, string>
} {
  const server =
    binding.backend === 'redis'
      ? (configValue(binding.linkConfig, 'URL') ?? 'redis://127.0.0.1:6379/')
      : binding.backend === 'nats'
        ? binding.capability === 'keyvalue' || binding.capability === 'blobstore'
          ? (configValue(binding.linkConfig, 'cluster_uri') ?? 'nats://0.0.0.0:4222')
          : (configValue(binding.linkConfig, 'cluster_uris') ?? '0.0.0.0:4222')
        : undefined
  return {
    capability: binding.capability,
    interfaces: binding.interfaces,
    backend: binding.backend,
    linkName: binding.linkName,
    source: binding.source,
    ...(server ? { address: addressOf(server.split(',')[0]) } : {}),
    // A folder is shown as the user gave it (the default one is resolved by the host).
    ...(binding.backend === 'folder' ? { address: configValue(binding.linkConfig, 'root') ?? '.wasmctl/blobstore' } : {}),
    ...(binding.imageRef ? { imageRef: binding.imageRef } : {}),
    linkConfig: maskKeys(redactConfig(binding.linkConfig), binding.secretKeys),
  }
}

function maskKeys(config: Record<string, string>, keys: string[] = []): Record<string, string> {
  for (const key of keys) if (Object.hasOwn(config, key)) config[key] = '***'
  return config
}

/**
 * wasi:config/runtime values: `[dev] config` (already flattened by the project reader), then
 * `--config KEY=VALUE`, with `${env:NAME}` references substituted.
 */
export function resolveRuntimeConfig(projectConfig: Record<string, string>, flags: string[] = [], env: Record<string, string | undefined> = {}): Record<string, string> {
  const merged: Record<string, string> = { ...projectConfig }
  for (const flag of flags) {
    const equals = flag.indexOf('=')
    if (equals <= 0) throw configInvalid(`--config ${flag}: expected KEY=VALUE`)
    merged[flag.slice(0, equals)] = flag.slice(equals + 1)
  }
  return expandAll(merged, env, 'config')
}
