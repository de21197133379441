import { randomBytes } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { fsError, isWasmctlError, throwIfAborted, WasmctlError } from '../errors.js'
import { writeFileAtomic } from '../files.js'
import type { OciEvent } from '../oci/client.js'
import { printWitPackage } from './binary.js'
import {
  type OciLocation,
  type PackageLocation,
  type PackageOverride,
  ociReference,
  readOverrides,
  readPullSources,
  readWkgConfig,
  resolveLocation,
  wkgConfigFile,
} from './config.js'
import { findLocked, formatLock, lockFilePath, lockVersion, readLock, type WitLock } from './lock.js'
import { depsFolderName, formatPackage, type PackageId, requirementOf, satisfiedBy, scanWitFolder, scanWitText } from './refs.js'

/**
 * `wasmctl wit deps` and the fetch step of `build`: puts the WIT packages the project's `wit/`
 * refers to into `wit/deps/<ns>-<name>-<version>/package.wit` (wkg's layout) and records what
 * was resolved in wash's lock file. Nothing is fetched, and no registry contacted, while
 * `wit/deps` already holds every package referred to (templates ship their deps; CI may have no
 * network). With a lock entry, the package's content is taken by its digest from the OCI cache
 * when there, and a registry copy that no longer matches the lock is refused.
 */
/** What the fetch reads of a project: where its file and WIT folder are, its raw table (`[[registry.pull.sources]]`, `[overrides]`) and `[registry] credentials`. */
export interface WitDepsProject {
  file: string
  witDir: string
  raw: Record<string, unknown>
  registry?: { credentials?: string }
}

export interface FetchWitDepsOptions {
  /** Fetch every package again and rewrite `wit/deps` and the lock from scratch (wash's behaviour on every fetch). */
  update?: boolean
  cacheRoot?: string
  env?: NodeJS.ProcessEnv
  signal?: AbortSignal
  onEvent?: (event: WitDepsEvent) => void
}

export type WitDepsEvent =
  | { type: 'skip'; reason: SkipReason; message: string }
  | { type: 'package'; package: string; action: 'fetching' | 'fetched' | 'cached' | 'copied'; reference?: string }
  | { type: 'oci'; event: OciEvent }

export type SkipReason = 'satisfied' | 'deps-toml' | 'no-wit-dir'

export interface WitDepsPackage {
  /** `wasi:http@0.2.0` */
  package: string
  requirement: string
  /** `registry` (downloaded), `cache` (by the locked digest), `local` (a file:// source or an override path), `present` (already in wit/deps). */
  source: 'registry' | 'cache' | 'local' | 'present'
  /** The lock's registry name (`wasi.dev`). */
  registry?: string
  /** `ghcr.io/webassembly/wasi/http:0.2.0` */
  reference?: string
  /** Digest of the package content (its wasm layer), as the lock records it. */
  digest?: string
  /** The folder holding it under wit/deps. */
  path: string
}

export interface WitDepsResult {
  witDir: string
  depsDir: string
  /** Set when nothing was fetched, with why. */
  skipped?: SkipReason
  /** The lock file written (or left as it was when skipped). */
  lockFile?: string
  packages: WitDepsPackage[]
}

interface Staged {
  id: PackageId
  folder: string
  entry: WitDepsPackage
  /** The version fetched (differs from `id` for wash's unversioned wasi:logging). */
  resolvedVersion?: string
}

