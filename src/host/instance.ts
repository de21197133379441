import { wasm, type WasmGlobal, type WasmImports, type WasmInstance, type WasmMemory, type WasmModule, type WasmTable } from './wasm-api.js'
import { resourceCounter } from './wasi/io.js'
import type { ImportObject } from './wasi/imports.js'

/**
 * One instance of a transpiled component, and the snapshot that makes it reusable with fresh
 * state. jco's glue costs ~16 ms of JavaScript per instantiation, so instead of instantiating per
 * request the host copies every memory, mutable global and table length of the instance's core
 * modules right after instantiation (core-exports.ts made them all visible), and writes them back
 * after each request: the next request sees exactly the freshly instantiated state.
 *
 * The snapshot is not used (the instance is replaced by a fresh one instead) when:
 * - the host handed the guest a resource during instantiation (the glue's handle tables, which a
 *   snapshot cannot restore, would then be out of step with the restored memory);
 * - a request grew a memory or a table (restoring would leave the guest's allocator out of step);
 * - a request trapped or was cut off (the glue marks the instance as failed);
 * - the instance has served `maxUses` requests (the glue's bookkeeping grows a little per call).
 */
export type Glue = {
  instantiate(
    getCoreModule: (name: string) => WasmModule,
    imports: ImportObject,
    instantiateCore: (module: WasmModule, imports: WasmImports) => WasmInstance,
  ): Record<string, any>
}

interface MemoryState {
  memory: WasmMemory
  bytes: Uint8Array
}

interface GlobalState {
  global: WasmGlobal
  value: unknown
}

export class ComponentInstance {
  private uses = 0

  private constructor(
    readonly exports: Record<string, any>,
    private readonly memories: MemoryState[] | undefined,
    private readonly globals: GlobalState[],
    private readonly tables: { table: WasmTable; length: number }[],
    private readonly maxUses: number,
  ) {}

  static create(glue: Glue, modules: Map<string, WasmModule>, imports: ImportObject, options: { snapshot: boolean; maxUses: number }): ComponentInstance {
    const coreInstances: WasmInstance[] = []
    const createdBefore = resourceCounter.created
    const exports = glue.instantiate(
      (name) => {
        const module = modules.get(name)
        if (!module) throw new Error(`the transpiled component needs core module ${name}, which is missing from the cache`)
        return module
      },
      imports,
      (module, moduleImports) => {
        const instance = new wasm.Instance(module, moduleImports)
        coreInstances.push(instance)
        return instance
      },
    )
    const snapshotSafe = options.snapshot && resourceCounter.created === createdBefore
    if (!snapshotSafe) return new ComponentInstance(exports, undefined, [], [], 1)
    const memories = new Set<WasmMemory>()
    const globals = new Set<WasmGlobal>()
    const tables = new Set<WasmTable>()
    for (const instance of coreInstances) {
      for (const value of Object.values(instance.exports)) {
        if (value instanceof wasm.Memory) memories.add(value)
        else if (value instanceof wasm.Global && isMutable(value)) globals.add(value)
        else if (value instanceof wasm.Table) tables.add(value)
      }
    }
    return new ComponentInstance(
      exports,
      [...memories].map((memory) => ({ memory, bytes: new Uint8Array(memory.buffer).slice() })),
      [...globals].map((global) => ({ global, value: global.value })),
      [...tables].map((table) => ({ table, length: table.length })),
      options.maxUses,
    )
  }

  get reusable(): boolean {
    return this.memories !== undefined
  }

  /** Whether `reset` can put this instance back after a request that returned normally. */
  canReset(): boolean {
    if (!this.memories || this.uses + 1 >= this.maxUses) return false
    for (const { memory, bytes } of this.memories) if (memory.buffer.byteLength !== bytes.length) return false
    for (const { table, length } of this.tables) if (table.length !== length) return false
    return true
  }

  /** Writes the snapshot back; only after `canReset()` said yes. */
  reset(): void {
    this.uses++
    for (const { memory, bytes } of this.memories!) new Uint8Array(memory.buffer).set(bytes)
    for (const { global, value } of this.globals) global.value = value
  }
}

function isMutable(global: WasmGlobal): boolean {
  try {
    global.value = global.value
    return true
  } catch {
    return false
  }
}
