import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import { capabilityOf, type CapabilityName, providerForImage } from '../capabilities/index.js'
import { WasmctlError } from '../errors.js'
import { type LoadedManifest, readManifestFile, validateLoaded } from '../manifest/io.js'
import { type Component, type ConfigProperty, DEFAULT_LINK_NAME, isScalerType, type LinkProperty, type Manifest, type SecretProperty } from '../manifest/model.js'
import { providerKindOfImage } from '../manifest/providers.js'
import { componentWorld, unversioned } from '../wasm/world.js'
import type { BindingDescription } from './bind.js'
import type { LinkRule, MemberGrants } from './link.js'
import type { ComponentInput } from './load.js'

/**
 * `wasmctl up app.yaml`: a wadm Application served on the embedded host as a lattice would run
 * it. Components become linked chain members (link traits between components become LinkRules),
 * links to wasmCloud providers become the built-in backends the same provider images select in
 * wasmcloud.toml overrides, and the http-server provider's link says where to listen. Providers
 * are never run: wasmctl stands in for the ones it knows and names the ones it does not.
 */

/** A component to load: an absolute file path (from `file://`) or an OCI reference, under its manifest name. */
export interface ManifestSourceRef {
  name: string
  reference: string
}

/** Where one of the manifest's links went, for `--json` and start-up lines. */
export interface ManifestLinkView {
  from: string
  to: string
  interfaces: string[]
  linkName?: string
  /**
   * component: linked to another component of the chain; backend: a built-in backend standing in
   * for the provider; http-server: the host's HTTP front; host: the host provides it itself
   * (outgoing HTTP); unsupported: no stand-in for that provider.
   */
  via: 'component' | 'backend' | 'http-server' | 'host' | 'unsupported'
  /** The provider image, for links to capabilities. */
  image?: string
}

/** A link to (or from) a provider wasmctl has no stand-in for: refused if the component uses the interface. */
export interface UnsupportedProviderLink {
  component: string
  direction: 'import' | 'export'
  /** `ns:pkg/iface`, unversioned. */
  interfaces: string[]
  provider: string
  image: string
}

/** wash's `[[dev.overrides.imports|exports]]` shape, which the capability binding model reads. */
export interface CapabilityOverride {
  interface_spec: string
  image_ref: string
  link_name: string
  config?: { values: Record<string, string> }
}

export interface ManifestRunPlan {
  app: string
  /** The entry first when the manifest says which one takes requests. */
  sources: ManifestSourceRef[]
  /** The component the http-server provider links to (or the one nothing links to); undefined when unknown. */
  entry?: string
  rules: LinkRule[]
  /** wasi:config of the linked (non-entry) components. */
  grants: Record<string, MemberGrants>
  /** wasi:config values per component, from `properties.config` (the entry's become the host's config). */
  config: Record<string, Record<string, string>>
  /** The capability bindings, as a `[dev]` table with overrides (replaces the project's for this run). */
  dev?: { overrides: { imports: CapabilityOverride[]; exports: CapabilityOverride[] } }
  /** What each override stands for, in order, to name it in messages instead of `[[dev.overrides…]] #N`. */
  overrideLabels: { imports: string[]; exports: string[] }
  /** The http-server link's `address` (wildcards replaced by loopback: see notes). */
  address?: { host: string; port: number; given: string }
  links: ManifestLinkView[]
  unsupported: UnsupportedProviderLink[]
  warnings: string[]
  /** Debug-level: what the local run leaves out (scalers, unused providers, ...). */
  notes: string[]
}

export interface PlanOptions {
  /** `--secret` names given on the command line: their manifest secrets need no warning. */
  secretNames?: string[]
}

/** Provider images with a stand-in, for messages. */
const SUPPORTED_PROVIDERS =
  'ghcr.io/wasmcloud/http-server, http-client, keyvalue-redis, keyvalue-nats, blobstore-fs, blobstore-nats and messaging-nats'

const OVERRIDE_SPEC: Record<CapabilityName, string> = {
  keyvalue: 'wasi:keyvalue',
  blobstore: 'wasi:blobstore',
  'messaging-consumer': 'wasmcloud:messaging/consumer',
  'messaging-handler': 'wasmcloud:messaging/handler',
}

const unsupportedManifest = (message: string, hints: string[]) => new WasmctlError('APP_MANIFEST_UNSUPPORTED', message, { hints })

