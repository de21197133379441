import { readFileSync } from 'node:fs'

import { describe, expect, it } from 'vitest'

import { helloHttpComponent } from '../../helpers/components.js'

describe('test component cache', () => {
  it('builds a real component once and reuses it', async () => {
    const first = await helloHttpComponent()
    const bytes = readFileSync(first)
    // A component binary: magic, then layer 1 / version 0x0d.
    expect([...bytes.subarray(0, 8)]).toEqual([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00])
    const started = performance.now()
    expect(await helloHttpComponent()).toBe(first)
    expect(performance.now() - started).toBeLessThan(1000)
  }, 120_000)
})
