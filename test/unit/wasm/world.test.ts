import { describe, expect, it } from 'vitest'

import { componentWorld, isComponent } from '../../../src/wasm/world.js'
import { bytes, component, coreModule, custom, exportSection, FUNC_SECTIONS, importSection, leb, name, section } from './build-wasm.js'
import { caught } from './caught.js'

describe('componentWorld on hand-made components', () => {
  it('reads the top-level imports and exports, skipping nested modules and type exports', () => {
    const nested = component(importSection('inner:only/import'), exportSection(['inner:only/export', 0x05]))
    const wasm = component(
      section(1, coreModule(...FUNC_SECTIONS)),
      importSection('wasi:io/poll@0.2.0', 'wasi:http/types@0.2.0'),
      section(4, nested),
      custom('component-type', [1, 2, 3]),
      exportSection(['wasi:http/incoming-handler@0.2.0', 0x05], ['run', 0x01], ['my-type', 0x03]),
    )
    expect(isComponent(wasm)).toBe(true)
    expect(componentWorld(wasm)).toEqual({
      imports: ['wasi:io/poll@0.2.0', 'wasi:http/types@0.2.0'],
      exports: ['wasi:http/incoming-handler@0.2.0', 'run'],
    })
  })

  it('reads every externdesc form and exports that carry an explicit type', () => {
    const imports = section(
      10,
      bytes(
        leb(6),
        [0x00], name('core-mod'), [0x00, 0x11, 0x00],
        [0x00], name('f'), [0x01, 0x02],
        [0x00], name('v-eq'), [0x02, 0x00, 0x00],
        [0x00], name('v-type'), [0x02, 0x01, 0x73],
        [0x01], name('res'), [0x03, 0x01],
        [0x00], name('comp'), [0x04, 0x81, 0x01],
      ),
    )
    const exports = section(11, bytes(leb(2), [0x00], name('core-export'), [0x00, 0x11, 0x00, 0x00], [0x00], name('typed'), [0x01, 0x00, 0x01, 0x01, 0x00]))
    expect(componentWorld(component(imports, exports))).toEqual({
      imports: ['core-mod', 'f', 'v-eq', 'v-type', 'res', 'comp'],
      exports: ['core-export', 'typed'],
    })
  })

  it('throws WASM_NOT_COMPONENT for a core module and WASM_INVALID for junk', () => {
    expect(isComponent(coreModule())).toBe(false)
    expect(caught(() => componentWorld(coreModule(...FUNC_SECTIONS)))?.code).toBe('WASM_NOT_COMPONENT')
    expect(isComponent(new TextEncoder().encode('hello'))).toBe(false)
    expect(caught(() => componentWorld(new TextEncoder().encode('hello')))?.code).toBe('WASM_INVALID')
  })

  it('throws WASM_INVALID for truncated or malformed import/export sections', () => {
    const whole = component(importSection('wasi:io/poll@0.2.0'))
    expect(caught(() => componentWorld(whole.subarray(0, whole.length - 3)))?.code).toBe('WASM_INVALID')
    // The section claims 2 imports but holds one.
    const short = component(section(10, bytes(leb(2), [0x00], name('a'), [0x05, 0x00])))
    expect(caught(() => componentWorld(short))).toMatchObject({ code: 'WASM_INVALID', message: expect.stringMatching(/unexpected end of data/) })
    const extra = component(section(10, bytes(leb(1), [0x00], name('a'), [0x05, 0x00, 0x00])))
    expect(caught(() => componentWorld(extra))?.message).toMatch(/import section ends at offset \d+ before its declared size/)
    const badKind = component(section(10, bytes(leb(1), [0x07], name('a'), [0x05, 0x00])))
    expect(caught(() => componentWorld(badKind))?.message).toMatch(/unknown import name kind 0x7/)
    const badDesc = component(section(10, bytes(leb(1), [0x00], name('a'), [0x09, 0x00])))
    expect(caught(() => componentWorld(badDesc))?.message).toMatch(/unknown extern descriptor 0x9/)
  })
})
