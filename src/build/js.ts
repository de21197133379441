import { createHash } from 'node:crypto'
import { createWriteStream, existsSync } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { syncBuiltinESMExports } from 'node:module'
import path from 'node:path'

import { interrupted, isWasmctlError, throwIfAborted, WasmctlError } from '../errors.js'
import type { Project } from '../project/index.js'
import { hashTree } from './cache.js'
import type { DriverContext, DriverOutput } from './driver.js'
import { jsToolchainVersions, reproducibleBuilds, reproducibleSettings, writeWizerWrapper } from './reproducible.js'
import { withWorkDir } from './run.js'

/**
 * JavaScript and TypeScript: esbuild bundles the entry (stripping TypeScript types and pulling in
 * npm dependencies) into one ES module, then componentize-js turns it into a component for the
 * project's WIT world, in this process. componentize-js is imported once and kept: a second build
 * in the same process (the dev loop) is about twice as fast.
 */
export const JS_ENTRIES = ['src/index.ts', 'src/index.js', 'src/index.mts', 'src/index.mjs', 'index.ts', 'index.js', 'app.js'] as const

type ComponentizeModule = typeof import('@bytecodealliance/componentize-js')
let componentizeModule: Promise<ComponentizeModule> | undefined

function loadComponentize(): Promise<ComponentizeModule> {
  componentizeModule ??= import('@bytecodealliance/componentize-js').then(
    (module) => {
      routeComponentizeStdoutToStderr()
      return module
    },
    (error) => {
      componentizeModule = undefined
      throw error
    },
  )
  return componentizeModule
}

/**
 * componentize-js runs wizer with `stdio: [null, stdout, 'pipe']`, where `stdout` is its import of
 * node:process: whatever the component prints while it is snapshotted would land on wasmctl's
 * stdout and break `--json`. Re-point that builtin binding at stderr (syncBuiltinESMExports), then
 * restore process.stdout for everyone else, all synchronously so nothing writes in between.
 */
function routeComponentizeStdoutToStderr(): void {
  const original = Object.getOwnPropertyDescriptor(process, 'stdout')
  if (!original) return
  // A stream on fd 2 rather than process.stderr: in a worker thread that is no file descriptor.
  const stderrStream = createWriteStream('', { fd: 2, autoClose: false })
  Object.defineProperty(process, 'stdout', { value: stderrStream, configurable: true, writable: true })
  syncBuiltinESMExports()
  Object.defineProperty(process, 'stdout', original)
}

export function findJsEntry(project: Project): string | undefined {
  for (const entry of JS_ENTRIES) {
    const full = path.join(project.dir, entry)
    if (existsSync(full)) return full
  }
  return undefined
}

export async function buildJs(context: DriverContext): Promise<DriverOutput> {
  const { project, status, signal, onEvent } = context
  const entry = findJsEntry(project)
  if (!entry) {
    throw new WasmctlError('BUILD_FAILED', `no JavaScript or TypeScript entry in ${project.dir}`, {
      hints: [`create ${JS_ENTRIES.slice(0, 2).join(' or ')}`],
      details: { looked: JS_ENTRIES },
    })
  }
  if (!existsSync(project.witDir)) {
    throw new WasmctlError('BUILD_WIT_MISSING', `the WIT folder ${project.witDir} does not exist`, {
      hints: ['add the world the component implements under wit/ (or point `wit` in wasmcloud.toml at it)'],
      details: { witDir: project.witDir },
    })
  }
  // The bundle gets its own folder: componentize-js maps the entry's folder into the build sandbox.
  return withWorkDir('wasmctl-js-', async (workDir) => {
    onEvent?.({ type: 'step', step: 'bundle', message: `bundling ${path.relative(project.dir, entry)} with esbuild` })
    const bundlePath = path.join(workDir, `${path.basename(entry).replace(/\.[mc]?[jt]s$/, '')}.js`)
    const { code, sourceMap } = await bundle(entry, project.dir, bundlePath)
    await writeFile(bundlePath, code)
    throwIfAborted(signal, 'build')

    const started = new Date()
    const reproducible = reproducibleBuilds()
    try {
      const cacheKey = { version: status.version, wizer: reproducible ? jsToolchainVersions(true) : null }
      const cached = context.componentizeCache ? await componentizeCacheEntry(context.componentizeCache, code, project, cacheKey) : undefined
      if (cached?.bytes) {
        onEvent?.({ type: 'step', step: 'componentize', message: `reusing componentize-js output ${path.basename(cached.file)}` })
        return { bytes: cached.bytes }
      }
      onEvent?.({ type: 'step', step: 'componentize', message: `componentize-js: world ${project.component.witWorld ?? '(default)'}` })
      const { componentize } = await loadComponentize()
      throwIfAborted(signal, 'build')
      const wizerBin = reproducible ? await writeWizerWrapper(workDir, reproducibleSettings()) : undefined
      const { component } = await componentize({
        sourcePath: bundlePath,
        witPath: project.witDir,
        worldName: project.component.witWorld,
        // componentize-js bakes this environment into the snapshot; never pass the build's own.
        env: {},
        ...(wizerBin ? { wizerBin } : {}),
      })
      if (cached) await saveComponentizeOutput(cached.file, component)
      return { bytes: component }
    } catch (error) {
      if (isWasmctlError(error)) throw error
      await removeComponentizeLeftovers(started)
      // Ctrl-C reaches wizer (a synchronous child in our process group) before our own handler runs.
      if (signal?.aborted || /killed by signal: SIG(INT|TERM)/.test(String((error as Error)?.message))) throw interrupted('build')
      throw await componentizeError(error, project, { bundlePath, sourceMap })
    }
  })
}

