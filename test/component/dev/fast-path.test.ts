import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { composeComponent, type Engine, featuresFor, InitFailure, initialize, loadEngine } from '../../../src/dev/fast/engine.js'
import { fastBuild } from '../../../src/dev/fast/fast-build.js'
import { createHost, type Host } from '../../../src/host/index.js'
import { readProject } from '../../../src/project/index.js'
import { probeHttpComponent } from '../../fixtures/components/fixtures.js'
import { repoRoot } from '../../helpers/cli.js'
import { scratchDir } from '../../helpers/dev-project.js'

// The dev fast path (issue 15) with the real componentize-js engine: a component made by
// initializing the prepared engine in-process must answer exactly as the one componentize-js
// builds from the same source, capabilities included; initialization errors name the source line.
const cacheRoot = path.join(repoRoot, 'test', '.cache', 'host-cache')
const probeDir = path.join(repoRoot, 'test', 'fixtures', 'components', 'probe-http')
const hosts: Host[] = []
let built: string
let engine: Engine
let upstream: http.Server
let upstreamUrl: string

beforeAll(async () => {
  built = await probeHttpComponent()
  const code = readFileSync(path.join(probeDir, 'app.js'), 'utf8')
  ;({ engine } = await loadEngine({ witDir: path.join(probeDir, 'wit'), worldName: 'probe', features: await featuresFor(code, 'app.js') }, cacheRoot))
  upstream = http.createServer((_request, response) => response.end('upstream says hi'))
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`
}, 300_000)

afterAll(async () => {
  await Promise.all(hosts.map((host) => host.close()))
  await new Promise((resolve) => upstream?.close(resolve))
})

async function serve(file: string): Promise<Host> {
  const host = await createHost({ port: 0, cacheRoot, workers: 1, config: { greeting: 'hello' }, allowHttp: ['127.0.0.1'], onEvent: () => {} })
  hosts.push(host)
  await host.load(file)
  return host
}

async function answers(host: Host): Promise<string[]> {
  const routes: [string, RequestInit?][] = [
    ['/hits'],
    ['/hits'],
    ['/echo?x=1', { method: 'POST', headers: { 'x-probe': 'P' }, body: 'payload' }],
    ['/status'],
    ['/config'],
    ['/kv?bucket=fast'],
    ['/kv?bucket=fast'],
    ['/kv-batch'],
    [`/fetch?url=${encodeURIComponent(upstreamUrl)}`],
    ['/env'],
    ['/throw'],
    ['/hits'],
  ]
  const out: string[] = []
  for (const [route, init] of routes) {
    const response = await fetch(host.url + route, init)
    out.push(`${route} ${response.status} ${response.headers.get('x-probe') ?? ''} ${await response.text()}`)
  }
  return out
}

describe('dev fast path', () => {
  it('serves the same responses as the componentize-js build of the same source: config, key-value, outgoing HTTP, isolation, failures', async () => {
    const code = readFileSync(path.join(probeDir, 'app.js'))
    const initialized = initialize(engine, code, 'app.js')
    const file = path.join(scratchDir('fast-'), 'probe-fast.wasm')
    writeFileSync(file, composeComponent(engine, initialized.snapshot))
    const [fast, slow] = await Promise.all([serve(file), serve(built)])
    const expected = await answers(slow)
    expect(expected).toContain('/kv?bucket=fast 200  count=2\n')
    expect(expected.some((line) => line.includes('upstream says hi'))).toBe(true)
    expect(await answers(fast)).toEqual(expected)
  }, 120_000)

  it('reports a top-level throw as StarlingMonkey does, with the bundle position', () => {
    const code = new TextEncoder().encode('const x = 1\nfunction f() { throw new Error("boom at top") }\nf()\n')
    let failure: unknown
    try {
      initialize(engine, code, 'app.js')
    } catch (error) {
      failure = error
    }
    expect(failure).toBeInstanceOf(InitFailure)
    expect((failure as Error).message).toMatch(/app\.js:2:\d+ Error: boom at top/)
  })

  it('builds a TypeScript project through esbuild and maps a top-level error to the source file and line', async () => {
    const dir = scratchDir('fast-project-')
    const files: Record<string, string> = {
      'wasmcloud.toml': 'name = "fastdemo"\nversion = "0.1.0"\nlanguage = "typescript"\ntype = "component"\n[component]\nwit_world = "probe"\n',
      'src/index.ts': 'const answer: number = 42\naddEventListener("fetch", (event: any) => event.respondWith(new Response(`answer=${answer}\\n`)))\n',
    }
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
      writeFileSync(path.join(dir, name), content)
    }
    // The probe's WIT: the engine prepared above serves this project too (same world and files).
    const { cpSync } = await import('node:fs')
    cpSync(path.join(probeDir, 'wit'), path.join(dir, 'wit'), { recursive: true })
    const project = readProject(path.join(dir, 'wasmcloud.toml'))
    const ok = await fastBuild(project, { cacheRoot })
    const host = await serve(ok.artifact)
    expect(await (await fetch(`${host.url}/`)).text()).toBe('answer=42\n')

    writeFileSync(path.join(dir, 'src/index.ts'), 'type T = number\nconst answer: T = 42\nif (answer) throw new Error(`bad answer ${answer}`)\n')
    await expect(fastBuild(project, { cacheRoot })).rejects.toMatchObject({ code: 'BUILD_FAILED', message: expect.stringMatching(/src\/index\.ts:3:\d+ Error: bad answer 42/) })

    writeFileSync(path.join(dir, 'src/index.ts'), 'const answer = (\n')
    await expect(fastBuild(project, { cacheRoot })).rejects.toMatchObject({ code: 'BUILD_FAILED', message: expect.stringMatching(/src\/index\.ts:\d+:\d+/) })
  }, 120_000)
})
