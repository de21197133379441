import { rmSync } from 'node:fs'

import { isWasmctlError } from '../errors.js'
import type { HostEvent, HostFlags } from '../host/index.js'
import type { DevHostFactory, DevHostOptions } from './host-controller.js'

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
 */
export async function embeddedHostFactory(flags: HostFlags = {}): Promise<DevHostFactory> {
  const { createHost, resolveHostOptions, readComponentFile } = await import('../host/index.js')
  const { GlueReuse } = await import('./glue-reuse.js')
  return async (project, options) => {
    const settings = resolveHostOptions(project, { ...flags, port: options.port ?? flags.port, address: options.address ?? flags.address }, project.dir)
    const host = await createHost({ ...settings, onEvent: (event) => forward(event, options) })
    const glue = new GlueReuse()
    /** Cache entries this session wrote, oldest first; the newest two (serving, draining) are kept. */
    const written: string[] = []
    let serving: string | undefined
    return {
      url: host.url,
      async load(artifact, changed) {
        const source = readComponentFile(artifact)
        // Changed host settings go with this version into the same host (same listener).
        const versionSettings = changed ? resolveHostOptions(changed, { ...flags, port: options.port ?? flags.port, address: options.address ?? flags.address }, changed.dir) : undefined
        const reused = glue.prepare(source.bytes)
        let loaded
        try {
          loaded = await host.load(source, versionSettings)
        } catch (error) {
          if (!reused || !isWasmctlError(error) || error.code !== 'HOST_LOAD_FAILED') throw error
          // The reused glue did not fit after all: transpile properly.
          rmSync(reused.dir, { recursive: true, force: true })
          loaded = await host.load(source, versionSettings)
        }
        glue.served(source.bytes, loaded.transpiled)
        serving = loaded.transpiled.dir
        if (loaded.transpiled.transpiled || reused?.dir === loaded.transpiled.dir) written.push(loaded.transpiled.dir)
        while (written.length > 2) rmSync(written.shift()!, { recursive: true, force: true })
      },
      async close() {
        await host.close()
        // The last build's entry stays: the next `wasmctl dev` on an unchanged project starts from it.
        for (const dir of written) if (dir !== serving) rmSync(dir, { recursive: true, force: true })
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
