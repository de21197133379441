import { WasmctlError } from '../errors.js'
import type { Project } from '../project/index.js'
import { BuildController, toErrorInfo, type DevBuilder } from './build-controller.js'
import { createDevBus, type DevBus } from './bus.js'
import { ConfigController } from './config-controller.js'
import type { DevEvent } from './events.js'
import { HostController, type DevHostFactory } from './host-controller.js'
import { LinkWatcher } from './link-watcher.js'
import { WatchController } from './watcher.js'

/**
 * `wasmctl dev` as a library: wires the controllers to one bus and runs until stopped. Order of
 * start: the host listens first (so the URL is known and early requests get a clear 503), then the
 * watchers are ready (the project's and the linked components': no change is missed), then the
 * first build. `stop()` undoes exactly what
 * start did: the watcher, the build in progress, the host. Nothing here prints or reads the
 * terminal; renderers and key handlers are listeners the command adds.
 */
export interface DevSessionOptions {
  project: Project
  build: DevBuilder
  createHost: DevHostFactory
  port?: number
  address?: string
  debounceMs?: number
  /** Folders whose changes never trigger a build (`--ignore-dir`), relative to the project folder or absolute. */
  ignoreDirs?: string[]
  /**
   * wash dev's `--manifest-output-dir`: an existing folder (absolute) that receives the session's
   * wadm manifest after every build that serves; the watcher ignores it.
   */
  manifestOutputDir?: string
  /** Stops the session when it fires (Ctrl-C). */
  signal?: AbortSignal
  /** Every event, in order, from before the host starts. */
  onEvent?: (event: DevEvent) => void
}

export interface DevSummary {
  url?: string
  builds: number
  failedBuilds: number
  reloads: number
  requests: number
  stoppedBy: 'quit' | 'signal' | 'fatal'
}

export interface DevSession {
  readonly bus: DevBus
  readonly url?: string
  /** Starts a build now (the `r` key). */
  rebuild(): void
  stop(reason?: 'quit' | 'signal'): Promise<DevSummary>
  /** Resolves when the session has stopped; rejects with the error that stopped it (`fatal`). */
  readonly done: Promise<DevSummary>
}

export async function startDevSession(options: DevSessionOptions): Promise<DevSession> {
  const bus = createDevBus()
  if (options.onEvent) bus.onAny(options.onEvent)
  const counts = { builds: 0, failedBuilds: 0, reloads: 0, requests: 0 }
  bus.onAny((event) => {
    if (event.type === 'build.ok') counts.builds++
    else if (event.type === 'build.error') counts.failedBuilds++
    else if (event.type === 'reload.ok') counts.reloads++
    else if (event.type === 'request') counts.requests++
  })
  const manifestOutput = options.manifestOutputDir
    ? (await import('./manifest-output.js')).attachManifestOutput({ bus, project: options.project, dir: options.manifestOutputDir })
    : undefined

  const config = new ConfigController(bus, options.project)
  const builds = new BuildController({ bus, project: options.project, build: options.build })
  const host = new HostController({ bus, project: options.project, createHost: options.createHost, port: options.port, address: options.address })
  const watcher = new WatchController({ bus, project: options.project, debounceMs: options.debounceMs, ignoreDirs: [...(options.ignoreDirs ?? []), ...(manifestOutput?.ignoreDir ? [manifestOutput.ignoreDir] : [])] })
  const linkWatcher = new LinkWatcher({ bus, project: options.project })

  let stopping: Promise<DevSummary> | undefined
  let resolveDone!: (summary: DevSummary) => void
  let rejectDone!: (error: unknown) => void
  const done = new Promise<DevSummary>((resolve, reject) => {
    resolveDone = resolve
    rejectDone = reject
  })
  done.catch(() => {})

  const stop = (reason: 'quit' | 'signal' | 'fatal', error?: WasmctlError): Promise<DevSummary> => {
    stopping ??= (async () => {
      bus.emit('stopping', { reason })
      config.close()
      // A build in progress is not waited for: the builder stops its toolchain when it closes.
      await Promise.allSettled([watcher.close(), linkWatcher.close(), builds.stop(250)])
      // A manifest being written is finished, so the folder never keeps a temp file.
      await manifestOutput?.flushed()
      manifestOutput?.close()
      const url = host.url ?? startedUrl
      await host.close().catch(() => {})
      options.signal?.removeEventListener('abort', onAbort)
      const summary: DevSummary = { url, ...counts, stoppedBy: reason }
      if (error) rejectDone(error)
      else resolveDone(summary)
      return summary
    })()
    return stopping
  }
  const onAbort = () => void stop('signal')
  bus.on('fatal', (event) => {
    void stop('fatal', new WasmctlError(event.code as never, event.message, { hints: event.hints }))
  })

  let startedUrl: string | undefined
  try {
    if (options.signal?.aborted) throw new WasmctlError('INTERRUPTED', 'dev interrupted')
    options.signal?.addEventListener('abort', onAbort, { once: true })
    startedUrl = await host.start()
    await watcher.start()
    await linkWatcher.start()
  } catch (error) {
    await stop('fatal')
    throw error instanceof WasmctlError ? error : new WasmctlError('DEV_FAILED', toErrorInfo(error).message, { cause: error })
  }
  if (!stopping) builds.request('start')

  return {
    bus,
    get url() {
      return host.url ?? startedUrl
    },
    rebuild: () => builds.request('manual'),
    stop: (reason = 'quit') => stop(reason),
    done,
  }
}
