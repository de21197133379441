import { createHash } from 'node:crypto'
import { existsSync, fstatSync, readFileSync, statSync, type Stats } from 'node:fs'
import path from 'node:path'

import type { FSWatcher } from 'chokidar'

import { WasmctlError } from '../errors.js'
import { isInside, type Project } from '../project/index.js'
import type { DevBus } from './bus.js'
import { createChangeBatcher, type ChangeBatcher } from './debounce.js'
import { createIgnoreMatcher, type IgnoreMatcher } from './ignore.js'
import { linkedFiles } from './link-watcher.js'

/**
 * Watches the project with chokidar and turns file events into debounced `watch.change` batches.
 *
 * Loop-proof by construction: build outputs and wasmctl's state are ignored (ignore.ts), so is
 * the regular file this process's own stdout or stderr writes to (`wasmctl dev --json > dev.log`
 * inside the project would otherwise rebuild on every event it logs), and a
 * file whose content is what it was before (a save without edits, a tool that rewrites a file
 * unchanged) is not a change, because each file's content fingerprint is compared, when a burst
 * of events is over, with the one it had at the last change. Changes to wasmcloud.toml, the WIT folder or an ignore file are marked
 * `reconfigure`: the project is reloaded before the rebuild. Files of components the project links
 * in are never a reason to rebuild, even inside the project: LinkWatcher reports them, and the
 * serving build is reloaded with them. So is a `[[dev.manifests]]` manifest and the files it names.
 */
export interface WatchControllerOptions {
  bus: DevBus
  project: Project
  /** Quiet time after the last change before a build starts. */
  debounceMs?: number
  /** Longest a continuous stream of changes can delay a build. */
  maxWaitMs?: number
  /** Absolute folders never watched (wash's `--ignore-dir`). */
  ignoreDirs?: string[]
  /** Files never reacted to, by identity (default: the regular files behind this process's fd 1 and 2). */
  ownOutputs?: FileIdentity[]
}

/** A file's identity, which a rename keeps and a path does not tell (`> dev.log` may be reached by several paths). */
export interface FileIdentity {
  dev: number
  ino: number
}

/** The regular files this process's stdout and stderr write to (none when they are a TTY or a pipe). */
export function ownOutputFiles(fds: number[] = [1, 2]): FileIdentity[] {
  const files: FileIdentity[] = []
  for (const fd of fds) {
    try {
      const stats = fstatSync(fd)
      if (stats.isFile() && !files.some((file) => file.dev === stats.dev && file.ino === stats.ino)) files.push({ dev: stats.dev, ino: stats.ino })
    } catch {
      // A closed descriptor writes nowhere.
    }
  }
  return files
}

/** A burst of saves within this window is one build (the "20 saves within 100 ms"). */
export const DEFAULT_DEBOUNCE_MS = 100
/** Files larger than this are fingerprinted by size and mtime instead of content. */
const HASH_LIMIT = 4 * 1024 * 1024

export class WatchController {
  private readonly bus: DevBus
  private project: Project
  private matcher: IgnoreMatcher
  private linked: Set<string>
  private watcher?: FSWatcher
  private readonly batcher: ChangeBatcher
  private readonly fingerprints = new Map<string, string>()
  private readonly offConfig: () => void
  private readonly ignoreDirs: string[]
  private readonly ownOutputs: FileIdentity[]
  private closed = false

  constructor(options: WatchControllerOptions) {
    this.bus = options.bus
    this.project = options.project
    this.matcher = createIgnoreMatcher(this.project)
    this.linked = new Set(linkedFiles(this.project))
    this.ignoreDirs = (options.ignoreDirs ?? []).map((dir) => path.resolve(this.project.dir, dir))
    this.ownOutputs = options.ownOutputs ?? ownOutputFiles()
    const quietMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS
    this.batcher = createChangeBatcher({
      quietMs,
      maxWaitMs: options.maxWaitMs ?? Math.max(1000, quietMs * 10),
      flush: (batch) => this.flush(batch.files),
    })
    const offReload = this.bus.on('config.reload', (event) => void this.reconfigure(event.project))
    // An edited [[dev.manifests]] manifest may name other file:// components: those are LinkWatcher's too.
    const offManifest = this.bus.on('link.change', (event) => {
      if (event.manifest !== undefined) this.linked = new Set(linkedFiles(this.project))
    })
    this.offConfig = () => {
      offReload()
      offManifest()
    }
  }

  /** The folders watched: the project, and its WIT folder and project file when they live elsewhere. */
  roots(project = this.project): string[] {
    const roots = [project.dir]
    for (const extra of [project.witDir, path.dirname(project.file)]) {
      if (!roots.some((root) => extra === root || extra.startsWith(root + path.sep))) roots.push(extra)
    }
    return roots
  }

