import { existsSync, rmSync } from 'node:fs'
import path from 'node:path'

import { isWasmctlError } from '../errors.js'
import { sha256Hex } from '../input.js'
import type { HostEvent, HostFlags, ResolvedHostOptions } from '../host/index.js'
import type { Project } from '../project/index.js'
import type { DevHostFactory, DevHostOptions } from './host-controller.js'
import { devLinks } from './links.js'

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
    const host = await createHost({ ...settings, onEvent: (event) => forward(event, options) })
    const glue = new GlueReuse()
    /** Cache entries this session wrote, oldest first; the newest two (serving, draining) are kept. */
    const written: string[] = []
    let serving: string | undefined
    /** The same for linked components: entries this session wrote, and those of the chains serving and draining. */
    const linkedWritten = new Set<string>()
    let linkedServing: string[] = []
    let linkedDraining: string[] = []
    return {
      url: host.url,
      async load(artifact, changed) {
        const versionProject = changed ?? project
        const source = readComponentFile(artifact)
        // Changed host settings go with this version into the same host (same listener).
        const versionSettings = changed ? settingsOf(changed) : undefined
        const links = devLinks(versionProject)
        const linked = links.components.map((link) => {
          const file = readLinkedComponent(link, versionProject)
          return { link, source: file, hex: sha256Hex(file.bytes) }
        })
        // Entries not in the transpile cache yet are this session's to remove once replaced (known once one version served).
        const cacheDir = serving === undefined ? undefined : path.dirname(serving)
        const fresh = cacheDir === undefined ? [] : linked.map((entry) => path.join(cacheDir, entry.hex)).filter((dir) => !existsSync(dir))
        const reused = glue.prepare(source.bytes)
        const loadVersion = async () => {
          if (linked.length === 0) return host.load(source, versionSettings)
          const { cacheRoot, trust } = versionSettings ?? settings
          const chain = await loadLinkedComponents([source, ...linked.map((entry) => entry.source)], { cacheRoot, trust: trust ?? {}, picks: links.picks, rules: links.rules })
          return host.load(chain, versionSettings)
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
        glue.served(source.bytes, loaded.transpiled)
        serving = loaded.transpiled.dir
        if (loaded.transpiled.transpiled || reused?.dir === loaded.transpiled.dir) written.push(loaded.transpiled.dir)
        while (written.length > 2) rmSync(written.shift()!, { recursive: true, force: true })
        const chainDirs = (loaded.chain ?? []).slice(0, -1).map((member) => path.dirname(member.gluePath))
        for (const dir of fresh) if (chainDirs.includes(dir)) linkedWritten.add(dir)
        linkedDraining = linkedServing
        linkedServing = chainDirs
        for (const dir of linkedWritten) {
          if (linkedServing.includes(dir) || linkedDraining.includes(dir)) continue
          rmSync(dir, { recursive: true, force: true })
          linkedWritten.delete(dir)
        }
        if (linked.length === 0) return undefined
        return { linked: linked.map(({ link, hex }) => ({ ...link, digest: `sha256:${hex}` })) }
      },
      async close() {
        await host.close()
        // The last build's entry stays: the next `wasmctl dev` on an unchanged project starts from it.
        for (const dir of written) if (dir !== serving) rmSync(dir, { recursive: true, force: true })
        for (const dir of linkedWritten) if (!linkedServing.includes(dir)) rmSync(dir, { recursive: true, force: true })
      },
    }
  }
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
