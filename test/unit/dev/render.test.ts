import { describe, expect, it } from 'vitest'

import { createDevBus } from '../../../src/dev/bus.js'
import { createTerminalRenderer, formatDevSummary, toNdjson } from '../../../src/dev/render.js'

function session(tty: boolean) {
  const bus = createDevBus(() => new Date('2030-01-01T00:00:00.000Z'))
  let output = ''
  const renderer = createTerminalRenderer({ write: (text) => (output += text), tty, columns: () => 200 })
  bus.onAny((event) => renderer.render(event))
  return { bus, output: () => output, renderer }
}

const built = { build: 1, durationMs: 1534, digest: 'sha256:0123456789abcdef0123', artifact: '/p/build/x_s.wasm', size: 12_800_000, cached: false, signed: true, recovered: false }

describe('dev output', () => {
  it('prints one JSON object per event, without the internal requests and the project object', () => {
    const bus = createDevBus(() => new Date('2030-01-01T00:00:00.000Z'))
    const lines: string[] = []
    bus.onAny((event) => {
      const line = toNdjson(event)
      if (line) lines.push(line)
    })
    bus.emit('build.request', { reason: 'manual', files: [] })
    bus.emit('build.ok', built)
    bus.emit('config.reload', { file: '/p/wasmcloud.toml', project: { name: 'x' } as never })
    bus.emit('log', { level: 'debug', message: 'noise' })
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { event: 'build.ok', time: '2030-01-01T00:00:00.000Z', ...built },
      { event: 'config.reload', time: '2030-01-01T00:00:00.000Z', file: '/p/wasmcloud.toml' },
    ])
    expect(lines.every((line) => !line.includes('\n'))).toBe(true)
  })

  it('tells a plain log what happened, including the failing file and line, and the recovery', () => {
    const { bus, output } = session(false)
    bus.emit('host.ready', { url: 'http://127.0.0.1:8000' })
    bus.emit('build.start', { build: 1, reason: 'start', files: [] })
    bus.emit('build.ok', built)
    bus.emit('reload.ok', { build: 1, version: 1, url: 'http://127.0.0.1:8000', digest: built.digest, durationMs: 210 })
    bus.emit('request', { method: 'GET', path: '/hello', status: 200, durationMs: 3, version: 1 })
    bus.emit('build.start', { build: 2, reason: 'change', files: ['src/index.ts'] })
    bus.emit('build.error', { build: 2, durationMs: 40, code: 'BUILD_FAILED', message: 'JavaScript build failed: src/index.ts:3:7: Expected ";"', hints: ['fix src/index.ts:3 and build again'], location: { file: 'src/index.ts', line: 3, column: 7 } })
    bus.emit('build.ok', { ...built, build: 3, recovered: true })
    const text = output()
    expect(text).not.toContain('\x1b')
    expect(text).toContain('listening at http://127.0.0.1:8000')
    expect(text).toContain('building (src/index.ts)…')
    expect(text).toContain('built in 1.5 s · sha256:0123456789ab · 12.2 MB')
    expect(text).toContain('serving v1 at http://127.0.0.1:8000')
    expect(text).toContain('GET /hello 200 3 ms v1')
    expect(text).toContain('build failed at src/index.ts:3:7 (v1 keeps serving)')
    expect(text).toContain('hint: fix src/index.ts:3 and build again')
    expect(text).toContain('build fixed: built in 1.5 s')
  })

  it('ends with a summary in words', () => {
    expect(formatDevSummary({ builds: 1, failedBuilds: 0, reloads: 1, requests: 0 })).toBe('Stopped: 1 build (0 failed), 1 swap, 0 requests.')
    expect(formatDevSummary({ builds: 3, failedBuilds: 1, reloads: 2, requests: 12 })).toBe('Stopped: 3 builds (1 failed), 2 swaps, 12 requests.')
  })

  it('keeps a status line at the bottom of a terminal and clears it when done', () => {
    const { bus, output, renderer } = session(true)
    bus.emit('host.ready', { url: 'http://127.0.0.1:8000' })
    bus.emit('build.start', { build: 1, reason: 'start', files: [] })
    expect(output().endsWith('building…  ')).toBe(true)
    bus.emit('build.ok', built)
    bus.emit('reload.ok', { build: 1, version: 1, url: 'http://127.0.0.1:8000', digest: built.digest, durationMs: 210 })
    expect(output()).toMatch(/serving v1 at http:\/\/127\.0\.0\.1:8000 {2}r rebuild · o open · q quit$/)
    bus.emit('request', { method: 'GET', path: '/', status: 200, durationMs: 2, version: 1 })
    // The request line replaces the status line, which is drawn again below it.
    expect(output()).toMatch(/\r\x1b\[2KGET \/ 200 2 ms v1\n● serving v1/)
    renderer.dispose()
    expect(output().endsWith('\r\x1b[2K')).toBe(true)
  })
})
