import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { createBuildSpinner } from '../../../src/build/build-spinner.js'
import type { Spinner } from '../../../src/ui/spinner.js'

function recordingSpinner(): Spinner & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    start: (text) => void calls.push(`start ${text}`),
    update: (text) => void calls.push(`update ${text}`),
    succeed: () => void calls.push('succeed'),
    fail: () => void calls.push('fail'),
    stop: () => void calls.push('stop'),
  }
}

describe('build spinner', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('shows the current step with its elapsed time, redrawn as time passes', () => {
    const spinner = recordingSpinner()
    const progress = createBuildSpinner(spinner, () => Date.now())
    expect(progress.event({ type: 'step', step: 'componentize', message: 'componentize-js: world hello' } as never)).toBe(true)
    vi.advanceTimersByTime(2500)
    expect(spinner.calls.at(-1)).toBe('update componentize-js: world hello · 2.5 s (total 2.5 s)')
    expect(progress.event({ type: 'output', tool: 'esbuild', stream: 'stderr', line: 'x' } as never)).toBe(false)
    progress.stop()
    const count = spinner.calls.length
    vi.advanceTimersByTime(1000)
    expect(spinner.calls.length).toBe(count)
  })

  it('prints other lines between frames', () => {
    const spinner = recordingSpinner()
    const progress = createBuildSpinner(spinner, () => Date.now())
    const printed: string[] = []
    progress.print(() => printed.push('warning'))
    expect(printed).toEqual(['warning'])
    expect(spinner.calls.slice(-2)).toEqual(['stop', expect.stringMatching(/^start starting the build/)])
  })
})
