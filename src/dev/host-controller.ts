import type { Project } from '../project/index.js'
import type { DevBus } from './bus.js'
import { toErrorInfo } from './build-controller.js'

/**
 * Keeps the embedded host serving the newest good build. Each `build.ok` is loaded beside the
 * version that serves now (transpiled, compiled, pool warmed) and swapped in atomically by the
 * host, so requests never see a half-loaded component and in-flight requests finish on the old
 * one. Loads run one at a time; builds that finish during a load collapse into the newest one. A
 * build or load that fails leaves the last good version serving. Host settings changed in
 * wasmcloud.toml (address, port, env, config, allowed hosts...) take effect by starting a new host
 * with the next good build, since they are bound when the host starts.
 */
export interface DevHostRequest {
  method: string
  path: string
  status: number
  durationMs: number
}

export interface DevHostOptions {
  /** Overrides `[dev] port` / `[dev] address` from the project. */
  port?: number
  address?: string
  onRequest?: (request: DevHostRequest) => void
  onLog?: (level: 'debug' | 'info' | 'warn' | 'error', message: string, source?: string) => void
}

export interface DevHost {
  readonly url: string
  /** Loads the component beside the one serving and swaps atomically; the old one keeps serving if this throws. */
  load(artifact: string): Promise<void>
  close(): Promise<void>
}

/** Starts a listening host for the project (it answers 503 until the first load). */
export type DevHostFactory = (project: Project, options: DevHostOptions) => Promise<DevHost>

export interface HostControllerOptions {
  bus: DevBus
  project: Project
  createHost: DevHostFactory
  port?: number
  address?: string
}

interface PendingLoad {
  build: number
  artifact: string
  digest: string
}

export class HostController {
  private readonly bus: DevBus
  private readonly createHost: DevHostFactory
  private readonly overrides: { port?: number; address?: string }
  private project: Project
  private host?: DevHost
  private hostSettings = ''
  private version = 0
  private pending?: PendingLoad
  private loading?: Promise<void>
  private closed = false
  private readonly unsubscribe: (() => void)[]

  constructor(options: HostControllerOptions) {
    this.bus = options.bus
    this.createHost = options.createHost
    this.project = options.project
    this.overrides = { port: options.port, address: options.address }
    this.unsubscribe = [
      this.bus.on('build.ok', (event) => this.enqueue({ build: event.build, artifact: event.artifact, digest: event.digest })),
      this.bus.on('config.reload', (event) => {
        this.project = event.project
      }),
    ]
  }

  get url(): string | undefined {
    return this.host?.url
  }

  /** Starts the host; throws when it cannot listen (HOST_PORT_IN_USE). */
  async start(): Promise<string> {
    this.host = await this.startHost(this.project, this.overrides.port)
    this.hostSettings = hostSettingsOf(this.project)
    return this.host.url
  }

  /** Waits for the load in progress, then stops the host. */
  async close(): Promise<void> {
    this.closed = true
    this.pending = undefined
    for (const off of this.unsubscribe) off()
    await this.loading?.catch(() => {})
    await this.host?.close()
    this.host = undefined
  }

  private async startHost(project: Project, port: number | undefined): Promise<DevHost> {
    const host = await this.createHost(project, {
      port,
      address: this.overrides.address,
      onRequest: (request) => this.bus.emit('request', { ...request, version: this.version || undefined }),
      onLog: (level, message, source) => this.bus.emit('log', { level, message, source: source ?? 'host' }),
    })
    this.bus.emit('host.ready', { url: host.url })
    return host
  }

  private enqueue(load: PendingLoad): void {
    if (this.closed) return
    this.pending = load
    this.loading ??= this.drain().finally(() => {
      this.loading = undefined
    })
  }

  private async drain(): Promise<void> {
    for (let next = this.pending; next && !this.closed; next = this.pending) {
      this.pending = undefined
      await this.load(next)
    }
  }

  private async load({ build, artifact, digest }: PendingLoad): Promise<void> {
    this.bus.emit('reload.start', { build })
    const started = performance.now()
    try {
      if (this.host && hostSettingsOf(this.project) === this.hostSettings) await this.host.load(artifact)
      else await this.replaceHost(artifact)
      if (this.closed) return
      this.version += 1
      this.bus.emit('reload.ok', { build, version: this.version, url: this.host!.url, digest, durationMs: Math.round(performance.now() - started) })
    } catch (error) {
      if (!this.closed) this.bus.emit('reload.error', { build, ...toErrorInfo(error) })
    }
  }

  /**
   * New host settings: a new host serving the new build, then the old host closes (if the new
   * one fails, the old one goes on serving). When both want the same fixed port the old one must
   * close first, and requests in that short gap are refused: only a settings change goes this
   * way, never a code change.
   */
  private async replaceHost(artifact: string): Promise<void> {
    const previous = this.host
    const port = this.overrides.port ?? this.project.dev.port
    const samePort = previous !== undefined && port !== undefined && port !== 0 && new URL(previous.url).port === String(port)
    if (previous && samePort) {
      this.host = undefined
      await previous.close()
    }
    const next = await this.startHost(this.project, this.overrides.port)
    try {
      await next.load(artifact)
    } catch (error) {
      await next.close()
      throw error
    }
    this.host = next
    this.hostSettings = hostSettingsOf(this.project)
    if (previous && !samePort) await previous.close()
  }
}

/** The settings a host binds when it starts; a change to any of them needs a new host. */
function hostSettingsOf(project: Project): string {
  const { address, port, allowHttp, env, dirs, config, allowedIssuers, requireSigned, timeoutMs } = project.dev
  return JSON.stringify({ address, port, allowHttp, env, dirs, config, allowedIssuers, requireSigned, timeoutMs })
}
