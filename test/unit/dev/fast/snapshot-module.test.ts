import { describe, expect, it } from 'vitest'

import { applyMemorySnapshot, nonZeroRanges } from '../../../../src/dev/fast/snapshot-module.js'
import { concatBytes, encodeU32 } from '../../../../src/wasm/binary.js'

// A hand-made module: one memory (1 page), a mutable i32 global, an immutable one, a data
// segment, and exports to read them back.
function section(id: number, content: number[] | Uint8Array): Uint8Array {
  const bytes = Uint8Array.from(content)
  return concatBytes([Uint8Array.of(id), encodeU32(bytes.length), bytes])
}
const name = (text: string) => [text.length, ...new TextEncoder().encode(text)]
function tinyModule(): Uint8Array {
  return concatBytes([
    Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00),
    section(5, [1, 0x00, 1]), // memory: min 1 page
    section(6, [2, 0x7f, 1, 0x41, 5, 0x0b, 0x7f, 0, 0x41, 7, 0x0b]), // (mut i32 5), (i32 7)
    section(7, [3, ...name('memory'), 2, 0, ...name('g'), 3, 0, ...name('k'), 3, 1]),
    section(11, [1, 0x00, 0x41, 16, 0x0b, 3, 0xaa, 0xbb, 0xcc]), // 3 bytes at 16
  ])
}

describe('nonZeroRanges', () => {
  it('finds word-aligned non-zero ranges and merges gaps shorter than the minimum', () => {
    const memory = new Uint8Array(64)
    memory[1] = 1
    memory[9] = 2
    memory[40] = 3
    expect(nonZeroRanges(memory, 8)).toEqual([
      [0, 12],
      [40, 44],
    ])
    expect(nonZeroRanges(memory, 64)).toEqual([[0, 44]])
    expect(nonZeroRanges(new Uint8Array(32))).toEqual([])
  })
})

describe('applyMemorySnapshot', () => {
  it('writes the memory image, its size and the mutable globals into the module', async () => {
    const memory = new Uint8Array(2 * 65536)
    memory[3] = 9
    memory.set([1, 2, 3, 4], 70_000)
    const rewritten = applyMemorySnapshot(tinyModule(), { memories: [memory], globals: [1234, 99] })
    const { instance } = (await WebAssembly.instantiate(rewritten)) as unknown as { instance: { exports: Record<string, any> } }
    const bytes = new Uint8Array(instance.exports.memory.buffer)
    expect(bytes.length).toBe(2 * 65536)
    expect(bytes[3]).toBe(9)
    expect([...bytes.subarray(70_000, 70_004)]).toEqual([1, 2, 3, 4])
    // The old data segment is gone: the image is the whole memory.
    expect(bytes[16]).toBe(0)
    expect(instance.exports.g.value).toBe(1234)
    // An immutable global keeps its initializer.
    expect(instance.exports.k.value).toBe(7)
  })

  it('refuses a module with a start function (it would run again over the snapshot)', () => {
    const withStart = concatBytes([tinyModule().subarray(0, 8), section(8, [0])])
    expect(() => applyMemorySnapshot(withStart, { memories: [], globals: [] })).toThrow(/start function/)
  })
})
