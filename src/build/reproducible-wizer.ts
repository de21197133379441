import { createHash } from 'node:crypto'
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { WASI } from 'node:wasi'

import { ByteReader, concatBytes, encodeU32, sections, encodeSleb, skipConstExpr, skipLimits } from '../wasm/binary.js'

/**
 * A drop-in for the `wizer` binary that componentize-js spawns (its `wizerBin` option), giving the
 * same snapshot for the same inputs. Wizer 10 initializes with a real RNG, real clocks, real file
 * metadata and host paths, and has no switch for any of them; SpiderMonkey keeps seeds and clock
 * readings in the heap it snapshots, so the output differs on every run (findings in
 * ../shared/reference/reproducible-builds.md). Here the init function runs under V8 + node:wasi with:
 * - `random_get`: a SHA-256 counter stream from a fixed seed (WASMCTL_REPRODUCIBLE_SEED overrides);
 * - `clock_time_get`: 1 µs per call; the wall clock starts at SOURCE_DATE_EPOCH (default 0);
 * - file stat: no device, inode or times;
 * - fixed guest paths for componentize's random temp folder, and no host path in the arguments.
 * Then memory and mutable globals are written back into the module as wizer does.
 */

export const SOURCES_GUEST_DIR = '/__componentize/sources'
/** Never a prefix of a guest path: StarlingMonkey only uses it to shorten file names in traces. */
const NO_STRIP_PREFIX = '/__wasmctl_reproducible__/'
const DEFAULT_SEED = 'wasmctl reproducible build'
const MAX_DATA_SEGMENTS = 10_000
/** Zero runs this short cost less inline than a new segment header (flag, offset, length). */
const MERGE_GAP = 4
const PAGE = 65536

export interface WizerArgs {
  initFunc: string
  input: string
  output: string
  /** `--dir=<host>`: mapped at the same guest path by wizer. */
  dirs: string[]
  /** `--mapdir=<guest>::<host>`. */
  mapdirs: Array<{ guest: string; host: string }>
  inheritEnv: boolean
}

export function parseWizerArgs(argv: readonly string[]): WizerArgs {
  const args: WizerArgs = { initFunc: 'wizer.initialize', input: '', output: '', dirs: [], mapdirs: [], inheritEnv: false }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = (name: string) => (arg.startsWith(`${name}=`) ? arg.slice(name.length + 1) : arg === name ? argv[++i] : undefined)
    let v: string | undefined
    if ((v = value('--init-func')) !== undefined) args.initFunc = v
    else if ((v = value('-o')) !== undefined) args.output = v
    else if ((v = value('--dir')) !== undefined) args.dirs.push(v)
    else if ((v = value('--mapdir')) !== undefined) {
      const at = v.indexOf('::')
      if (at < 0) throw new Error(`bad --mapdir ${v}`)
      args.mapdirs.push({ guest: v.slice(0, at), host: v.slice(at + 2) })
    } else if ((v = value('--inherit-env')) !== undefined) args.inheritEnv = v !== 'false'
    else if (arg.startsWith('-')) continue // wasm feature flags and --allow-wasi: V8 has them all on
    else args.input = arg
  }
  if (!args.input || !args.output) throw new Error('usage: reproducible-wizer [options] -o=<out.wasm> <in.wasm>')
  return args
}

/**
 * Replaces host paths in componentize's runtime arguments (read by the guest from stdin): the
 * sources folder gets a fixed guest path, and the script (the last argument) is named by its file
 * name alone, relative to a root mapped at its own folder. componentize-js names it relative to the
 * process's cwd when it can, which would make the output depend on where the build ran.
 */
export function rewriteRuntimeArgs(
  text: string,
  sourcesHostDir: string | undefined,
  workspaceHostDir: string | undefined,
): { args: string; scriptDir?: string } {
  let args = text.trim().replace(/--strip-path-prefix\s+\S+/, `--strip-path-prefix ${NO_STRIP_PREFIX}`)
  if (sourcesHostDir) args = args.split(sourcesHostDir).join(SOURCES_GUEST_DIR)
  if (!workspaceHostDir) return { args }
  const at = args.lastIndexOf(' ')
  const script = args.slice(at + 1)
  if (!script || script.startsWith(SOURCES_GUEST_DIR)) return { args }
  const absolute = path.resolve(workspaceHostDir, script)
  return { args: `${args.slice(0, at + 1)}${path.basename(absolute)}`, scriptDir: path.dirname(absolute) }
}

