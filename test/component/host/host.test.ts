import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { WasmctlError } from '../../../src/errors.js'
import { createHost, type Host, type HostEvent, type HostOptions, readComponentFile } from '../../../src/host/index.js'
import { repoRoot } from '../../helpers/cli.js'
import { tempDir } from '../../helpers/tmp.js'
import { helloHttpComponent } from '../../helpers/components.js'
import { probeHttpComponent } from '../../fixtures/components/fixtures.js'

// The host as a library, on a real componentize-js component (test/fixtures/components/probe-http)
// with real worker threads; every route of the probe checks one behaviour.
const cacheRoot = path.join(repoRoot, 'test', '.cache', 'host-cache')
let probe: string
const hosts: Host[] = []

beforeAll(async () => {
  probe = await probeHttpComponent()
}, 180_000)

afterAll(async () => {
  await Promise.all(hosts.map((host) => host.close()))
})

async function start(options: Partial<HostOptions> = {}, component: string | null = probe): Promise<{ host: Host; events: HostEvent[] }> {
  const events: HostEvent[] = []
  const host = await createHost({ port: 0, cacheRoot, workers: 2, ...options, onEvent: (event) => events.push(event) })
  hosts.push(host)
  if (component) await host.load(component)
  return { host, events }
}

async function get(host: Host, route: string, init?: RequestInit): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(host.url + route, init)
  return { status: response.status, text: await response.text(), headers: response.headers }
}