/** The cache file for this bundle, WIT and world, and its bytes when a previous build stored them. */
async function componentizeCacheEntry(
  dir: string,
  code: string,
  project: Project,
  key: { version: string | undefined; wizer: unknown },
): Promise<{ file: string; bytes?: Uint8Array }> {
  const hash = createHash('sha256').update(
    JSON.stringify({ componentize: key.version ?? null, world: project.component.witWorld ?? null, ...(key.wizer ? { wizer: key.wizer } : {}) }),
  )
  hash.update('\0').update(code).update('\0')
  hashTree(hash, project.witDir)
  const file = path.join(dir, `${hash.digest('hex').slice(0, 40)}.wasm`)
  try {
    return { file, bytes: await readFile(file) }
  } catch {
    return { file }
  }
}

async function saveComponentizeOutput(file: string, component: Uint8Array): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true })
    const temp = `${file}.${process.pid}.tmp`
    await writeFile(temp, component)
    await rename(temp, file)
  } catch {
    // The cache only saves time; a build never fails because of it.
  }
}

/** esbuild with the settings every JS build uses (`wasmctl build` and the dev fast path); nothing is written to `outfile`. */
export async function bundle(entry: string, projectDir: string, outfile: string): Promise<{ code: string; sourceMap: string }> {
  const esbuild = await import('esbuild')
  try {
    const result = await esbuild.build({
      entryPoints: [entry],
      absWorkingDir: projectDir,
      outfile,
      bundle: true,
      format: 'esm',
      // StarlingMonkey offers web APIs (fetch, Request, URL, TextEncoder), so packages resolve to
      // their browser builds, and Node built-ins fail here with a clear esbuild error.
      platform: 'browser',
      target: 'es2022',
      // Kept in memory to map errors raised while componentize-js runs the bundle back to the sources.
      sourcemap: 'external',
      write: false,
      logLevel: 'silent',
      plugins: [witImportsExternal],
    })
    const code = result.outputFiles.find((file) => file.path.endsWith('.js'))?.text ?? ''
    const sourceMap = result.outputFiles.find((file) => file.path.endsWith('.map'))?.text ?? ''
    return { code, sourceMap }
  } catch (error) {
    throw bundleError(error, entry, projectDir)
  }
}

