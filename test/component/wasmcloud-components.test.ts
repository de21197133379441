import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { repoRoot } from '../helpers/cli.js'
import { startCli } from '../helpers/long-running.js'
import { selfSignedCertificate, startTlsServer } from '../helpers/tls-server.js'
import { tempDir } from '../helpers/tmp.js'

// Components built by wasmCloud's own tools (../shared/fixtures/wasmcloud-components, README
// there), served by `wasmctl up` and answering as wasmCloud's own tests of them expect
// (crates/wash-runtime/tests in wasmCloud/wasmCloud). Read in place, never copied.
const fixtures = path.resolve(repoRoot, process.env.WASMCTL_WASMCLOUD_COMPONENTS ?? '../shared/fixtures/wasmcloud-components')

function fixture(name: string): string {
  const file = path.join(fixtures, name)
  if (!existsSync(file)) throw new Error(`${file} is missing: set WASMCTL_WASMCLOUD_COMPONENTS to the wasmcloud-components fixtures folder`)
  return file
}

async function serve(file: string, cwd: string, args: string[] = []): Promise<string> {
  const up = startCli(['up', file, '--port', '0', '--json', ...args], { cwd, env: { WASMCTL_CACHE_DIR: path.join(cwd, 'cache') } })
  return (await up.waitForEvent('host.ready', { timeoutMs: 120_000 })).url
}

describe('wasmCloud-built blobstore components under wasmctl up', () => {
  it('http_blobstore.wasm round-trips a POST body through wasi:blobstore (integration_http_blobstore.rs)', async () => {
    const dir = tempDir('wasmctl-wc-blob-')
    const url = await serve(fixture('http_blobstore.wasm'), dir)
    const response = await fetch(`${url}/`, { method: 'POST', headers: { host: 'foo' }, body: 'Hello, blobstore world!' })
    expect(response.status).toBe(200)
    expect((await response.text()).trim()).toBe('Hello, blobstore world!')
  }, 180_000)

  it('blobstore_from_fs.wasm answers with its container name, its object on the default folder (wash-runtime lib tests)', async () => {
    const dir = tempDir('wasmctl-wc-fs-')
    const url = await serve(fixture('blobstore_from_fs.wasm'), dir)
    const response = await fetch(`${url}/`)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('my-container-real')
    // The object it wrote is on the default blobstore folder of the working directory.
    expect(existsSync(path.join(dir, '.wasmctl', 'blobstore', 'my-container-real'))).toBe(true)
  }, 180_000)

  it('blobstore_from_fs.wasm on a folder named by --link', async () => {
    const dir = tempDir('wasmctl-wc-fs-link-')
    const root = tempDir('wasmctl-wc-fs-root-')
    const url = await serve(fixture('blobstore_from_fs.wasm'), dir, ['--link', `wasi:blobstore=file://${root}`])
    expect(await (await fetch(`${url}/`)).text()).toBe('my-container-real')
    expect(existsSync(path.join(root, 'my-container-real'))).toBe(true)
    expect(existsSync(path.join(dir, '.wasmctl', 'blobstore'))).toBe(false)
  }, 180_000)
})

describe('wasmCloud-built http_keyvalue_counter.wasm under wasmctl up (integration_http_keyvalue_counter.rs)', () => {
  // Per request it fetches https://example.com (allowed host), stores the page in wasi:blobstore and
  // increments a wasi:keyvalue counter it answers with. No network here: example.com is a local
  // HTTPS server with an openssl-made certificate for that name, reached through --connect-to and
  // trusted through --tls-ca-path, so TLS is verified for example.com as on the internet.
  it('answers 1, then counts every GET and POST, concurrent ones included, and stores the page it fetched', async () => {
    const certificate = await selfSignedCertificate('example.com')
    const page = '<!doctype html><title>Example Domain</title>'
    const site = await startTlsServer(certificate, page)
    try {
      const dir = tempDir('wasmctl-wc-counter-')
      const args = ['--allow-http', 'example.com', '--connect-to', `example.com:443:127.0.0.1:${site.port}`, '--tls-ca-path', certificate.certFile]
      const url = await serve(fixture('http_keyvalue_counter.wasm'), dir, args)
      const send = async (method: 'GET' | 'POST') => {
        const response = await fetch(`${url}/`, { method, headers: { host: 'keyvalue-counter-test' }, ...(method === 'POST' ? { body: 'increment' } : {}) })
        return { status: response.status, text: (await response.text()).trim() }
      }
      expect(await send('GET')).toEqual({ status: 200, text: '1' })
      expect(await send('POST')).toEqual({ status: 200, text: '2' })
      for (const expected of ['3', '4', '5']) expect(await send('POST')).toEqual({ status: 200, text: expected })
      const concurrent = await Promise.all(Array.from({ length: 10 }, () => send('POST')))
      expect(concurrent.every((answer) => answer.status === 200)).toBe(true)
      // Atomic increments: ten distinct values, none lost.
      expect(concurrent.map((answer) => Number(answer.text)).sort((a, b) => a - b)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15])
      expect(await send('GET')).toEqual({ status: 200, text: '16' })
      expect(site.requests.length).toBe(16)
      expect(site.requests.every((request) => request.host === 'example.com' && request.servername === 'example.com')).toBe(true)
      expect(readFileSync(path.join(dir, '.wasmctl', 'blobstore', 'http-responses', 'example-com-response'), 'utf8')).toBe(page)
    } finally {
      await site.close()
    }
  }, 180_000)

  it('without the allow-list entry, the outgoing call is denied and the component answers 500, as on wasmCloud without allowed hosts', async () => {
    const dir = tempDir('wasmctl-wc-counter-denied-')
    const url = await serve(fixture('http_keyvalue_counter.wasm'), dir)
    const response = await fetch(`${url}/`)
    expect(response.status).toBe(500)
    expect(await response.text()).toContain('HttpRequestDenied')
  }, 180_000)
})
