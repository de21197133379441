import { describe, expect, it } from 'vitest'

import { createDevBus } from '../../../src/dev/bus.js'
import { record } from '../../helpers/dev-project.js'

describe('dev event bus', () => {
  it('delivers events emitted by listeners after the current one, in order, to every listener', () => {
    const bus = createDevBus()
    const seen: string[] = []
    bus.on('build.ok', (event) => {
      seen.push(`a:${event.type}`)
      bus.emit('reload.start', { build: event.build })
    })
    bus.onAny((event) => seen.push(`any:${event.type}`))
    bus.emit('build.ok', { build: 1, durationMs: 5, digest: 'sha256:00', artifact: '/x.wasm', size: 1, cached: false, signed: true, recovered: false })
    expect(seen).toEqual(['a:build.ok', 'any:build.ok', 'any:reload.start'])
  })

  it('stamps each event with its type and time', () => {
    const bus = createDevBus(() => new Date('2030-01-02T03:04:05.000Z'))
    const { events } = record(bus)
    bus.emit('host.ready', { url: 'http://127.0.0.1:1' })
    expect(events).toEqual([{ type: 'host.ready', time: '2030-01-02T03:04:05.000Z', url: 'http://127.0.0.1:1' }])
  })

  it('turns a throwing listener into a fatal event and still reaches the other listeners', () => {
    const bus = createDevBus()
    const { of } = record(bus)
    bus.on('request', () => {
      throw new Error('boom')
    })
    let reached = false
    bus.on('request', () => (reached = true))
    bus.emit('request', { method: 'GET', path: '/', status: 200, durationMs: 1 })
    expect(reached).toBe(true)
    expect(of('fatal')).toHaveLength(1)
    expect(of('fatal')[0]).toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('boom') })
  })

  it('stops delivering to a listener once it unsubscribes, and next() resolves on a matching event', async () => {
    const bus = createDevBus()
    let count = 0
    const off = bus.on('log', () => count++)
    bus.emit('log', { level: 'info', message: 'one' })
    off()
    bus.emit('log', { level: 'info', message: 'two' })
    expect(count).toBe(1)
    const waiting = bus.next('log', (event) => event.message === 'four')
    bus.emit('log', { level: 'info', message: 'three' })
    bus.emit('log', { level: 'info', message: 'four' })
    await expect(waiting).resolves.toMatchObject({ message: 'four' })
  })
})
