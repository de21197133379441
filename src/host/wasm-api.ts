/**
 * The part of the WebAssembly JavaScript API the host uses, typed here because the project's
 * `lib` has no DOM typings (which is where TypeScript declares it).
 */
export interface WasmModule {
  readonly __brand?: 'WebAssembly.Module'
}
export interface WasmInstance {
  readonly exports: Record<string, unknown>
}
export interface WasmMemory {
  readonly buffer: ArrayBuffer
}
export interface WasmGlobal {
  value: unknown
}
export interface WasmTable {
  readonly length: number
}
export type WasmImports = Record<string, Record<string, unknown>>

interface WasmApi {
  Instance: new (module: WasmModule, imports?: WasmImports) => WasmInstance
  Memory: abstract new (...args: never[]) => WasmMemory
  Global: abstract new (...args: never[]) => WasmGlobal
  Table: abstract new (...args: never[]) => WasmTable
  RuntimeError: new (message?: string) => Error
  compile(bytes: Uint8Array): Promise<WasmModule>
}

export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly
