import { createHash } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createHost, type Host, type HostEvent } from '../../src/host/index.js'
import { repoRoot } from '../helpers/cli.js'
import { generatedBodyHash, writeGeneratedBody } from '../helpers/http-load.js'
import { streamHttpComponent } from '../fixtures/components/stream-http/component.js'

// Bodies stream through wasi:io in both directions (issue 10 section 3), on a real
// componentize-js component (test/fixtures/components/stream-http). Memory under big bodies is
// measured by scripts/bench-host-bodies.mjs; these tests check the bytes.
const cacheRoot = path.join(repoRoot, 'test', '.cache', 'host-cache')
let host: Host
const events: HostEvent[] = []
let upstream: http.Server
let upstreamUrl: string

/** Sends `size` bytes generated block by block (never held whole); returns the sent and received hashes. */
function roundTrip(url: string, size: number): Promise<{ status: number; sent: string; received: string; receivedBytes: number; text: string }> {
  return new Promise((resolve, reject) => {
    const sent = createHash('sha256')
    const received = createHash('sha256')
    let receivedBytes = 0
    let text = ''
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-length': String(size) } }, (res) => {
      res.on('data', (chunk: Buffer) => {
        received.update(chunk)
        receivedBytes += chunk.length
        if (text.length < 200) text += chunk.toString('latin1')
      })
      res.on('end', () => resolve({ status: res.statusCode!, sent: sent.digest('hex'), received: received.digest('hex'), receivedBytes, text }))
      res.on('error', reject)
    })
    req.on('error', reject)
    writeGeneratedBody(req, size, sent)
  })
}

beforeAll(async () => {
  const component = await streamHttpComponent()
  // An allowed outgoing host: serves /blocks?size=N as generated blocks, and answers any upload with its length and hash.
  upstream = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://upstream')
    if (url.pathname === '/blocks') {
      return writeGeneratedBody(res, Number(url.searchParams.get('size')))
    }
    const hash = createHash('sha256')
    let length = 0
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk)
      length += chunk.length
    })
    req.on('end', () => res.end(`${length} ${hash.digest('hex')}`))
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
  host = await createHost({
    port: 0,
    cacheRoot,
    workers: 2,
    // Generous: 200 MB through a JavaScript guest on a busy machine; this test checks bytes, not speed.
    timeoutMs: 300_000,
    allowHttp: ['127.0.0.1'],
    onEvent: (event) => events.push(event),
  })
  await host.load(component)
}, 300_000)

afterAll(async () => {
  await host?.close()
  upstream?.close()
})

describe('host body streaming', () => {
  it('round-trips a 200 MB body intact through the component, request body to response body', async () => {
    const size = 200 * 1024 * 1024
    const answer = await roundTrip(`${host.url}/echo`, size)
    expect(answer.status).toBe(200)
    expect(answer.receivedBytes).toBe(size)
    expect(answer.received).toBe(answer.sent)
  })

  it('lets the component read a streamed request body to its end', async () => {
    const size = 20 * 1024 * 1024 + 123
    const answer = await roundTrip(`${host.url}/count`, size)
    expect(answer).toMatchObject({ status: 200, text: `${size}\n` })
  })

  it('streams an outgoing response body from an allowed host on to the client', async () => {
    const size = 30 * 1024 * 1024 + 7
    const response = await fetch(`${host.url}/relay?url=${encodeURIComponent(`${upstreamUrl}/blocks?size=${size}`)}`)
    const bytes = Buffer.from(await response.arrayBuffer())
    expect(response.status).toBe(200)
    expect(bytes.length).toBe(size)
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(generatedBodyHash(size))
  })

  it('streams a request body on as an outgoing request body', async () => {
    const size = 30 * 1024 * 1024 + 5
    const answer = await roundTrip(`${host.url}/forward?url=${encodeURIComponent(`${upstreamUrl}/upload`)}`, size)
    expect(answer.status).toBe(200)
    expect(answer.text).toBe(`${size} ${answer.sent}`)
  })

  it('keeps small requests whole and the instances reusable after big bodies', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => fetch(`${host.url}/echo`, { method: 'POST', body: 'small' }).then((response) => response.text())))
    expect(answers).toEqual(Array(8).fill('small'))
    expect(events.filter((event) => event.event === 'error')).toEqual([])
  })
})
