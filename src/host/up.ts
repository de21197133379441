import { WasmctlError } from '../errors.js'
import type { Project } from '../project/index.js'
import { runCommandComponent } from './command.js'
import { EmbeddedKeyValue, openComponentCapabilities } from './bind.js'
import type { HostEvent } from './events.js'
import { loadComponent, type LoadedComponent } from './load.js'
import { loadLinkedComponents, parseLinkNames, projectComponentLinks } from './link.js'
import { checkUnsupportedProviders, entryOf, isManifestArgument, type ManifestEvent, manifestEvent, readManifestRun, relabelBindings } from './manifest-run.js'
import { stopTranspiler } from './transpile.js'
import { createHost } from './server.js'
import { type HostFlags, type ResolvedHostOptions, resolveHostOptions } from './settings.js'
import { resolveComponentSource, type ResolveSourceOptions } from './source.js'

/**
 * `wasmctl up`: loads the component (file, reference or project build output) under the trust
 * policy, then serves it until the signal fires (HTTP components) or runs it once (commands).
 */
export interface RunUpOptions {
  /** The file or reference (or a wadm manifest: .yaml, .yml, .json); undefined: the project build output. */
  input?: string
  /** More components linked to the first (files or references): their exports satisfy its imports. */
  linked?: string[]
  /** `--link-name INTERFACE=COMPONENT`: which component's export satisfies INTERFACE when several offer it. */
  linkNames?: string[]
  /** Arguments for a command component. */
  args: string[]
  project?: Project
  flags: HostFlags
  pull?: ResolveSourceOptions['pull']
  /** Where a command's stdout goes: 1, or 2 when stdout carries JSON. */
  stdoutFd: 1 | 2
  signal: AbortSignal
  /** Host events, and `manifest.loaded` first when the input is a manifest. */
  onEvent(event: HostEvent | ManifestEvent): void
}

/** Resolves when the host has closed (after the signal) or the command has exited. */
export async function runUp(options: RunUpOptions): Promise<{ exitCode: number }> {
  const resolved = resolveHostOptions(options.project, options.flags)
  if (isManifestArgument(options.input)) {
    const { settings, component, onEvent } = await loadManifest(options.input, options, resolved)
    return serve(component, settings, { ...options, onEvent })
  }
  // Components named on the command line replace those the project links in ([[dev.overrides.imports]] with a .wasm image_ref).
  const fromProject = options.project && !options.linked?.length ? projectComponentLinks(options.project.raw.dev, options.project.dir) : undefined
  const settings = fromProject ? { ...resolved, capabilities: { ...resolved.capabilities, dev: fromProject.dev } } : resolved
  const resolve = (input: string | undefined) => resolveComponentSource(input, { project: options.project, pull: { cacheRoot: settings.cacheRoot, ...options.pull } })
  const source = await resolve(options.input)
  const linked = options.linked?.length ? options.linked : (fromProject?.files ?? [])
  const picks = { ...fromProject?.picks, ...parseLinkNames(options.linkNames ?? []) }
  const component =
    linked.length === 0
      ? await loadComponent(source, { cacheRoot: settings.cacheRoot, trust: settings.trust ?? {} })
      : await loadLinkedComponents([source, ...(await Promise.all(linked.map(resolve)))], { cacheRoot: settings.cacheRoot, trust: settings.trust ?? {}, picks, rules: fromProject?.rules })
  return serve(component, settings, options)
}

async function serve(component: LoadedComponent, settings: ResolvedHostOptions, options: RunUpOptions): Promise<{ exitCode: number }> {
  // Nothing else will be transpiled: free jco's transpiler (~100 MiB) instead of keeping it warm.
  await stopTranspiler()
  if (component.kind === 'command') {
    const { exitCode } = await runCommandComponent(component, { ...settings, args: options.args, stdoutFd: options.stdoutFd, signal: options.signal })
    options.onEvent({ event: 'command.exit', component: component.name, exitCode })
    return { exitCode }
  }
  // Before listening: an unreachable backend or an unbound import stops start-up with its fix.
  const embeddedKeyValue = new EmbeddedKeyValue(settings.keyvalueFile, (error) => options.onEvent({ event: 'error', message: `key-value: ${error.message}` }))
  const bound = await openComponentCapabilities(component, settings.capabilities, { embedded: embeddedKeyValue })
  let host
  try {
    host = await createHost({ ...settings, bound, embeddedKeyValue, onEvent: options.onEvent })
  } catch (error) {
    await bound.opened.close()
    await embeddedKeyValue.close()
    throw error
  }
  try {
    await host.load(component)
    if (!options.signal.aborted) await new Promise((resolve) => options.signal.addEventListener('abort', resolve, { once: true }))
  } finally {
    await host.close()
  }
  return { exitCode: 0 }
}

/**
 * `up app.yaml`: the manifest's components linked by its link traits, its provider links as the
 * capability bindings (replacing the project's), its http-server address as the listen address
 * unless --address/--port say otherwise, and each component's config as its wasi:config
 * (`--config` adds to the entry's).
 */
async function loadManifest(file: string, options: RunUpOptions, resolved: ResolvedHostOptions) {
  if (options.linked?.length) {
    throw new WasmctlError('INPUT_INVALID', `${file} is a manifest: its components are the ones it names, not ${options.linked.join(', ')}`, {
      hints: ['add them to the manifest with link traits, or run components without a manifest: `wasmctl up a.wasm b.wasm`'],
    })
  }
  const plan = await readManifestRun(file, { secretNames: resolved.capabilities.secrets.map((spec) => spec.name) })
  const pull = { cacheRoot: resolved.cacheRoot, ...options.pull }
  const sources = await Promise.all(
    plan.sources.map(async (entry) => ({ ...(await resolveComponentSource(entry.reference, { project: options.project, pull })), name: entry.name })),
  )
  const warnings = checkUnsupportedProviders(plan, sources)
  options.onEvent(manifestEvent(plan, sources, warnings))
  const trust = resolved.trust ?? {}
  // The entry's config is the host's (with --config on top), not a grant that would replace it.
  const entry = plan.entry ?? entryOf(sources)
  const grants = Object.fromEntries(Object.entries(plan.grants).filter(([name]) => name !== entry))
  const component =
    sources.length === 1
      ? await loadComponent(sources[0], { cacheRoot: resolved.cacheRoot, trust })
      : await loadLinkedComponents(sources, { cacheRoot: resolved.cacheRoot, trust, picks: parseLinkNames(options.linkNames ?? []), rules: plan.rules, grants })
  const settings: ResolvedHostOptions = {
    ...resolved,
    address: options.flags.address ?? plan.address?.host ?? resolved.address,
    port: options.flags.port ?? plan.address?.port ?? resolved.port,
    // The manifest's config for the entry, under [dev] config and --config.
    config: { ...plan.config[component.name], ...resolved.config },
    capabilities: { ...resolved.capabilities, dev: plan.dev },
  }
  const onEvent = (event: HostEvent | ManifestEvent) => options.onEvent(event.event === 'capabilities.bound' ? { ...event, ...relabelBindings(plan, event.bindings, event.warnings) } : event)
  return { settings, component, onEvent }
}