export async function fetchWitDeps(project: WitDepsProject, options: FetchWitDepsOptions = {}): Promise<WitDepsResult> {
  const { witDir } = project
  const depsDir = path.join(witDir, 'deps')
  const projectFileDir = path.dirname(project.file)
  const emit = options.onEvent ?? (() => {})
  const skip = (reason: SkipReason, message: string, packages: WitDepsPackage[] = []): WitDepsResult => {
    emit({ type: 'skip', reason, message })
    return { witDir, depsDir, skipped: reason, packages }
  }
  if (!existsSync(witDir)) return skip('no-wit-dir', `no WIT folder at ${witDir}: nothing to fetch`)
  // wash leaves projects managed by wit-deps (a deps.toml) to that tool.
  if (existsSync(path.join(witDir, 'deps.toml'))) return skip('deps-toml', `${path.join(witDir, 'deps.toml')} exists: dependencies are managed by wit-deps, not fetched`)

  const scan = scanWitFolder(witDir)
  const present = scan.deps.map((dep): WitDepsPackage => ({ package: formatPackage(dep.id), requirement: requirementOf(dep.id), source: 'present', path: dep.folder }))
  if (!options.update && scan.missing.length === 0) {
    const lockFile = lockFilePath(projectFileDir)
    return { ...skip('satisfied', 'wit/deps already holds every package the WIT refers to'), lockFile: existsSync(lockFile) ? lockFile : undefined, packages: present }
  }

  const sources = readPullSources(project.raw, project.file)
  const overrides = readOverrides(project.raw, projectFileDir)
  const wkg = readWkgConfig(wkgConfigFile(options.env))
  const lockFile = lockFilePath(projectFileDir)
  const previousLock = readLock(lockFile)
  const lock: WitLock = options.update ? { version: 1, packages: [] } : structuredClone(previousLock ?? { version: 1, packages: [] })

  // Packages kept as they are: with --update everything is fetched again, as wash does.
  const kept = options.update ? [] : scan.deps.map((dep) => dep.id)
  const queue: PackageId[] = options.update ? [...scan.root.references] : [...scan.missing]
  const staged: Staged[] = []
  const stageDir = path.join(path.dirname(witDir), `.wit-deps-${process.pid}-${randomBytes(4).toString('hex')}.tmp`)
  const known = () => [...kept, ...staged.map((item) => item.id)]
  const wellKnown = (registry: string) => readWellKnown(registry, options.signal)

  try {
    removeStaleStages(path.dirname(witDir))
    mkdirSync(stageDir, { recursive: true })
    while (queue.length > 0) {
      throwIfAborted(options.signal, 'fetching WIT dependencies')
      const wanted = queue.shift()!
      if (satisfiedBy(wanted, known())) continue
      const override = overrides[wanted.name]
      const item = override?.path
        ? stageLocal(wanted, override.path, stageDir, emit)
        : await stageFromRegistry(wanted, override, {
            location: await resolveLocation(wanted, { sources, wkg, projectFileDir, wellKnown }),
            lock: options.update ? undefined : previousLock,
            stageDir,
            project,
            options,
            emit,
          })
      staged.push(item)
      if (item.entry.digest && item.resolvedVersion) {
        lockVersion(lock, wanted.name, item.entry.registry, { requirement: item.entry.requirement, version: item.resolvedVersion, digest: item.entry.digest })
      }
      const folderText = readFolderText(path.join(stageDir, item.folder))
      for (const ref of scanWitText(folderText).references) if (!satisfiedBy(ref, known())) queue.push(ref)
    }

    // Lock entries of packages no longer in wit/deps go, as wash drops them on every fetch.
    const inUse = [...kept, ...staged.map((item) => item.id)]
    lock.packages = lock.packages
      .map((pkg) => ({ ...pkg, versions: pkg.versions.filter((version) => inUse.some((used) => used.name === pkg.name && (used.version ?? version.version) === version.version)) }))
      .filter((pkg) => pkg.versions.length > 0)

    commit(depsDir, stageDir, staged, Boolean(options.update))
    try {
      await writeFileAtomic(lockFile, formatLock(lock))
    } catch (error) {
      throw fsError(error, 'write', lockFile)
    }
  } finally {
    rmSync(stageDir, { recursive: true, force: true })
  }
  const fetched = staged.map((item) => ({ ...item.entry, path: path.join(depsDir, item.folder) }))
  const keptEntries = options.update ? [] : present
  return { witDir, depsDir, lockFile, packages: [...keptEntries, ...fetched].sort((a, b) => a.package.localeCompare(b.package)) }
}

