import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { bundle, findJsEntry } from '../../build/js.js'
import { WasmctlError } from '../../errors.js'
import { sha256Hex } from '../../input.js'
import type { Project } from '../../project/index.js'
import { composeComponent, type Engine, engineKey, featuresFor, InitFailure, initialize, loadEngine } from './engine.js'

/**
 * One save through the dev fast path: bundle with esbuild (as `wasmctl build` does), initialize the
 * world's prepared engine with the bundle in this thread, and write the component that results
 * where the host reads it. Also writes the host's transpile cache entry for it from the engine
 * template's (the glue is the same for every save), so the host never transpiles on a save.
 * Runs in the fast-path worker (fast-worker.ts); `wasmctl build` never comes here.
 */
export interface FastBuildOptions {
  cacheRoot: string
  onLog?: (level: 'debug' | 'info' | 'warn', message: string) => void
}

export interface FastBuildResult {
  artifact: string
  digest: string
  size: number
  /** Milliseconds per step, for `--log-level debug` and scripts/bench-dev.mjs. */
  timings: Record<string, number>
  /** Set when this build had to prepare the engine (once per world and machine). */
  preparedEngineMs?: number
}

const KEEP_ARTIFACTS = 3
const engines = new Map<string, Engine>()
let sequence = 0

export async function fastBuild(project: Project, options: FastBuildOptions): Promise<FastBuildResult> {
  const timings: Record<string, number> = {}
  let last = performance.now()
  const lap = (step: string) => {
    const now = performance.now()
    timings[step] = Math.round(now - last)
    last = now
  }
  const entry = findJsEntry(project)
  if (!entry) throw new WasmctlError('BUILD_FAILED', `no JavaScript or TypeScript entry in ${project.dir}`)
  const sourceName = `${path.basename(entry).replace(/\.[mc]?[jt]s$/, '')}.js`
  // Only names the output (source map paths): nothing is written.
  const { code, sourceMap } = await bundle(entry, project.dir, path.join(project.dir, '.wasmctl-dev-bundle', sourceName))
  lap('bundle')

  const world = { witDir: project.witDir, worldName: project.component.witWorld, features: await featuresFor(code, sourceName) }
  let preparedEngineMs: number | undefined
  const key = `${options.cacheRoot}\0${engineKey(world)}`
  let engine = engines.get(key)
  if (!engine) {
    const loaded = await loadEngine(world, options.cacheRoot, (message) => options.onLog?.('info', message))
    engine = loaded.engine
    if (!loaded.report.cached) preparedEngineMs = loaded.report.ms
    engines.clear()
    engines.set(key, engine)
  }
  lap('engine')

  let initialized
  try {
    initialized = initialize(engine, new TextEncoder().encode(code), sourceName)
  } catch (error) {
    if (!(error instanceof InitFailure)) throw error
    throw await initError(error, project.dir, sourceName, sourceMap)
  }
  for (const line of `${initialized.stdout}${initialized.stderr}`.split('\n')) if (line.trim()) options.onLog?.('info', `component: ${line}`)
  lap('initialize')

  const component = composeComponent(engine, initialized.snapshot)
  lap('compose')
  const hex = sha256Hex(component)
  const artifact = writeArtifact(options.cacheRoot, project.dir, component)
  lap('write')
  await warmHostCache(engine, component, options.cacheRoot)
  lap('transpileCache')
  return { artifact, digest: `sha256:${hex}`, size: component.length, timings, preparedEngineMs }
}

/** `<cache>/dev-fast/<project>/<n>.wasm`, the newest few kept (the host reads one while the next is written). */
function writeArtifact(cacheRoot: string, projectDir: string, component: Uint8Array): string {
  const dir = path.join(cacheRoot, 'dev-fast', createHash('sha256').update(path.resolve(projectDir)).digest('hex').slice(0, 16), String(process.pid))
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `${String(++sequence).padStart(6, '0')}.wasm`)
  writeFileSync(`${file}.tmp`, component)
  renameSync(`${file}.tmp`, file)
  const old = readdirSync(dir)
    .filter((name) => name.endsWith('.wasm'))
    .sort()
    .slice(0, -KEEP_ARTIFACTS)
  for (const name of old) rmSync(path.join(dir, name), { force: true })
  return file
}

