import { describe, expect, it } from 'vitest'

import { formatHostEvent } from '../../../src/host/format.js'

const log = (level: string) => ({ event: 'log' as const, component: 'counter', level: level as 'info', context: '', message: `a ${level} line` })

describe('component log lines under wasmctl up', () => {
  it('maps wasi:logging levels onto the console levels --log-level filters on', () => {
    expect(formatHostEvent(log('info'))).toEqual({ stream: 'stderr', text: '[counter] INFO a info line', level: 'info' })
    expect(formatHostEvent(log('warn'))?.level).toBe('warn')
    expect(formatHostEvent(log('error'))?.level).toBe('error')
    expect(formatHostEvent(log('critical'))).toEqual({ stream: 'stderr', text: '[counter] CRITICAL a critical line', level: 'error' })
    expect(formatHostEvent(log('stderr'))).toEqual({ stream: 'stderr', text: '[counter] a stderr line', level: 'info' })
  })

  it('shows trace and debug lines only when verbose (--log-level debug)', () => {
    expect(formatHostEvent(log('trace'))).toBeUndefined()
    expect(formatHostEvent(log('debug'))).toBeUndefined()
    expect(formatHostEvent(log('trace'), true)).toEqual({ stream: 'stderr', text: '[counter] TRACE a trace line', level: 'debug' })
  })
})
