import { existsSync, rmSync } from 'node:fs'
import path from 'node:path'

import { isWasmctlError, WasmctlError } from '../errors.js'
import { sha256Hex } from '../input.js'
import type { HostEvent, HostFlags, ResolvedHostOptions } from '../host/index.js'
import type { LinkRule, MemberGrants } from '../host/link.js'
import type { ComponentInput } from '../host/load.js'
import { checkUnsupportedProviders, entryOf, type ManifestRunPlan, type ManifestSourceRef, relabelBindings } from '../host/manifest-run.js'
import type { Project } from '../project/index.js'
import { componentWorld } from '../wasm/world.js'
import type { DevHostFactory, DevHostOptions } from './host-controller.js'
import { devLinks, type DevLinkedComponent } from './links.js'
import { type DevManifestTarget, type DevManifestView, devManifestTarget, mergeCapabilityOverrides, mergeProjectLinks, readDevManifest } from './manifests.js'

/**
 * The dev loop's host is the embedded host `wasmctl up` runs, with the same settings (`[dev]` in
 * wasmcloud.toml, then the host flags), reloaded with the project. Its capability backends
 * (embedded key-value store, Redis, NATS) belong to the host, not to a component version: opened
 * at the first load and kept while later versions bind the same way, so state survives every swap.
 *
 * Each build after the first reuses the previous build's transpiled glue when only code changed
 * (glue-reuse.ts). The transpile cache entries a session makes for builds it has replaced are
 * removed as it goes and when it ends: a dev session would otherwise leave 13 MB per save in the
 * user's cache.
 *
 * Components the project links in (`[[dev.overrides.imports]]` naming a .wasm file, as `up` reads
 * them) are read and loaded with every version, so each build, and each change of a linked file,
 * swaps the whole chain at once; a linked file that cannot be loaded fails that load only. The
 * cache entries made for linked files the session has since replaced go the same way as the
 * project's (another project's `wasmctl build` per save would otherwise add 13 MB each time).
 *
 * With wash's `[[dev.manifests]]` (manifests.ts), every version is the manifest as `up app.yaml`
 * serves it, read again for each load, with the build in place of the component the entry names:
 * the manifest's other components linked by its link traits, its provider links as the capability
 * bindings, its components' config. The project's own links and provider overrides still apply
 * where the manifest binds nothing of the same interface. The build need not be the component
 * that takes requests; glue reuse applies only when it is.
 */