/** A deterministic byte stream: sha256(seed ‖ counter) blocks. */
export function randomStream(seed: string): (length: number) => Uint8Array {
  let counter = 0
  let pool = new Uint8Array(0)
  return (length) => {
    const chunks: Uint8Array[] = [pool]
    let have = pool.length
    while (have < length) {
      const block = createHash('sha256').update(seed).update(String(counter++)).digest()
      chunks.push(block)
      have += block.length
    }
    const all = concatBytes(chunks)
    pool = all.slice(length)
    return all.slice(0, length)
  }
}

// ---------------------------------------------------------------------------------------------
// Module rewriting

interface ModuleLayout {
  importedGlobals: number
  importedMemories: number
  globals: Array<{ type: number; mutable: boolean; start: number; end: number }>
  memories: Array<{ flags: number; start: number; end: number }>
}

function layout(bytes: Uint8Array): ModuleLayout {
  const result: ModuleLayout = { importedGlobals: 0, importedMemories: 0, globals: [], memories: [] }
  for (const section of sections(bytes)) {
    const reader = new ByteReader(bytes, section.contentStart, section.end)
    if (section.id === 2) {
      for (let count = reader.u32(); count > 0; count--) {
        reader.name()
        reader.name()
        const kind = reader.byte()
        if (kind === 0) reader.u32()
        else if (kind === 1) {
          reader.byte()
          skipLimits(reader)
        } else if (kind === 2) {
          result.importedMemories++
          skipLimits(reader)
        } else if (kind === 3) {
          result.importedGlobals++
          reader.byte()
          reader.byte()
        } else if (kind === 4) {
          reader.byte()
          reader.u32()
        } else throw new Error(`unsupported import kind ${kind}`)
      }
    } else if (section.id === 5) {
      for (let count = reader.u32(); count > 0; count--) {
        const start = reader.pos
        const flags = reader.bytes[reader.pos]
        skipLimits(reader)
        result.memories.push({ flags, start, end: reader.pos })
      }
    } else if (section.id === 6) {
      for (let count = reader.u32(); count > 0; count--) {
        const start = reader.pos
        const type = reader.byte()
        const mutable = reader.byte() === 1
        skipConstExpr(reader)
        result.globals.push({ type, mutable, start, end: reader.pos })
      }
    }
  }
  return result
}

function section(id: number, content: Uint8Array): Uint8Array {
  return concatBytes([Uint8Array.of(id), encodeU32(content.length), content])
}

function vector(items: Uint8Array[]): Uint8Array {
  return concatBytes([encodeU32(items.length), ...items])
}

function nameBytes(name: string): Uint8Array {
  const utf8 = new TextEncoder().encode(name)
  return concatBytes([encodeU32(utf8.length), utf8])
}

export const globalExport = (index: number) => `__wizer_global_${index}`
export const memoryExport = (index: number) => `__wizer_memory_${index}`

/** The module plus exports of every defined global and memory, so the snapshot can read them. */
export function instrument(bytes: Uint8Array): Uint8Array {
  const info = layout(bytes)
  const extra: Uint8Array[] = []
  info.globals.forEach((_, i) => extra.push(concatBytes([nameBytes(globalExport(i)), Uint8Array.of(3), encodeU32(info.importedGlobals + i)])))
  info.memories.forEach((_, i) => extra.push(concatBytes([nameBytes(memoryExport(i)), Uint8Array.of(2), encodeU32(info.importedMemories + i)])))
  const out: Uint8Array[] = [bytes.subarray(0, 8)]
  let done = false
  for (const s of sections(bytes)) {
    if (s.id === 7) {
      const reader = new ByteReader(bytes, s.contentStart, s.end)
      const count = reader.u32()
      out.push(section(7, concatBytes([encodeU32(count + extra.length), bytes.subarray(reader.pos, s.end), ...extra])))
      done = true
      continue
    }
    if (!done && s.id !== 0 && sectionOrder(s.id) > sectionOrder(7)) {
      out.push(section(7, vector(extra)))
      done = true
    }
    out.push(bytes.subarray(s.start, s.end))
  }
  if (!done) out.push(section(7, vector(extra)))
  return concatBytes(out)
}

