import path from 'node:path'

import { beforeAll, describe, expect, it } from 'vitest'

import { runCli } from '../helpers/cli.js'
import { helloHttpComponent } from '../helpers/components.js'
import { startRegistryProxy, useRegistry } from '../helpers/registry.js'
import { tempDir } from '../helpers/tmp.js'

// `wasmctl inspect <ref>`: the argument is pulled through the blob cache when it is not a file.
const registry = useRegistry()
const dir = tempDir('wasmctl-oci-inspect-')
let hello: string

beforeAll(async () => {
  hello = await helloHttpComponent()
}, 300_000)

describe('inspect <ref>', () => {
  it('inspects a pushed component by reference, then from the cache alone', async () => {
    const env = { HOME: dir, WASMCTL_CACHE_DIR: path.join(dir, 'cache') }
    const push = await runCli(['push', `${registry.host}/demo/inspected:0.1.0`, hello, '--json'], { env: { ...env, WASMCTL_CACHE_DIR: path.join(dir, 'push-cache') } })
    expect(push.exitCode, push.stderr).toBe(0)
    const { digest } = push.json.result
    const local = await runCli(['inspect', hello, '--json'], { env })

    const proxy = await startRegistryProxy(registry)
    const reference = `${proxy.host}/demo/inspected@${digest}`
    const remote = await runCli(['inspect', reference, '--json'], { env })
    await proxy.stop()
    expect(remote.exitCode, remote.stderr).toBe(0)
    expect(remote.json.result).toMatchObject({ reference, digest })
    // an image in a registry also says which cosign signatures stand beside it (none here)
    expect(remote.json.result.signatures).toMatchObject({ count: 0, entries: [] })
    // otherwise the same inspection as of the local file, apart from where it came from
    const { file: _a, reference: _r, digest: _d, signatures: _s, ...fromRegistry } = remote.json.result
    const { file: _b, ...fromFile } = local.json.result
    expect(fromRegistry).toEqual(fromFile)

    // the registry (proxy) is gone: a digest reference is served from the cache
    const cached = await runCli(['inspect', reference, '--json'], { env })
    expect(cached.exitCode, cached.stderr).toBe(0)
    expect(cached.json.result.digest).toBe(digest)
  })

  it('reports a missing file that is no reference as a file error', async () => {
    const result = await runCli(['inspect', path.join(dir, 'missing.wasm'), '--json'], { env: { HOME: dir } })
    expect(result.exitCode).toBe(1)
    expect(result.json.error.code).toBe('FS_ERROR')
  })
})
