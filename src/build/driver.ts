import type { Project } from '../project/index.js'
import type { BuildEvent } from './events.js'
import type { ToolchainName, ToolchainStatus } from './toolchains.js'

/**
 * One language toolchain. A driver returns the component's bytes; it never writes the project's
 * artifact itself: `buildProject` validates the bytes first and then writes them atomically, so a
 * failed or interrupted build never leaves a partial artifact behind.
 */
export interface DriverContext {
  project: Project
  status: ToolchainStatus
  /** Where the unsigned artifact goes (a custom build command writes it there itself). */
  unsignedPath: string
  /** A folder where componentize-js output is kept by the hash of its inputs (CI and test caches). */
  componentizeCache?: string
  signal?: AbortSignal
  onEvent?: (event: BuildEvent) => void
}

export interface DriverOutput {
  bytes: Uint8Array
  /** True when a custom build command already wrote `unsignedPath` (nothing to write unless adapted). */
  writtenInPlace?: boolean
  /** Set when a preview1 core module was adapted into a component. */
  adapted?: 'command' | 'reactor'
}

export interface Driver {
  toolchain: ToolchainName
  /** The `language` reported in the result. */
  language: string
  build(context: DriverContext): Promise<DriverOutput>
  /** Hints for an output that is a core module rather than a component. */
  coreModuleHints?: string[]
}
