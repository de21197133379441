import { describe, expect, it } from 'vitest'

import { exportModuleState } from '../../../src/host/core-exports.js'
import { concatBytes, encodeU32, MODULE_HEADER } from '../../../src/wasm/binary.js'

// Core modules written byte by byte, so each section the rewrite reads is under test.
function section(id: number, ...content: Uint8Array[]): Uint8Array {
  const body = concatBytes(content)
  return concatBytes([Uint8Array.of(id), encodeU32(body.length), body])
}

function vector(...items: Uint8Array[]): Uint8Array {
  return concatBytes([encodeU32(items.length), ...items])
}

function name(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text)
  return concatBytes([encodeU32(bytes.length), bytes])
}

const i32 = 0x7f
const globalEntry = (mutable: boolean, init: number[]) => Uint8Array.of(i32, mutable ? 1 : 0, ...init, 0x0b)

/** imports one global; defines a memory, a table, and three globals (mutable, constant, mutable); exports the last. */
function sampleModule(): Uint8Array {
  return concatBytes([
    MODULE_HEADER,
    section(2, vector(concatBytes([name('env'), name('g'), Uint8Array.of(0x03, i32, 0x00)]))),
    section(4, vector(Uint8Array.of(0x70, 0x00, 0x01))),
    section(5, vector(Uint8Array.of(0x00, 0x01))),
    section(6, vector(globalEntry(true, [0x41, 0x2a]), globalEntry(false, [0x23, 0x00]), globalEntry(true, [0x41, 0x05]))),
    section(7, vector(concatBytes([name('kept'), Uint8Array.of(0x03), encodeU32(3)]))),
    section(0, name('custom'), Uint8Array.of(1, 2, 3)),
  ])
}

describe('exportModuleState', () => {
  it('exports the mutable globals, memories and tables a module defines, keeping its exports', () => {
    const rewritten = exportModuleState(sampleModule())!
    const module = new WebAssembly.Module(rewritten)
    expect(WebAssembly.Module.exports(module).map((entry) => `${entry.name}:${entry.kind}`)).toEqual([
      'kept:global',
      '__wasmctl_global_1:global',
      '__wasmctl_memory_0:memory',
      '__wasmctl_table_0:table',
    ])
    const instance = new WebAssembly.Instance(module, { env: { g: new WebAssembly.Global({ value: 'i32' }, 7) } })
    expect((instance.exports.__wasmctl_global_1 as WebAssembly.Global).value).toBe(42)
    expect((instance.exports.kept as WebAssembly.Global).value).toBe(5)
  })

  it('inserts an export section where the module has none', () => {
    const module = concatBytes([MODULE_HEADER, section(6, vector(globalEntry(true, [0x41, 0x01])))])
    const rewritten = exportModuleState(module)!
    expect(WebAssembly.Module.exports(new WebAssembly.Module(rewritten))).toEqual([{ name: '__wasmctl_global_0', kind: 'global' }])
  })

  it('returns the module unchanged when its state is already visible', () => {
    const module = concatBytes([MODULE_HEADER, section(6, vector(globalEntry(false, [0x41, 0x01])))])
    expect(exportModuleState(module)).toBe(module)
  })

  it('declines (undefined) a global initialiser it cannot read, rather than guess', () => {
    const module = concatBytes([MODULE_HEADER, section(6, vector(Uint8Array.of(i32, 1, 0xfb, 0x00, 0x0b)))])
    expect(exportModuleState(module)).toBeUndefined()
  })

  it('refuses a component or garbage with WASM_INVALID', () => {
    expect(() => exportModuleState(new TextEncoder().encode('not wasm at all'))).toThrow(expect.objectContaining({ code: 'WASM_INVALID' }))
  })
})
