import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

import type { FSWatcher } from 'chokidar'

import type { Project } from '../project/index.js'
import type { DevBus } from './bus.js'
import { createChangeBatcher, type ChangeBatcher } from './debounce.js'
import { devLinks } from './links.js'
import { devManifestFiles, devManifestTarget } from './manifests.js'

/**
 * Watches the files of the components the project links in, which usually live outside the
 * project (another project's build output) or in places the project watcher ignores on purpose
 * (build/, gitignored *.wasm): they get their own watcher on exactly those files, with no ignore
 * rules. A change whose content differs from what was last seen becomes one `link.change` once
 * the writes have settled; the host controller then reloads the chain. A file that does not
 * exist yet is watched too (chokidar reports it when it appears).
 *
 * With `[[dev.manifests]]`, the manifest and the `file://` components it names are watched the same
 * way; after a change of the manifest the files it names are read again (an edit may name others).
 */
export interface LinkWatcherOptions {
  bus: DevBus
  project: Project
  /**
   * Quiet time after the last write: longer than the project watcher's, since a linked file is
   * usually written by another build and is only reloaded, never rebuilt from.
   */
  debounceMs?: number
}

export const LINK_DEBOUNCE_MS = 300

export class LinkWatcher {
  private readonly bus: DevBus
  private files: string[] = []
  private watcher?: FSWatcher
  private readonly batcher: ChangeBatcher
  private readonly fingerprints = new Map<string, string>()
  private readonly offConfig: () => void
  private project: Project
  private closed = false

  constructor(options: LinkWatcherOptions) {
    this.bus = options.bus
    this.project = options.project
    this.files = linkedFiles(options.project)
    const quietMs = options.debounceMs ?? LINK_DEBOUNCE_MS
    this.batcher = createChangeBatcher({ quietMs, maxWaitMs: Math.max(2000, quietMs * 10), flush: (batch) => this.flush(batch.files) })
    this.offConfig = this.bus.on('config.reload', (event) => void this.reconfigure(event.project))
  }

  /** The linked files watched now. */
  get watched(): readonly string[] {
    return this.files
  }

  async start(): Promise<void> {
    if (this.closed || this.files.length === 0) return
    for (const file of this.files) this.fingerprints.set(file, fingerprint(file))
    const { watch } = await import('chokidar')
    const watcher = watch(this.files, { ignoreInitial: true, persistent: true, atomic: false })
    this.watcher = watcher
    watcher.on('all', (event, changed) => {
      if (this.closed || watcher !== this.watcher || event === 'addDir' || event === 'unlinkDir') return
      this.batcher.add(String(changed))
    })
    watcher.on('error', (error) => this.bus.emit('log', { level: 'warn', message: `linked component watcher: ${(error as Error).message}`, source: 'watch' }))
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()))
    if (!this.closed) this.bus.emit('log', { level: 'debug', message: `watching linked components: ${this.files.join(', ')}`, source: 'watch' })
  }

  async close(): Promise<void> {
    this.closed = true
    this.offConfig()
    this.batcher.cancel()
    await this.watcher?.close()
  }

  private flush(candidates: string[]): void {
    const changed: string[] = []
    for (const file of candidates) {
      if (!this.files.includes(file)) continue
      const now = fingerprint(file)
      if (now === this.fingerprints.get(file)) continue
      this.fingerprints.set(file, now)
      changed.push(file)
    }
    if (changed.length === 0 || this.closed) return
    const manifest = manifestFileOf(this.project)
    const manifestChanged = manifest !== undefined && changed.includes(manifest)
    this.bus.emit('link.change', { files: changed.sort(), ...(manifestChanged ? { manifest } : {}) })
    if (manifestChanged) void this.reconfigure(this.project)
  }

  /** New links in wasmcloud.toml (or in the manifest): watch the new files (the reload that follows loads them). */
  private async reconfigure(project: Project): Promise<void> {
    this.project = project
    const files = linkedFiles(project)
    if (this.closed || files.join('\0') === this.files.join('\0')) return
    const previous = this.watcher
    this.watcher = undefined
    // Files watched before keep what was last seen of them: a change made while switching is still one.
    const kept = new Map([...this.fingerprints].filter(([file]) => files.includes(file)))
    this.files = files
    this.fingerprints.clear()
    await previous?.close()
    await this.start()
    for (const [file, seen] of kept) this.fingerprints.set(file, seen)
  }
}

/** The files LinkWatcher watches and the project watcher leaves to it: linked components, and the manifest with its file:// components. */
export function linkedFiles(project: Project): string[] {
  const files = devLinks(project).components.map((link) => link.file)
  for (const file of devManifestFiles(project)) if (!files.includes(file)) files.push(file)
  return files
}

function manifestFileOf(project: Project): string | undefined {
  try {
    return devManifestTarget(project)?.file
  } catch {
    return undefined
  }
}

function fingerprint(file: string): string {
  try {
    return createHash('sha1').update(readFileSync(file)).digest('base64')
  } catch (error) {
    return (error as NodeJS.ErrnoException)?.code === 'ENOENT' ? 'missing' : 'unreadable'
  }
}
