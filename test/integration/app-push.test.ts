import { appendFileSync, readFileSync } from 'node:fs'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { componentizeCache } from '../helpers/build-fixtures.js'
import { runCli } from '../helpers/cli.js'
import { type NatsServer, startNats } from '../helpers/nats.js'
import { useRegistry } from '../helpers/registry.js'
import { tempDir } from '../helpers/tmp.js'
import { startWadmStandin, type WadmStandin } from '../helpers/wadm-standin.js'

// The issue's "done when": from a fresh ts-http project, `wasmctl build && wasmctl app deploy
// --push --watch` pushes to a local registry, puts and deploys a digest-pinned manifest, and
// reports it deployed.
const registry = useRegistry()
const root = tempDir('wasmctl-app-push-')
const project = path.join(root, 'hello')
let nats: NatsServer
let standin: WadmStandin
let env: Record<string, string>

beforeAll(async () => {
  nats = await startNats()
  standin = await startWadmStandin({ url: nats.url })
  env = {
    WASH_KEYS: path.join(root, 'keys'),
    WASMCTL_COMPONENTIZE_CACHE: componentizeCache,
    USER: 'ci',
    HOME: root,
    WASMCTL_CACHE_DIR: path.join(root, 'cache'),
    WASMCLOUD_CTL_PORT: String(nats.port),
  }
  const created = await runCli(['new', 'actor', 'hello', '--template', 'ts-http', '--yes', '--no-git-init'], { cwd: root, env })
  expect(created.exitCode, created.stderr).toBe(0)
  appendFileSync(path.join(project, 'wasmcloud.toml'), `\n[registry]\nurl = "${registry.host}/demo"\n`)
}, 300_000)

afterAll(async () => {
  await standin?.stop()
  await nats?.dispose()
})

describe('app deploy --push', () => {
  it('pushes the signed build and deploys a manifest pinned to its digest, then reports it deployed', async () => {
    const built = await runCli(['build', '--json'], { cwd: project, env })
    expect(built.exitCode, built.stderr).toBe(0)
    const result = await runCli(['app', 'deploy', '--push', '--watch', '--json'], { cwd: project, env })
    expect(result.exitCode, result.stderr).toBe(0)
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line))
    const final = lines.at(-1)
    expect(final.status).toBe(0)
    const { pushed } = final.result
    expect(pushed.digest).toMatch(/^sha256:[a-f0-9]{64}$/)
    expect(pushed.image).toBe(`${registry.host}/demo/hello@${pushed.digest}`)
    expect(pushed.built).toBe(false)
    expect(final.result).toMatchObject({ deployed: true, model_name: 'hello', model_version: `v0.1.0-${pushed.digest.slice(7, 19)}`, status: { status: { type: 'deployed' } } })

    const put = standin.requests.find((request) => request.subject === 'wadm.api.default.model.put')!
    expect(put.headers['Content-Type']).toEqual(['application/json'])
    const manifest = JSON.parse(put.body)
    expect(manifest.spec.components[0]).toMatchObject({ name: 'hello', properties: { image: pushed.image } })
    expect(manifest.spec.components[1]).toMatchObject({ name: 'httpserver', properties: { image: 'ghcr.io/wasmcloud/http-server:0.24.0' } })

    // What runs is what was signed: the pinned manifest's layer is the signed build, byte for byte.
    const manifestResponse = await fetch(`${registry.url}/v2/demo/hello/manifests/${pushed.digest}`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } })
    expect(manifestResponse.status).toBe(200)
    const ociManifest = (await manifestResponse.json()) as { layers: { digest: string }[] }
    const layer = Buffer.from(await (await fetch(`${registry.url}/v2/demo/hello/blobs/${ociManifest.layers[0].digest}`)).arrayBuffer())
    expect(layer.equals(readFileSync(built.json.result.artifact))).toBe(true)
  })

  it('pushing the same build again redeploys the stored version instead of failing', async () => {
    const again = await runCli(['app', 'deploy', '--push', '--json'], { cwd: project, env })
    expect(again.exitCode, again.stderr).toBe(0)
    expect(again.json.result).toMatchObject({ deployed: true, model_name: 'hello' })
  })

  it('without a registry, --push says what to set', async () => {
    const bare = path.join(root, 'bare')
    expect((await runCli(['new', 'actor', 'bare', '--template', 'ts-http', '--yes', '--no-git-init'], { cwd: root, env })).exitCode).toBe(0)
    const result = await runCli(['app', 'deploy', '--push', '--json'], { cwd: bare, env })
    expect(result.exitCode).toBe(1)
    expect(result.json.error).toMatchObject({ code: 'INPUT_REQUIRED' })
    expect(result.json.error.hints[0]).toMatch(/\[registry\] url/)
  })
})