/** A `.yaml`, `.yml` or `.json` file: `up` reads it as a wadm manifest (a component is never one). */
export function isManifestArgument(input: string | undefined): input is string {
  if (input === undefined || !/\.(ya?ml|json)$/i.test(input)) return false
  try {
    return existsSync(input) && statSync(input).isFile()
  } catch {
    return false
  }
}

/** `file://…` (relative to the manifest's folder, as wash resolves it) or an OCI reference. */
export function componentReference(image: string, manifestDir: string): string {
  if (!image.startsWith('file://')) return image.replace(/^oci:\/\//, '')
  const rest = image.slice('file://'.length)
  if (rest.startsWith('/')) return fileURLToPath(image)
  return path.resolve(manifestDir, decodeURIComponent(rest))
}

/** `HOST:PORT` of the http-server link; a wildcard host listens on loopback unless --address says otherwise. */
export function parseListenAddress(given: string, where: string): { host: string; port: number; given: string; wildcard: boolean } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(given.trim())
  const port = match ? Number(match[3]) : NaN
  if (!match || port > 65535) {
    throw new WasmctlError('APP_MANIFEST_INVALID', `${where}: address "${given}" is not HOST:PORT`, { hints: ['write it as the http-server provider reads it, e.g. address: 127.0.0.1:8000'] })
  }
  const host = match[1] ?? match[2]
  const wildcard = host === '' || host === '0.0.0.0' || host === '::'
  return { host: wildcard ? '127.0.0.1' : host, port, given, wildcard }
}

/** Values of inline config entries, merged in order; named entries without values live on a lattice only. */
function configValues(entries: ConfigProperty[], where: string, warnings: string[]): Record<string, string> {
  const merged: Record<string, string> = {}
  for (const entry of entries) {
    if (entry.properties == null) {
      warnings.push(`${where}: the named config "${entry.name}" lives on a wasmCloud lattice, not here; give its values inline (properties:) to use them locally`)
      continue
    }
    Object.assign(merged, entry.properties)
  }
  return merged
}

/** The binding model reads `${env:NAME}` in values; a manifest's values are literal (wadm never expands them). */
const literal = (config: Record<string, string>) => Object.fromEntries(Object.entries(config).map(([key, value]) => [key, value.replaceAll('${', () => '$${')]))

const keyOf = (config: Record<string, string>, key: string) => Object.entries(config).find(([name]) => name.toLowerCase() === key)?.[1]

