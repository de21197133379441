import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { createDevBus } from '../../../src/dev/bus.js'
import { HostController, type DevHost, type DevHostFactory } from '../../../src/dev/host-controller.js'
import { WasmctlError } from '../../../src/errors.js'
import { makeProject, record } from '../../helpers/dev-project.js'

// Fake timers: a stand-in load takes exactly as long as the test says.
beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

/** Stand-in hosts that record what they were asked to load; the real host: test/component/host/host.test.ts. */
function fakeHosts(loadMs = 0) {
  const hosts: { url: string; loads: string[]; closed: boolean; reconfigured: string[] }[] = []
  const factory: DevHostFactory = async (_project, options) => {
    const state = { url: `http://127.0.0.1:${9000 + hosts.length}`, loads: [] as string[], closed: false, reconfigured: [] as string[] }
    hosts.push(state)
    const host: DevHost = {
      url: state.url,
      async load(artifact, project) {
        if (loadMs > 0) await new Promise((resolve) => setTimeout(resolve, loadMs))
        if (artifact.includes('broken')) throw new WasmctlError('HOST_LOAD_FAILED', `cannot load ${artifact}`)
        state.loads.push(artifact)
        if (project) state.reconfigured.push(artifact)
        options.onRequest?.({ method: 'GET', path: '/', status: 200, durationMs: 1 })
      },
      async close() {
        state.closed = true
      },
    }
    return host
  }
  return { hosts, factory }
}

const ok = (build: number, artifact: string) => ({ build, durationMs: 1, digest: `sha256:${build}`, artifact, size: 1, cached: false, signed: true, recovered: false })

describe('dev host controller', () => {
  it('swaps in each good build and numbers the versions', async () => {
    const { hosts, factory } = fakeHosts()
    const bus = createDevBus()
    const log = record(bus)
    const controller = new HostController({ bus, project: makeProject(), createHost: factory })
    expect(await controller.start()).toBe('http://127.0.0.1:9000')
    bus.emit('build.ok', ok(1, '/a.wasm'))
    await bus.next('reload.ok')
    bus.emit('build.ok', ok(2, '/b.wasm'))
    await bus.next('reload.ok')
    expect(hosts[0].loads).toEqual(['/a.wasm', '/b.wasm'])
    expect(log.of('reload.ok').map((event) => [event.build, event.version, event.url])).toEqual([
      [1, 1, 'http://127.0.0.1:9000'],
      [2, 2, 'http://127.0.0.1:9000'],
    ])
    // Each stand-in load answers one request while the previous version is still the one serving.
    expect(log.of('request').map((event) => event.version)).toEqual([undefined, 1])
    await controller.close()
    expect(hosts[0].closed).toBe(true)
  })

  it('collapses builds that finish during a load into the newest one', async () => {
    const { hosts, factory } = fakeHosts(80)
    const bus = createDevBus()
    const log = record(bus)
    const controller = new HostController({ bus, project: makeProject(), createHost: factory })
    await controller.start()
    bus.emit('build.ok', ok(1, '/1.wasm'))
    await vi.advanceTimersByTimeAsync(10)
    bus.emit('build.ok', ok(2, '/2.wasm'))
    bus.emit('build.ok', ok(3, '/3.wasm'))
    const third = bus.next('reload.ok', (event) => event.build === 3)
    // The first load ends at 80 ms, the second (build 3) at 160 ms.
    await vi.advanceTimersByTimeAsync(140)
    expect(hosts[0].loads).toEqual(['/1.wasm'])
    await vi.advanceTimersByTimeAsync(10)
    await third
    expect(hosts[0].loads).toEqual(['/1.wasm', '/3.wasm'])
    expect(log.of('reload.ok').map((event) => event.version)).toEqual([1, 2])
    await controller.close()
  })

  it('keeps the last good version when a load fails', async () => {
    const { hosts, factory } = fakeHosts()
    const bus = createDevBus()
    const log = record(bus)
    const controller = new HostController({ bus, project: makeProject(), createHost: factory })
    await controller.start()
    bus.emit('build.ok', ok(1, '/good.wasm'))
    await bus.next('reload.ok')
    bus.emit('build.ok', ok(2, '/broken.wasm'))
    await bus.next('reload.error')
    bus.emit('build.ok', ok(3, '/good2.wasm'))
    await bus.next('reload.ok')
    expect(log.of('reload.error')[0]).toMatchObject({ build: 2, code: 'HOST_LOAD_FAILED' })
    expect(log.of('reload.ok').map((event) => [event.build, event.version])).toEqual([
      [1, 1],
      [3, 2],
    ])
    expect(hosts[0].loads).toEqual(['/good.wasm', '/good2.wasm'])
    await controller.close()
  })

  it('loads changed host settings into the same host, so the old version serves until the new one does', async () => {
    const { hosts, factory } = fakeHosts()
    const bus = createDevBus()
    const log = record(bus)
    const project = makeProject()
    const controller = new HostController({ bus, project, createHost: factory })
    await controller.start()
    bus.emit('build.ok', ok(1, '/1.wasm'))
    await bus.next('reload.ok')
    const changed = { ...project, dev: { ...project.dev, port: 9000, env: { GREETING: 'hi' } } }
    // Same listener as before ([dev] port unset means the one the host took): a failed load leaves v1 serving on it.
    bus.emit('config.reload', { file: project.file, project: { ...project, dev: { ...project.dev, env: { GREETING: 'hi' } } } })
    bus.emit('build.ok', ok(2, '/broken.wasm'))
    await bus.next('reload.error')
    expect(hosts).toHaveLength(1)
    expect(hosts[0].closed).toBe(false)
    bus.emit('build.ok', ok(3, '/3.wasm'))
    await bus.next('reload.ok', (event) => event.build === 3)
    expect(hosts).toHaveLength(1)
    expect(hosts[0]).toMatchObject({ closed: false, loads: ['/1.wasm', '/3.wasm'], reconfigured: ['/3.wasm'] })
    // A new port needs a new host: it starts beside the old one, which closes once the new one serves.
    bus.emit('config.reload', { file: project.file, project: { ...changed, dev: { ...changed.dev, port: 9001 } } })
    bus.emit('build.ok', ok(4, '/4.wasm'))
    await bus.next('reload.ok', (event) => event.build === 4)
    expect(hosts).toHaveLength(2)
    expect(hosts[0]).toMatchObject({ closed: true })
    expect(hosts[1]).toMatchObject({ closed: false, loads: ['/4.wasm'] })
    expect(log.of('host.ready').map((event) => event.url)).toEqual(['http://127.0.0.1:9000', 'http://127.0.0.1:9001'])
    await controller.close()
  })
})
