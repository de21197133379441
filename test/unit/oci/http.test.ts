import http from 'node:http'
import type net from 'node:net'
import path from 'node:path'

import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { httpRequest } from '../../../src/oci/http.js'
import { repoRoot } from '../../helpers/cli.js'

// The registry client's transport (node:http), on the points where it must behave like fetch.
let server: http.Server
let origin: string
const seen: { path: string; authorization?: string }[] = []

beforeAll(async () => {
  server = http.createServer((request, response) => {
    seen.push({ path: request.url ?? '', authorization: request.headers.authorization })
    if (request.method === 'HEAD') {
      response.writeHead(200, { 'content-length': '42' }).end()
    } else if (request.url === '/hop') {
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
  // Like docker-registry, keep idle connections for long: a leaked one would hold a client process open.
  server.keepAliveTimeout = 120_000
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
    setTimeout(() => controller.abort(reason), 50)
    await expect(text(response)).rejects.toBe(reason)
    await expect(httpRequest(`${origin}/x`, { method: 'GET', headers: {}, signal: controller.signal })).rejects.toBe(reason)
  })

  it('lets the process exit after answers nobody read (a HEAD, a status-only check)', async () => {
    // In a process of its own: an unread body must not hold the connection, and with it the process, open.
    const script = `
      import { RegistryClient } from ${JSON.stringify(path.join(repoRoot, 'src', 'oci', 'client.ts'))}
      const client = new RegistryClient({ registry: ${JSON.stringify(origin.slice(7))}, insecure: true, retries: 0 })
      console.log(await client.blobSize('demo/app', 'sha256:${'0'.repeat(64)}'))
    `
    const result = await execa('node', ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, reject: false, timeout: 20_000 })
    expect(result.timedOut).toBe(false)
    expect(result.stderr).toBe('')
    expect(result.stdout).toBe('42')
    expect(result.exitCode).toBe(0)
  })
})