describe('embedded host', () => {
  it('serves a request with its method, path, headers and body, and the component status and headers', async () => {
    const { host, events } = await start()
    const echo = await get(host, '/echo?x=1', { method: 'POST', headers: { 'x-probe': 'P' }, body: 'payload' })
    expect(echo.status).toBe(200)
    expect(JSON.parse(echo.text)).toEqual({ method: 'POST', path: '/echo?x=1', header: 'P', body: 'payload' })
    const teapot = await get(host, '/status')
    expect(teapot.status).toBe(418)
    expect(teapot.headers.get('x-probe')).toBe('yes')
    expect(events.find((event) => event.event === 'host.ready')).toMatchObject({ url: host.url })
    expect(events.filter((event) => event.event === 'request').map((event) => event.event === 'request' && event.status)).toEqual([200, 418])
  })

  it('gives 50 concurrent requests each a fresh instance: no state leaks between them', async () => {
    const { host } = await start()
    const answers = await Promise.all(Array.from({ length: 50 }, () => get(host, '/hits')))
    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200))
    expect(new Set(answers.map((answer) => answer.text))).toEqual(new Set(['hits=1\n']))
  })

  it('answers 500 when the handler throws, logs the component error, and serves the next request', async () => {
    const { host, events } = await start()
    expect((await get(host, '/throw')).status).toBe(500)
    expect(events.some((event) => event.event === 'log' && event.message.includes('probe handler failed on purpose'))).toBe(true)
    expect(await get(host, '/hits')).toMatchObject({ status: 200, text: 'hits=1\n' })
  })

  it('cuts off a request that loops forever at the timeout and keeps serving', async () => {
    const { host, events } = await start({ timeoutMs: 1500 })
    const started = performance.now()
    const [looping, other] = await Promise.all([get(host, '/loop'), get(host, '/hits')])
    expect(looping.status).toBe(500)
    expect(performance.now() - started).toBeGreaterThanOrEqual(1400)
    expect(other).toMatchObject({ status: 200, text: 'hits=1\n' })
    expect(events.some((event) => event.event === 'error' && /timeout/.test(event.message))).toBe(true)
    // Both workers serve again (the stopped one was replaced).
    const after = await Promise.all(Array.from({ length: 6 }, () => get(host, '/hits')))
    expect(after.map((answer) => answer.text)).toEqual(Array(6).fill('hits=1\n'))
  })

  it('replaces an instance whose memory grew, so the next request still starts fresh', async () => {
    const { host, events } = await start({ workers: 1 })
    expect(await get(host, '/grow')).toMatchObject({ status: 200, text: 'grew hits=1\n' })
    expect(await get(host, '/hits')).toMatchObject({ status: 200, text: 'hits=1\n' })
    expect(events.some((event) => event.event === 'instance.replaced' && event.reason === 'reset')).toBe(true)
  })

  it('shows the component no host environment variable and no host file unless granted', async () => {
    process.env.WASMCTL_TEST_SECRET = 'leaked'
    try {
      const { host } = await start()
      expect(JSON.parse((await get(host, '/env')).text)).toEqual([])
      expect(JSON.parse((await get(host, '/files?read=etc/hostname')).text)).toEqual([])
    } finally {
      delete process.env.WASMCTL_TEST_SECRET
    }
  })

  it('shows exactly the granted environment and directory, and refuses paths that leave it', async () => {
    const dir = tempDir()
    const data = path.join(dir, 'data')
    mkdirSync(data)
    writeFileSync(path.join(data, 'note.txt'), 'granted\n')
    writeFileSync(path.join(dir, 'outside.txt'), 'secret\n')
    symlinkSync(path.join(dir, 'outside.txt'), path.join(data, 'link.txt'))
    const { host } = await start({ env: { GREETING: 'hi' }, preopens: [{ host: data, guest: '/data' }] })
    expect(JSON.parse((await get(host, '/env')).text)).toEqual([['GREETING', 'hi']])
    const [inside] = JSON.parse((await get(host, '/files?read=note.txt')).text)
    expect(inside).toEqual({ name: '/data', entries: ['link.txt', 'note.txt'], content: 'granted\n' })
    for (const escape of ['../outside.txt', 'link.txt']) {
      const [refused] = JSON.parse((await get(host, `/files?read=${escape}`)).text)
      expect(refused.content).toMatch(/^error: (not-permitted|loop)/)
    }
  })

  it('keeps wasi:keyvalue state across requests, workers and a restart of the host', async () => {
    const file = path.join(tempDir(), '.wasmctl', 'keyvalue.json')
    const first = await start({ keyvalueFile: file })
    const counts = []
    for (let i = 0; i < 3; i++) counts.push((await get(first.host, '/kv')).text)
    expect(counts).toEqual(['count=1\n', 'count=2\n', 'count=3\n'])
    // Increments are atomic across workers.
    await Promise.all(Array.from({ length: 20 }, () => get(first.host, '/kv')))
    await first.host.close()
    expect(JSON.parse(readFileSync(file, 'utf8')).buckets['']).toEqual({ counter: Buffer.from('23').toString('base64') })
    const second = await start({ keyvalueFile: file })
    expect((await get(second.host, '/kv')).text).toBe('count=24\n')
    expect(JSON.parse((await get(second.host, '/kv-batch')).text)).toEqual({ values: ['a=1', null, 'c=3'], exists: true, keys: ['a', 'c'] })
  })

  it('binds wasi:config values and prints wasi:logging and stdout lines prefixed with the component', async () => {
    const { host, events } = await start({ config: { greeting: 'hello' } })
    expect(JSON.parse((await get(host, '/config')).text)).toEqual({ greeting: 'hello', all: [['greeting', 'hello']] })
    await get(host, '/log')
    const name = path.basename(probe, '.wasm')
    expect(events).toContainEqual({ event: 'log', component: name, level: 'info', context: 'probe', message: 'hello from wasi:logging' })
    expect(events).toContainEqual({ event: 'log', component: name, level: 'stdout', message: 'hello from stdout' })
  })

  it('lets outgoing HTTP reach only allowed hosts', async () => {
    const upstream = http.createServer((_req, res) => res.end('upstream says hi'))
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    const target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`
    try {
      const denied = await start()
      expect((await get(denied.host, `/fetch?url=${encodeURIComponent(target)}`)).status).toBe(502)
      expect(denied.events.some((event) => event.event === 'error' && event.message.includes('denied'))).toBe(true)
      const allowed = await start({ allowHttp: ['127.0.0.1'] })
      expect(await get(allowed.host, `/fetch?url=${encodeURIComponent(target)}`)).toMatchObject({ status: 200, text: 'status=200 body=upstream says hi' })
    } finally {
      upstream.close()
    }
  })

  it('answers 503 until a component is loaded, then swaps versions atomically while requests keep flowing', async () => {
    const { host, events } = await start({}, null)
    expect((await get(host, '/')).status).toBe(503)
    await host.load(readComponentFile(await helloHttpComponent()))
    expect(await get(host, '/')).toMatchObject({ status: 200, text: 'hello from wasmctl\n' })
    // Requests in flight during the swap all succeed, on one version or the other.
    const during = Promise.all(Array.from({ length: 30 }, () => get(host, '/hits')))
    await host.load(probe)
    const answers = await during
    expect(answers.every((answer) => answer.status === 200)).toBe(true)
    expect(await get(host, '/hits')).toMatchObject({ status: 200, text: 'hits=1\n' })
    expect(events.filter((event) => event.event === 'component.loaded')).toHaveLength(2)
  })

  it('keeps the serving version when a load fails', async () => {
    const { host } = await start()
    const broken = path.join(tempDir(), 'broken.wasm')
    writeFileSync(broken, 'not wasm at all')
    await expect(host.load(broken)).rejects.toBeInstanceOf(WasmctlError)
    expect(await get(host, '/hits')).toMatchObject({ status: 200, text: 'hits=1\n' })
  })

  it('refuses a busy port with HOST_PORT_IN_USE naming the port', async () => {
    const { host } = await start({}, null)
    await expect(createHost({ port: host.port, cacheRoot })).rejects.toMatchObject({ code: 'HOST_PORT_IN_USE', message: expect.stringContaining(String(host.port)) })
  })
})
