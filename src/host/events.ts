import type { BindingDescription } from './bind.js'

/**
 * What the host reports through `onEvent`. `up --json` prints each as one line of NDJSON; the
 * human renderer prints a line per request and per log on stderr.
 */
export type HostEvent =
  /** Listening and serving its first component. */
  | { event: 'host.ready'; url: string; component: string }
  /** A component (the first, or a new version) is serving. */
  | {
      event: 'component.loaded'
      name: string
      digest: string
      origin: string
      /** Checking, transpiling (or reading the transpile cache), compiling, and starting the workers. */
      loadMs: number
      /** False when the transpile output came from the cache. */
      transpiled: boolean
      /** True when instances are reset from a snapshot after each request (the fast path). */
      snapshot: boolean
      workers: number
    }
  | { event: 'request'; method: string; path: string; status: number; durationMs: number }
  /** A request that failed in the component (trap, exception, timeout), or host trouble. */
  | { event: 'error'; message: string; method?: string; path?: string; component?: string }
  /** A line the component logged: wasi:logging (level trace..critical), or its stdout/stderr. */
  | { event: 'log'; component: string; level: string; context?: string; message: string }
  /** A worker replaced its instance with a fresh one (after a failure, memory growth, or its use limit). */
  | { event: 'instance.replaced'; component: string; reason: 'failure' | 'reset' }
  /**
   * What the component's capabilities are bound to (before it serves): one entry per import (or
   * messaging handler export) with its backend and address; credentials are masked.
   */
  | { event: 'capabilities.bound'; component: string; bindings: BindingDescription[]; warnings: string[] }
  | { event: 'host.closed' }
  /** A command component finished (`up file.wasm -- args`). */
  | { event: 'command.exit'; component: string; exitCode: number }
