import { describe, expect, it } from 'vitest'

import { ByteReader, encodeCustomSection, encodeU32, readPreamble, sections } from '../../../src/wasm/binary.js'
import { bytes, component, coreModule, custom, FUNC_SECTIONS, leb, section } from './build-wasm.js'
import { caught } from './caught.js'

const code = (fn: () => unknown) => {
  const error = caught(fn)
  return error && `${error.code}: ${error.message}`
}

describe('LEB128', () => {
  it('reads minimal and padded unsigned values up to 32 bits', () => {
    for (const value of [0, 1, 127, 128, 300, 16383, 16384, 2 ** 31, 0xffffffff]) {
      expect(new ByteReader(Uint8Array.from(leb(value))).u32()).toBe(value)
      expect(new ByteReader(Uint8Array.from(leb(value, 5))).u32()).toBe(value)
    }
  })

  it('refuses a LEB128 that runs past the end, is too long or too large', () => {
    expect(code(() => new ByteReader(Uint8Array.of(0x80, 0x80)).u32())).toMatch(/^WASM_INVALID: LEB128 integer at offset 0 runs past the end/)
    expect(code(() => new ByteReader(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x00)).u32())).toMatch(/too large|longer than 5 bytes/)
    expect(code(() => new ByteReader(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x1f)).u32())).toMatch(/too large for 32 bits/)
  })

  it('encodes minimally', () => {
    expect([...encodeU32(0)]).toEqual([0])
    expect([...encodeU32(127)]).toEqual([0x7f])
    expect([...encodeU32(128)]).toEqual([0x80, 0x01])
    expect([...encodeU32(624485)]).toEqual([0xe5, 0x8e, 0x26])
    expect([...encodeU32(0xffffffff)]).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f])
    expect(() => encodeU32(-1)).toThrow(RangeError)
  })
})

describe('preamble', () => {
  it('tells modules from components', () => {
    expect(readPreamble(coreModule())).toBe('module')
    expect(readPreamble(component())).toBe('component')
  })

  it('refuses files that are not wasm, truncated headers and unknown versions', () => {
    expect(code(() => readPreamble(new TextEncoder().encode('#!/bin/sh\necho hi\n')))).toMatch(/^WASM_INVALID: not a WebAssembly file/)
    expect(code(() => readPreamble(new Uint8Array()))).toMatch(/^WASM_INVALID: not a WebAssembly file/)
    expect(code(() => readPreamble(Uint8Array.of(0, 0x61, 0x73, 0x6d, 1)))).toMatch(/^WASM_INVALID: truncated WebAssembly header/)
    expect(code(() => readPreamble(Uint8Array.of(0, 0x61, 0x73, 0x6d, 0x0a, 0, 1, 0)))).toMatch(/unsupported component binary version 0xa/)
    expect(code(() => readPreamble(Uint8Array.of(0, 0x61, 0x73, 0x6d, 2, 0, 0, 0)))).toMatch(/unsupported WebAssembly version 2/)
  })
})

describe('section walk', () => {
  it('lists sections with their ranges and custom section names', () => {
    const wasm = coreModule(...FUNC_SECTIONS, custom('name', [1, 2, 3]), custom('producers', 'x', 5))
    const found = [...sections(wasm)]
    expect(found.map((s) => [s.id, s.name])).toEqual([
      [1, undefined],
      [3, undefined],
      [10, undefined],
      [0, 'name'],
      [0, 'producers'],
    ])
    const last = found[4]
    expect(last.contentStart - last.start).toBe(6) // id + a 5-byte padded size
    expect(last.end).toBe(wasm.length)
  })

  it('refuses a section whose size runs past the end of the file (truncated file)', () => {
    const wasm = coreModule(...FUNC_SECTIONS)
    expect(code(() => [...sections(wasm.subarray(0, wasm.length - 2))])).toMatch(/^WASM_INVALID: section 10 at offset \d+ declares 4 bytes but only 2 remain/)
  })

  it('refuses a section size LEB128 that runs past the end', () => {
    expect(code(() => [...sections(bytes(coreModule(), [0x01, 0x80, 0x80]))])).toMatch(/^WASM_INVALID: LEB128 integer at offset 9 runs past the end/)
  })

  it('refuses a custom section name that is not UTF-8 or longer than the section', () => {
    expect(code(() => [...sections(coreModule(section(0, [0x02, 0xff, 0xfe])))])).toMatch(/not valid UTF-8/)
    expect(code(() => [...sections(coreModule(section(0, [0x09, 0x61])))])).toMatch(/custom section name at offset \d+ declares 9 bytes/)
  })
})

describe('custom section encoding', () => {
  it('writes id 0, a minimal size, the name and the payload', () => {
    const payload = new Uint8Array(200).fill(0x41)
    const encoded = encodeCustomSection('wasmcloud_jwt', payload)
    expect([...encoded.subarray(0, 4)]).toEqual([0x00, 0xd6, 0x01, 0x0d]) // 214 = 1 + 13 + 200
    expect(new TextDecoder().decode(encoded.subarray(4, 17))).toBe('wasmcloud_jwt')
    expect(encoded.length).toBe(3 + 214)
    expect([...encoded]).toEqual([...custom('wasmcloud_jwt', payload)])
  })
})
