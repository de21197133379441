import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import { applySnapshot, globalExport, instrument, memoryExport, type Snapshot } from '../../build/reproducible-wizer.js'
import { jsToolchainVersions } from '../../build/reproducible.js'
import { WasmctlError } from '../../errors.js'
import { concatBytes, encodeU32, SectionId, sections } from '../../wasm/binary.js'
import { createInitWasi, InitExit } from './init-wasi.js'
import { applyMemorySnapshot } from './snapshot-module.js'

/**
 * The dev fast path's "in-memory wizer" (issue 15). componentize-js makes a component in three
 * steps: splice the world's bindings into the StarlingMonkey engine, run wizer (which calls the
 * engine's `componentize.wizer` export with the JavaScript and writes the initialized memory out
 * as a new module), then stub the WASI imports and wrap the module with `componentNew`. Only the
 * middle step depends on the JavaScript, so:
 *
 * - once per world (cached on disk by the WIT files, world, features and toolchain versions): the
 *   splice, and a template component = componentNew(stubWasi(engine) with its initial memory);
 * - on each save: instantiate the spliced engine here, run `_initialize` and `componentize.wizer`
 *   with the new bundle (the inputs wizer gives it, see init-wasi.ts), check it as componentize
 *   does (`check_init`), and write the resulting memory and globals into the template's engine
 *   module, which replaces that module inside the template component.
 *
 * stubWasi changes only imports and code and componentNew embeds the module unchanged, so the
 * result is the component componentize-js would make from the same snapshot (checked byte for
 * byte in test/component/dev/fast-path.test.ts); the data segments are laid out by applySnapshot.
 */
export const ENGINE_LAYOUT_VERSION = 1
const INIT_FUNC = 'componentize.wizer'
/** Default componentize-js features (componentize.js DEFAULT_FEATURES). */
const DEFAULT_FEATURES = ['stdio', 'random', 'clocks', 'http', 'fetch-event'] as const
/** Where the generated bindings and the bundle appear to the initializer (no host path leaks in). */
const SOURCES_DIR = '/__componentize/sources'
/** StarlingMonkey only uses the prefix to shorten file names in traces; this one never matches. */
const NO_STRIP_PREFIX = '/__wasmctl_dev__/'

/** The slice of the WebAssembly JS API used here (the project's lib has no DOM typings). */
interface WasmModule {
  readonly __brand?: 'WebAssembly.Module'
}
interface WasmInstance {
  readonly exports: Record<string, unknown>
}
interface WasmApi {
  Module: { new (bytes: Uint8Array): WasmModule; imports(module: WasmModule): { module: string; name: string; kind: string }[] }
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance
  compile(bytes: Uint8Array): Promise<WasmModule>
}
type WasmMemory = { buffer: ArrayBuffer }
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

type SpliceExport = [string, { params: string[]; ret?: string; retptr: boolean; paramptr: boolean; retsize: number }]
type SpliceImport = [string, string, number]

interface Splicer {
  spliceBindings(engine: Uint8Array, features: string[], witWorld: string | undefined, witPath: string, worldName: string | undefined, debug: boolean): {
    wasm: Uint8Array
    jsBindings: string
    exports: SpliceExport[]
    imports: SpliceImport[]
  }
  stubWasi(wasm: Uint8Array, features: string[], witWorld: string | undefined, witPath: string, worldName: string | undefined): Uint8Array
}

export interface EngineWorld {
  witDir: string
  worldName?: string
  features: string[]
}

interface EngineFiles {
  exports: SpliceExport[]
  imports: SpliceImport[]
}

/** One world's prepared engine: what every save needs, loaded once per session. */
export interface Engine {
  key: string
  dir: string
  /** The spliced engine with its memory and globals exported, compiled once. */
  module: WasmModule
  env: Record<string, string>
  bindings: Uint8Array
  template: Uint8Array
  /** The engine module's section in `template`. */
  section: { start: number; contentStart: number; end: number }
  /** Imports the initializer must not reach (everything but WASI preview1): they trap, as under wizer. */
  trapImports: Record<string, Record<string, () => never>>
}