/** The order sections must appear in (the data-count section 12 sits before code 10). */
function sectionOrder(id: number): number {
  return id === 12 ? 9.5 : id
}

export interface Snapshot {
  /** Current contents of each defined memory. */
  memories: Uint8Array[]
  /** Current value of each defined global (undefined for reference-typed ones). */
  globals: Array<number | bigint | undefined>
}

/** Non-zero ranges of one memory, merged so there are at most MAX_DATA_SEGMENTS. */
export function dataRanges(memory: Uint8Array, limit = MAX_DATA_SEGMENTS): Array<{ start: number; end: number }> {
  const ranges: Array<{ start: number; end: number }> = []
  let i = 0
  const n = memory.length
  while (i < n) {
    while (i < n && memory[i] === 0) i++
    if (i >= n) break
    const start = i
    while (i < n && memory[i] !== 0) i++
    const last = ranges.at(-1)
    if (last && start - last.end <= MERGE_GAP) last.end = i
    else ranges.push({ start, end: i })
  }
  if (ranges.length <= limit) return ranges
  // Merge across the smallest gaps first; ties go to the lower address, so the result is stable.
  const gaps = ranges.slice(1).map((range, index) => ({ index, size: range.start - ranges[index].end }))
  gaps.sort((a, b) => a.size - b.size || a.index - b.index)
  const mergeAfter = new Set(gaps.slice(0, ranges.length - limit).map((gap) => gap.index))
  const merged: Array<{ start: number; end: number }> = []
  ranges.forEach((range, index) => {
    if (index > 0 && mergeAfter.has(index - 1)) merged[merged.length - 1].end = range.end
    else merged.push({ ...range })
  })
  return merged
}

function constExpr(type: number, value: number | bigint): Uint8Array | undefined {
  switch (type) {
    case 0x7f:
      return concatBytes([Uint8Array.of(0x41), encodeSleb(BigInt.asIntN(32, BigInt(value))), Uint8Array.of(0x0b)])
    case 0x7e:
      return concatBytes([Uint8Array.of(0x42), encodeSleb(BigInt.asIntN(64, BigInt(value))), Uint8Array.of(0x0b)])
    case 0x7d: {
      const buffer = new DataView(new ArrayBuffer(4))
      buffer.setFloat32(0, Number(value), true)
      return concatBytes([Uint8Array.of(0x43), new Uint8Array(buffer.buffer), Uint8Array.of(0x0b)])
    }
    case 0x7c: {
      const buffer = new DataView(new ArrayBuffer(8))
      buffer.setFloat64(0, Number(value), true)
      return concatBytes([Uint8Array.of(0x44), new Uint8Array(buffer.buffer), Uint8Array.of(0x0b)])
    }
    default:
      return undefined
  }
}


/**
 * The original module with the snapshot baked in, as wizer writes it: memory minimums grown to
 * the current size, mutable globals initialized to their current values, all data replaced by the
 * memory image, and the init function, `_initialize` and the start function gone.
 */
