import { describe, expect, it } from 'vitest'

import { clocks } from '../../../src/host/wasi/clocks.js'
import { poll } from '../../../src/host/wasi/io.js'

// poll blocks the thread on the real monotonic clock (a guest's sleep), which fake timers cannot stand in for.
describe('wasi:io poll', () => {
  it('blocks in poll until a timer is due', () => {
    const started = performance.now()
    const ready = poll([clocks.monotonicClock.subscribeDuration(30_000_000n), clocks.monotonicClock.subscribeDuration(5_000_000_000n)])
    expect([...ready]).toEqual([0])
    expect(performance.now() - started).toBeGreaterThanOrEqual(25)
  })
})