export interface PrepareReport {
  /** Whether the engine came from the disk cache. */
  cached: boolean
  ms: number
}

/** componentize-js's own rule: a source exporting `incomingHandler` implements wasi:http itself. */
export async function featuresFor(code: string, sourceName: string): Promise<string[]> {
  const features: string[] = [...DEFAULT_FEATURES]
  if (!/\bincomingHandler\b/.test(code)) return features
  // componentize-js's own parser, resolved from its package (it is not a dependency of ours).
  const parser = pathToFileURL(createRequire(fileURLToPath(componentizeUrl('./componentize.js'))).resolve('oxc-parser')).href
  const oxc = (await import(parser)) as unknown as { parseAsync(name: string, code: string): Promise<{ module: { staticExports: { entries: { exportName: { name?: string } }[] }[] } }> }
  const parsed = await oxc.parseAsync(sourceName, code)
  const exported = parsed.module.staticExports.some((entry) => entry.entries.some((item) => item.exportName.name === 'incomingHandler'))
  return exported ? features.filter((feature) => feature !== 'fetch-event') : features
}

export function engineKey(world: EngineWorld): string {
  const hash = createHash('sha256')
  hash.update(JSON.stringify({ layout: ENGINE_LAYOUT_VERSION, versions: jsToolchainVersions(false), world: world.worldName ?? null, features: world.features }))
  hashTree(hash, world.witDir, world.witDir)
  return hash.digest('hex').slice(0, 32)
}

function hashTree(hash: ReturnType<typeof createHash>, target: string, root: string): void {
  let info
  try {
    info = statSync(target)
  } catch {
    hash.update(`missing:${path.relative(root, target)}\0`)
    return
  }
  if (info.isFile()) {
    hash.update(`${path.relative(root, target)}\0`).update(readFileSync(target)).update('\0')
    return
  }
  for (const entry of readdirSync(target).sort()) hashTree(hash, path.join(target, entry), root)
}

function componentizeUrl(relative: string): URL {
  return new URL(relative, import.meta.resolve('@bytecodealliance/componentize-js'))
}

/** The engine for this world: from `<cacheRoot>/dev-engine/`, or prepared now (seconds, once). */
export async function loadEngine(world: EngineWorld, cacheRoot: string, onStep?: (message: string) => void): Promise<{ engine: Engine; report: PrepareReport }> {
  const started = performance.now()
  const key = engineKey(world)
  const dir = path.join(cacheRoot, 'dev-engine', key)
  let cached = existsSync(path.join(dir, 'meta.json'))
  if (!cached) {
    onStep?.(`preparing the JavaScript engine for world ${world.worldName ?? '(default)'} (once per world)`)
    await prepareEngine(world, dir)
  }
  let engine: Engine
  try {
    engine = await readEngine(key, dir)
  } catch (error) {
    if (!cached) throw error
    // A damaged cache entry is rebuilt, never trusted.
    rmSync(dir, { recursive: true, force: true })
    await prepareEngine(world, dir)
    engine = await readEngine(key, dir)
    cached = false
  }
  return { engine, report: { cached, ms: Math.round(performance.now() - started) } }
}

