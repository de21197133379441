import type { Project } from '../project/index.js'
import type { DevBus } from './bus.js'
import { toErrorInfo } from './build-controller.js'
import { devLinks, type DevLinkedComponent, linksKey } from './links.js'
import { describeDevManifest, devManifestKey, devManifestListener, type DevManifestView } from './manifests.js'

/**
 * Keeps the embedded host serving the newest good build. Each `build.ok` is loaded beside the
 * version that serves now (transpiled, compiled, pool warmed) and swapped in atomically by the
 * host, so requests never see a half-loaded component and in-flight requests finish on the old
 * one. Loads run one at a time; builds that finish during a load collapse into the newest one. A
 * build or load that fails leaves the last good version serving. Host settings changed in
 * wasmcloud.toml take effect with the next good build: env, config, directories, allowed hosts,
 * trust and timeout are loaded with it into the same host (same listener); a new address or port
 * needs a new host, which starts beside the old one, and the old one closes only once the new one
 * serves. Either way the old version serves until the new one does.
 *
 * Components the project links in are loaded with every build (the host does that); when one of
 * their files changes (`link.change`), the newest build is loaded again with them, the same way.
 * With `[[dev.manifests]]` the manifest is such a file too, and its http-server address is the
 * listener unless --address/--port say otherwise (before `[dev] address`/`port`, as under `up`):
 * an edit that moves it starts a new host as a change of `[dev] port` does.
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
  /**
   * Loads the component beside the one serving and swaps atomically; the old one keeps serving if
   * this throws. `project`: load it with this project's host settings (they changed).
   */
  load(artifact: string, project?: Project): Promise<DevLoadResult | void>
  close(): Promise<void>
}

export interface DevLoadResult {
  /** The components linked to this version, with the digest of each file loaded. */
  linked?: (DevLinkedComponent & { digest: string })[]
  /** With `[[dev.manifests]]`: the manifest this version serves. */
  manifest?: DevManifestView
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
  /** Linked files that changed since this build was loaded (the reason to load it again). */
  linkChange?: string[]
}

export class HostController {
  private readonly bus: DevBus
  private readonly createHost: DevHostFactory
  private readonly overrides: { port?: number; address?: string }
  private project: Project
  private host?: DevHost
  private hostSettings = ''
  /** The address and port the host was asked to listen on. */
  private listener: { address?: string; port?: number } = {}
  private version = 0
  private pending?: PendingLoad
  /** The newest build: what a change of a linked component reloads. */
  private latest?: PendingLoad
  private loading?: Promise<void>
  private closed = false
  private readonly unsubscribe: (() => void)[]

