import type { Project } from '../project/index.js'
import type { DevLinkedComponent } from './links.js'
import type { DevManifestView } from './manifests.js'

/**
 * Every event of a `wasmctl dev` session. The controllers (config, watcher, builder, host) talk
 * only through these, so each can be tested alone by emitting events at it; the terminal and
 * NDJSON renderers are just more listeners. Event names and fields are part of the `--json`
 * contract (one object per line: `{"event": "<type>", "time": "...", ...fields}`).
 */
export type BuildReason = 'start' | 'change' | 'config' | 'manual'

export interface ErrorInfo {
  code: string
  message: string
  hints: string[]
  /** Where the toolchain says the error is, when it says (`src/index.ts:12:5`). */
  location?: SourceLocation
}

export interface SourceLocation {
  file: string
  line: number
  column?: number
}

export interface DevEventMap {
  /** The watcher is ready; `roots` are the folders it watches. */
  'watch.ready': { roots: string[] }
  /** A debounced batch of changed files (relative to the project folder). */
  'watch.change': { files: string[]; reconfigure: boolean }
  /** wasmcloud.toml (or .gitignore) changed and was reloaded; a rebuild follows. */
  'config.reload': { file: string; project: Project }
  /** wasmcloud.toml changed but is invalid: the previous settings stay in force. */
  'config.error': ErrorInfo
  /** Someone asked for a build (a change, a key press, a reconfiguration). */
  'build.request': { reason: BuildReason; files: string[] }
  'build.start': { build: number; reason: BuildReason; files: string[] }
  'build.ok': {
    build: number
    durationMs: number
    /** `sha256:<hex>` of the artifact. */
    digest: string
    artifact: string
    size: number
    cached: boolean
    signed: boolean
    /** The previous build had failed: this one fixed it. */
    recovered: boolean
  }
  'build.error': { build: number; durationMs: number } & ErrorInfo
  /** A newer change arrived during the build (or the session is stopping): its result is dropped. */
  'build.cancelled': { build: number; reason: 'superseded' | 'stopping' }
  /**
   * The host listens; requests before the first good build get a 503 explaining why. `links`: the
   * components the project links in ([[dev.overrides.imports]] naming a .wasm file), loaded with
   * every build. `manifest`: the `[[dev.manifests]]` manifest served with every build (its app
   * and the component the build stands in for, when it reads).
   */
  'host.ready': { url: string; links?: DevLinkedComponent[]; manifest?: DevManifestView }
  /**
   * A linked component's file changed on disk (absolute paths): the chain is reloaded with the
   * serving build. `manifest`: the `[[dev.manifests]]` manifest, when it is one of the files.
   */
  'link.change': { files: string[]; manifest?: string }
  /** `linkChange`: this reload is for changed linked components, not for a new build. */
  'reload.start': { build: number; linkChange?: string[] }
  /**
   * Version `version` of the component now serves every new request; `linked`: the components
   * linked to it in this version, with the digest of each file loaded; `manifest`: the
   * `[[dev.manifests]]` manifest this version serves (its components, links and address).
   */
  'reload.ok': {
    build: number
    version: number
    url: string
    digest: string
    durationMs: number
    linkChange?: string[]
    linked?: (DevLinkedComponent & { digest: string })[]
    manifest?: DevManifestView
  }
  'reload.error': { build: number; linkChange?: string[] } & ErrorInfo
  request: { method: string; path: string; status: number; durationMs: number; version?: number }
  /** Host and component log lines (wasi:logging, stderr), and notices from the controllers. */
  log: { level: 'debug' | 'info' | 'warn' | 'error'; message: string; source?: string }
  /** A failure the session cannot go on after (the port is taken, the watcher died). */
  fatal: ErrorInfo
  /** The session is shutting down. */
  stopping: { reason: 'quit' | 'signal' | 'fatal' }
}

export type DevEventType = keyof DevEventMap

/** One event as delivered to listeners and printed as NDJSON. */
export type DevEvent<K extends DevEventType = DevEventType> = K extends DevEventType ? { type: K; time: string } & DevEventMap[K] : never