export function applySnapshot(bytes: Uint8Array, snapshot: Snapshot, initFunc: string): Uint8Array {
  const info = layout(bytes)
  const segments: Uint8Array[] = []
  snapshot.memories.forEach((memory, i) => {
    const memoryIndex = info.importedMemories + i
    for (const range of dataRanges(memory)) {
      const header =
        memoryIndex === 0 ? Uint8Array.of(0x00) : concatBytes([Uint8Array.of(0x02), encodeU32(memoryIndex)])
      const offset = concatBytes([Uint8Array.of(0x41), encodeSleb(BigInt.asIntN(32, BigInt(range.start))), Uint8Array.of(0x0b)])
      segments.push(concatBytes([header, offset, encodeU32(range.end - range.start), memory.subarray(range.start, range.end)]))
    }
  })
  const out: Uint8Array[] = [bytes.subarray(0, 8)]
  let dataWritten = false
  const writeData = () => {
    if (!dataWritten && segments.length > 0) out.push(section(11, vector(segments)))
    dataWritten = true
  }
  for (const s of sections(bytes)) {
    const reader = new ByteReader(bytes, s.contentStart, s.end)
    switch (s.id) {
      case 5: {
        const entries = info.memories.map((memory, i) => {
          const pages = Math.ceil(snapshot.memories[i].length / PAGE)
          const limits = new ByteReader(bytes, memory.start, memory.end)
          const flags = limits.byte()
          limits.u32()
          const max = flags & 0x01 ? encodeU32(limits.u32()) : new Uint8Array(0)
          return concatBytes([Uint8Array.of(flags), encodeU32(pages), max])
        })
        out.push(section(5, vector(entries)))
        break
      }
      case 6: {
        const entries = info.globals.map((global, i) => {
          const value = snapshot.globals[i]
          const init = global.mutable && value !== undefined ? constExpr(global.type, value) : undefined
          return init ? concatBytes([Uint8Array.of(global.type, 1), init]) : bytes.subarray(global.start, global.end)
        })
        out.push(section(6, vector(entries)))
        break
      }
      case 7: {
        const kept: Uint8Array[] = []
        for (let count = reader.u32(); count > 0; count--) {
          const start = reader.pos
          const name = reader.name()
          reader.byte()
          reader.u32()
          if (name !== initFunc && name !== '_initialize') kept.push(bytes.subarray(start, reader.pos))
        }
        out.push(section(7, vector(kept)))
        break
      }
      case 8:
        break // the start function already ran
      case 12:
        out.push(section(12, encodeU32(segments.length)))
        break
      case 11:
        for (let count = reader.u32(); count > 0; count--) {
          const flags = reader.u32()
          // A passive segment would be read by memory.init after the snapshot: keep wizer's refusal.
          if (flags & 0x01) throw new Error('passive data segments are not supported')
          if (flags === 2) reader.u32()
          skipConstExpr(reader)
          reader.sized('data segment')
        }
        writeData()
        break
      default:
        if (s.id === 0 && !dataWritten && hasCodeBefore(bytes, s.start)) writeData()
        out.push(bytes.subarray(s.start, s.end))
    }
  }
  writeData()
  return concatBytes(out)
}

function hasCodeBefore(bytes: Uint8Array, offset: number): boolean {
  for (const s of sections(bytes)) {
    if (s.start >= offset) return false
    if (s.id === 10) return true
  }
  return false
}

// ---------------------------------------------------------------------------------------------
// Running the initializer

/** The slice of the WebAssembly JS API used here (the project's lib settings carry no DOM types). */
interface WasmApi {
  Module: { new (bytes: Uint8Array): object; imports(module: object): Array<{ module: string; name: string; kind: string }> }
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> }
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer }
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly
type WasmMemory = { buffer: ArrayBuffer }

export interface RunOptions {
  argv: string[]
  env: NodeJS.ProcessEnv
  stdin: Buffer
}

