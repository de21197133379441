import { existsSync } from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { repoRoot } from '../helpers/cli.js'
import { startCli } from '../helpers/long-running.js'
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
