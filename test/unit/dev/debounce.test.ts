import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { createChangeBatcher, type ChangeBatch } from '../../../src/dev/debounce.js'

// Fake setTimeout and performance.now, so every step lands on an exact millisecond. setImmediate
// stays real: the fake one runs a millisecond late when scheduled from a timer.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] })
})
afterEach(() => {
  vi.useRealTimers()
})

/** Moves the clock, then lets the batcher's decision (a setImmediate) run. */
async function advance(ms: number): Promise<void> {
  vi.advanceTimersByTime(ms)
  await new Promise<void>((resolve) => setImmediate(resolve))
}

describe('change batcher', () => {
  it('turns a burst of changes into one batch, quietMs after the last change', async () => {
    const batches: ChangeBatch[] = []
    const batcher = createChangeBatcher({ quietMs: 40, maxWaitMs: 2000, flush: (batch) => batches.push(batch) })
    for (let i = 0; i < 20; i++) {
      batcher.add(i % 2 ? 'src/a.ts' : 'src/b.ts')
      await advance(4)
    }
    // The last change was 4 ms ago.
    await advance(35)
    expect(batches).toHaveLength(0)
    await advance(1)
    expect(batches).toEqual([{ files: ['src/a.ts', 'src/b.ts'] }])
    expect(batcher.pending).toBe(0)
  })

  it('does not split a burst when a change arrives between the quiet timer and its decision', async () => {
    // After the event loop stalls, the overdue quiet timer runs before the file events queued
    // meanwhile are delivered; the batcher decides in a setImmediate, after them.
    const batches: ChangeBatch[] = []
    const batcher = createChangeBatcher({ quietMs: 30, maxWaitMs: 2000, flush: (batch) => batches.push(batch) })
    batcher.add('src/a.ts')
    vi.advanceTimersToNextTimer() // the quiet timer is due: it schedules the decision
    batcher.add('src/b.ts') // a file event delivered before the decision runs
    await advance(0) // the decision: b is fresh, so it waits on
    expect(batches).toEqual([])
    await advance(30)
    expect(batches).toEqual([{ files: ['src/a.ts', 'src/b.ts'] }])
  })

  it('flushes a never-ending stream of changes every maxWaitMs', async () => {
    const flushedAt: number[] = []
    const started = performance.now()
    const batcher = createChangeBatcher({ quietMs: 50, maxWaitMs: 150, flush: () => flushedAt.push(performance.now() - started) })
    for (let elapsed = 0; elapsed < 400; elapsed += 10) {
      batcher.add('src/a.ts')
      await advance(10)
    }
    expect(flushedAt).toEqual([150, 300])
    expect(batcher.pending).toBe(1)
    batcher.cancel()
    expect(batcher.pending).toBe(0)
    await advance(1000)
    expect(flushedAt).toEqual([150, 300])
  })
})