  async start(): Promise<void> {
    const { watch } = await import('chokidar')
    const roots = this.roots()
    const watcher = watch(roots, {
      ignoreInitial: false,
      persistent: true,
      // No atomic-save smoothing: it holds unlink events back 100 ms, past the debounce, so a
      // `sed -i` or editor temp file would split one save into two builds. Content fingerprints
      // already make an unlink-then-add of the same bytes a non-event.
      atomic: false,
      ignored: (file: string, stats?: Stats) => this.ignores(file, stats),
    })
    this.watcher = watcher
    let ready = false
    watcher.on('all', (event, changed, info) => {
      if (this.closed || watcher !== this.watcher) return
      const file = String(changed)
      const stats = info instanceof Object && 'isFile' in info ? (info as Stats) : undefined
      if (!ready) {
        if (event === 'add' && !this.isOwnOutput(file, stats)) this.fingerprints.set(file, fingerprint(file, stats))
        return
      }
      this.onEvent(event, file)
    })
    await new Promise<void>((resolve, reject) => {
      watcher.once('ready', () => resolve())
      watcher.once('error', (error) =>
        reject(new WasmctlError('DEV_FAILED', `cannot watch ${roots.join(', ')}: ${(error as Error).message}`, { cause: error, hints: ['check the folder permissions, or raise fs.inotify.max_user_watches'] })),
      )
    })
    ready = true
    watcher.on('error', (error) => this.bus.emit('log', { level: 'warn', message: `file watcher: ${(error as Error).message}`, source: 'watch' }))
    if (!this.closed) this.bus.emit('watch.ready', { roots })
  }

  async close(): Promise<void> {
    this.closed = true
    this.offConfig()
    this.batcher.cancel()
    await this.watcher?.close()
  }

  private onEvent(event: string, file: string): void {
    if (event === 'addDir' || event === 'unlinkDir') return
    if (this.matcher.ignores(file, false) || this.inIgnoredDir(file) || this.linked.has(file) || this.isOwnOutput(file)) return
    this.batcher.add(file)
  }

  /** What chokidar must not watch at all: the ignore rules, `--ignore-dir` folders, our own output files. */
  private ignores(file: string, stats?: Stats): boolean {
    if (this.inIgnoredDir(file)) return true
    if (this.matcher.ignores(file, stats ? stats.isDirectory() : isDirectory(file))) return true
    // chokidar asks again with stats for each entry it lists; a stat per path here would double its work.
    return stats !== undefined && this.isOwnOutput(file, stats)
  }

  private inIgnoredDir(file: string): boolean {
    return this.ignoreDirs.some((dir) => file === dir || isInside(file, dir))
  }

  /** Whether the file is the one our stdout or stderr goes to (compared by device and inode, not by name). */
  private isOwnOutput(file: string, stats?: Stats): boolean {
    if (this.ownOutputs.length === 0) return false
    let info = stats
    if (!info) {
      try {
        info = statSync(file)
      } catch {
        return false
      }
    }
    return info.isFile() && this.ownOutputs.some((own) => own.dev === info.dev && own.ino === info.ino)
  }

  /**
   * Files are compared with what they held before only once the burst is over: read at event
   * time, a file may still be half written (the writer truncated it, the data is not there yet),
   * and chokidar drops events that follow within 5 ms, so that half-written content could be all
   * the watcher ever sees of a save.
   */
  private flush(candidates: string[]): void {
    const changed: string[] = []
    for (const file of candidates) {
      const before = this.fingerprints.get(file)
      const now = existsSync(file) ? fingerprint(file) : undefined
      if (now === before) continue
      if (now === undefined) this.fingerprints.delete(file)
      else this.fingerprints.set(file, now)
      changed.push(file)
    }
    if (changed.length === 0) return
    this.bus.emit('watch.change', {
      files: changed.map((file) => path.relative(this.project.dir, file) || file),
      reconfigure: changed.some((file) => this.needsReconfigure(file)),
    })
  }

  private needsReconfigure(file: string): boolean {
    const { project } = this
    return file === project.file || file.startsWith(project.witDir + path.sep) || this.matcher.ruleFiles.includes(file)
  }

  /** New settings: new ignore rules, and new roots when the project moved its folders. */
  private async reconfigure(project: Project): Promise<void> {
    const oldRoots = this.roots().join('\0')
    this.project = project
    this.matcher = createIgnoreMatcher(project)
    this.linked = new Set(linkedFiles(project))
    if (this.closed || !this.watcher || this.roots().join('\0') === oldRoots) return
    const previous = this.watcher
    this.watcher = undefined
    await previous.close()
    if (!this.closed) await this.start()
  }
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory()
  } catch {
    return false
  }
}

function fingerprint(file: string, stats?: Stats): string {
  try {
    const info = stats ?? statSync(file)
    if (info.size > HASH_LIMIT) return `${info.size}:${info.mtimeMs}`
    return createHash('sha1').update(readFileSync(file)).digest('base64')
  } catch {
    return existsSync(file) ? 'unreadable' : 'missing'
  }
}
