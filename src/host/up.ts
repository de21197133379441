import { WasmctlError } from '../errors.js'
import type { Project } from '../project/index.js'
import { runCommandComponent } from './command.js'
import { EmbeddedKeyValue, openComponentCapabilities } from './bind.js'
import type { HostEvent } from './events.js'
import { loadComponent, type LoadedComponent } from './load.js'
import { loadLinkedComponents, parseLinkNames, projectComponentLinks } from './link.js'
import { checkUnsupportedProviders, entryOf, isManifestArgument, type ManifestEvent, manifestEvent, type ManifestRunPlan, readManifestRun, relabelBindings } from './manifest-run.js'
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
  /** `--link-component INTERFACE=COMPONENT`: which component's export satisfies INTERFACE when several offer it. */
  linkNames?: string[]
  /** Arguments for a command component. */
  args: string[]
  project?: Project
  flags: HostFlags
  pull?: ResolveSourceOptions['pull']
  /** Where a command's stdout goes: 1, or 2 when stdout carries JSON. */
  stdoutFd: 1 | 2
  signal: AbortSignal
  /**
   * `--verify-key`: the cosign public key (cosign.pub) every registry image (named on the command
   * line or in the manifest) must verify with before anything is pulled; the verified digests are
   * what run. Local files are not checked; when nothing is a registry image, a usage error.
   */
  verifyKey?: string
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
  const linked = options.linked?.length ? options.linked : (fromProject?.files ?? [])
  const picks = { ...fromProject?.picks, ...parseLinkNames(options.linkNames ?? []) }
  if (options.linkNames?.length && linked.length === 0) {
    throw new WasmctlError('INPUT_INVALID', '--link-component picks among linked components, and none are linked', {
      hints: ['name the components to link after the first: `wasmctl up app.wasm callee.wasm --link-component INTERFACE=callee`'],
    })
  }
  // --verify-key: every reference named on the command line, linked ones included, runs from its verified digest.
  const pinned = options.verifyKey === undefined ? new Map<string, string>() : await verifyNamedImages([options.input, ...(options.linked ?? [])], options.verifyKey, options.pull)
  const resolve = (input: string | undefined) =>
    resolveComponentSource(input === undefined ? input : (pinned.get(input) ?? input), { project: options.project, pull: { cacheRoot: settings.cacheRoot, ...options.pull } })
  const source = await resolve(options.input)
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
  if (options.args.length > 0) {
    throw new WasmctlError('INPUT_INVALID', `${component.name} serves requests; the arguments after \`--\` (${options.args.join(' ')}) reach only a wasi:cli command component`, {
      hints: ['put flags for wasmctl before `--`: `wasmctl up app.wasm --port 0`'],
    })
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
  const verified = options.verifyKey === undefined ? undefined : await verifyManifestImages(plan, options.verifyKey, options.pull)
  // Each verified component runs from its verified digest: a tag moved since the check is never read again.
  const pinned = new Map(verified?.map((image) => [image.component, image.verifiedReference]))
  const pull = { cacheRoot: resolved.cacheRoot, ...options.pull }
  const sources = await Promise.all(
    plan.sources.map(async (entry) => ({ ...(await resolveComponentSource(pinned.get(entry.name) ?? entry.reference, { project: options.project, pull })), name: entry.name })),
  )
  const warnings = checkUnsupportedProviders(plan, sources)
  options.onEvent(manifestEvent(plan, sources, warnings, verified?.map(({ component, reference, digest }) => ({ component, reference, digest }))))
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

/**
 * `up app.yaml --verify-key`: the manifest's registry images (its components; providers never run
 * here) must carry a cosign signature that verifies with the key. Local files are the user's own
 * and are not checked; a manifest of local files only is refused, as `cosign verify` refuses what
 * it cannot verify: the flag would otherwise promise a check that never happened.
 */
async function verifyManifestImages(plan: ManifestRunPlan & { file: string }, keyFile: string, access: RunUpOptions['pull']) {
  const { isRegistryImage, requireVerifiedImages } = await import('../cosign/gate.js')
  const images = plan.sources.filter((entry) => isRegistryImage(entry.reference)).map((entry) => ({ component: entry.name, reference: entry.reference }))
  if (images.length === 0) {
    throw new WasmctlError('USAGE', `--verify-key checks signatures in a registry, and every component of ${plan.file} is a local file (${plan.sources.map((entry) => entry.name).join(', ')}): nothing would be verified`, {
      hints: ['leave out --verify-key to run local files, or name the signed images in the manifest (properties.image: registry/repository:tag)'],
    })
  }
  return requireVerifiedImages(images, { ...access, keyFile })
}

/** `up REF [MORE…] --verify-key`: each reference verified, as its verified digest reference. */
async function verifyNamedImages(given: (string | undefined)[], keyFile: string, access: RunUpOptions['pull']): Promise<Map<string, string>> {
  const { isRegistryImage, requireVerifiedImages } = await import('../cosign/gate.js')
  const references = [...new Set(given.filter((input): input is string => input !== undefined && isRegistryImage(input)))]
  if (references.length === 0) {
    const named = given.filter((input) => input !== undefined)
    const what = named.length === 0 ? 'the project build output is a local file' : named.length === 1 ? `"${named[0]}" is not an OCI reference` : `none of ${named.join(', ')} is an OCI reference`
    throw new WasmctlError('USAGE', `--verify-key checks signatures in a registry, and ${what}`, {
      hints: ['pass registry/repository:tag (or @sha256:<digest>), or leave out --verify-key for a local file'],
    })
  }
  const verified = await requireVerifiedImages(references.map((reference) => ({ reference })), { ...access, keyFile })
  return new Map(verified.map((image) => [image.reference, image.verifiedReference]))
}
