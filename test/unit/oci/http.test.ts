import http from 'node:http'
import type net from 'node:net'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { httpRequest } from '../../../src/oci/http.js'

// The registry client's transport (node:http), on the points where it must behave like fetch,
// against an in-process server on 127.0.0.1. A client in a process of its own (that the process
// can exit) is in test/component/oci/http.test.ts.
let server: http.Server
let origin: string
const seen: { path: string; authorization?: string }[] = []

beforeAll(async () => {
  server = http.createServer((request, response) => {
    seen.push({ path: request.url ?? '', authorization: request.headers.authorization })
    if (request.url === '/hop') {
      response.writeHead(307, { location: '/target' }).end()
    } else if (request.url === '/away') {
      response.writeHead(307, { location: `http://localhost:${(server.address() as net.AddressInfo).port}/target` }).end()
    } else if (request.url === '/slow') {
      response.writeHead(200, { 'content-length': '10' })
      response.write('12345') // and nothing more
    } else {
      response.writeHead(200, { 'content-type': 'text/plain' }).end(`body of ${request.url}`)
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

async function text(response: Awaited<ReturnType<typeof httpRequest>>): Promise<string> {
  const chunks: Uint8Array[] = []
  for await (const chunk of response.body) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}

describe('httpRequest', () => {
  it('follows a redirect, keeping Authorization on the same origin and dropping it on another', async () => {
    seen.length = 0
    const same = await httpRequest(`${origin}/hop`, { method: 'GET', headers: { authorization: 'Basic c2VjcmV0' } })
    expect(await text(same)).toBe('body of /target')
    const away = await httpRequest(`${origin}/away`, { method: 'GET', headers: { authorization: 'Basic c2VjcmV0' } })
    expect(away.status).toBe(200)
    await away.body.cancel()
    expect(seen).toEqual([
      { path: '/hop', authorization: 'Basic c2VjcmV0' },
      { path: '/target', authorization: 'Basic c2VjcmV0' },
      { path: '/away', authorization: 'Basic c2VjcmV0' },
      { path: '/target', authorization: undefined },
    ])
  })

  it('rejects with the abort reason, as fetch does, also in the middle of a body', async () => {
    const controller = new AbortController()
    const response = await httpRequest(`${origin}/slow`, { method: 'GET', headers: {}, signal: controller.signal })
    const reason = new Error('stop')
    // The headers are in and half the body is not: abort while the body is being read.
    const reading = text(response)
    controller.abort(reason)
    await expect(reading).rejects.toBe(reason)
    await expect(httpRequest(`${origin}/x`, { method: 'GET', headers: {}, signal: controller.signal })).rejects.toBe(reason)
  })
})
