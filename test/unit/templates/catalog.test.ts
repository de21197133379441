import { describe, expect, it } from 'vitest'

import { describeWorld } from '../../../src/templates/catalog.js'

// templateCatalog runs the toolchain checks `build` runs: test/component/templates/catalog.test.ts.
describe('describeWorld', () => {
  it('describes a world in one line', () => {
    expect(describeWorld({ exports: ['a:b/c'], imports: [] })).toBe('exports a:b/c')
    expect(describeWorld({ exports: [], imports: ['x:y/z', 'x:y/w'] })).toBe('imports x:y/z, x:y/w')
  })
})