async function prepareEngine(world: EngineWorld, dir: string): Promise<void> {
  const { splicer } = (await import(componentizeUrl('../lib/spidermonkey-embedding-splicer.js').href)) as { splicer: Splicer }
  const jco = await import('@bytecodealliance/jco')
  const engineBytes = await readFile(componentizeUrl('../lib/starlingmonkey_embedding.wasm'))
  let spliced
  try {
    spliced = splicer.spliceBindings(engineBytes, world.features, undefined, world.witDir, world.worldName, false)
  } catch (error) {
    throw new WasmctlError('BUILD_FAILED', `componentize-js could not splice world ${world.worldName ?? '(default)'}: ${String((error as Error)?.message ?? error).split('\n')[0]}`, {
      cause: error,
      hints: [`check [component] wit_world and the files in ${path.basename(world.witDir)}/`],
    })
  }
  const stubbed = splicer.stubWasi(spliced.wasm, world.features, undefined, world.witDir, world.worldName)
  // Any snapshot gives the template its shape (no init export, no _initialize); the initial
  // memory is the cheapest, and every save overwrites it.
  const initialModule = applySnapshot(stubbed, initialSnapshot(spliced.wasm), INIT_FUNC)
  const adapter = await readFile(jco.preview1AdapterReactorPath())
  const versions = jsToolchainVersions(false)
  const component = await jco.metadataAdd(await jco.componentNew(initialModule, [['wasi_snapshot_preview1', adapter]]), [
    ['language', [['JavaScript', '']]],
    ['processed-by', [['ComponentizeJS', versions['@bytecodealliance/componentize-js'] ?? 'unknown']]],
  ] as never)

  const temp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  mkdirSync(temp, { recursive: true })
  try {
    writeFileSync(path.join(temp, 'engine.wasm'), spliced.wasm)
    writeFileSync(path.join(temp, 'initializer.js'), spliced.jsBindings)
    writeFileSync(path.join(temp, 'template.wasm'), component)
    const files: EngineFiles = { exports: spliced.exports, imports: spliced.imports }
    writeFileSync(path.join(temp, 'meta.json'), JSON.stringify({ ...files, world: world.worldName ?? null, features: world.features, versions }))
    rmSync(dir, { recursive: true, force: true })
    renameSync(temp, dir)
  } finally {
    rmSync(temp, { recursive: true, force: true })
  }
}

async function readEngine(key: string, dir: string): Promise<Engine> {
  const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')) as EngineFiles & { features: string[] }
  const template = new Uint8Array(readFileSync(path.join(dir, 'template.wasm')))
  const section = [...sections(template)].find((entry) => entry.id === SectionId.coreModule)
  if (!section) throw new Error('the engine template has no core module')
  const module = await wasm.compile(instrument(new Uint8Array(readFileSync(path.join(dir, 'engine.wasm')))))
  const trapImports: Engine['trapImports'] = {}
  for (const entry of wasm.Module.imports(module)) {
    if (entry.module === 'wasi_snapshot_preview1') continue
    trapImports[entry.module] ??= {}
    trapImports[entry.module][entry.name] = () => {
      throw new Error(`top-level code called ${entry.module}#${entry.name}, which is not available while the component initializes`)
    }
  }
  return {
    key,
    dir,
    module,
    env: initEnv(meta.exports, meta.imports, meta.features),
    bindings: new Uint8Array(readFileSync(path.join(dir, 'initializer.js'))),
    template,
    section,
    trapImports,
  }
}

/** The variables componentize-js passes wizer (componentize.js, with `env: {}` as js.ts passes). */
function initEnv(exports: SpliceExport[], imports: SpliceImport[], features: string[]): Record<string, string> {
  const env: Record<string, string> = {
    DEBUG: '',
    SOURCE_NAME: 'source.js',
    EXPORT_CNT: String(exports.length),
    FEATURE_CLOCKS: features.includes('clocks') ? '1' : '',
  }
  exports.forEach(([name, shape], index) => {
    env[`EXPORT${index}_NAME`] = name
    env[`EXPORT${index}_ARGS`] = (shape.paramptr ? '*' : '') + shape.params.join(',')
    env[`EXPORT${index}_RET`] = (shape.retptr ? '*' : '') + (shape.ret || '')
    env[`EXPORT${index}_RETSIZE`] = String(shape.retsize)
  })
  imports.forEach(([, name, argCount], index) => {
    env[`IMPORT${index}_NAME`] = name
    env[`IMPORT${index}_ARGCNT`] = String(argCount)
  })
  env.IMPORT_CNT = String(imports.length)
  return env
}

