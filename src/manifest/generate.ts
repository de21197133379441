import type { ComponentWorld } from '../wasm/world.js'
import { OAM_API_VERSION, OAM_KIND } from './model.js'
import { isHostProvided, parseInterfaceName, PROVIDERS, providerKindOfImage, type ProviderKind } from './providers.js'

/**
 * From a project and its built component's world to "what runs with what": one plan that both
 * targets render (a wadm Application for wasmCloud 1.x, a WorkloadDeployment for 2.x), so the
 * same project settings drive both.
 */

/** A `[[dev.overrides.imports|exports]]` entry, as wash reads it. */
export interface InterfaceOverride {
  /** `wasi:keyvalue/store@0.2.0-draft`, or a package `wasi:keyvalue`. */
  interfaceSpec: string
  imageRef?: string
  /** Values from `config` entries (`values = {...}`), merged. */
  config: Record<string, string>
  /** Named config entries without values: references to config that exists on the lattice. */
  configNames: string[]
  linkName?: string
}

export interface PlanInput {
  /** The project name; the application and component names derive from it. */
  projectName: string
  version: string
  description?: string
  /** What hosts run: `registry/repo:tag`, `registry/repo@sha256:…`, or `file:///abs/path.wasm`. */
  image: string
  world: ComponentWorld
  /** `host:port` for the HTTP server provider (`[dev] address`/`port`). */
  httpAddress?: string
  /** Runtime config (wasi:config) from `[dev] config`. */
  componentConfig?: Record<string, string>
  imports?: InterfaceOverride[]
  exports?: InterfaceOverride[]
  /** Application name (default: the project name). */
  appName?: string
  instances?: number
  /** The `version` annotation; null leaves it out, so wadm assigns a ULID on every put. */
  versionAnnotation?: string | null
}

export interface Binding {
  direction: 'import' | 'export'
  namespace: string
  package: string
  version?: string
  interfaces: string[]
  provider: { name: string; image: string; kind?: ProviderKind }
  config: Record<string, string>
  configNames: string[]
  linkName?: string
}

export interface AppPlan {
  appName: string
  componentName: string
  version: string | null
  description: string
  image: string
  instances: number
  componentConfig: Record<string, string>
  bindings: Binding[]
  /** Interfaces the plan could not bind (no known provider, no override): the user should know. */
  warnings: string[]
}

/** wadm names: `^[-\w]+$`; anything else becomes "-", lower-cased as wash dev does. */
export function toManifestName(name: string): string {
  const cleaned = name.toLowerCase().replace(/\s+/g, '-').replace(/[^-\w]/g, '-')
  return cleaned === '' ? 'app' : cleaned
}

const IMPORT_PROVIDERS: Record<string, ProviderKind> = {
  'wasi:keyvalue': 'keyvalue-nats',
  'wasi:http/outgoing-handler': 'http-client',
  'wasi:blobstore/blobstore': 'blobstore-fs',
  'wasmcloud:messaging/consumer': 'messaging-nats',
}
const EXPORT_PROVIDERS: Record<string, ProviderKind> = {
  'wasi:http/incoming-handler': 'http-server',
  'wasmcloud:messaging/handler': 'messaging-nats',
}

function findOverride(overrides: InterfaceOverride[], namespace: string, pkg: string, iface: string): InterfaceOverride | undefined {
  return overrides.find((override) => {
    const spec = override.interfaceSpec.replace(/@.*$/, '')
    return spec === `${namespace}:${pkg}` || spec === `${namespace}:${pkg}/${iface}`
  })
}

function repositoryName(image: string): string {
  return (image.replace(/@.*$/, '').replace(/:[^/]*$/, '').split('/').at(-1) ?? 'provider').replace(/[^-\w]/g, '-')
}

