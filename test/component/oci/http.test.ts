import http from 'node:http'
import type net from 'node:net'
import path from 'node:path'

import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { repoRoot } from '../../helpers/cli.js'

// The registry client in a process of its own, against a server on 127.0.0.1 that keeps idle
// connections open for long, as docker-registry does: a leaked one would hold the process open.
let server: http.Server
let origin: string

beforeAll(async () => {
  server = http.createServer((request, response) => {
    if (request.method === 'HEAD') response.writeHead(200, { 'content-length': '42' }).end()
    else response.writeHead(200, { 'content-type': 'text/plain' }).end(`body of ${request.url}`)
  })
  server.keepAliveTimeout = 120_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe('httpRequest in a process of its own', () => {
  it('lets the process exit after answers nobody read (a HEAD, a status-only check)', async () => {
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