/** The module's state right after instantiation, before anything ran. */
function initialSnapshot(engine: Uint8Array): Snapshot {
  const module = new wasm.Module(instrument(engine))
  const imports: Record<string, Record<string, () => never>> = {}
  for (const entry of wasm.Module.imports(module)) {
    imports[entry.module] ??= {}
    imports[entry.module][entry.name] = () => {
      throw new Error('not called')
    }
  }
  return snapshotOf(new wasm.Instance(module, imports))
}

function snapshotOf(instance: WasmInstance): Snapshot {
  const exports = instance.exports as Record<string, unknown>
  const memories: Uint8Array[] = []
  for (let i = 0; exports[memoryExport(i)]; i++) memories.push(new Uint8Array((exports[memoryExport(i)] as WasmMemory).buffer))
  const globals: Snapshot['globals'] = []
  for (let i = 0; exports[globalExport(i)]; i++) {
    const value = (exports[globalExport(i)] as { value: unknown }).value
    globals.push(typeof value === 'number' || typeof value === 'bigint' ? value : undefined)
  }
  return { memories, globals }
}

/** What the initializer printed and why it failed; `file:line` positions are the bundle's. */
export class InitFailure extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message)
    this.name = 'InitFailure'
  }
}

export interface Initialized {
  snapshot: Snapshot
  /** What top-level code printed (console.log goes to stdout). */
  stdout: string
  stderr: string
  ms: number
}

/**
 * Runs the engine's initialization with `code` as the module `sourceName` (the bundle's file
 * name, as componentize-js passes it); throws InitFailure with StarlingMonkey's message.
 */
export function initialize(engine: Engine, code: Uint8Array, sourceName: string): Initialized {
  const started = performance.now()
  const source = `/${sourceName}`
  const wasi = createInitWasi({
    env: engine.env,
    stdin: `--initializer-script-path ${SOURCES_DIR}/initializer.js --strip-path-prefix ${NO_STRIP_PREFIX} ${sourceName}`,
    preopens: [SOURCES_DIR, '/'],
    files: new Map([
      [`${SOURCES_DIR}/initializer.js`, engine.bindings],
      [source, code],
    ]),
  })
  const instance = new wasm.Instance(engine.module, { ...engine.trapImports, wasi_snapshot_preview1: wasi.imports })
  const exports = instance.exports as Record<string, unknown>
  wasi.bind(exports.memory as WasmMemory)
  try {
    // wizer calls a reactor's `_initialize` (the C++ constructors) before the init function.
    ;(exports._initialize as () => void)()
    ;(exports[INIT_FUNC] as () => void)()
  } catch (error) {
    const output = wasi.stderr().trim()
    const reason = error instanceof InitExit ? `exited with code ${error.code}` : `trapped: ${(error as Error).message}`
    throw new InitFailure(`the component's initialization ${reason}${output ? `\n${output}` : ''}`, `${wasi.stdout()}${output}`)
  }
  const status = (exports.check_init as () => number)()
  if (status !== 0) {
    const why = status === 1 ? 'Unable to extract expected exports list' : status === 2 ? 'Unable to parse the core ABI export types' : `Unknown error during initialization: ${status}`
    throw new InitFailure(`${why}${wasi.stderr() ? `\n${wasi.stderr().trim()}` : ''}`, wasi.stderr())
  }
  return { snapshot: snapshotOf(instance), stdout: wasi.stdout(), stderr: wasi.stderr(), ms: Math.round(performance.now() - started) }
}

/** The template component with the engine module replaced by one holding `snapshot`. */
export function composeComponent(engine: Engine, snapshot: Snapshot): Uint8Array {
  const { template, section } = engine
  const module = applyMemorySnapshot(template.subarray(section.contentStart, section.end), snapshot)
  return concatBytes([template.subarray(0, section.start), Uint8Array.of(SectionId.coreModule), encodeU32(module.length), module, template.subarray(section.end)])
}
