import { writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createDevBus } from '../../src/dev/bus.js'
import { embeddedHostFactory } from '../../src/dev/embedded-host.js'
import { HostController } from '../../src/dev/host-controller.js'
import type { Project } from '../../src/project/index.js'
import { probeHttpComponent } from '../fixtures/components/fixtures.js'
import { makeProject, record, scratchDir } from '../helpers/dev-project.js'

// `wasmctl dev` with a fixed port and host settings that change (issue 10 section 3): the version
// serving keeps serving on that port until the next one is up, also when the next one fails.
let probe: string
let controller: HostController | undefined
// The dev host takes its transpile cache from WASMCTL_CACHE_DIR: a scratch one, not the user's.
const savedCacheDir = process.env.WASMCTL_CACHE_DIR

beforeAll(async () => {
  probe = await probeHttpComponent()
  process.env.WASMCTL_CACHE_DIR = scratchDir('cache-')
}, 180_000)

afterAll(async () => {
  await controller?.close()
  if (savedCacheDir === undefined) delete process.env.WASMCTL_CACHE_DIR
  else process.env.WASMCTL_CACHE_DIR = savedCacheDir
})

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

const built = (build: number, artifact: string) => ({ build, durationMs: 1, digest: `sha256:${build}`, artifact, size: 1, cached: false, signed: true, recovered: false })

describe('dev reload with changed host settings on the same port', () => {
  it('keeps the old version serving when the new one fails, and applies the new settings on the same listener', async () => {
    const port = await freePort()
    const base = makeProject()
    const withEnv = (greeting: string): Project => ({ ...base, dev: { ...base.dev, port, env: { GREETING: greeting } } })
    const bus = createDevBus()
    const log = record(bus)
    controller = new HostController({ bus, project: withEnv('one'), createHost: await embeddedHostFactory({ workers: 1 }) })
    const url = await controller.start()
    expect(new URL(url).port).toBe(String(port))
    const env = async () => Object.fromEntries((await (await fetch(`${url}/env`)).json()) as [string, string][])

    bus.emit('build.ok', built(1, probe))
    await bus.next('reload.ok')
    expect((await env()).GREETING).toBe('one')

    // New settings and a build that cannot load: before, the old host closed first and nothing served.
    const broken = path.join(scratchDir('broken-'), 'broken.wasm')
    writeFileSync(broken, 'not a component')
    bus.emit('config.reload', { file: base.file, project: withEnv('two') })
    bus.emit('build.ok', built(2, broken))
    await bus.next('reload.error')
    expect((await env()).GREETING).toBe('one')

    bus.emit('build.ok', built(3, probe))
    await bus.next('reload.ok', (event) => event.build === 3)
    expect((await env()).GREETING).toBe('two')
    expect(log.of('reload.ok').map((event) => [event.build, event.url])).toEqual([
      [1, url],
      [3, url],
    ])
    // One listener all along.
    expect(log.of('host.ready')).toHaveLength(1)
  })
})