const STAGE_NAME = /^\.wit-deps-(\d+)-[0-9a-f]{8}\.tmp(?:\.old)?$/

/** Staging folders a killed fetch left behind (its process is gone). */
function removeStaleStages(dir: string): void {
  for (const name of readdirSync(dir)) {
    const pid = Number(STAGE_NAME.exec(name)?.[1])
    if (!pid || pid === process.pid) continue
    try {
      process.kill(pid, 0)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') rmSync(path.join(dir, name), { recursive: true, force: true })
    }
  }
}

function readFolderText(folder: string): string {
  return readdirSync(folder)
    .filter((name) => name.endsWith('.wit'))
    .map((name) => readFileSyncUtf8(path.join(folder, name)))
    .join('\n')
}

function readFileSyncUtf8(file: string): string {
  return readFileSync(file, 'utf8')
}

/** A package from a local folder (wkg.toml `[overrides] path`, or a `file://` pull source). */
function stageLocal(wanted: PackageId, source: string, stageDir: string, emit: (event: WitDepsEvent) => void): Staged {
  let files: string[]
  try {
    files = statSync(source).isDirectory() ? readdirSync(source).filter((name) => name.endsWith('.wit')).map((name) => path.join(source, name)) : [source]
  } catch (error) {
    throw new WasmctlError('WIT_DEPS_NOT_FOUND', `the local source of ${formatPackage(wanted)} does not exist: ${source}`, {
      cause: error,
      hints: ['fix the path in [overrides] (wasmcloud.toml or wkg.toml) or in [[registry.pull.sources]]'],
    })
  }
  const text = files.map((file) => readFileSyncUtf8(file)).join('\n')
  const declared = scanWitText(text).declared.find((pkg) => pkg.name === wanted.name) ?? wanted
  const folder = depsFolderName(declared)
  mkdirSync(path.join(stageDir, folder), { recursive: true })
  for (const file of files) cpSync(file, path.join(stageDir, folder, path.basename(file)))
  emit({ type: 'package', package: formatPackage(declared), action: 'copied' })
  return { id: declared, folder, entry: { package: formatPackage(declared), requirement: requirementOf(wanted), source: 'local', path: source } }
}

interface RegistryStageContext {
  location: PackageLocation
  lock: WitLock | undefined
  stageDir: string
  project: WitDepsProject
  options: FetchWitDepsOptions
  emit: (event: WitDepsEvent) => void
}

