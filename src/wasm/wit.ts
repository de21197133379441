import { WasmctlError } from '../errors.js'

/**
 * The full WIT text of a component's world, from jco (wasm-tools compiled to wasm). jco is large,
 * so it is imported only here, only when asked for (`wasmctl inspect --wit`).
 */
export async function componentWitText(bytes: Uint8Array): Promise<string> {
  const { componentWit } = await import('@bytecodealliance/jco')
  try {
    return await componentWit(bytes)
  } catch (error) {
    throw new WasmctlError('WASM_INVALID', `cannot decode the component's WIT: ${(error as Error)?.message ?? String(error)}`, {
      cause: error,
      hints: ['check the file with `wasmctl inspect` (without --wit); it may be a core module or a damaged component'],
    })
  }
}
