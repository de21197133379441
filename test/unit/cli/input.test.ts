import { createHash } from 'node:crypto'

import { describe, expect, it } from 'vitest'

import { parseKeyValuePairs, sha256Hex } from '../../../src/input.js'

describe('KEY=VALUE flags (--annotation, --env, --config)', () => {
  it('keeps "=" inside values and allows empty values', () => {
    expect(parseKeyValuePairs(['A=1', 'URL=a=b', 'EMPTY='], 'env')).toEqual({ A: '1', URL: 'a=b', EMPTY: '' })
  })

  it('rejects a value without a key, naming the flag', () => {
    for (const bad of ['nope', '=v']) {
      expect(() => parseKeyValuePairs([bad], 'config')).toThrow(
        expect.objectContaining({ code: 'INPUT_INVALID', message: `--config ${bad}: expected KEY=VALUE` }),
      )
    }
  })
})

describe('sha256Hex', () => {
  it('is the lower-case hex sha256 of the bytes', () => {
    const bytes = new TextEncoder().encode('wasm')
    expect(sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'))
    expect(sha256Hex(bytes)).toMatch(/^[0-9a-f]{64}$/)
  })
})