/** Removes this process's fast-path files (the session is over). */
export function removeArtifacts(cacheRoot: string, projectDir: string): void {
  const dir = path.join(cacheRoot, 'dev-fast', createHash('sha256').update(path.resolve(projectDir)).digest('hex').slice(0, 16), String(process.pid))
  rmSync(dir, { recursive: true, force: true })
}

type Reuse = { glue: import('../glue-reuse.js').GlueReuse; entries: string[] }
const reuse = new Map<string, Reuse>()

/**
 * The host transpiles a component it has not seen (~1 s). Every fast-path component has the engine
 * template's glue, so the template is transpiled once (host cache, by its digest) and each save's
 * entry is written from it by the dev loop's glue reuse (src/dev/glue-reuse.ts).
 */
async function warmHostCache(engine: Engine, component: Uint8Array, cacheRoot: string): Promise<void> {
  let state = reuse.get(engine.key)
  if (!state) {
    const { GlueReuse } = await import('../glue-reuse.js')
    const { transpileCached } = await import('../../host/transpile.js')
    const glue = new GlueReuse()
    glue.served(engine.template, await transpileCached(engine.template, cacheRoot))
    state = { glue, entries: [] }
    reuse.set(engine.key, state)
  }
  const written = state.glue.prepare(component)
  if (!written) return
  state.entries.push(written.dir)
  // The host loaded the older ones already (or skipped them); 13 MB each would pile up in the cache.
  while (state.entries.length > KEEP_ARTIFACTS) rmSync(state.entries.shift()!, { recursive: true, force: true })
}

/** The host cache entries the fast path wrote this session (each save's snapshot differs, so none is reused later). */
export function removeHostEntries(): void {
  for (const state of reuse.values()) for (const dir of state.entries.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/** StarlingMonkey's message with bundle positions (`index.js:12:7`) mapped back to the sources. */
async function initError(error: InitFailure, projectDir: string, sourceName: string, sourceMap: string): Promise<WasmctlError> {
  const toSource = await positionMapper(sourceMap, sourceName, projectDir)
  const lines = error.message
    .split('\n')
    .map((line) => toSource(line.trim()))
    .filter(Boolean)
  // "Exception while evaluating top-level script" comes first; the line with the position says what.
  const cause = lines.find((line) => /:\d+:\d+/.test(line) && /error|exception/i.test(line)) ?? lines.slice(1).find((line) => /error/i.test(line))
  return new WasmctlError('BUILD_FAILED', `componentize-js failed: ${lines[0] ?? 'unknown error'}${cause && cause !== lines[0] ? ` (${cause})` : ''}`, {
    hints: ['top-level code runs when the component is built: fix the first error it reports'],
    details: { tool: 'componentize-js', output: lines.slice(0, 40) },
  })
}

async function positionMapper(sourceMap: string, sourceName: string, projectDir: string): Promise<(line: string) => string> {
  if (!sourceMap) return (line) => line
  const { SourceMapConsumer } = await import('source-map-js')
  const consumer = new SourceMapConsumer(JSON.parse(sourceMap) as import('source-map-js').RawSourceMap)
  const bundleDir = path.join(projectDir, '.wasmctl-dev-bundle')
  const name = sourceName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const position = new RegExp(`(?:[^\\s(@]*/)?${name}:(\\d+):(\\d+)`, 'g')
  return (line) =>
    line.replace(position, (match, lineText: string, columnText: string) => {
      const original = consumer.originalPositionFor({ line: Number(lineText), column: Math.max(0, Number(columnText) - 1) })
      if (!original.source || original.line == null) return match
      return `${path.relative(projectDir, path.resolve(bundleDir, original.source))}:${original.line}:${(original.column ?? 0) + 1}`
    })
}
