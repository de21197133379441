import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'

import { writeFileAtomic } from '../files.js'
import { sha256Hex } from '../input.js'
import type { Project } from '../project/index.js'
import { isInside } from '../project/paths.js'
import type { ComponentWorld } from '../wasm/world.js'
import type { ToolchainStatus } from './toolchains.js'

/**
 * The build cache: a record in the build folder of what the last build read (a hash of the
 * sources, WIT, project file and toolchain) and what it wrote (paths, sizes, digests). When the
 * inputs hash again to the same value and the outputs are still the files the record describes,
 * `build` returns them without running the toolchain.
 */
export const CACHE_FILE = '.wasmctl-build.json'
const CACHE_FORMAT = 1

/** Folders that hold outputs, dependencies or VCS data, never sources the build reads directly. */
const SKIPPED_DIRS = new Set(['node_modules', 'target', '.git', '.hg', '.svn', '.wasmctl', '.cache'])
/** Environment variables that change what a toolchain produces. */
const TOOLCHAIN_ENV = ['RUSTFLAGS', 'CARGO_ENCODED_RUSTFLAGS', 'CFLAGS', 'LDFLAGS', 'GOFLAGS', 'WASI_SDK_PATH', 'WASI_SYSROOT', 'SOURCE_DATE_EPOCH', 'WASMCTL_REPRODUCIBLE', 'WASMCTL_REPRODUCIBLE_SEED']

export interface OutputRecord {
  path: string
  size: number
  mtimeMs: number
  sha256: string
}

export interface CacheRecord {
  format: number
  inputs: string
  language: string
  toolchain: { name: string; version: string | null }
  /** The toolchain check this build ran, reused while `toolchainStamp` still matches. */
  toolchainStatus?: ToolchainStatus & { stamp: string; key: string }
  world: ComponentWorld
  unsigned: OutputRecord
  /** Present when the last build signed; `signing` identifies the keys and claims used. */
  signed?: OutputRecord & { signing: string }
}

export interface CacheInputs {
  project: Project
  driver: string
  toolchain: { name: string; path?: string; version?: string }
  /** Files the build writes (excluded from the hash even when they live among the sources). */
  outputs: string[]
  /** Anything else that changes the output (the chosen wasm target, for instance). */
  extra?: unknown
}

export function hashTree(hash: ReturnType<typeof createHash>, dir: string, skip: Set<string> = new Set(), base = dir): void {
  let entries: string[]
  try {
    entries = readdirSync(dir).sort()
  } catch {
    return
  }
  for (const entry of entries) {
    const full = path.join(dir, entry)
    if (skip.has(full)) continue
    let info
    try {
      info = statSync(full)
    } catch {
      continue
    }
    if (info.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry)) hashTree(hash, full, skip, base)
    } else if (info.isFile()) {
      hash.update(path.relative(base, full)).update('\0').update(readFileSync(full)).update('\0')
    }
  }
}

/** A digest of everything the build reads; any change to a source, the WIT or the toolchain changes it. */
export function hashBuildInputs(inputs: CacheInputs): string {
  const { project } = inputs
  const hash = createHash('sha256')
  const env = Object.fromEntries(TOOLCHAIN_ENV.map((name) => [name, process.env[name] ?? null]))
  hash.update(JSON.stringify({ format: CACHE_FORMAT, driver: inputs.driver, toolchain: inputs.toolchain, env, extra: inputs.extra ?? null }))
  const skip = new Set([project.buildDir, ...inputs.outputs, ...(project.rust.targetPath ? [project.rust.targetPath] : [])])
  hashTree(hash, project.dir, skip, project.dir)
  // The project file and the WIT may live outside the project folder (`path`, `wit`).
  if (!isInside(project.file, project.dir)) hash.update('file\0').update(readFileSync(project.file))
  if (!isInside(project.witDir, project.dir) && existsSync(project.witDir)) hashTree(hash.update('wit\0'), project.witDir, skip, project.witDir)
  return hash.digest('hex')
}

export function cacheFile(project: Project): string {
  return path.join(project.buildDir, CACHE_FILE)
}

export function readCacheRecord(project: Project): CacheRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(cacheFile(project), 'utf8')) as CacheRecord
    return record.format === CACHE_FORMAT ? record : undefined
  } catch {
    return undefined
  }
}

export async function writeCacheRecord(project: Project, record: CacheRecord): Promise<void> {
  try {
    mkdirSync(project.buildDir, { recursive: true })
    await writeFileAtomic(cacheFile(project), JSON.stringify(record, null, 2) + '\n')
  } catch {
    // A cache that cannot be written only costs the next build its shortcut.
  }
}


/** Describes a file the build wrote; `bytes` avoids reading it again when the caller has them. */
export function recordOutput(file: string, bytes?: Uint8Array): OutputRecord {
  const info = statSync(file)
  return { path: file, size: info.size, mtimeMs: info.mtimeMs, sha256: sha256Hex(bytes ?? readFileSync(file)) }
}

/**
 * Whether `file` is still the output the record describes. Size and modification time decide for
 * the unsigned file (cheap); `verifyDigest` rehashes it (the signed file, whose digest the result
 * reports anyway).
 */
export function outputUnchanged(record: OutputRecord | undefined, file: string, verifyDigest = false): boolean {
  if (!record || record.path !== file) return false
  try {
    const info = statSync(file)
    if (info.size !== record.size || info.mtimeMs !== record.mtimeMs) return false
    return !verifyDigest || sha256Hex(readFileSync(file)) === record.sha256
  } catch {
    return false
  }
}

/**
 * What the signature depends on besides the project file: the key directory, the keys given on the
 * command line, and the key files themselves (name, size, time; never their contents in clear).
 */
export function signingFingerprint(options: { keysDirectory: string; issuer?: string; subject?: string; tags: string[] }): string {
  const hash = createHash('sha256')
  hash.update(JSON.stringify({ dir: options.keysDirectory, tags: options.tags }))
  // A seed given literally is hashed, never stored.
  for (const given of [options.issuer, options.subject]) hash.update('\0').update(given ?? '')
  try {
    for (const entry of readdirSync(options.keysDirectory).sort()) {
      if (!entry.endsWith('.nk')) continue
      const info = statSync(path.join(options.keysDirectory, entry))
      hash.update(`\0${entry}:${info.size}:${info.mtimeMs}`)
    }
  } catch {
    // No key directory yet: signing will create the keys, and the fingerprint changes then.
  }
  return hash.digest('hex')
}
