import http from 'node:http'
import type { AddressInfo } from 'node:net'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createAllowList, parseConnectTo, sendOutgoing } from '../../../src/host/outgoing-http.js'

describe('outgoing HTTP allow-list', () => {
  it('matches hosts, ports, subdomains, URLs and the wildcard', () => {
    const allowed = createAllowList(['api.example.com', 'localhost:8080', '*.internal.test', 'https://Secure.example.org/path'])
    const check = (url: string) => allowed(new URL(url))
    expect(check('https://api.example.com/v1')).toBe(true)
    expect(check('http://api.example.com:9999/')).toBe(true)
    expect(check('http://localhost:8080/')).toBe(true)
    expect(check('http://localhost:8081/')).toBe(false)
    expect(check('http://a.b.internal.test/')).toBe(true)
    expect(check('http://internal.test/')).toBe(false)
    expect(check('https://secure.example.org/')).toBe(true)
    expect(check('https://evil.example.com/')).toBe(false)
    expect(createAllowList([])(new URL('http://example.com/'))).toBe(false)
    expect(createAllowList(['*'])(new URL('http://example.com/'))).toBe(true)
  })
})

describe('sendOutgoing', () => {
  let server: http.Server
  let base: string
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/redirect') return res.writeHead(302, { location: '/elsewhere' }).end()
      let body = ''
      req.on('data', (chunk) => (body += chunk))
      req.on('end', () => res.writeHead(201, { 'x-seen': String(req.headers['x-probe']) }).end(`${req.method} ${body}`))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => server.close())

  it('sends method, headers and body, and returns status, headers and body', async () => {
    const result = await sendOutgoing({ method: 'POST', url: `${base}/x`, headers: [['x-probe', Buffer.from('yes')]], body: Buffer.from('hello') }, 5000)
    expect('ok' in result && result.ok.status).toBe(201)
    if (!('ok' in result)) throw new Error('expected a response')
    expect(Buffer.from(result.ok.body).toString()).toBe('POST hello')
    expect(Buffer.from(result.ok.headers.find(([name]) => name === 'x-seen')![1]).toString()).toBe('yes')
  })

  it('returns redirects instead of following them', async () => {
    const result = await sendOutgoing({ method: 'GET', url: `${base}/redirect`, headers: [], body: new Uint8Array() }, 5000)
    expect('ok' in result && result.ok.status).toBe(302)
  })

  it('maps a refused connection to the wasi:http error code', async () => {
    const closed = http.createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const result = await sendOutgoing({ method: 'GET', url: `http://127.0.0.1:${port}/`, headers: [], body: new Uint8Array() }, 5000)
    expect(result).toEqual({ err: { tag: 'connection-refused' } })
  })
})

describe('--connect-to', () => {
  it('reads curl\'s HOST:PORT:TARGET_HOST:TARGET_PORT, empty parts meaning any port or the original', () => {
    expect(parseConnectTo('Example.com:443:127.0.0.1:8443')).toEqual({ host: 'example.com', port: '443', targetHost: '127.0.0.1', targetPort: '8443' })
    expect(parseConnectTo('api.test::[::1]:')).toEqual({ host: 'api.test', port: '', targetHost: '::1', targetPort: '' })
    expect(parseConnectTo('[fe80::1]:80::9000')).toEqual({ host: 'fe80::1', port: '80', targetHost: '', targetPort: '9000' })
  })

  it('refuses anything else with the expected shape in the message', () => {
    for (const bad of ['example.com', 'example.com:443:127.0.0.1', ':443:127.0.0.1:8443', 'example.com:https:127.0.0.1:8443', 'a:1:b:2:c']) {
      expect(() => parseConnectTo(bad), bad).toThrowError(/expected HOST:PORT:TARGET_HOST:TARGET_PORT/)
    }
  })
})
