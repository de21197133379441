import {
  assertAllBound,
  type KeyValueBackend,
  openKeyValueBackend,
  type Binding,
  describeBinding,
  openCapabilities,
  type OpenCapabilities,
  resolveBindings,
  type ResolvedBindings,
  type SecretSpec,
} from '../capabilities/index.js'

/**
 * Where a host's capability bindings come from: the project's raw `[dev]` table (wash's
 * `link_config`, `[[dev.overrides.imports]]`/`exports`) and the command line. The component's
 * world supplies the rest at load time.
 */
export interface CapabilitySources {
  dev?: unknown
  links: string[]
  linkConfigs: string[]
  secrets: SecretSpec[]
  /** The project (or working) folder: relative blobstore roots and secret files are taken from it. */
  baseDir?: string
}

export type BindingDescription = ReturnType<typeof describeBinding>

/** What the component's world needs and how it is bound, without connecting anything (inspect, start-up). */
export function bindComponent(world: { imports: string[]; exports: string[] }, sources: CapabilitySources, env: Record<string, string | undefined> = process.env): ResolvedBindings {
  return resolveBindings({ imports: world.imports, exports: world.exports, dev: sources.dev, links: sources.links, linkConfigs: sources.linkConfigs, env })
}

/** Same bindings (backend, link name and link config), so an open connection can be kept across a hot swap. */
export function bindingKey(resolved: ResolvedBindings, secrets: SecretSpec[]): string {
  const key = (binding: Binding) => [binding.capability, binding.backend, binding.linkName, Object.entries(binding.linkConfig).sort()]
  return JSON.stringify([resolved.bindings.map(key).sort(), secrets.map((spec) => [spec.name, spec.source])])
}

/**
 * The embedded key-value store of one host, opened once and shared by every binding set it serves:
 * two instances on the same file would overwrite each other's writes when a dev reload changes
 * the bindings.
 */
export class EmbeddedKeyValue {
  private opened?: Promise<KeyValueBackend>

  constructor(
    private readonly file: string | undefined,
    private readonly onError?: (error: Error) => void,
  ) {}

  get(): Promise<KeyValueBackend> {
    this.opened ??= openKeyValueBackend({ backend: 'embedded', linkConfig: {} }, { embeddedFile: this.file, onError: this.onError })
    return this.opened
  }

  /** Flushes the file. */
  async close(): Promise<void> {
    const opened = this.opened
    this.opened = undefined
    if (opened) await (await opened).close()
  }
}

export interface BoundCapabilities {
  key: string
  resolved: ResolvedBindings
  opened: OpenCapabilities
}

/**
 * Resolves, checks (CAPABILITY_UNBOUND lists what is missing) and connects the component's
 * capabilities: a backend that cannot be reached is CAPABILITY_BACKEND_UNREACHABLE, naming it.
 */
export async function openComponentCapabilities(
  world: { imports: string[]; exports: string[] },
  sources: CapabilitySources,
  options: { embedded: EmbeddedKeyValue; env?: Record<string, string | undefined> },
): Promise<BoundCapabilities> {
  const env = options.env ?? process.env
  const resolved = bindComponent(world, sources, env)
  assertAllBound(resolved)
  const keyvalue = resolved.bindings.filter((binding) => binding.capability === 'keyvalue')
  // The usual case, one key-value link on the embedded store: the host's shared instance serves it.
  const shared = keyvalue.length === 1 && keyvalue[0].backend === 'embedded'
  const toOpen = shared ? { ...resolved, bindings: resolved.bindings.filter((binding) => binding !== keyvalue[0]) } : resolved
  const opened = await openCapabilities(toOpen, { onError: undefined, baseDir: sources.baseDir, secrets: sources.secrets, env })
  if (shared) {
    try {
      opened.keyvalue = await options.embedded.get()
    } catch (error) {
      await opened.close()
      throw error
    }
    opened.describe = () => resolved.bindings.map(describeBinding)
  }
  return { key: bindingKey(resolved, sources.secrets), resolved, opened }
}

/**
 * For `inspect --wit`: the backend each capability import (and a messaging handler export) would
 * be bound to by the project's `[dev]` settings (or the defaults), and what nothing binds.
 * Nothing is connected; credentials are masked.
 */
export function previewBindings(
  world: { imports: string[]; exports: string[] },
  dev: unknown,
  env: Record<string, string | undefined> = process.env,
): { bindings: BindingDescription[]; unbound: { interfaces: string[]; hints: string[] }[]; idle: { interfaces: string[]; hints: string[] }[]; warnings: string[] } {
  const resolved = bindComponent(world, { dev, links: [], linkConfigs: [], secrets: [] }, env)
  const strip = ({ interfaces, hints }: { interfaces: string[]; hints: string[] }) => ({ interfaces, hints })
  return { bindings: resolved.bindings.map(describeBinding), unbound: resolved.missing.map(strip), idle: resolved.idle.map(strip), warnings: resolved.warnings }
}

/** One line per binding, for people. */
export function formatBindings(preview: ReturnType<typeof previewBindings>): string {
  const lines = preview.bindings.map((binding) => `  ${binding.interfaces.join(', ')} -> ${binding.backend}${binding.address ? ` at ${binding.address}` : ''}${binding.linkName === 'default' ? '' : ` (link ${binding.linkName})`} (${binding.source})`)
  for (const entry of preview.unbound) lines.push(`  ${entry.interfaces.join(', ')} -> nothing (the host would refuse it): ${entry.hints[0]}`)
  for (const entry of preview.idle) lines.push(`  ${entry.interfaces.join(', ')} -> no subscriptions (messages would not reach it): ${entry.hints[0]}`)
  for (const warning of preview.warnings) lines.push(`  warning: ${warning}`)
  return lines.length === 0 ? '' : ['Capabilities (as `wasmctl up` here would bind them):', ...lines].join('\n')
}