async function stageFromRegistry(wanted: PackageId, override: PackageOverride | undefined, context: RegistryStageContext): Promise<Staged> {
  const { location } = context
  if (location.kind === 'local') return stageLocal(wanted, location.path, context.stageDir, context.emit)
  if (location.kind === 'unsupported') {
    throw new WasmctlError('WIT_DEPS_SOURCE_UNSUPPORTED', `the pull source "${location.source}" of ${formatPackage(wanted)} is not supported by wasmctl (oci:// and file:// are)`, {
      hints: ['publish the package to an OCI registry and use an oci:// source, or unpack it into a folder and use file://'],
    })
  }
  // wash's special case: wasmCloud hosts speak an unversioned wasi:logging, published as
  // 0.1.0-draft; wash fetches that version and writes the package back without its version.
  const unversionedLogging = wanted.name === 'wasi:logging' && wanted.version === undefined && override?.version === undefined
  if (unversionedLogging) override = { ...override, version: '=0.1.0-draft' }
  const version = exactVersion(wanted, override)
  const id: PackageId = { name: wanted.name, version }
  const requirement = override?.version ?? requirementOf(wanted)
  const reference = ociReference(location.location, id, version)
  const locked = findLocked(context.lock, wanted.name, location.location.registry, requirement)
  const { BlobCache } = await import('../oci/cache.js')
  const cache = new BlobCache(context.options.cacheRoot)

  let bytes = locked && locked.version === version ? cache.read(locked.digest) : undefined
  let digest = locked?.digest
  let source: WitDepsPackage['source'] = 'cache'
  if (bytes) {
    context.emit({ type: 'package', package: formatPackage(id), action: 'cached', reference })
  } else {
    context.emit({ type: 'package', package: formatPackage(id), action: 'fetching', reference })
    const pulled = await pull(reference, location.location, context)
    if (locked && locked.version === version && pulled.layer.digest !== locked.digest) {
      throw new WasmctlError('WIT_DEPS_DIGEST_MISMATCH', `${reference} now has content ${pulled.layer.digest}, but the lock file pins ${locked.digest}`, {
        hints: ['the package was republished under the same version; if that is expected, run `wasmctl wit deps --update` to lock the new content'],
        details: { reference, expected: locked.digest, actual: pulled.layer.digest },
      })
    }
    bytes = pulled.bytes
    digest = pulled.layer.digest
    source = 'registry'
    context.emit({ type: 'package', package: formatPackage(id), action: 'fetched', reference })
  }

  let printed
  try {
    printed = printWitPackage(bytes)
  } catch (error) {
    if (isWasmctlError(error)) throw new WasmctlError(error.code, `${reference}: ${error.message}`, { hints: error.hints, cause: error })
    throw error
  }
  if (printed.name !== id.name || printed.version !== id.version) {
    throw new WasmctlError('WIT_DEPS_MALFORMED', `${reference} holds the package ${formatPackage({ name: printed.name, version: printed.version })}, not ${formatPackage(id)}`, {
      hints: ['the registry mapping points at the wrong repository; check [[registry.pull.sources]] and the wkg config'],
    })
  }
  const folder = depsFolderName(id)
  const written = unversionedLogging ? { name: id.name } : id
  const text = unversionedLogging ? printed.text.replace(`package ${formatPackage(id)};`, `package ${id.name};`) : printed.text
  mkdirSync(path.join(context.stageDir, folder), { recursive: true })
  writeFileSync(path.join(context.stageDir, folder, 'package.wit'), text)
  return {
    id: written,
    folder,
    resolvedVersion: version,
    entry: { package: formatPackage(written), requirement, source, registry: location.location.registry, reference, digest, path: '' },
  }
}

/** The one version a requirement allows: WIT references name exact versions (`=0.2.0`). */
function exactVersion(wanted: PackageId, override: PackageOverride | undefined): string {
  const requirement = override?.version
  if (requirement !== undefined) {
    const exact = /^=?\s*(\d+\.\d+\.\d+\S*)$/.exec(requirement)
    if (exact) return exact[1]
    throw new WasmctlError('WIT_DEPS_VERSION_UNSUPPORTED', `the version override "${requirement}" of ${wanted.name} is a range; wasmctl resolves exact versions only`, {
      hints: [`write an exact version in [overrides."${wanted.name}"] version, e.g. "=0.2.0"`],
    })
  }
  if (wanted.version) return wanted.version
  throw new WasmctlError('WIT_DEPS_VERSION_UNSUPPORTED', `the WIT refers to ${wanted.name} without a version, and wasmctl fetches exact versions only`, {
    hints: [`add the version to the reference (e.g. ${wanted.name}/iface@0.2.0), set [overrides."${wanted.name}"] version = "=x.y.z", or put the package under wit/deps yourself`],
  })
}

async function pull(reference: string, location: OciLocation, context: RegistryStageContext) {
  const { pullComponent } = await import('../oci/pull.js')
  const env = context.options.env ?? process.env
  try {
    return await pullComponent({
      reference,
      cacheRoot: context.options.cacheRoot,
      insecure: location.insecure,
      user: location.user ?? (env.WASMCTL_REG_USER || env.WASH_REG_USER || undefined),
      password: location.user !== undefined ? location.password : env.WASMCTL_REG_PASSWORD || env.WASH_REG_PASSWORD || undefined,
      projectCredentialsFile: context.project.registry?.credentials,
      env,
      signal: context.options.signal,
      onEvent: (event) => context.emit({ type: 'oci', event }),
    })
  } catch (error) {
    throw witDepsError(error, reference)
  }
}

