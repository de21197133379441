import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { BuildController, toErrorInfo, type DevBuilder } from '../../../src/dev/build-controller.js'
import { createDevBus } from '../../../src/dev/bus.js'
import { WasmctlError } from '../../../src/errors.js'
import { makeProject, record } from '../../helpers/dev-project.js'

// Fake timers: the stand-in toolchain's build time and the measured durations are exact.
beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

/** Moves the fake clock by `ms`, running what becomes due, then resolves with `event`. */
async function after<T>(ms: number, event: Promise<T>): Promise<T> {
  await vi.advanceTimersByTimeAsync(ms)
  return event
}

/** A stand-in toolchain: takes `ms`, fails when the source says so, and stops early when aborted. */
function fakeBuilder(ms: number, calls: { aborted: boolean }[] = []): DevBuilder & { source: string } {
  const builder = Object.assign(
    async (_project: unknown, options: { signal: AbortSignal }) => {
      const call = { aborted: false }
      calls.push(call)
      const source = builder.source
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, ms)
        options.signal.addEventListener('abort', () => {
          call.aborted = true
          clearTimeout(timer)
          reject(new WasmctlError('INTERRUPTED', 'build interrupted'))
        })
      })
      if (source.includes('syntax error')) {
        throw new WasmctlError('BUILD_FAILED', 'JavaScript build failed: src/index.ts:3:7: Expected ";" but found "body"', { hints: ['fix src/index.ts:3 and build again'] })
      }
      return { artifact: '/p/build/demo_s.wasm', digest: `sha256:${source}`, size: 10, cached: false, signed: true }
    },
    { source: 'ok' },
  )
  return builder
}

function controller(builder: DevBuilder) {
  const bus = createDevBus()
  const log = record(bus)
  const builds = new BuildController({ bus, project: makeProject(), build: builder })
  return { bus, log, builds }
}

describe('dev build controller', () => {
  it('builds on a change and reports duration and digest', async () => {
    const { bus, log } = controller(fakeBuilder(20))
    bus.emit('watch.change', { files: ['src/index.ts'], reconfigure: false })
    await after(20, bus.next('build.ok'))
    expect(log.of('build.start')).toMatchObject([{ build: 1, reason: 'change', files: ['src/index.ts'] }])
    expect(log.of('build.ok')).toMatchObject([{ build: 1, digest: 'sha256:ok', recovered: false, durationMs: 20 }])
  })

  it('cancels a running build when a change arrives and starts over once it let go', async () => {
    const calls: { aborted: boolean }[] = []
    const builder = fakeBuilder(150, calls)
    const { bus, log, builds } = controller(builder)
    builds.request('change', ['src/a.ts'])
    await vi.advanceTimersByTimeAsync(30)
    builder.source = 'second'
    builds.request('change', ['src/b.ts'])
    builds.request('change', ['src/c.ts'])
    await after(150, bus.next('build.ok'))
    expect(calls.map((call) => call.aborted)).toEqual([true, false])
    expect(log.of('build.cancelled')).toMatchObject([{ build: 1, reason: 'superseded' }])
    expect(log.of('build.start').map((event) => event.files)).toEqual([['src/a.ts'], ['src/b.ts', 'src/c.ts']])
    expect(log.of('build.ok')).toMatchObject([{ build: 2, digest: 'sha256:second' }])
  })

  it('drops the result of a build that finished anyway after being superseded', async () => {
    // A toolchain step that cannot be interrupted (componentize-js's wizer run) still returns.
    let release!: () => void
    let runs = 0
    const stubborn: DevBuilder = async () => {
      runs++
      if (runs === 1) await new Promise<void>((resolve) => (release = resolve))
      return { artifact: '/x', digest: `sha256:run${runs}`, size: 1, cached: false, signed: false }
    }
    const { bus, log, builds } = controller(stubborn)
    builds.request('change', ['a'])
    await vi.advanceTimersByTimeAsync(10)
    builds.request('change', ['b'])
    expect(log.of('build.start')).toHaveLength(1)
    release()
    await bus.next('build.ok')
    expect(log.of('build.ok').map((event) => event.digest)).toEqual(['sha256:run2'])
    expect(log.of('build.cancelled')).toHaveLength(1)
  })

  it('reports a failed build with the file and line, then says when the next one fixed it', async () => {
    const builder = fakeBuilder(5)
    builder.source = 'syntax error'
    const { bus, log, builds } = controller(builder)
    builds.request('change', ['src/index.ts'])
    await after(5, bus.next('build.error'))
    expect(log.of('build.error')[0]).toMatchObject({ code: 'BUILD_FAILED', location: { file: 'src/index.ts', line: 3, column: 7 }, hints: ['fix src/index.ts:3 and build again'] })
    builder.source = 'fixed'
    builds.request('change', ['src/index.ts'])
    await after(5, bus.next('build.ok'))
    expect(log.of('build.ok')[0]).toMatchObject({ recovered: true, digest: 'sha256:fixed' })
  })

  it('rebuilds with the new settings after a reconfiguration, not on the raw change', async () => {
    const seen: string[] = []
    const builder: DevBuilder = async (project) => {
      seen.push(project.name)
      return { artifact: '/x', digest: 'sha256:1', size: 1, cached: false, signed: false }
    }
    const { bus, log } = controller(builder)
    bus.emit('watch.change', { files: ['wasmcloud.toml'], reconfigure: true })
    await vi.advanceTimersByTimeAsync(20)
    expect(log.of('build.start')).toEqual([])
    bus.emit('config.reload', { file: '/p/wasmcloud.toml', project: { ...makeProject(), name: 'renamed' } })
    await bus.next('build.ok')
    expect(log.of('build.start')).toMatchObject([{ reason: 'config' }])
    expect(seen).toEqual(['renamed'])
  })

  it('forces a toolchain run past the build cache only when asked to rebuild', async () => {
    const forced: (boolean | undefined)[] = []
    const builder: DevBuilder = async (_project, options) => {
      forced.push(options.force)
      return { artifact: '/x', digest: 'sha256:1', size: 1, cached: !options.force, signed: false }
    }
    const { bus, builds } = controller(builder)
    builds.request('change', ['src/a.ts'])
    await bus.next('build.ok')
    bus.emit('build.request', { reason: 'manual', files: [] })
    await bus.next('build.ok')
    expect(forced).toEqual([false, true])
  })

  it('stops: cancels the running build and starts no other', async () => {
    const calls: { aborted: boolean }[] = []
    const { log, builds } = controller(fakeBuilder(200, calls))
    builds.request('start')
    await vi.advanceTimersByTimeAsync(20)
    await builds.stop()
    builds.request('manual')
    await vi.advanceTimersByTimeAsync(500)
    expect(calls).toEqual([{ aborted: true }])
    expect(log.of('build.cancelled')).toMatchObject([{ reason: 'stopping' }])
    expect(builds.busy).toBe(false)
  })

  it('finds the source location in toolchain messages', () => {
    expect(toErrorInfo(new WasmctlError('BUILD_FAILED', 'failed\nsrc/lib/util.js:12:3: SyntaxError')).location).toEqual({ file: 'src/lib/util.js', line: 12, column: 3 })
    expect(toErrorInfo(new WasmctlError('BUILD_FAILED', 'x', { details: { file: 'a.ts', line: 4 } })).location).toEqual({ file: 'a.ts', line: 4 })
    expect(toErrorInfo(new Error('no location here'))).toMatchObject({ code: 'INTERNAL', message: 'no location here' })
  })
})