export function planApp(input: PlanInput): AppPlan {
  const appName = toManifestName(input.appName ?? input.projectName)
  const componentName = toManifestName(input.projectName)
  const warnings: string[] = []
  const bindings = new Map<string, Binding>()

  const bind = (direction: Binding['direction'], name: string, overrides: InterfaceOverride[], known: Record<string, ProviderKind>) => {
    const parsed = parseInterfaceName(name)
    if (!parsed) return
    const { namespace, package: pkg, interface: iface, version } = parsed
    if (direction === 'import' && isHostProvided(namespace, pkg, iface)) return
    const override = findOverride(overrides, namespace, pkg, iface)
    const knownKind = known[`${namespace}:${pkg}/${iface}`] ?? known[`${namespace}:${pkg}`]
    const kind = override?.imageRef ? providerKindOfImage(override.imageRef) : knownKind
    if (!override?.imageRef && !knownKind) {
      if (direction === 'import' || namespace !== 'wasi') {
        warnings.push(`no wasmCloud provider is known for ${direction} ${name}; add a [[dev.overrides.${direction}s]] entry with interface_spec and image_ref to bind it`)
      }
      return
    }
    const image = override?.imageRef ?? PROVIDERS[kind!].image
    const providerName = kind ? PROVIDERS[kind].name : repositoryName(image)
    const key = `${direction}\0${namespace}:${pkg}\0${providerName}\0${override?.linkName ?? ''}`
    const existing = bindings.get(key)
    if (existing) {
      if (!existing.interfaces.includes(iface)) existing.interfaces.push(iface)
      return
    }
    bindings.set(key, {
      direction,
      namespace,
      package: pkg,
      ...(version ? { version } : {}),
      interfaces: [iface],
      provider: { name: providerName, image, ...(kind ? { kind } : {}) },
      config: {
        // messaging-nats reads `subscriptions` for the handler it calls, not for a consumer link.
        ...(kind && !(kind === 'messaging-nats' && direction === 'import') ? PROVIDERS[kind].defaultConfig : {}),
        ...(kind === 'http-server' && input.httpAddress ? { address: input.httpAddress } : {}),
        ...override?.config,
      },
      configNames: override?.configNames ?? [],
      ...(override?.linkName ? { linkName: override.linkName } : {}),
    })
  }

  for (const name of input.world.exports) bind('export', name, input.exports ?? [], EXPORT_PROVIDERS)
  for (const name of input.world.imports) bind('import', name, input.imports ?? [], IMPORT_PROVIDERS)

  return {
    appName,
    componentName,
    version: input.versionAnnotation === undefined ? `v${input.version}` : input.versionAnnotation,
    description: input.description ?? `${input.projectName} (generated by wasmctl)`,
    image: input.image,
    instances: input.instances ?? 1,
    componentConfig: input.componentConfig ?? {},
    bindings: [...bindings.values()],
    warnings,
  }
}

type ConfigEntry = { name: string; properties?: Record<string, string> }

function linkConfig(plan: AppPlan, binding: Binding): ConfigEntry[] {
  const entries: ConfigEntry[] = binding.configNames.map((name) => ({ name }))
  if (Object.keys(binding.config).length > 0) {
    // Config names are global on a lattice: prefix them with the app so two apps never share one.
    const suffix = binding.linkName ? `-${binding.linkName}` : ''
    entries.push({ name: `${plan.appName}-${binding.provider.name}-${binding.interfaces.join('-')}${suffix}`, properties: binding.config })
  }
  return entries
}