export async function runReproducibleWizer(options: RunOptions): Promise<void> {
  const args = parseWizerArgs(options.argv)
  const original = readFileSync(args.input)
  const sourcesHostDir = args.dirs[0]
  const seed = options.env.WASMCTL_REPRODUCIBLE_SEED || DEFAULT_SEED
  const epoch = BigInt(/^\d+$/.test(options.env.SOURCE_DATE_EPOCH ?? '') ? options.env.SOURCE_DATE_EPOCH! : '0')

  const workspace = args.mapdirs.find((mapping) => mapping.guest === '/')?.host
  const runtimeArgs = rewriteRuntimeArgs(options.stdin.toString('utf8'), sourcesHostDir, workspace)
  const preopens: Record<string, string> = {}
  for (const dir of args.dirs) preopens[dir === sourcesHostDir ? SOURCES_GUEST_DIR : dir] = dir
  for (const { guest, host } of args.mapdirs) preopens[guest] = guest === '/' && runtimeArgs.scriptDir ? runtimeArgs.scriptDir : host

  // componentize-js sends the guest its arguments on stdin; the guest reads them from fd 0.
  const stdinFile = path.join(path.dirname(args.output), '.reproducible-wizer-stdin')
  writeFileSync(stdinFile, runtimeArgs.args)
  const stdinFd = openSync(stdinFile, 'r')
  try {
    const env = args.inheritEnv ? guestEnv(options.env) : {}
    const wasi = new WASI({ version: 'preview1', args: [], env, preopens, stdin: stdinFd, stdout: 1, stderr: 2, returnOnExit: true })
    const module = new wasm.Module(instrument(original))
    let memory: WasmMemory | undefined
    const view = () => new DataView(memory!.buffer)
    const wasiImports = (wasi.getImportObject() as Record<string, unknown>).wasi_snapshot_preview1 as Record<string, (...args: never[]) => number>
    const random = randomStream(seed)
    let ticks = 0n
    const overrides: Record<string, (...args: never[]) => number> = {
      random_get: ((pointer: number, length: number) => {
        new Uint8Array(memory!.buffer, pointer, length).set(random(length))
        return 0
      }) as (...args: never[]) => number,
      clock_time_get: ((id: number, _precision: bigint, pointer: number) => {
        ticks += 1000n
        view().setBigUint64(pointer, id === 0 ? epoch * 1_000_000_000n + ticks : ticks, true)
        return 0
      }) as (...args: never[]) => number,
      fd_filestat_get: ((fd: number, pointer: number) => scrubStat(wasiImports.fd_filestat_get(fd as never, pointer as never), pointer)) as (
        ...args: never[]
      ) => number,
      path_filestat_get: ((fd: number, flags: number, p: number, l: number, pointer: number) =>
        scrubStat(wasiImports.path_filestat_get(fd as never, flags as never, p as never, l as never, pointer as never), pointer)) as (
        ...args: never[]
      ) => number,
    }
    const scrubStat = (errno: number, pointer: number): number => {
      if (errno !== 0) return errno
      const stat = view()
      stat.setBigUint64(pointer, 0n, true) // dev
      stat.setBigUint64(pointer + 8, 0n, true) // ino
      stat.setBigUint64(pointer + 24, 1n, true) // nlink
      for (const at of [40, 48, 56]) stat.setBigUint64(pointer + at, epoch * 1_000_000_000n, true)
      return 0
    }
    const imports: Record<string, Record<string, unknown>> = {}
    for (const entry of wasm.Module.imports(module)) {
      imports[entry.module] ??= {}
      if (entry.kind !== 'function') throw new Error(`unsupported import ${entry.module}#${entry.name} (${entry.kind})`)
      const fn =
        entry.module === 'wasi_snapshot_preview1'
          ? (overrides[entry.name] ?? wasiImports[entry.name])
          : () => {
              throw new Error(`the initializer called ${entry.module}#${entry.name}, which is not available while the snapshot is taken`)
            }
      if (!fn) throw new Error(`unknown WASI function ${entry.name}`)
      imports[entry.module][entry.name] = fn
    }
    const instance = new wasm.Instance(module, imports)
    const exports = instance.exports as Record<string, unknown>
    memory = exports[memoryExport(0)] as WasmMemory
    if (!(exports.memory instanceof wasm.Memory)) throw new Error('the module exports no memory named "memory"')
    // Calls _initialize (the reactor's constructors) first, as wizer does.
    wasi.initialize(instance)
    const init = exports[args.initFunc]
    if (typeof init !== 'function') throw new Error(`the module exports no function ${args.initFunc}`)
    try {
      ;(init as () => void)()
    } catch (error) {
      throw new Error(`Error: the \`${args.initFunc}\` function trapped\n\nCaused by:\n    ${(error as Error).message}`)
    }
    const info = layout(original)
    const snapshot: Snapshot = {
      memories: info.memories.map((_, i) => new Uint8Array((exports[memoryExport(i)] as WasmMemory).buffer)),
      globals: info.globals.map((global, i) =>
        [0x7f, 0x7e, 0x7d, 0x7c].includes(global.type) ? ((exports[globalExport(i)] as { value: unknown }).value as number | bigint) : undefined,
      ),
    }
    writeFileSync(args.output, applySnapshot(original, snapshot, args.initFunc))
  } finally {
    closeSync(stdinFd)
  }
}

/** The environment componentize-js set, minus what the wrapper shell and this runner add. */
function guestEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const noise = new Set(['PWD', 'OLDPWD', 'SHLVL', '_', 'SOURCE_DATE_EPOCH', 'WASMCTL_REPRODUCIBLE_SEED'])
  const out: Record<string, string> = {}
  for (const key of Object.keys(env).sort()) {
    if (!noise.has(key) && env[key] !== undefined) out[key] = env[key]!
  }
  return out
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runReproducibleWizer({ argv: process.argv.slice(2), env: process.env, stdin: await readStdin() }).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  })
}