/** Registry failures said in terms of the dependency being fetched. */
function witDepsError(error: unknown, reference: string): unknown {
  if (!isWasmctlError(error)) return error
  const offline = 'build without fetching with `wasmctl build --skip-fetch` when wit/deps is complete'
  switch (error.code) {
    case 'OCI_NOT_FOUND':
      return new WasmctlError('WIT_DEPS_NOT_FOUND', `WIT package ${reference} was not found: ${error.message}`, {
        cause: error,
        hints: ['check the package name and version in your WIT', 'point the namespace at the right registry with [[registry.pull.sources]] in wasmcloud.toml'],
      })
    case 'OCI_UNREACHABLE':
    case 'OCI_TIMEOUT':
      // The registry's own hints name push/pull flags; here the fix is the source mapping or working offline.
      return new WasmctlError('WIT_DEPS_UNREACHABLE', `cannot fetch WIT package ${reference}: ${error.message}`, {
        cause: error,
        hints: [
          'check the network, or point the namespace at a registry you can reach with [[registry.pull.sources]] in wasmcloud.toml (oci://host/prefix; http:// is used for localhost, or set protocol = "http" in the wkg config)',
          offline,
        ],
      })
    case 'OCI_UNSUPPORTED_ARTIFACT':
      return new WasmctlError('WIT_DEPS_MALFORMED', `${reference} is not a WIT package: ${error.message}`, { cause: error, hints: ['the repository holds something other than a wasm-encoded WIT package'] })
    default:
      return error
  }
}

/** Moves the staged packages into wit/deps: one rename per package, or a swap of the whole folder with --update. */
function commit(depsDir: string, stageDir: string, staged: Staged[], replaceAll: boolean): void {
  const trash = `${stageDir}.old`
  try {
    if (replaceAll) {
      const fresh = path.join(stageDir, '.deps')
      mkdirSync(fresh)
      for (const item of staged) renameSync(path.join(stageDir, item.folder), path.join(fresh, item.folder))
      if (existsSync(depsDir)) renameSync(depsDir, trash)
      renameSync(fresh, depsDir)
      return
    }
    mkdirSync(depsDir, { recursive: true })
    for (const item of staged) {
      const target = path.join(depsDir, item.folder)
      if (existsSync(target)) {
        mkdirSync(trash, { recursive: true })
        renameSync(target, path.join(trash, item.folder))
      }
      renameSync(path.join(stageDir, item.folder), target)
    }
  } catch (error) {
    throw fsError(error, 'write', depsDir)
  } finally {
    rmSync(trash, { recursive: true, force: true })
  }
}

/** `https://<registry>/.well-known/wasm-pkg/registry.json`; undefined when there is none. */
async function readWellKnown(registry: string, signal?: AbortSignal): Promise<{ registry?: string; namespacePrefix?: string } | undefined> {
  const { httpRequest } = await import('../oci/http.js')
  try {
    const response = await httpRequest(`https://${registry}/.well-known/wasm-pkg/registry.json`, {
      method: 'GET',
      headers: { accept: 'application/json', 'user-agent': 'wasmctl' },
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(10_000)]) : AbortSignal.timeout(10_000),
    })
    if (response.status !== 200) {
      await response.body.cancel()
      return undefined
    }
    const chunks: Buffer[] = []
    for await (const chunk of response.body) chunks.push(Buffer.from(chunk))
    const document = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>
    const oci = (document.oci ?? {}) as Record<string, unknown>
    const ociRegistry = (oci.registry ?? document.ociRegistry) as string | undefined
    const namespacePrefix = (oci.namespacePrefix ?? document.ociNamespacePrefix) as string | undefined
    return { ...(typeof ociRegistry === 'string' ? { registry: ociRegistry } : {}), ...(typeof namespacePrefix === 'string' ? { namespacePrefix } : {}) }
  } catch {
    return undefined
  }
}
