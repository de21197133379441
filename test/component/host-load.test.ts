import http from 'node:http'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createHost, type Host, type HostEvent, type HostOptions } from '../../src/host/index.js'
import { repoRoot } from '../helpers/cli.js'
import { streamHttpComponent } from '../fixtures/components/stream-http/component.js'

// The host under hostile load (issue 10 section 3), on a real componentize-js component
// (test/fixtures/components/stream-http) whose /loop route never returns.
const cacheRoot = path.join(repoRoot, 'test', '.cache', 'host-cache')
let component: string
const hosts: Host[] = []

beforeAll(async () => {
  component = await streamHttpComponent()
}, 180_000)

afterAll(async () => {
  await Promise.all(hosts.map((host) => host.close()))
})

async function start(options: Partial<HostOptions>): Promise<{ host: Host; events: HostEvent[] }> {
  const events: HostEvent[] = []
  const host = await createHost({ port: 0, cacheRoot, workers: 2, ...options, onEvent: (event) => events.push(event) })
  hosts.push(host)
  await host.load(component)
  return { host, events }
}

/** A request on its own connection (fetch would queue requests to one origin behind each other). */
function request(host: Host, route: string): Promise<{ status: number; retryAfter?: string; body: string; elapsedMs: number }> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const req = http.get(`${host.url}${route}`, { agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'], body, elapsedMs: performance.now() - started }))
    })
    req.on('error', reject)
  })
}

describe('host under a flood of requests that never finish', () => {
  it('answers an innocent request within one timeout of its arrival, refusing queued ones at their deadline without running them', async () => {
    const timeoutMs = 2000
    const { host, events } = await start({ timeoutMs })
    const loops = Array.from({ length: 10 }, () => request(host, '/loop'))
    // Let the flood arrive first.
    await new Promise((resolve) => setTimeout(resolve, 50))
    const innocent = await request(host, '/')
    // Before: the innocent request waited for 5 rounds of timeouts (15.7 s at 3 s). Now its
    // deadline counts from its arrival: it is served, or refused with 503 when it comes.
    expect([200, 503]).toContain(innocent.status)
    if (innocent.status === 503) expect(innocent.retryAfter).toBe('2')
    expect(innocent.elapsedMs).toBeLessThan(2 * timeoutMs)
    const statuses = (await Promise.all(loops)).map((answer) => answer.status).sort()
    // Two ran (one per worker) and were stopped; eight never ran: refused at their deadline.
    expect(statuses).toEqual([...Array(2).fill(500), ...Array(8).fill(503)])
    expect(events.filter((event) => event.event === 'error' && /ran past the 2000 ms timeout/.test(event.message))).toHaveLength(2)
    expect(events.filter((event) => event.event === 'error' && /waited 2000 ms for a worker/.test(event.message)).length).toBeGreaterThanOrEqual(8)
    // The replaced workers serve again.
    expect((await request(host, '/')).status).toBe(200)
  })

  it('refuses at once with 503 and Retry-After when the queue is full', async () => {
    const { host, events } = await start({ timeoutMs: 1500, workers: 1, maxQueue: 2 })
    const running = request(host, '/loop')
    await new Promise((resolve) => setTimeout(resolve, 50))
    const queued = [request(host, '/loop'), request(host, '/')]
    await new Promise((resolve) => setTimeout(resolve, 50))
    const refused = await request(host, '/')
    expect(refused).toMatchObject({ status: 503, retryAfter: '2' })
    expect(refused.body).toMatch(/too many requests waiting/)
    expect(events.some((event) => event.event === 'error' && /the queue is full \(2 requests waiting/.test(event.message))).toBe(true)
    expect((await running).status).toBe(500)
    // Both queued requests waited past their deadline behind the loop: refused without running.
    expect((await Promise.all(queued)).map((answer) => answer.status)).toEqual([503, 503])
  })
})