export async function embeddedHostFactory(flags: HostFlags = {}): Promise<DevHostFactory> {
  const { createHost, resolveHostOptions, readComponentFile } = await import('../host/index.js')
  const { loadLinkedComponents } = await import('../host/link.js')
  const { readLinkedComponent } = await import('./links.js')
  const { GlueReuse } = await import('./glue-reuse.js')
  return async (startProject, options) => {
    // The capability bindings see only the entries that name providers, as under `up`.
    const settingsOf = (project: Project): ResolvedHostOptions => {
      const resolved = resolveHostOptions(project, { ...flags, port: options.port ?? flags.port, address: options.address ?? flags.address }, project.dir)
      return { ...resolved, capabilities: { ...resolved.capabilities, dev: devLinks(project).dev } }
    }
    let project = startProject
    let settings = settingsOf(project)
    /** The manifest version being loaded: its capability bindings are named as the manifest's. */
    let labels: Pick<ManifestRunPlan, 'overrideLabels'> | undefined
    const host = await createHost({ ...settings, onEvent: (event) => forward(relabel(event, labels), options) })
    const glue = new GlueReuse()
    /** Cache entries this session wrote, oldest first; the newest two (serving, draining) are kept. */
    const written: string[] = []
    let serving: string | undefined
    /** The same for linked components: entries this session wrote, and those of the chains serving and draining. */
    const linkedWritten = new Set<string>()
    let linkedServing: string[] = []
    let linkedDraining: string[] = []
    /** Manifest warnings already said (each once per session, not once per build). */
    const warned = new Set<string>()
    const warn = (messages: string[]) => {
      for (const message of messages) {
        if (warned.has(message)) continue
        warned.add(message)
        options.onLog?.('warn', message, 'manifest')
      }
    }
    return {
      url: host.url,
      async load(artifact, changed) {
        const versionProject = changed ?? project
        const source = readComponentFile(artifact)
        // Changed host settings go with this version into the same host (same listener).
        const versionSettings = changed ? settingsOf(changed) : undefined
        const base = versionSettings ?? settings
        const target = devManifestTarget(versionProject)
        const version = target ? await manifestVersion(versionProject, target, source, artifact, base) : linkedVersion(versionProject, source, versionSettings)
        warn(version.warnings)
        // Entries not in the transpile cache yet are this session's to remove once replaced (known once one version served).
        const cacheDir = serving === undefined ? undefined : path.dirname(serving)
        const fresh = cacheDir === undefined ? [] : version.members.map((hex) => path.join(cacheDir, hex)).filter((dir) => !existsSync(dir))
        // Glue reuse and the project's own cache entries follow the entry; a build linked in by a manifest is a member like the others.
        const reused = version.projectIsEntry ? glue.prepare(source.bytes) : undefined
        const loadVersion = async () => {
          labels = version.labels
          if (version.sources.length === 1) return host.load(version.sources[0], version.settings)
          const { cacheRoot, trust } = base
          const chain = await loadLinkedComponents(version.sources, { cacheRoot, trust: trust ?? {}, picks: version.picks, rules: version.rules, grants: version.grants })
          return host.load(chain, version.settings)
        }
        let loaded
        try {
          loaded = await loadVersion()
        } catch (error) {
          if (!reused || !isWasmctlError(error) || error.code !== 'HOST_LOAD_FAILED') throw error
          // The reused glue did not fit after all: transpile properly.
          rmSync(reused.dir, { recursive: true, force: true })
          loaded = await loadVersion()
        }
        project = versionProject
        if (versionSettings) settings = versionSettings
        serving = loaded.transpiled.dir
        if (version.projectIsEntry) {
          glue.served(source.bytes, loaded.transpiled)
          if (loaded.transpiled.transpiled || reused?.dir === loaded.transpiled.dir) written.push(loaded.transpiled.dir)
          while (written.length > 2) rmSync(written.shift()!, { recursive: true, force: true })
        }
        const chainDirs = (loaded.chain ?? []).map((member) => path.dirname(member.gluePath)).filter((dir) => !version.projectIsEntry || dir !== loaded.transpiled.dir)
        for (const dir of fresh) if (chainDirs.includes(dir)) linkedWritten.add(dir)
        linkedDraining = linkedServing
        linkedServing = chainDirs
        for (const dir of linkedWritten) {
          if (linkedServing.includes(dir) || linkedDraining.includes(dir)) continue
          rmSync(dir, { recursive: true, force: true })
          linkedWritten.delete(dir)
        }
        const result = { ...(version.linked.length > 0 ? { linked: version.linked } : {}), ...(version.manifest ? { manifest: version.manifest } : {}) }
        return Object.keys(result).length > 0 ? result : undefined
      },
      async close() {
        await host.close()
        // The last build's entry stays: the next `wasmctl dev` on an unchanged project starts from it.
        for (const dir of written) if (dir !== serving) rmSync(dir, { recursive: true, force: true })
        for (const dir of linkedWritten) if (!linkedServing.includes(dir)) rmSync(dir, { recursive: true, force: true })
      },
    }

    /** Without a manifest: the build, and the components the project links in. */
    function linkedVersion(versionProject: Project, source: ComponentInput, versionSettings: ResolvedHostOptions | undefined): DevVersion {
      const links = devLinks(versionProject)
      const linked = links.components.map((link) => {
        const file = readLinkedComponent(link, versionProject)
        return { link, source: file, hex: sha256Hex(file.bytes) }
      })
      return {
        sources: [source, ...linked.map((entry) => entry.source)],
        ...(linked.length > 0 ? { picks: links.picks, rules: links.rules } : {}),
        settings: versionSettings,
        members: linked.map((entry) => entry.hex),
        projectIsEntry: true,
        linked: linked.map(({ link, hex }) => ({ ...link, digest: `sha256:${hex}` })),
        warnings: [],
      }
    }

    /**
     * With `[[dev.manifests]]`: the manifest as `up app.yaml` serves it, with this build in place
     * of the component the entry names (under that component's name). Read again for every
     * version, so an edit of it (or of a file it names) takes effect with the next load.
     */
    async function manifestVersion(versionProject: Project, target: DevManifestTarget, source: ComponentInput, artifact: string, base: ResolvedHostOptions): Promise<DevVersion> {
      const { plan } = readDevManifest(versionProject, target, path.resolve(artifact), base.capabilities.secrets.map((spec) => spec.name))
      const pull = { cacheRoot: base.cacheRoot }
      const fromManifest = await Promise.all(
        plan.sources.map(async (entry) => (entry.name === plan.replaced ? { ...source, name: entry.name } : { ...(await readManifestComponent(entry, plan.file, versionProject, pull)), name: entry.name })),
      )
      // The project's own component links, where the manifest does not link the same interface.
      const links = devLinks(versionProject)
      const merged = mergeProjectLinks(plan, links)
      const linkedInputs = merged.components.map((link) => ({ link, source: readLinkedComponent(link, versionProject) }))
      const sources = [...fromManifest, ...linkedInputs.map((entry) => entry.source)]
      const capabilities = mergeCapabilityOverrides(plan, links.dev, plan.file)
      const warnings = [...target.warnings, ...plan.warnings, ...checkUnsupportedProviders(plan, sources), ...merged.warnings, ...capabilities.warnings]
      const entry = plan.entry ?? entryOf(sources)
      const projectIsEntry = entry === plan.replaced
      // wasi:config: each component its manifest config; the project's ([dev] config, --config) on top for the build, as wash dev adds it to the component it replaces.
      const grants = Object.fromEntries(Object.entries(plan.grants).filter(([name]) => name !== entry))
      if (!projectIsEntry && Object.keys(base.config ?? {}).length > 0) grants[plan.replaced] = { ...grants[plan.replaced], config: { ...plan.config[plan.replaced], ...base.config } }
      const entryConfig = projectIsEntry ? { ...plan.config[plan.replaced], ...base.config } : { ...(entry !== undefined ? plan.config[entry] : {}) }
      const hexes = new Map(sources.map((input) => [input.name, sha256Hex(input.bytes)]))
      return {
        sources,
        picks: merged.picks,
        rules: [...plan.rules, ...merged.rules],
        grants,
        settings: { ...base, config: entryConfig, capabilities: { ...base.capabilities, dev: capabilities.dev } },
        labels: { overrideLabels: capabilities.overrideLabels },
        members: sources.filter((input) => input !== fromManifest.find((member) => member.name === plan.replaced) || !projectIsEntry).map((input) => hexes.get(input.name)!),
        projectIsEntry,
        linked: linkedInputs.map(({ link, source: input }) => ({ ...link, digest: `sha256:${hexes.get(input.name)}` })),
        manifest: {
          file: plan.file,
          app: plan.app,
          component: plan.replaced,
          ...(entry !== undefined ? { entry } : {}),
          components: fromManifest.map((input) => ({ name: input.name, origin: input.name === plan.replaced ? path.resolve(artifact) : input.origin, digest: `sha256:${hexes.get(input.name)}` })),
          links: plan.links,
          ...(plan.address ? { address: plan.address.given } : {}),
        },
        warnings,
      }
    }
  }
}