/** The wadm Application, in wadm's field order (name, type, properties, traits; link: namespace, package, interfaces, source, target, name). */
export function renderWadmManifest(plan: AppPlan): Record<string, unknown> {
  const componentTraits: Record<string, unknown>[] = [{ type: 'spreadscaler', properties: { instances: plan.instances } }]
  const providers = new Map<string, { name: string; type: 'capability'; properties: { image: string }; traits?: Record<string, unknown>[] }>()
  const provider = (binding: Binding) => {
    let entry = providers.get(binding.provider.name)
    if (!entry) {
      entry = { name: binding.provider.name, type: 'capability', properties: { image: binding.provider.image } }
      providers.set(binding.provider.name, entry)
    }
    return entry
  }
  for (const binding of plan.bindings) {
    const config = linkConfig(plan, binding)
    const base = { namespace: binding.namespace, package: binding.package, interfaces: binding.interfaces }
    const name = binding.linkName ? { name: binding.linkName } : {}
    if (binding.direction === 'import') {
      provider(binding)
      componentTraits.push({ type: 'link', properties: { ...base, target: { name: binding.provider.name, ...(config.length ? { config } : {}) }, ...name } })
    } else {
      const entry = provider(binding)
      entry.traits ??= []
      entry.traits.push({ type: 'link', properties: { ...base, ...(config.length ? { source: { config } } : {}), target: { name: plan.componentName }, ...name } })
    }
  }
  const componentProperties: Record<string, unknown> = { image: plan.image }
  if (Object.keys(plan.componentConfig).length > 0) componentProperties.config = [{ name: `${plan.appName}-config`, properties: plan.componentConfig }]
  return {
    apiVersion: OAM_API_VERSION,
    kind: OAM_KIND,
    metadata: {
      name: plan.appName,
      // Never empty: wadm cannot read a manifest without annotations (wadm#466).
      annotations: { ...(plan.version ? { version: plan.version } : {}), description: plan.description, 'wasmcloud.dev/generated-by': 'wasmctl' },
    },
    spec: {
      components: [{ name: plan.componentName, type: 'component', properties: componentProperties, traits: componentTraits }, ...providers.values()],
    },
  }
}

export const WORKLOAD_API_VERSION = 'runtime.wasmcloud.dev/v1alpha1'

/**
 * wasmCloud 2.x: a WorkloadDeployment whose hostInterfaces are what the v1 plan binds to
 * providers (the host provides them), with the same config keys.
 */
export function renderWorkloadDeployment(plan: AppPlan): Record<string, unknown> {
  // The operator admits one unnamed entry per namespace:package, so a package's interfaces (an
  // incoming-handler export and an outgoing-handler import of wasi:http) share one entry.
  const grouped = new Map<string, { namespace: string; package: string; version?: string; interfaces: string[]; name?: string; config: Record<string, string> }>()
  for (const binding of plan.bindings) {
    const key = `${binding.namespace}:${binding.package}\0${binding.linkName ?? ''}`
    const entry = grouped.get(key) ?? { namespace: binding.namespace, package: binding.package, ...(binding.version ? { version: binding.version } : {}), interfaces: [], ...(binding.linkName ? { name: binding.linkName } : {}), config: {} }
    for (const iface of binding.interfaces) if (!entry.interfaces.includes(iface)) entry.interfaces.push(iface)
    Object.assign(entry.config, v2Config(plan, binding))
    grouped.set(key, entry)
  }
  const hostInterfaces = [...grouped.values()].map(({ config, ...entry }) => ({ ...entry, ...(Object.keys(config).length ? { config } : {}) }))
  const component: Record<string, unknown> = { name: plan.componentName, image: plan.image.replace(/^file:\/\//, '') }
  if (Object.keys(plan.componentConfig).length > 0) component.localResources = { config: plan.componentConfig }
  return {
    apiVersion: WORKLOAD_API_VERSION,
    kind: 'WorkloadDeployment',
    metadata: { name: plan.appName.replace(/_/g, '-') },
    spec: {
      replicas: plan.instances,
      template: { spec: { ...(hostInterfaces.length ? { hostInterfaces } : {}), components: [component] } },
    },
  }
}

/** v1 provider keys the 2.x host does not read (it listens itself; routes by host name) are left out. */
function v2Config(plan: AppPlan, binding: Binding): Record<string, string> {
  const config = { ...binding.config }
  if (binding.provider.kind === 'http-server') {
    delete config.address
    // The operator's samples route by host name; localhost.direct resolves to 127.0.0.1.
    config.host ??= `${plan.appName.replace(/_/g, '-')}.localhost.direct`
  }
  if (binding.provider.kind === 'keyvalue-nats') delete config.enable_bucket_auto_create
  return config
}
