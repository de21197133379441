import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

import { fsError, WasmctlError } from '../errors.js'
import { SectionId, sections } from '../wasm/binary.js'

/** The part of the WebAssembly JS API used here (the project's `lib` has no DOM typings, which declare it). */
interface WasmModuleApi {
  Module: {
    new (bytes: Uint8Array): object
    exports(module: object): { name: string }[]
    imports(module: object): { module: string; name: string }[]
  }
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmModuleApi }).WebAssembly

/**
 * Turns a WASI preview1 core module (wasm32-wasip1 / wasm32-wasi output of rustc, clang, TinyGo)
 * into a component with the preview1 adapter jco ships, as `jco new --wasi-command|--wasi-reactor`
 * does. A module that exports `_start` is a command (it gets `wasi:cli/run`); any other is a reactor.
 */
export async function adaptPreview1Module(
  core: Uint8Array,
  options: { artifact: string; adapterPath?: string },
): Promise<{ component: Uint8Array; kind: 'command' | 'reactor' }> {
  let exportNames: string[]
  let importModules: string[]
  try {
    const module = new wasmApi.Module(core)
    exportNames = wasmApi.Module.exports(module).map((entry) => entry.name)
    importModules = [...new Set(wasmApi.Module.imports(module).map((entry) => entry.module))]
  } catch (error) {
    throw new WasmctlError('WASM_INVALID', `${options.artifact} is not a valid WebAssembly module: ${(error as Error).message}`, {
      cause: error,
      hints: ['check the toolchain output above; the module may be truncated'],
    })
  }
  // Checked here because jco's wasm-tools traps on such input, and a trap leaves its instance
  // unusable for the rest of the process (every later componentize or adapt would fail).
  // Imports of WIT interfaces are fine when the module embeds their types (wit-bindgen output).
  const foreign = importModules.filter((name) => name !== 'wasi_snapshot_preview1')
  if (foreign.length > 0 && !hasComponentTypeSection(core)) {
    throw new WasmctlError('BUILD_NOT_COMPONENT', `${options.artifact} imports ${foreign.join(', ')}, which the WASI preview1 adapter cannot provide`, {
      hints: ['build for wasm32-wasip2 (a component), or remove the imports of modules other than wasi_snapshot_preview1'],
      details: { imports: importModules },
    })
  }
  const kind = exportNames.includes('_start') ? 'command' : 'reactor'
  const jco = await import('@bytecodealliance/jco')
  const adapterPath = options.adapterPath ?? fileURLToPath(kind === 'command' ? jco.preview1AdapterCommandPath() : jco.preview1AdapterReactorPath())
  let adapter: Uint8Array
  try {
    adapter = await readFile(adapterPath)
  } catch (error) {
    throw fsError(error, 'read the WASI preview1 adapter', adapterPath)
  }
  try {
    const component = await jco.componentNew(core, [['wasi_snapshot_preview1', adapter]])
    return { component, kind }
  } catch (error) {
    throw new WasmctlError('BUILD_FAILED', `cannot turn ${options.artifact} into a component with the WASI preview1 adapter: ${(error as Error).message}`, {
      cause: error,
      hints: [
        'the module may import something other than wasi_snapshot_preview1; build for wasm32-wasip2 instead',
        'set [component] wasip1_adapter_path to an adapter that matches your toolchain',
      ],
    })
  }
}

/** wit-bindgen embeds the WIT a module was built against in `component-type*` custom sections. */
function hasComponentTypeSection(core: Uint8Array): boolean {
  for (const section of sections(core)) {
    if (section.id === SectionId.custom && section.name?.startsWith('component-type')) return true
  }
  return false
}