export function planManifestRun(manifest: Manifest, manifestDir: string, options: PlanOptions = {}): ManifestRunPlan {
  const app = manifest.metadata.name
  const warnings: string[] = []
  const notes: string[] = []
  const byName = new Map(manifest.spec.components.map((component) => [component.name, component]))
  const components = manifest.spec.components.filter((component) => component.type === 'component')
  if (components.length === 0) {
    throw unsupportedManifest(`the manifest ${app} declares no component to run (only capability providers)`, [
      'add the component itself (type: component, properties.image: file://… or an OCI reference)',
    ])
  }
  for (const component of components) {
    if (component.properties.application != null) {
      throw unsupportedManifest(`component ${component.name} is shared from the application ${component.properties.application.name}, which only a wasmCloud lattice has`, [
        `give ${component.name} an image (properties.image) to run it locally`,
      ])
    }
  }

  const givenSecrets = new Set(options.secretNames ?? [])
  const secretWarning = (secrets: SecretProperty[], where: string, localHint: (name: string) => string, given = new Set<string>()) => {
    for (const secret of secrets) {
      if (given.has(secret.name)) continue
      const policy = manifest.spec.policies.find((candidate) => candidate.name === secret.properties.policy)
      const backend = policy?.properties.backend ? ` backend ${policy.properties.backend}` : ''
      warnings.push(`${where}: the secret "${secret.name}" comes from the secret${backend} of policy ${secret.properties.policy}, which wasmctl does not read; locally give it with ${localHint(secret.name)}`)
    }
  }

  const config: Record<string, Record<string, string>> = {}
  for (const component of components) {
    const values = configValues(component.properties.config, `component ${component.name}`, warnings)
    if (Object.keys(values).length > 0) config[component.name] = values
    secretWarning(component.properties.secrets, `component ${component.name}`, (name) => `--secret ${name}=env:VARIABLE (or file:PATH)`, givenSecrets)
  }

  const rules: LinkRule[] = []
  const links: ManifestLinkView[] = []
  const unsupported: UnsupportedProviderLink[] = []
  const httpTargets: { target: string; address?: string; where: string }[] = []
  /** Components linked to the http-client provider: the ones allowed outgoing HTTP (within --allow-http). */
  const httpClients = new Set<string>()
  const overrides = { imports: new Map<string, { override: CapabilityOverride; label: string }>(), exports: new Map<string, { override: CapabilityOverride; label: string }>() }
  const linkedProviders = new Set<string>()

  const addOverride = (direction: 'imports' | 'exports', capability: CapabilityName, link: LinkProperty, image: string, values: Record<string, string>, label: string) => {
    const linkName = link.name ?? DEFAULT_LINK_NAME
    const override: CapabilityOverride = {
      interface_spec: OVERRIDE_SPEC[capability],
      image_ref: image,
      link_name: linkName,
      ...(Object.keys(values).length > 0 ? { config: { values: literal(values) } } : {}),
    }
    const key = `${capability}\0${linkName}`
    const existing = overrides[direction].get(key)
    if (existing) {
      // Every component of the chain shares the host's bindings: two links of one name must agree.
      if (JSON.stringify(existing.override) === JSON.stringify(override)) return
      throw new WasmctlError('HOST_LINK_INVALID', `${existing.label} and ${label} both bind ${OVERRIDE_SPEC[capability]} (link name ${linkName}), differently: the embedded host binds each link name once for all the components it runs`, {
        hints: ['link both to the same provider with the same config, or give one link its own name (link trait `name:`)'],
      })
    }
    overrides[direction].set(key, { override, label })
  }

  // Provider-level config (a capability's own properties.config) is the base of its link config, as the providers read it.
  const providerConfig = (provider: Component) => configValues(provider.properties.config, `provider ${provider.name}`, warnings)

  for (const owner of manifest.spec.components) {
    for (const trait of owner.traits ?? []) {
      if (trait.kind === 'scaler') {
        notes.push(`${owner.name}: ${trait.type} (instances: ${trait.properties.instances}) is not used: one pool of instances serves it locally`)
        continue
      }
      if (trait.kind !== 'link') {
        notes.push(`${owner.name}: trait ${trait.type} is not used locally`)
        continue
      }
      const link = trait.properties
      const target = byName.get(link.target.name)
      if (!target) {
        warnings.push(`${owner.name}: its link to ${link.target.name}, which is not a component of the manifest, is not used`)
        continue
      }
      const named = link.name != null && link.name !== DEFAULT_LINK_NAME ? { linkName: link.name } : {}
      const interfaces = link.interfaces.map((iface) => `${link.namespace}:${link.package}/${iface}`)
      const label = `the link from ${owner.name} to ${target.name} (${interfaces.join(', ')})`

      if (owner.type === 'component' && target.type === 'component') {
        for (const name of interfaces) rules.push({ source: owner.name, interface: name, target: target.name, ...(link.name != null ? { name: link.name } : {}) })
        links.push({ from: owner.name, to: target.name, interfaces, ...named, via: 'component' })
        if (link.target.config.length > 0 || (link.source?.config.length ?? 0) > 0) notes.push(`${label}: link config between components is not used`)
        continue
      }
      if (owner.type === 'capability' && target.type === 'capability') {
        warnings.push(`${label}: a link between two providers is not used locally`)
        continue
      }

      // A component and a provider: the component imports from the provider (trait on the component),
      // or the provider calls the component's export (trait on the provider).
      const direction = owner.type === 'component' ? 'import' : 'export'
      const [component, provider] = direction === 'import' ? [owner, target] : [target, owner]
      const image = provider.properties.image ?? ''
      linkedProviders.add(provider.name)
      const kind = providerKindOfImage(image)
      const backend = providerForImage(image)
      const linkConfig = direction === 'import' ? link.target : (link.source ?? { config: [], secrets: [] })
      const values = { ...providerConfig(provider), ...configValues(linkConfig.config, label, warnings) }
      secretWarning(linkConfig.secrets, label, (name) => `--link-config ${link.namespace}:${link.package}:${name}=\${env:VARIABLE}`)

      const from = direction === 'import' ? component.name : provider.name
      const to = direction === 'import' ? provider.name : component.name
      const viaBackend: string[] = []
      const skipped: string[] = []
      for (const name of interfaces) {
        if (direction === 'export' && kind === 'http-server' && name === 'wasi:http/incoming-handler') {
          const address = keyOf(values, 'address')
          httpTargets.push({ target: component.name, ...(address !== undefined ? { address } : {}), where: label })
          links.push({ from, to, interfaces: [name], ...named, via: 'http-server', image })
          continue
        }
        if (direction === 'import' && kind === 'http-client' && name === 'wasi:http/outgoing-handler') {
          httpClients.add(component.name)
          warnings.push(`${label}: the embedded host makes outgoing HTTP calls itself, only to the hosts --allow-http names (deny by default, unlike the http-client provider)`)
          links.push({ from, to, interfaces: [name], ...named, via: 'host', image })
          continue
        }
        const capability = capabilityOf(name, direction)
        if (backend && capability && backend.capabilities.includes(capability)) {
          addOverride(direction === 'import' ? 'imports' : 'exports', capability, link, image, values, label)
          viaBackend.push(name)
          continue
        }
        if (backend && capability) {
          throw new WasmctlError('CAPABILITY_CONFIG_INVALID', `${label}: ${image} does not provide ${name}`, { hints: [`link ${name} to a provider that implements it (${SUPPORTED_PROVIDERS})`] })
        }
        skipped.push(name)
      }
      if (viaBackend.length > 0) links.push({ from, to, interfaces: viaBackend, ...named, via: 'backend', image })
      if (skipped.length > 0) {
        unsupported.push({ component: component.name, direction, interfaces: skipped, provider: provider.name, image })
        links.push({ from, to, interfaces: skipped, ...named, via: 'unsupported', image })
      }
    }
  }
  for (const provider of manifest.spec.components) {
    if (provider.type === 'capability' && !linkedProviders.has(provider.name)) notes.push(`provider ${provider.name} (${provider.properties.image ?? 'shared'}) is linked to nothing: not used`)
  }

  // One component takes HTTP requests locally: the http-server provider's target.
  const httpComponents = [...new Set(httpTargets.map((entry) => entry.target))]
  if (httpComponents.length > 1) {
    throw unsupportedManifest(`${httpComponents.join(' and ')} ${httpComponents.length === 2 ? 'both' : 'all'} take HTTP requests (the http-server provider links to each): wasmctl up serves one component per run`, [
      `split the manifest: one with ${httpComponents[0]} and the components it links to, another with ${httpComponents[1]}, each served by its own \`wasmctl up\` (on its own --port)`,
    ])
  }
  let address: ManifestRunPlan['address']
  const addresses = [...new Set(httpTargets.flatMap((entry) => (entry.address !== undefined ? [entry.address] : [])))]
  if (addresses.length > 1) warnings.push(`the http-server links give several addresses (${addresses.join(', ')}): listening on ${addresses[0]}`)
  if (addresses.length > 0) {
    const parsed = parseListenAddress(addresses[0], httpTargets.find((entry) => entry.address === addresses[0])!.where)
    if (parsed.wildcard) notes.push(`the manifest listens on ${parsed.given}; wasmctl listens on 127.0.0.1:${parsed.port} (pass --address 0.0.0.0 to take requests from other machines)`)
    address = { host: parsed.host, port: parsed.port, given: parsed.given }
  }

  // The entry: what the http-server calls, else the one component no other component links to.
  const linkedTo = new Set(rules.map((rule) => rule.target))
  const roots = components.filter((component) => !linkedTo.has(component.name)).map((component) => component.name)
  const entry = httpComponents[0] ?? (roots.length === 1 ? roots[0] : undefined)
  if (entry !== undefined && components.length > 1) {
    const reached = new Set([entry])
    const queue = [entry]
    while (queue.length > 0) {
      const current = queue.shift()!
      for (const rule of rules) {
        if (rule.source === current && !reached.has(rule.target)) {
          reached.add(rule.target)
          queue.push(rule.target)
        }
      }
    }
    const apart = components.filter((component) => !reached.has(component.name)).map((component) => component.name)
    if (apart.length > 0) {
      throw unsupportedManifest(`${apart.join(', ')} ${apart.length === 1 ? 'is' : 'are'} not linked from ${entry}: wasmctl up serves one component that takes requests (${entry}) and the components its link traits reach`, [
        `link ${entry} (or a component it links to) to ${apart[0]} with a link trait, or serve ${apart[0]} from a manifest of its own`,
      ])
    }
  }

  const ordered = entry === undefined ? components : [byName.get(entry)!, ...components.filter((component) => component.name !== entry)]
  const sources = ordered.map((component) => ({ name: component.name, reference: componentReference(component.properties.image!, manifestDir) }))
  const grants: Record<string, MemberGrants> = {}
  for (const [name, values] of Object.entries(config)) if (name !== entry) grants[name] = { config: values }
  // A linked component makes outgoing HTTP calls only with a link to the http-client provider, as on wasmCloud.
  for (const name of httpClients) if (name !== entry) grants[name] = { ...grants[name], outgoingHttp: true }

  const imports = [...overrides.imports.values()]
  const exports = [...overrides.exports.values()]
  return {
    app,
    sources,
    ...(entry !== undefined ? { entry } : {}),
    rules,
    grants,
    config,
    ...(imports.length + exports.length > 0 ? { dev: { overrides: { imports: imports.map((item) => item.override), exports: exports.map((item) => item.override) } } } : {}),
    overrideLabels: { imports: imports.map((item) => item.label), exports: exports.map((item) => item.label) },
    ...(address ? { address } : {}),
    links,
    unsupported,
    // A provider's config is read once per link: say each problem once.
    warnings: [...new Set(warnings)],
    notes,
  }
}

/** Reads, validates (wadm's errors refuse it, as wadm would) and plans a manifest file. */
export async function readManifestRun(file: string, options: PlanOptions = {}): Promise<ManifestRunPlan & { file: string }> {
  const loaded = await readManifestFile(file)
  const report = validateLoaded(loaded)
  if (!report.valid) {
    throw new WasmctlError('APP_MANIFEST_INVALID', `${file}: ${report.errors.map((failure) => failure.msg).join('; ')}`, {
      hints: ['wadm would refuse it too; `wasmctl app validate FILE` lists every problem'],
    })
  }
  const plan = planManifestRun(loaded.manifest, path.dirname(path.resolve(file)), options)
  // wadm warns of interfaces outside the ones it knows; between components that is the point of a link.
  const [unknownInterfaces, validatorWarnings] = partition(report.warnings.map((failure) => failure.msg), (message) => message.startsWith('unrecognized interface'))
  return { ...plan, file, warnings: [...validatorWarnings, ...plan.warnings], notes: [...unknownInterfaces, ...plan.notes] }
}

function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))]
}


const ENTRY_EXPORT = [/^wasi:http\/incoming-handler@/, /^wasmcloud:messaging\/handler@/, /^wasi:cli\/run@/]

/**
 * The component that takes requests (or runs as the command), when the manifest does not say
 * (no http-server link): found from the worlds, so its config stays host-wide (--config adds to it).
 */