/** One version to load: what `load` hands to the host, and what it reports. */
interface DevVersion {
  sources: ComponentInput[]
  picks?: Record<string, string>
  rules?: LinkRule[]
  grants?: Record<string, MemberGrants>
  /** The version's settings; undefined: the host's as they are. */
  settings?: ResolvedHostOptions
  labels?: Pick<ManifestRunPlan, 'overrideLabels'>
  /** sha256 hex of every component but the build when it is the entry (their transpile cache entries). */
  members: string[]
  /** The build is the component that takes requests (glue reuse and its cache entries follow it). */
  projectIsEntry: boolean
  linked: (DevLinkedComponent & { digest: string })[]
  manifest?: DevManifestView
  warnings: string[]
}

/**
 * A component the manifest names (a `file://` file, or an OCI reference pulled through the cache),
 * with an error that names the manifest when it cannot be read.
 */
async function readManifestComponent(entry: ManifestSourceRef, manifestFile: string, project: Project, pull: { cacheRoot: string }): Promise<ComponentInput> {
  const { resolveComponentSource } = await import('../host/source.js')
  try {
    const input = await resolveComponentSource(entry.reference, { project, pull })
    componentWorld(input.bytes)
    return input
  } catch (error) {
    throw new WasmctlError('HOST_LINK_INVALID', `component ${entry.name} of ${manifestFile} (${entry.reference}): ${(error as Error)?.message ?? String(error)}`, {
      cause: error,
      hints: [`build or fetch ${entry.reference} (dev reloads when a file:// component changes), or fix its image in ${path.basename(manifestFile)}`],
    })
  }
}

/** Capability bindings of a manifest version are named as the manifest's links (relabelBindings). */
function relabel(event: HostEvent, labels: Pick<ManifestRunPlan, 'overrideLabels'> | undefined): HostEvent {
  if (!labels || event.event !== 'capabilities.bound') return event
  return { ...event, ...relabelBindings(labels, event.bindings, event.warnings) }
}

const LEVELS: Record<string, 'debug' | 'info' | 'warn' | 'error'> = {
  trace: 'debug',
  debug: 'debug',
  info: 'info',
  stdout: 'info',
  stderr: 'info',
  warn: 'warn',
  error: 'error',
  critical: 'error',
}

function forward(event: HostEvent, options: DevHostOptions): void {
  switch (event.event) {
    case 'request':
      return options.onRequest?.({ method: event.method, path: event.path, status: event.status, durationMs: Math.round(event.durationMs) })
    case 'log':
      return options.onLog?.(LEVELS[event.level] ?? 'info', event.context ? `${event.context}: ${event.message}` : event.message, event.component)
    case 'error':
      return options.onLog?.('error', event.method ? `${event.method} ${event.path}: ${event.message}` : event.message, event.component ?? 'host')
    case 'capabilities.bound':
      // Credentials are already masked (describeBinding); one line per binding.
      for (const binding of event.bindings) options.onLog?.('info', `${binding.interfaces.join(', ')} -> ${binding.backend}${binding.address ? ` at ${binding.address}` : ''} (${binding.source})`, 'host')
      for (const warning of event.warnings) options.onLog?.('warn', warning, 'host')
      return undefined
    case 'component.loaded':
      return options.onLog?.('debug', `loaded ${event.digest.slice(0, 19)} in ${event.loadMs} ms (${event.transpiled ? 'transpiled' : 'transpile cached'}, ${event.workers} workers${event.snapshot ? ', snapshots' : ''})`, 'host')
    default:
      return undefined
  }
}