/** `import { log } from 'wasi:logging/logging'` names a WIT import, resolved by componentize-js, not a file. */
const witImportsExternal = {
  name: 'wit-imports-external',
  setup(build: { onResolve(options: { filter: RegExp }, callback: (args: { path: string }) => { path: string; external: boolean }): void }) {
    build.onResolve({ filter: /^[a-z][a-z0-9-]*:[a-z][a-z0-9-]*\// }, (args) => ({ path: args.path, external: true }))
  },
}

interface EsbuildMessage {
  text: string
  location?: { file: string; line: number; column: number; lineText: string } | null
}

/** esbuild's errors as `src/index.js:3:14: message`, the first one in the message and all in details. */
function bundleError(error: unknown, entry: string, projectDir: string): WasmctlError {
  const messages = ((error as { errors?: EsbuildMessage[] }).errors ?? []).slice(0, 10)
  if (messages.length === 0) {
    return new WasmctlError('BUILD_FAILED', `esbuild failed on ${path.relative(projectDir, entry)}: ${(error as Error).message}`, { cause: error })
  }
  const formatted = messages.map((message) => {
    const where = message.location ? `${message.location.file}:${message.location.line}:${message.location.column + 1}: ` : ''
    return `${where}${message.text}`
  })
  const first = messages[0].location
  const more = formatted.length > 1 ? ` (and ${formatted.length - 1} more error${formatted.length > 2 ? 's' : ''})` : ''
  return new WasmctlError('BUILD_FAILED', `JavaScript build failed: ${formatted[0]}${more}`, {
    cause: error,
    hints: [first ? `fix ${first.file}:${first.line} and build again` : 'fix the error and build again'],
    details: {
      tool: 'esbuild',
      errors: messages.map((message) => ({
        text: message.text,
        file: message.location?.file,
        line: message.location?.line,
        column: message.location ? message.location.column + 1 : undefined,
        lineText: message.location?.lineText,
      })),
    },
  })
}

async function componentizeError(error: unknown, project: Project, bundle: { bundlePath: string; sourceMap: string }): Promise<WasmctlError> {
  const toSource = await sourcePositionMapper(bundle, project.dir)
  const lines = String((error as Error)?.message ?? error)
    .split('\n')
    .map((line) => toSource(line.trim()))
    .filter(Boolean)
  const isWorldError = /\b(world|wit|package|interface)\b/i.test(lines.join('\n'))
  // The first line says what failed; the JS error that caused it (code that throws while the
  // snapshot is taken) is usually further down, so it is quoted too.
  const cause = lines.slice(1).find((line) => /error/i.test(line))
  return new WasmctlError('BUILD_FAILED', `componentize-js failed: ${lines[0] ?? 'unknown error'}${cause ? ` (${cause})` : ''}`, {
    cause: error,
    hints: isWorldError
      ? [`check [component] wit_world ("${project.component.witWorld ?? ''}") and the files in ${path.basename(project.witDir)}/`]
      : ['top-level code runs at build time: fix the first error it reports'],
    details: { tool: 'componentize-js', output: lines.slice(0, 40) },
  })
}

/** Rewrites `index.js:12:7` positions in the bundle to `src/handler.ts:3:9` in the project's sources. */
async function sourcePositionMapper(bundle: { bundlePath: string; sourceMap: string }, projectDir: string): Promise<(line: string) => string> {
  if (!bundle.sourceMap) return (line) => line
  const { SourceMapConsumer } = await import('source-map-js')
  const consumer = new SourceMapConsumer(JSON.parse(bundle.sourceMap) as import('source-map-js').RawSourceMap)
  const name = path.basename(bundle.bundlePath).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const position = new RegExp(`(?:[^\\s(]*/)?${name}:(\\d+):(\\d+)`, 'g')
  return (line) =>
    line.replace(position, (match, lineText: string, columnText: string) => {
      const original = consumer.originalPositionFor({ line: Number(lineText), column: Math.max(0, Number(columnText) - 1) })
      if (!original.source || original.line == null) return match
      const file = path.relative(projectDir, path.resolve(path.dirname(bundle.bundlePath), original.source))
      return `${file}:${original.line}:${(original.column ?? 0) + 1}`
    })
}

/**
 * componentize-js works in `<tmp>/<12 hex>/` and leaves that folder behind when it fails before its
 * own cleanup (a WIT or world error, for instance). Remove such folders made during this build: the
 * name pattern, the creation time and an empty `sources` folder identify them (a concurrent build
 * past that first step already has files there).
 */
async function removeComponentizeLeftovers(since: Date): Promise<void> {
  const { readdir, stat } = await import('node:fs/promises')
  const tmp = os.tmpdir()
  let entries: string[]
  try {
    entries = await readdir(tmp)
  } catch {
    return
  }
  for (const name of entries) {
    if (!/^[0-9a-f]{12}$/.test(name)) continue
    const dir = path.join(tmp, name)
    try {
      const info = await stat(dir)
      // ctime, not birthtime: some file systems do not record creation times.
      if (!info.isDirectory() || info.ctimeMs < since.getTime() - 1000) continue
      const contents = await readdir(dir)
      if (contents.length !== 1 || contents[0] !== 'sources') continue
      if ((await readdir(path.join(dir, 'sources'))).length === 0) await rm(dir, { recursive: true, force: true })
    } catch {
      // Another build's folder vanished while we looked; not ours to worry about.
    }
  }
}
