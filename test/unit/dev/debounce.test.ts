import { stat } from 'node:fs'

import { describe, expect, it } from 'vitest'

import { createChangeBatcher, type ChangeBatch } from '../../../src/dev/debounce.js'
import { sleep } from './helpers.js'

describe('change batcher', () => {
  it('turns a burst of changes into one batch once the burst is over', async () => {
    const batches: ChangeBatch[] = []
    const batcher = createChangeBatcher({ quietMs: 40, maxWaitMs: 2000, flush: (batch) => batches.push(batch) })
    for (let i = 0; i < 20; i++) {
      batcher.add(i % 2 ? 'src/a.ts' : 'src/b.ts')
      await sleep(4)
    }
    expect(batches).toHaveLength(0)
    await sleep(120)
    expect(batches).toEqual([{ files: ['src/a.ts', 'src/b.ts'] }])
  })

  it('does not split a burst when the event loop stalls past the quiet time', async () => {
    const batches: ChangeBatch[] = []
    const batcher = createChangeBatcher({ quietMs: 30, maxWaitMs: 2000, flush: (batch) => batches.push(batch) })
    batcher.add('src/a.ts')
    // A file event that becomes ready while the loop is busy: after the stall, the quiet timer is
    // due before this I/O callback runs.
    stat(__filename, () => batcher.add('src/b.ts'))
    const until = performance.now() + 80
    while (performance.now() < until) {
      // busy: a long synchronous task on the main thread
    }
    await sleep(150)
    expect(batches).toEqual([{ files: ['src/a.ts', 'src/b.ts'] }])
  })

  it('flushes a never-ending stream of changes at the longest wait', async () => {
    const batches: ChangeBatch[] = []
    const batcher = createChangeBatcher({ quietMs: 50, maxWaitMs: 150, flush: (batch) => batches.push(batch) })
    const started = Date.now()
    while (Date.now() - started < 400) {
      batcher.add('src/a.ts')
      await sleep(10)
    }
    batcher.cancel()
    expect(batches.length).toBeGreaterThanOrEqual(2)
    expect(batcher.pending).toBe(0)
  })
})