  constructor(options: HostControllerOptions) {
    this.bus = options.bus
    this.createHost = options.createHost
    this.project = options.project
    this.overrides = { port: options.port, address: options.address }
    this.unsubscribe = [
      this.bus.on('build.ok', (event) => {
        this.latest = { build: event.build, artifact: event.artifact, digest: event.digest }
        this.enqueue(this.latest)
      }),
      this.bus.on('link.change', (event) => this.relink(event.files)),
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
    // A manifest that does not read yet listens where the project says; its first load reports why.
    const listener = this.listenerOf(this.project, { lenient: true })
    this.host = await this.startHost(this.project, listener)
    this.hostSettings = hostSettingsOf(this.project, listener)
    this.listener = listener
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

  private async startHost(project: Project, listener: { address?: string; port?: number }): Promise<DevHost> {
    const host = await this.createHost(project, {
      port: listener.port,
      address: listener.address,
      onRequest: (request) => this.bus.emit('request', { ...request, version: this.version || undefined }),
      onLog: (level, message, source) => this.bus.emit('log', { level, message, source: source ?? 'host' }),
    })
    const links = devLinks(project).components
    const manifest = describeDevManifest(project)
    this.bus.emit('host.ready', { url: host.url, ...(links.length > 0 ? { links } : {}), ...(manifest ? { manifest } : {}) })
    return host
  }

  /**
   * A linked file changed: the newest build is loaded again (with the files as they are now). A
   * build waiting to load reads them anyway; one loading now may have read the old ones, so the
   * reload is queued behind it. Before the first build there is nothing to reload.
   */
  private relink(files: string[]): void {
    if (this.closed || !this.latest) return
    if (this.pending) {
      if (this.pending.linkChange) this.pending.linkChange = [...new Set([...this.pending.linkChange, ...files])]
      return
    }
    this.enqueue({ ...this.latest, linkChange: files })
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

  private async load({ build, artifact, digest, linkChange }: PendingLoad): Promise<void> {
    const why = linkChange ? { linkChange } : {}
    this.bus.emit('reload.start', { build, ...why })
    const started = performance.now()
    try {
      // An unreadable manifest fails here, before any host is started for it.
      const listener = this.listenerOf(this.project)
      const settings = hostSettingsOf(this.project, listener)
      let loaded: DevLoadResult | void
      if (this.host && settings === this.hostSettings) loaded = await this.host.load(artifact)
      else if (this.host && this.sameListener(listener)) {
        loaded = await this.host.load(artifact, this.project)
        this.hostSettings = settings
      } else loaded = await this.replaceHost(artifact, listener)
      if (this.closed) return
      this.version += 1
      const linked = loaded?.linked?.length ? { linked: loaded.linked } : {}
      const manifest = loaded?.manifest ? { manifest: loaded.manifest } : {}
      this.bus.emit('reload.ok', { build, version: this.version, url: this.host!.url, digest, durationMs: Math.round(performance.now() - started), ...why, ...linked, ...manifest })
    } catch (error) {
      if (!this.closed) this.bus.emit('reload.error', { build, ...why, ...toErrorInfo(error) })
    }
  }

  /**
   * A new address or port: a new host serving the new build, then the old host closes. If the new
   * one cannot listen or load, the old one goes on serving (even when both want the same port:
   * the old one is never closed first).
   */
  private async replaceHost(artifact: string, listener: { address?: string; port?: number }): Promise<DevLoadResult | void> {
    const previous = this.host
    const next = await this.startHost(this.project, listener)
    let loaded: DevLoadResult | void
    try {
      loaded = await next.load(artifact)
    } catch (error) {
      await next.close()
      throw error
    }
    this.host = next
    this.hostSettings = hostSettingsOf(this.project, listener)
    this.listener = listener
    await previous?.close()
    return loaded
  }

  /** The command line's address and port, else the manifest's http-server link's, else `[dev]`'s. */
  private listenerOf(project: Project, { lenient = false } = {}): { address?: string; port?: number } {
    let manifest: { address: string; port: number } | undefined
    try {
      manifest = devManifestListener(project)
    } catch (error) {
      if (!lenient) throw error
    }
    return { address: this.overrides.address ?? manifest?.address ?? project.dev.address, port: this.overrides.port ?? manifest?.port ?? project.dev.port }
  }

  /** Whether the listener wanted is the one the host has (a port it already holds counts as the same). */
  private sameListener(wanted: { address?: string; port?: number }): boolean {
    if ((wanted.address ?? '127.0.0.1') !== (this.listener.address ?? '127.0.0.1')) return false
    if (wanted.port === this.listener.port) return true
    return wanted.port !== undefined && wanted.port !== 0 && this.host !== undefined && String(wanted.port) === new URL(this.host.url).port
  }
}

/** The settings a host binds when it starts (and the components linked in, the manifest chosen); a change to any of them needs a new host. */
function hostSettingsOf(project: Project, listener: { address?: string; port?: number }): string {
  const { address, port, allowHttp, env, dirs, config, allowedIssuers, requireSigned, timeoutMs } = project.dev
  return JSON.stringify({ address, port, listener, allowHttp, env, dirs, config, allowedIssuers, requireSigned, timeoutMs, links: linksKey(devLinks(project)), manifest: devManifestKey(project) })
}