export function entryOf(sources: ComponentInput[]): string | undefined {
  for (const pattern of ENTRY_EXPORT) {
    const found = sources.filter((source) => componentWorld(source.bytes).exports.some((name) => pattern.test(name)))
    if (found.length > 0) return found.length === 1 ? found[0].name : undefined
  }
  return undefined
}

/**
 * Links to providers wasmctl has no stand-in for: refused when the component uses the interface
 * (it would fail at its first call), a warning otherwise (wadm manifests often link more than a
 * component needs). Returns the warnings.
 */
export function checkUnsupportedProviders(plan: Pick<ManifestRunPlan, 'unsupported'>, sources: ComponentInput[]): string[] {
  const warnings: string[] = []
  for (const link of plan.unsupported) {
    const source = sources.find((candidate) => candidate.name === link.component)
    const world = source ? componentWorld(source.bytes) : { imports: [], exports: [] }
    const names = (link.direction === 'import' ? world.imports : world.exports).map(unversioned)
    const used = link.interfaces.filter((name) => names.includes(name))
    if (used.length > 0) {
      throw new WasmctlError('CAPABILITY_PROVIDER_UNSUPPORTED', `${link.component} ${link.direction === 'import' ? 'imports' : 'exports'} ${used.join(', ')}, linked to the provider ${link.provider} (${link.image}), which wasmctl has no built-in stand-in for`, {
        hints: [`wasmctl stands in for ${SUPPORTED_PROVIDERS}`, 'link the interface to one of those in the manifest, or bind it with --link INTERFACE=TARGET'],
        details: { component: link.component, interfaces: used, image: link.image },
      })
    }
    warnings.push(`${link.component} does not use ${link.interfaces.join(', ')}: its link to ${link.provider} (${link.image}) is ignored (wasmctl has no stand-in for that provider)`)
  }
  return warnings
}

