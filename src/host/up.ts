import type { Project } from '../project/index.js'
import { runCommandComponent } from './command.js'
import { EmbeddedKeyValue, openComponentCapabilities } from './bind.js'
import type { HostEvent } from './events.js'
import { loadComponent } from './load.js'
import { loadLinkedComponents, parseLinkNames, projectComponentLinks } from './link.js'
import { stopTranspiler } from './transpile.js'
import { createHost } from './server.js'
import { type HostFlags, resolveHostOptions } from './settings.js'
import { resolveComponentSource, type ResolveSourceOptions } from './source.js'

/**
 * `wasmctl up`: loads the component (file, reference or project build output) under the trust
 * policy, then serves it until the signal fires (HTTP components) or runs it once (commands).
 */
export interface RunUpOptions {
  /** The file or reference; undefined: the project build output. */
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
  onEvent(event: HostEvent): void
}

/** Resolves when the host has closed (after the signal) or the command has exited. */
export async function runUp(options: RunUpOptions): Promise<{ exitCode: number }> {
  const resolved = resolveHostOptions(options.project, options.flags)
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
      : await loadLinkedComponents([source, ...(await Promise.all(linked.map(resolve)))], { cacheRoot: settings.cacheRoot, trust: settings.trust ?? {}, picks })
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
