import { mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

import { projectSignTags, resolveKeyDirectory, signWasmFile } from '../claims/sign.js'
import { fsError, throwIfAborted, WasmctlError } from '../errors.js'
import { writeFileAtomic } from '../files.js'
import { type Project, projectArtifacts } from '../project/index.js'
import type { ComponentWorld } from '../wasm/world.js'
import type { WitDepsEvent } from '../wit/fetch.js'
import {
  type CacheRecord,
  type OutputRecord,
  hashBuildInputs,
  outputUnchanged,
  readCacheRecord,
  recordOutput,
  signingFingerprint,
  writeCacheRecord,
} from './cache.js'
import { detectDriver } from './detect.js'
import { jsToolchainVersions, reproducibleBuilds } from './reproducible.js'
import type { BuildEvent } from './events.js'
import { checkToolchain, type ToolchainStatus, toolchainStamp } from './toolchains.js'
import { validateArtifact } from './validate.js'

/**
 * `wasmctl build` as a library call: detect the toolchain, check it is installed, build (or reuse
 * the cached build), check the output is a component exporting the project's world, and sign it
 * like `wash build`. The dev loop calls this repeatedly in one process; the JS toolchain stays
 * loaded between calls.
 */
export interface BuildProjectOptions {
  /** Skip signing (`--build-only`). */
  buildOnly?: boolean
  /** Sign the existing unsigned artifact without building (`--sign-only`). */
  signOnly?: boolean
  /** Ignore the build cache (`--no-cache`). */
  noCache?: boolean
  /** Do not fetch missing WIT dependencies into wit/deps first (`--skip-fetch`). */
  skipFetch?: boolean
  /** Progress of that fetch (packages fetched, registry notices). */
  onWitDepsEvent?: (event: WitDepsEvent) => void
  /**
   * Keep componentize-js output in this folder by the hash of its inputs (bundle, WIT, world,
   * version), shared by every project: CI and test suites rebuild identical sources for free.
   */
  componentizeCache?: string
  signing?: {
    /** `--keys-directory`; the usual resolution applies when absent. */
    keysDirectory?: string
    /** Account seed or seed file (`--issuer`); default `<user>_account` in the key directory. */
    issuer?: string
    /** Module seed or seed file (`--subject`); default `<name>_module` in the key directory. */
    subject?: string
    /** Fail instead of generating missing keys. */
    disableKeygen?: boolean
  }
  signal?: AbortSignal
  onEvent?: (event: BuildEvent) => void
}

export interface BuildResult {
  component: string
  /** The file to push or run: the signed component, or the unsigned one with --build-only. */
  artifact: string
  signed: boolean
  /** Lower-case hex sha256 of `artifact`. */
  sha256: string
  size: number
  world: ComponentWorld
  language: string
  /** `versions`: for JavaScript, every package (and Node) whose version must match to reproduce the bytes. */
  toolchain: { name: string; version: string | null; versions?: Record<string, string> }
  durationMs: number
  cached: boolean
}

export async function buildProject(project: Project, options: BuildProjectOptions = {}): Promise<BuildResult> {
  const started = performance.now()
  if (options.buildOnly && options.signOnly) {
    throw new WasmctlError('USAGE', '--build-only and --sign-only cannot be used together', {
      hints: ['use --build-only to skip signing, or --sign-only to sign the last build'],
    })
  }
  const { driver, language } = detectDriver(project)
  const artifacts = projectArtifacts(project)
  // Keys in the order the JSON contract lists them.
  const finish = (fields: Omit<BuildResult, 'durationMs' | 'component' | 'language'>): BuildResult => ({
    component: project.name,
    artifact: fields.artifact,
    signed: fields.signed,
    sha256: fields.sha256,
    size: fields.size,
    world: fields.world,
    language,
    toolchain: fields.toolchain,
    durationMs: Math.round(performance.now() - started),
    cached: fields.cached,
  })

  const keysDirectory = options.buildOnly ? undefined : resolveKeyDirectory({ flag: options.signing?.keysDirectory, project })
  const signingKey = () => signingFingerprint({ ...options.signing, keysDirectory: keysDirectory!, tags: projectSignTags(project) })

  if (options.signOnly) {
    const bytes = readArtifact(artifacts.unsigned)
    const { world } = validateArtifact(bytes, { artifact: artifacts.unsigned, witDir: project.witDir, witWorld: project.component.witWorld })
    const record = readCacheRecord(project)
    const signed = await sign(project, artifacts, keysDirectory!, options, claimedToolchain(record?.toolchain))
    return finish({
      artifact: signed.path,
      signed: true,
      sha256: signed.sha256,
      size: signed.size,
      world,
      toolchain: record?.toolchain ?? { name: driver.toolchain, version: null },
      cached: false,
    })
  }

  if (!options.skipFetch) {
    // As `wash build`: fetch the WIT packages wit/ refers to; a no-op (no network) when wit/deps has them all.
    const { fetchWitDeps } = await import('../wit/fetch.js')
    await fetchWitDeps(project, { signal: options.signal, onEvent: options.onWitDepsEvent })
    throwIfAborted(options.signal, 'build')
  }

  const checkOptions = {
    command: project.component.buildCommand,
    executable: driver.toolchain === 'cargo' ? project.rust.cargoPath : driver.toolchain === 'tinygo' ? project.tinygo.tinygoPath : undefined,
  }
  const checkKey = JSON.stringify([driver.toolchain, checkOptions])
  const previous = options.noCache ? undefined : readCacheRecord(project)
  const status = reusableToolchainStatus(previous, checkKey) ?? (await checkToolchain(driver.toolchain, checkOptions))
  options.onEvent?.({ type: 'toolchain', status })
  if (!status.present) throw toolchainMissing(status, language)
  const toolchain = {
    name: status.name,
    version: status.version ?? null,
    ...(driver.toolchain === 'componentize-js' ? { versions: jsToolchainVersions(reproducibleBuilds()) } : {}),
  }

  const inputs = hashBuildInputs({
    project,
    driver: driver.toolchain,
    toolchain: { name: status.name, path: status.path, version: status.version },
    outputs: [artifacts.unsigned, artifacts.signed],
    // A build from before reproducible snapshots (or with another Node/esbuild) is not this build.
    ...(toolchain.versions ? { extra: { versions: toolchain.versions } } : {}),
  })
  const signing = keysDirectory ? signingKey() : undefined

  const reusable = previous?.inputs === inputs && outputUnchanged(previous.unsigned, artifacts.unsigned) ? previous : undefined
  if (reusable) {
    const cached = cachedBuild(reusable, { signing, signedPath: artifacts.signed })
    if (cached) {
      options.onEvent?.({ type: 'cached', artifact: cached.artifact })
      return finish({ ...cached, toolchain, cached: true })
    }
    // The build is current but its signature is not (a --build-only run, new keys): sign only.
    options.onEvent?.({ type: 'step', step: 'sign', message: 'no source changes since the last build: signing it again' })
    const signed = await sign(project, artifacts, keysDirectory!, options, claimedToolchain(toolchain))
    await writeCacheRecord(project, { ...reusable, signed: { ...signed, signing: signingKey() } })
    const { world } = reusable
    return finish({ artifact: signed.path, signed: true, sha256: signed.sha256, size: signed.size, world, toolchain, cached: false })
  }

  throwIfAborted(options.signal, 'build')
  const output = await driver.build({
    project,
    status,
    unsignedPath: artifacts.unsigned,
    componentizeCache: options.componentizeCache,
    signal: options.signal,
    onEvent: options.onEvent,
  })
  throwIfAborted(options.signal, 'build')

  options.onEvent?.({ type: 'step', step: 'validate', message: 'checking the component and its world' })
  const { world, warnings } = validateArtifact(output.bytes, {
    artifact: output.writtenInPlace ? artifacts.unsigned : `the ${driver.toolchain} output`,
    witDir: project.witDir,
    witWorld: project.component.witWorld,
    coreModuleHints: driver.coreModuleHints,
  })
  for (const message of warnings) options.onEvent?.({ type: 'warning', message })
  if (!output.writtenInPlace) await writeArtifact(artifacts.unsigned, output.bytes)
  const unsigned = recordOutput(artifacts.unsigned, output.bytes)

  const toolchainStatus = { ...status, stamp: toolchainStamp(status), key: checkKey }
  const record: CacheRecord = { format: 1, inputs, language, toolchain, toolchainStatus, world, unsigned }
  if (options.buildOnly) {
    await writeCacheRecord(project, record)
    return finish({ artifact: unsigned.path, signed: false, sha256: unsigned.sha256, size: unsigned.size, world, toolchain, cached: false })
  }
  throwIfAborted(options.signal, 'build')
  const signed = await sign(project, artifacts, keysDirectory!, options, claimedToolchain(toolchain))
  // Taken after signing: it may have generated the keys.
  record.signed = { ...signed, signing: signingKey() }
  await writeCacheRecord(project, record)
  return finish({ artifact: signed.path, signed: true, sha256: signed.sha256, size: signed.size, world, toolchain, cached: false })
}

/**
 * The toolchain check the previous build recorded, while nothing it rests on changed: probing
 * clang or cargo costs a few hundred milliseconds, more than the whole no-op build may take.
 */
function reusableToolchainStatus(record: CacheRecord | undefined, key: string): ToolchainStatus | undefined {
  const saved = record?.toolchainStatus
  if (!saved || saved.key !== key || !saved.present) return undefined
  const { stamp, key: _key, ...status } = saved
  return toolchainStamp(status) === stamp ? status : undefined
}

/** The previous build's result, when its signature (or the lack of one) is what this build wants. */
function cachedBuild(
  record: CacheRecord,
  expected: { signing?: string; signedPath: string },
): Pick<BuildResult, 'artifact' | 'signed' | 'sha256' | 'size' | 'world'> | undefined {
  if (expected.signing === undefined) {
    const { path: artifact, sha256, size } = record.unsigned
    return { artifact, signed: false, sha256, size, world: record.world }
  }
  if (record.signed?.signing !== expected.signing || !outputUnchanged(record.signed, expected.signedPath, true)) return undefined
  const { path: artifact, sha256, size } = record.signed
  return { artifact, signed: true, sha256, size, world: record.world }
}

/** What the claims record of the toolchain: every pinned JS package, else the toolchain's own version. */
function claimedToolchain(toolchain: { name: string; version: string | null; versions?: Record<string, string> } | undefined): Record<string, string> | undefined {
  if (!toolchain) return undefined
  if (toolchain.versions) return toolchain.versions
  return toolchain.version ? { [toolchain.name]: toolchain.version } : undefined
}

async function sign(
  project: Project,
  artifacts: { unsigned: string; signed: string },
  keysDirectory: string,
  options: BuildProjectOptions,
  toolchainVersions?: Record<string, string>,
): Promise<OutputRecord> {
  options.onEvent?.({ type: 'step', step: 'sign', message: `signing ${path.basename(artifacts.signed)}` })
  const result = await signWasmFile({
    input: artifacts.unsigned,
    output: artifacts.signed,
    project,
    tags: projectSignTags(project),
    callAlias: project.component.callAlias,
    toolchain: toolchainVersions,
    issuer: options.signing?.issuer,
    subject: options.signing?.subject,
    keysDirectory,
    disableKeygen: options.signing?.disableKeygen ?? false,
    signal: options.signal,
    onEvent: (event) => options.onEvent?.({ type: 'signing', event }),
  })
  return recordOutput(result.output)
}

function readArtifact(file: string): Uint8Array {
  try {
    return readFileSync(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new WasmctlError('BUILD_ARTIFACT_MISSING', `there is no build to sign: ${file} does not exist`, {
        hints: ['run `wasmctl build` (or `wasmctl build --build-only`) first'],
        details: { artifact: file },
      })
    }
    throw fsError(error, 'read', file)
  }
}

/** Written to a temporary file and renamed, so readers never see half a component. */
async function writeArtifact(file: string, bytes: Uint8Array): Promise<void> {
  try {
    mkdirSync(path.dirname(file), { recursive: true })
    await writeFileAtomic(file, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  } catch (error) {
    throw fsError(error, 'write', file)
  }
}

function toolchainMissing(status: ToolchainStatus, language: string): WasmctlError {
  const missing = status.missing ?? [status.name]
  return new WasmctlError('BUILD_TOOLCHAIN_MISSING', `cannot build this ${language} project: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not installed`, {
    hints: [status.install],
    details: { toolchain: status.name, missing, install: status.install },
  })
}