/** The `--json` event (and start-up lines) saying what the manifest runs and where its links went. */
export interface ManifestEvent {
  event: 'manifest.loaded'
  file: string
  app: string
  components: { name: string; origin: string }[]
  entry?: string
  links: ManifestLinkView[]
  /** Where the manifest's http-server link asked to listen. */
  address?: string
  /** `--verify-key`: the registry images whose cosign signature verified, with the digest that runs. */
  verified?: ManifestVerifiedImage[]
  warnings: string[]
  notes: string[]
}

export interface ManifestVerifiedImage {
  component: string
  /** As the manifest names it. */
  reference: string
  digest: string
}

export function manifestEvent(plan: ManifestRunPlan & { file: string }, sources: ComponentInput[], warnings: string[] = [], verified?: ManifestVerifiedImage[]): ManifestEvent {
  return {
    event: 'manifest.loaded',
    file: plan.file,
    app: plan.app,
    components: sources.map((source) => ({ name: source.name, origin: source.origin })),
    ...(plan.entry !== undefined ? { entry: plan.entry } : {}),
    links: plan.links,
    ...(plan.address ? { address: plan.address.given } : {}),
    ...(verified ? { verified } : {}),
    warnings: [...plan.warnings, ...warnings],
    notes: plan.notes,
  }
}

export function formatManifestEvent(event: ManifestEvent, verbose = false): { stream: 'stderr'; text: string; level?: 'info' } {
  const lines = [`Manifest ${event.app} (${event.file}): ${event.components.map((component) => component.name).join(', ')}`]
  for (const link of event.links) {
    const name = link.linkName ? ` (link ${link.linkName})` : ''
    const how =
      link.via === 'component'
        ? ''
        : link.via === 'backend'
          ? ' [built-in backend, see Capabilities]'
          : link.via === 'http-server'
            ? ' [the host\'s HTTP server]'
            : link.via === 'host'
              ? ' [the host itself]'
              : ' [no stand-in: not used]'
    lines.push(`  ${link.from} -> ${link.to}: ${link.interfaces.join(', ')}${name}${how}`)
  }
  if (event.verified) {
    const checked = new Set(event.verified.map((image) => image.component))
    const local = event.components.filter((component) => !checked.has(component.name)).map((component) => component.name)
    lines.push(`Cosign signatures verified: ${event.verified.map((image) => `${image.component} (${image.reference.includes('@') ? image.reference : `${image.reference}@${image.digest}`})`).join(', ')}`)
    if (local.length > 0) lines.push(`  local files, not checked: ${local.join(', ')}`)
  }
  lines.push(...event.warnings.map((warning) => `warning: ${warning}`))
  if (verbose) lines.push(...event.notes.map((note) => `note: ${note}`))
  return { stream: 'stderr', text: lines.join('\n') }
}

/**
 * The capability bindings of a manifest run are `[dev]` overrides underneath: name them as the
 * manifest's (source `manifest`, and the link instead of `[[dev.overrides.imports]] #N`).
 */
