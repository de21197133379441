import type { HostEvent } from './events.js'

export type ConsoleLevel = 'error' | 'warn' | 'info' | 'debug'

/** wasi:logging's levels as the console's (as a wasmCloud host maps them onto its log levels). */
export const COMPONENT_LOG_LEVELS: Record<string, ConsoleLevel> = { trace: 'debug', debug: 'debug', info: 'info', warn: 'warn', error: 'error', critical: 'error', stdout: 'info', stderr: 'info' }

/**
 * How `up` shows host events to a person: the URL on stdout (it is the result), everything else on
 * stderr, one line each, with the console level it belongs to (`--log-level` filters on it).
 * Returns undefined for events not shown at the given verbosity.
 */
export function formatHostEvent(event: HostEvent, verbose = false): { stream: 'stdout' | 'stderr'; text: string; level?: ConsoleLevel } | undefined {
  switch (event.event) {
    case 'host.ready':
      return { stream: 'stdout', text: `Serving ${event.component} at ${event.url}` }
    case 'component.loaded': {
      const how = event.snapshot ? 'instances reset from a snapshot' : 'a fresh instance per request'
      const text = `Loaded ${event.name} (${event.digest.slice(0, 19)}) in ${event.loadMs} ms${event.transpiled ? '' : ' (cached)'}, ${event.workers} workers, ${how}`
      return verbose ? { stream: 'stderr', text } : undefined
    }
    case 'request':
      return { stream: 'stderr', text: `${event.method} ${event.path} ${event.status} ${event.durationMs} ms` }
    case 'error':
      return { stream: 'stderr', text: `error: ${event.method ? `${event.method} ${event.path}: ` : ''}${event.message}`, level: 'error' }
    case 'log': {
      const consoleLevel = COMPONENT_LOG_LEVELS[event.level] ?? 'info'
      // A component's trace and debug lines only at --log-level debug, as a wasmCloud host at INFO drops them.
      if (consoleLevel === 'debug' && !verbose) return undefined
      const level = event.level === 'stdout' || event.level === 'stderr' ? '' : `${event.level.toUpperCase()} `
      return { stream: 'stderr', text: `[${event.component}] ${level}${event.context ? `${event.context}: ` : ''}${event.message}`, level: consoleLevel }
    }
    case 'instance.replaced':
      return verbose ? { stream: 'stderr', text: `[${event.component}] instance replaced (${event.reason === 'failure' ? 'after a failure' : 'could not be reset'})` } : undefined
    case 'capabilities.bound': {
      if (event.bindings.length === 0 && event.warnings.length === 0) return undefined
      const lines = event.bindings.map((binding) => {
        const where = binding.address ? ` at ${binding.address}` : ''
        const link = binding.linkName === 'default' ? '' : ` (link ${binding.linkName})`
        const settings = Object.entries(binding.linkConfig)
          .filter(([key]) => !/^(url|cluster_uris?|root)$/i.test(key))
          .map(([key, value]) => `${key}=${value}`)
        return `  ${binding.interfaces.join(', ')} -> ${binding.backend}${where}${link}${settings.length > 0 ? ` [${settings.join(' ')}]` : ''} (${binding.source})`
      })
      const warnings = event.warnings.map((warning) => `warning: ${warning}`)
      return { stream: 'stderr', text: [...(lines.length > 0 ? ['Capabilities:', ...lines] : []), ...warnings].join('\n') }
    }
    case 'host.closed':
      return verbose ? { stream: 'stderr', text: 'Stopped.' } : undefined
    case 'command.exit':
      return verbose ? { stream: 'stderr', text: `${event.component} exited with status ${event.exitCode}` } : undefined
  }
}
