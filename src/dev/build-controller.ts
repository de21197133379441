import { isWasmctlError } from '../errors.js'
import type { Project } from '../project/index.js'
import type { DevBus } from './bus.js'
import type { BuildReason, ErrorInfo, SourceLocation } from './events.js'

/**
 * Runs one build at a time and never serves a stale one. A request during a build cancels that
 * build (its AbortSignal fires and its result, should it still arrive, is dropped) and a new build
 * starts as soon as the cancelled one has let go, so two toolchain runs never compete for the
 * machine. Requests that arrive meanwhile are merged into that one new build.
 */
export interface DevBuildResult {
  /** Path of the component to serve (the signed one when signing is on). */
  artifact: string
  /** `sha256:<hex>` of the artifact. */
  digest: string
  size: number
  cached: boolean
  signed: boolean
}

export interface DevBuildOptions {
  signal: AbortSignal
  /** Run the toolchain even when the build cache says nothing changed (the `r` key). */
  force?: boolean
  /** Toolchain output and notices, for the log. */
  onLog?: (level: 'debug' | 'info' | 'warn', message: string) => void
}

/** Builds the project once; throws (a WasmctlError with the toolchain's message) when it fails. */
export type DevBuilder = (project: Project, options: DevBuildOptions) => Promise<DevBuildResult>

export interface BuildControllerOptions {
  bus: DevBus
  project: Project
  build: DevBuilder
}

interface Running {
  id: number
  controller: AbortController
  settled: Promise<void>
}

export class BuildController {
  private readonly bus: DevBus
  private readonly build: DevBuilder
  private project: Project
  private running?: Running
  private queued?: { reason: BuildReason; files: Set<string> }
  private lastId = 0
  private lastFailed = false
  private stopped = false
  private readonly unsubscribe: (() => void)[]

  constructor(options: BuildControllerOptions) {
    this.bus = options.bus
    this.build = options.build
    this.project = options.project
    this.unsubscribe = [
      this.bus.on('build.request', (event) => this.request(event.reason, event.files)),
      this.bus.on('watch.change', (event) => {
        // Reconfiguring changes rebuild once the project is reloaded (config.reload).
        if (!event.reconfigure) this.request('change', event.files)
      }),
      this.bus.on('config.reload', (event) => {
        this.project = event.project
        this.request('config', [])
      }),
    ]
  }

  /** Whether a build is running or waiting to start. */
  get busy(): boolean {
    return Boolean(this.running || this.queued)
  }

  request(reason: BuildReason, files: string[] = []): void {
    if (this.stopped) return
    if (this.queued) {
      for (const file of files) this.queued.files.add(file)
      // The strongest reason wins: a reconfiguration matters more than a file change.
      if (rank(reason) > rank(this.queued.reason)) this.queued.reason = reason
    } else {
      this.queued = { reason, files: new Set(files) }
    }
    if (this.running) this.running.controller.abort(new Error('superseded by a newer change'))
    else this.startQueued()
  }

  /** Cancels the running build and waits (at most `graceMs`) for it to let go. */
  async stop(graceMs = 2000): Promise<void> {
    this.stopped = true
    this.queued = undefined
    for (const off of this.unsubscribe) off()
    const running = this.running
    if (!running) return
    running.controller.abort(new Error('stopping'))
    await Promise.race([running.settled, new Promise((resolve) => setTimeout(resolve, graceMs).unref())])
  }

  private startQueued(): void {
    const next = this.queued
    if (!next || this.stopped) return
    this.queued = undefined
    const id = ++this.lastId
    const controller = new AbortController()
    const files = [...next.files].sort()
    // Marked running before anyone hears of it, so a listener's request cancels this build.
    const running: Running = { id, controller, settled: Promise.resolve() }
    this.running = running
    this.bus.emit('build.start', { build: id, reason: next.reason, files })
    const started = performance.now()
    const onLog: DevBuildOptions['onLog'] = (level, message) => {
      if (!controller.signal.aborted) this.bus.emit('log', { level, message, source: 'build' })
    }
    running.settled = (async () => {
      try {
        const result = await this.build(this.project, { signal: controller.signal, force: next.reason === 'manual', onLog })
        if (controller.signal.aborted) return this.cancelled(id)
        const recovered = this.lastFailed
        this.lastFailed = false
        this.bus.emit('build.ok', { build: id, durationMs: Math.round(performance.now() - started), ...result, recovered })
      } catch (error) {
        if (controller.signal.aborted) return this.cancelled(id)
        this.lastFailed = true
        this.bus.emit('build.error', { build: id, durationMs: Math.round(performance.now() - started), ...toErrorInfo(error) })
      }
    })().finally(() => {
      this.running = undefined
      this.startQueued()
    })
  }

  private cancelled(id: number): void {
    this.bus.emit('build.cancelled', { build: id, reason: this.stopped ? 'stopping' : 'superseded' })
  }
}

function rank(reason: BuildReason): number {
  return { change: 0, manual: 1, start: 2, config: 3 }[reason]
}

/** An error as the dev events carry it, with the source location the toolchain named (if any). */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (isWasmctlError(error)) {
    return { code: error.code, message: error.message, hints: error.hints, ...locationOf(error.message, error.details) }
  }
  const message = (error as Error)?.message ?? String(error)
  return { code: 'INTERNAL', message, hints: ['this is a bug in wasmctl: rerun with --log-level debug and report the output'], ...locationOf(message) }
}

/** A `file:line[:column]` the toolchain put in its message (esbuild, tsc, rustc, clang and StarlingMonkey all do). */
const LOCATION = /(?:^|[\s(])((?:[\w@.-]+\/)*[\w@.-]+\.(?:[cm]?[jt]sx?|rs|go|c|h|cc|cpp|wit|toml)):(\d+)(?::(\d+))?/m

function locationOf(message: string, details?: Record<string, unknown>): { location?: SourceLocation } {
  const fromDetails = details?.location as Partial<SourceLocation> | undefined
  const file = fromDetails?.file ?? details?.file
  const line = fromDetails?.line ?? details?.line
  if (typeof file === 'string' && typeof line === 'number') {
    const column = fromDetails?.column ?? details?.column
    return { location: { file, line, ...(typeof column === 'number' ? { column } : {}) } }
  }
  const match = LOCATION.exec(message)
  if (!match) return {}
  return { location: { file: match[1], line: Number(match[2]), ...(match[3] ? { column: Number(match[3]) } : {}) } }
}