export function relabelBindings(plan: Pick<ManifestRunPlan, 'overrideLabels'>, bindings: BindingDescription[], warnings: string[]): { bindings: BindingDescription[]; warnings: string[] } {
  return {
    bindings: bindings.map((binding) => (binding.source === 'wasmcloud.toml' ? { ...binding, source: 'manifest' as BindingDescription['source'] } : binding)),
    warnings: warnings.map((warning) =>
      warning
        .replace(/\[\[dev\.overrides\.(imports|exports)\]\] #(\d+)/g, (whole, direction: 'imports' | 'exports', index: string) => plan.overrideLabels[direction][Number(index) - 1] ?? whole)
        .replace(/\(wasmcloud\.toml\)/g, '(manifest)'),
    ),
  }
}

/**
 * wash's `[[dev.manifests]]` target (DevManifestComponentTarget): which of a manifest's components
 * the dev build stands in for. wash replaces a component whose name equals `component_name`, or
 * whose `properties.id` equals `component_id`, or whose `properties.image` equals `component_ref`
 * (exact comparisons, any one of them).
 */
export interface ManifestComponentMatch {
  componentName?: string
  componentId?: string
  componentRef?: string
}

/** How the target reads in messages (`component_name = "api"`). */
export function describeComponentMatch(match: ManifestComponentMatch): string {
  const parts = [
    match.componentName !== undefined ? `component_name = "${match.componentName}"` : undefined,
    match.componentId !== undefined ? `component_id = "${match.componentId}"` : undefined,
    match.componentRef !== undefined ? `component_ref = "${match.componentRef}"` : undefined,
  ].filter((part) => part !== undefined)
  return parts.length > 0 ? parts.join(', ') : 'no component_name, component_id or component_ref'
}

/** The manifest's components wash's rule matches, in manifest order. */
export function matchManifestComponents(manifest: Manifest, match: ManifestComponentMatch): Component[] {
  return manifest.spec.components.filter(
    (component) =>
      (match.componentName !== undefined && component.name === match.componentName) ||
      (match.componentId !== undefined && component.properties.id != null && component.properties.id === match.componentId) ||
      (match.componentRef !== undefined && component.properties.image != null && component.properties.image === match.componentRef),
  )
}

/**
 * The one component a dev build replaces. Refused: none (the error names the components the
 * manifest has), a capability provider (the embedded host runs components only), and several
 * (wash would put the build in each; one build is one member of the chain here).
 */
export function findReplacedComponent(manifest: Manifest, match: ManifestComponentMatch, where: string): Component {
  const found = matchManifestComponents(manifest, match)
  const names = manifest.spec.components.map((component) => `${component.name}${component.type === 'capability' ? ' (provider)' : ''}`)
  if (found.length === 0) {
    throw new WasmctlError('APP_MANIFEST_INVALID', `${where} has no component matching ${describeComponentMatch(match)}: its components are ${names.join(', ') || 'none'}`, {
      hints: ['set component_name in the [[dev.manifests]] entry of wasmcloud.toml to the manifest component the project builds'],
      details: { components: manifest.spec.components.map((component) => component.name) },
    })
  }
  if (found.length > 1) {
    throw new WasmctlError('APP_MANIFEST_UNSUPPORTED', `${where}: ${found.map((component) => component.name).join(', ')} all match ${describeComponentMatch(match)}; the dev build can stand in for one of them`, {
      hints: ['name the one the project builds with component_name in the [[dev.manifests]] entry'],
    })
  }
  if (found[0].type === 'capability') {
    throw new WasmctlError('APP_MANIFEST_UNSUPPORTED', `${where}: ${found[0].name} is a capability provider; wasmctl dev builds and serves components`, {
      hints: ['point the [[dev.manifests]] entry at the component the project builds (component_name)'],
    })
  }
  return found[0]
}

/**
 * `planManifestRun` for `wasmctl dev` with wash's `[[dev.manifests]]`: the manifest is validated
 * as `readManifestRun` does, then the matched component's image becomes `replacement` (the dev
 * build, an absolute file), as wash dev puts its build in the user's manifest before deploying it.
 * `replaced` is that component's name in the manifest.
 */
export function planManifestRunReplacing(loaded: LoadedManifest, file: string, match: ManifestComponentMatch, replacement: string, options: PlanOptions = {}): ManifestRunPlan & { file: string; replaced: string } {
  const report = validateLoaded(loaded)
  if (!report.valid) {
    throw new WasmctlError('APP_MANIFEST_INVALID', `${file}: ${report.errors.map((failure) => failure.msg).join('; ')}`, {
      hints: ['wadm would refuse it too; `wasmctl app validate FILE` lists every problem'],
    })
  }
  const target = findReplacedComponent(loaded.manifest, match, file)
  const manifest: Manifest = {
    ...loaded.manifest,
    spec: {
      ...loaded.manifest.spec,
      components: loaded.manifest.spec.components.map((component) =>
        component === target ? { ...component, properties: { ...component.properties, image: pathToFileURL(replacement).href, application: null } } : component,
      ),
    },
  }
  const plan = planManifestRun(manifest, path.dirname(path.resolve(file)), options)
  const [unknownInterfaces, validatorWarnings] = partition(report.warnings.map((failure) => failure.msg), (message) => message.startsWith('unrecognized interface'))
  return { ...plan, file, replaced: target.name, warnings: [...validatorWarnings, ...plan.warnings], notes: [...unknownInterfaces, ...plan.notes] }
}
