import type { Project } from '../project/index.js'
import { runCommandComponent } from './command.js'
import { EmbeddedKeyValue, openComponentCapabilities } from './bind.js'
import type { HostEvent } from './events.js'
import { loadComponent } from './load.js'
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
  const settings = resolveHostOptions(options.project, options.flags)
  const source = await resolveComponentSource(options.input, { project: options.project, pull: { cacheRoot: settings.cacheRoot, ...options.pull } })
  const component = await loadComponent(source, { cacheRoot: settings.cacheRoot, trust: settings.trust ?? {} })
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
