import { createHash } from 'node:crypto'

import { describe, expect, it } from 'vitest'

import { appendClaimsSection, computeWascapHash, extractClaimsSection, scanWasm, stripClaims } from '../../../src/claims/wasm.js'
import { bytes, component, coreModule, custom, FUNC_SECTIONS, section } from '../wasm/build-wasm.js'

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex').toUpperCase()

describe('strip and hash', () => {
  it('leaves a file without claims unchanged and hashes it whole', () => {
    const wasm = coreModule(...FUNC_SECTIONS, custom('name', [0, 1]))
    expect([...stripClaims(wasm)]).toEqual([...wasm])
    expect(computeWascapHash(wasm)).toBe(sha(wasm))
    expect(computeWascapHash(wasm)).toMatch(/^[0-9A-F]{64}$/)
  })

  it('removes wasmcloud_jwt and jwt sections wherever they are, keeping other custom sections', () => {
    const plain = coreModule(FUNC_SECTIONS[0], custom('producers', 'p'), FUNC_SECTIONS[1], FUNC_SECTIONS[2])
    const signed = coreModule(FUNC_SECTIONS[0], custom('jwt', 'a.b.c'), custom('producers', 'p'), FUNC_SECTIONS[1], FUNC_SECTIONS[2], custom('wasmcloud_jwt', 'x.y.z'))
    expect([...stripClaims(signed)]).toEqual([...plain])
    expect(computeWascapHash(signed)).toBe(sha(plain))
  })

  it('re-encodes padded section sizes minimally, as wasm-encoder does', () => {
    const padded = coreModule(section(1, [0x01, 0x60, 0x00, 0x00], 5), section(3, [0x01, 0x00], 5), section(10, [0x01, 0x02, 0x00, 0x0b], 5))
    expect(padded.length).toBe(coreModule(...FUNC_SECTIONS).length + 12)
    expect([...stripClaims(padded)]).toEqual([...coreModule(...FUNC_SECTIONS)])
  })

  it('recurses into nested modules and components and strips claims at any depth', () => {
    const innerModule = coreModule(...FUNC_SECTIONS, custom('jwt', 'inner'))
    const innerComponent = component(custom('wasmcloud_jwt', 'deep'), section(1, coreModule(custom('wasmcloud_jwt', 'deeper'))))
    const wasm = component(section(1, innerModule, 5), section(4, innerComponent), custom('wasmcloud_jwt', 'top'))
    const expected = component(section(1, coreModule(...FUNC_SECTIONS)), section(4, component(section(1, coreModule()))))
    const scan = scanWasm(wasm)
    expect(scan.encoding).toBe('component')
    expect([...stripClaims(wasm)]).toEqual([...expected])
    // wascap's extraction: `jwt` at any depth, `wasmcloud_jwt` only at the top.
    expect(scan.claimsSections.map((s) => [s.name, s.depth, s.jwt])).toEqual([
      ['jwt', 1, 'inner'],
      ['wasmcloud_jwt', 0, 'top'],
    ])
  })

  it('does not recurse into a core module’s type section (id 1 means something else there)', () => {
    // A core type section whose bytes happen to look like a wasm preamble must be kept verbatim.
    const lookalike = coreModule(section(1, [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]))
    expect([...stripClaims(lookalike)]).toEqual([...lookalike])
  })

  it('rewrites the preamble to the constant header of its encoding', () => {
    const scan = scanWasm(component())
    expect([...scan.stripped[0]]).toEqual([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00])
  })

  it('refuses truncated and non-wasm input with WASM_INVALID', () => {
    const wasm = coreModule(...FUNC_SECTIONS)
    expect(() => scanWasm(wasm.subarray(0, wasm.length - 1))).toThrow(expect.objectContaining({ code: 'WASM_INVALID' }))
    expect(() => scanWasm(new TextEncoder().encode('{"not":"wasm"}'))).toThrow(expect.objectContaining({ code: 'WASM_INVALID' }))
    expect(() => scanWasm(component(section(1, [0x00, 0x61, 0x73])))).toThrow(expect.objectContaining({ code: 'WASM_INVALID' }))
  })
})

describe('claims sections', () => {
  it('finds none, one, or refuses two', () => {
    expect(extractClaimsSection(scanWasm(coreModule()))).toBeUndefined()
    expect(extractClaimsSection(scanWasm(coreModule(custom('wasmcloud_jwt', 'a.b.c'))))?.jwt).toBe('a.b.c')
    const two = coreModule(custom('wasmcloud_jwt', 'a.b.c'), ...FUNC_SECTIONS, custom('wasmcloud_jwt', 'd.e.f'))
    expect(() => extractClaimsSection(scanWasm(two))).toThrow(expect.objectContaining({ code: 'CLAIMS_INVALID', message: expect.stringMatching(/has 2 claims sections/) }))
  })

  it('appends exactly one wasmcloud_jwt section after the stripped bytes', () => {
    const original = coreModule(...FUNC_SECTIONS)
    const signed = appendClaimsSection(scanWasm(original).stripped, 'h.c.s')
    expect([...signed.subarray(0, original.length)]).toEqual([...original])
    expect([...signed.subarray(original.length)]).toEqual([...bytes([0x00, 0x13, 0x0d], new TextEncoder().encode('wasmcloud_jwth.c.s'))])
    const resigned = appendClaimsSection(scanWasm(signed).stripped, 'x.y.z')
    expect(scanWasm(resigned).claimsSections.map((s) => s.jwt)).toEqual(['x.y.z'])
    expect(resigned.length).toBe(signed.length)
  })
})
