import type { LogLevel } from './capabilities.js'

/**
 * wasmcloud:identity/store (workload identity, wasmCloud RFC #4111): a wasmCloud host fetches a
 * JWT-SVID for the component from a SPIFFE agent. The embedded host has none, so `get` answers
 * ok(none), which the interface defines as "no identity": components importing it load and run,
 * and say so once per component (per worker) in a debug log.
 */
export function createIdentity(log: (level: LogLevel, context: string, message: string) => void, component: () => string) {
  const told = new Set<string>()
  return {
    store: {
      get(audience: string): string | undefined {
        const name = component()
        if (!told.has(name)) {
          told.add(name)
          // The audience is the guest's string: quoted as JSON and cut short, so it cannot forge or flood a log line.
          const shown = JSON.stringify(audience.length > 200 ? `${audience.slice(0, 200)}…` : audience)
          log('debug', 'wasmcloud:identity', `no workload identity is configured for ${name} (the embedded host has no SPIFFE agent): get(${shown}) returns none`)
        }
        return undefined
      },
    },
  }
}
