import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { Worker } from 'node:worker_threads'

import { fsError, WasmctlError } from '../errors.js'
import { sha256Hex } from '../input.js'
import { exportModuleState } from './core-exports.js'
import { createWorker } from './worker-entry.js'
import { wasm, type WasmModule } from './wasm-api.js'

/**
 * jco transpile, once per component: the output (the JavaScript glue and the core modules, with
 * their state exported for snapshots) is kept on disk under `<cache>/host/<key>/<sha256>/`, so a
 * restart of the host, or a second host on the same component, skips the ~1 s transpile.
 * The key includes jco's version and this layout's version: a jco upgrade never reuses old glue.
 */
const LAYOUT_VERSION = 1
const GLUE_NAME = 'component'
const META_FILE = 'meta.json'

export interface TranspiledComponent {
  dir: string
  gluePath: string
  /** Core module file names, as the glue asks for them. */
  coreModules: string[]
  /** Whether every core module's state could be exported (instances can then be reset from a snapshot). */
  snapshot: boolean
  /** Whether this call transpiled (false: read from the cache). */
  transpiled: boolean
}

interface Meta {
  coreModules: string[]
  snapshot: boolean
}

function jcoVersion(): string {
  // The package exports no ./package.json; its entry point is dist/api.js.
  const entry = createRequire(import.meta.url).resolve('@bytecodealliance/jco')
  return String((JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }).version)
}


/** `hex`: the sha256 of `bytes`, when the caller has it already. */
export async function transpileCached(bytes: Uint8Array, cacheRoot: string, hex = sha256Hex(bytes)): Promise<TranspiledComponent> {
  const dir = path.join(cacheRoot, 'host', `jco-${jcoVersion()}-v${LAYOUT_VERSION}`, hex)
  const metaPath = path.join(dir, META_FILE)
  if (existsSync(metaPath)) {
    try {
      const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Meta
      return { dir, gluePath: path.join(dir, `${GLUE_NAME}.js`), ...meta, transpiled: false }
    } catch {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  const files = await transpileInWorker(bytes)

  // Written to a temp folder and renamed, so a concurrent host never sees half an entry.
  const temp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  const meta: Meta = { coreModules: [], snapshot: true }
  try {
    mkdirSync(temp, { recursive: true })
    for (const [name, data] of Object.entries(files)) {
      if (name.endsWith('.wasm')) {
        const rewritten = exportModuleState(data)
        if (!rewritten) meta.snapshot = false
        writeFileSync(path.join(temp, name), rewritten ?? data)
        meta.coreModules.push(name)
      } else if (name === `${GLUE_NAME}.js`) {
        writeFileSync(path.join(temp, name), data)
      }
    }
    writeFileSync(path.join(temp, 'package.json'), '{"type":"module"}\n')
    writeFileSync(path.join(temp, META_FILE), JSON.stringify(meta))
    if (existsSync(dir) && !existsSync(metaPath)) rmSync(dir, { recursive: true, force: true })
    try {
      renameSync(temp, dir)
    } catch (error) {
      // Another process finished the same entry first: use theirs.
      if (!existsSync(metaPath)) throw error
      rmSync(temp, { recursive: true, force: true })
    }
  } catch (error) {
    rmSync(temp, { recursive: true, force: true })
    throw fsError(error, 'write the transpile cache in', path.dirname(dir))
  }
  return { dir, gluePath: path.join(dir, `${GLUE_NAME}.js`), ...meta, transpiled: true }
}

/** Stopped after this long unused, so a one-off `up` does not keep jco's transpiler in memory. */
const TRANSPILER_IDLE_MS = 30_000

interface Transpiler {
  worker: Worker
  pending: Map<number, { resolve(files: Record<string, Uint8Array>): void; reject(error: Error): void }>
  nextId: number
  idle?: NodeJS.Timeout
}

let transpiler: Transpiler | undefined

function transpileFailed(message: string): WasmctlError {
  return new WasmctlError('HOST_LOAD_FAILED', `jco could not transpile the component: ${message}`, {
    hints: ['check the component with `wasmctl inspect <file>`; it must be a WASI 0.2 component'],
  })
}

function startTranspiler(): Transpiler {
  const worker = createWorker('transpile-worker', { workerData: undefined, transferList: [] })
  const started: Transpiler = { worker, pending: new Map(), nextId: 1 }
  const stop = (message: string) => {
    if (transpiler === started) transpiler = undefined
    for (const { reject } of started.pending.values()) reject(transpileFailed(message))
    started.pending.clear()
  }
  worker.on('message', (reply: { id: number; files?: Record<string, Uint8Array>; error?: string }) => {
    const waiting = started.pending.get(reply.id)
    started.pending.delete(reply.id)
    if (reply.files) waiting?.resolve(reply.files)
    else waiting?.reject(transpileFailed(reply.error ?? 'unknown error'))
    if (started.pending.size === 0) {
      // Idle: it no longer keeps the process alive, and stops after a while.
      worker.unref()
      started.idle = setTimeout(() => {
        stop('the transpiler was stopped')
        void worker.terminate()
      }, TRANSPILER_IDLE_MS).unref()
    }
  })
  worker.on('error', (error) => stop(error.message))
  worker.on('exit', () => stop('the transpiler stopped unexpectedly'))
  return started
}

/** Stops the transpiler now (a one-off load such as `up` has no use for a warm one). */
export async function stopTranspiler(): Promise<void> {
  const current = transpiler
  transpiler = undefined
  if (current) {
    clearTimeout(current.idle)
    await current.worker.terminate()
  }
}

function transpileInWorker(bytes: Uint8Array): Promise<Record<string, Uint8Array>> {
  const current = (transpiler ??= startTranspiler())
  clearTimeout(current.idle)
  current.worker.ref()
  const id = current.nextId++
  return new Promise((resolve, reject) => {
    current.pending.set(id, { resolve, reject })
    current.worker.postMessage({ id, bytes, name: GLUE_NAME })
  })
}

/** Compiles the core modules once; the compiled modules are shared with every worker thread. */
export async function compileCoreModules(component: TranspiledComponent): Promise<Record<string, WasmModule>> {
  const modules: Record<string, WasmModule> = {}
  await Promise.all(
    component.coreModules.map(async (name) => {
      modules[name] = await wasm.compile(readFileSync(path.join(component.dir, name)))
    }),
  )
  return modules
}
