import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { beforeAll, describe, expect, it } from 'vitest'

import { runCli } from '../helpers/cli.js'
import { helloHttpComponent } from '../helpers/components.js'
import { skopeo, useRegistry } from '../helpers/registry.js'
import { tempDir } from '../helpers/tmp.js'

// Interop with a real, independent OCI client (skopeo) in both directions.
const registry = useRegistry()
let hello: string
let helloBytes: Buffer
const dir = tempDir('wasmctl-interop-')
let counter = 0
const env = () => ({ HOME: dir, WASMCTL_CACHE_DIR: path.join(dir, `cache-${++counter}`) })
const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`

beforeAll(async () => {
  hello = await helloHttpComponent()
  helloBytes = readFileSync(hello)
}, 300_000)

/** Reads an OCI image layout the way a runtime would: index.json -> manifest -> blobs. */
function readLayout(layout: string) {
  const blob = (digest: string) => readFileSync(path.join(layout, 'blobs', ...digest.split(':')))
  const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8'))
  const manifestBytes = blob(index.manifests[0].digest)
  const manifest = JSON.parse(manifestBytes.toString('utf8'))
  return { index, manifestBytes, manifest, blob }
}

/** Writes a hand-made OCI image layout holding one artifact, as another tool would produce it. */
function writeLayout(layout: string, tag: string, layers: { mediaType: string; bytes: Uint8Array }[], config = { mediaType: 'application/vnd.wasm.config.v0+json', bytes: Buffer.from('{"architecture":"wasm","os":"wasip2"}') }) {
  const blobs = path.join(layout, 'blobs', 'sha256')
  mkdirSync(blobs, { recursive: true })
  const store = (bytes: Uint8Array) => {
    const digest = sha256(bytes)
    writeFileSync(path.join(blobs, digest.slice(7)), bytes)
    return { digest, size: bytes.length }
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: config.mediaType, ...store(config.bytes) },
      layers: layers.map((layer) => ({ mediaType: layer.mediaType, ...store(layer.bytes) })),
    }),
  )
  const stored = store(manifest)
  writeFileSync(path.join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
  writeFileSync(
    path.join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...stored, annotations: { 'org.opencontainers.image.ref.name': tag } }] }),
  )
  return stored.digest
}

describe('what wasmctl pushes, skopeo reads', () => {
  let pushed: { digest: string; layerDigest: string; configDigest: string; reference: string }
  beforeAll(async () => {
    const result = await runCli(['push', `${registry.host}/interop/hello:0.1.0`, hello, '--insecure', '--json'], { env: env() })
    expect(result.exitCode, result.stderr).toBe(0)
    pushed = result.json.result
  })

  it('skopeo inspect --raw returns the manifest with the CNCF media types', async () => {
    const raw = (await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/interop/hello:0.1.0`])).stdout
    expect(sha256(Buffer.from(raw))).toBe(pushed.digest)
    const manifest = JSON.parse(raw)
    expect(manifest).toMatchObject({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.wasm.config.v0+json', digest: pushed.configDigest },
      layers: [{ mediaType: 'application/wasm', digest: pushed.layerDigest, size: helloBytes.length }],
    })
    const config = JSON.parse((await skopeo(['inspect', '--config', '--raw', '--tls-verify=false', `docker://${registry.host}/interop/hello:0.1.0`])).stdout)
    expect(config).toMatchObject({ architecture: 'wasm', os: 'wasip2', layerDigests: [pushed.layerDigest] })
    expect(config.component.exports.some((name: string) => name.startsWith('wasi:http/incoming-handler@'))).toBe(true)
  })

  it('skopeo copy to an OCI layout yields the same manifest and the identical layer bytes', async () => {
    const layout = path.join(dir, 'copied')
    await skopeo(['copy', '--src-tls-verify=false', `docker://${registry.host}/interop/hello:0.1.0`, `oci:${layout}:v1`])
    const { index, manifest, blob } = readLayout(layout)
    expect(index.manifests[0].digest).toBe(pushed.digest)
    expect(manifest.config.mediaType).toBe('application/vnd.wasm.config.v0+json')
    expect(manifest.layers.map((layer: { mediaType: string }) => layer.mediaType)).toEqual(['application/wasm'])
    expect(Buffer.compare(blob(manifest.layers[0].digest), helloBytes)).toBe(0)
  })
})

describe('what skopeo pushes, wasmctl pulls', () => {
  it('pulls an artifact copied from a hand-made OCI layout', async () => {
    const layout = path.join(dir, 'handmade')
    const digest = writeLayout(layout, 'v1', [{ mediaType: 'application/wasm', bytes: helloBytes }])
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${registry.host}/fromskopeo/hello:1.0.0`])
    const output = path.join(dir, 'from-skopeo.wasm')
    const pull = await runCli(['pull', `${registry.host}/fromskopeo/hello:1.0.0`, '--destination', output, '--json'], { env: env() })
    expect(pull.exitCode, pull.stderr).toBe(0)
    expect(pull.json.result.digest).toBe(digest)
    expect(Buffer.compare(readFileSync(output), helloBytes)).toBe(0)
  })

  it('pulls the legacy wasmCloud layer type', async () => {
    const layout = path.join(dir, 'legacy')
    const small = Buffer.concat([Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])])
    writeLayout(layout, 'v1', [{ mediaType: 'application/vnd.module.wasm.content.layer.v1+wasm', bytes: small }], {
      mediaType: 'application/vnd.wasmcloud.actor.archive.config',
      bytes: Buffer.from('{}'),
    })
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${registry.host}/fromskopeo/legacy:0.9.0`])
    const output = path.join(dir, 'legacy.wasm')
    const pull = await runCli(['pull', `${registry.host}/fromskopeo/legacy:0.9.0`, '--destination', output, '--json'], { env: env() })
    expect(pull.exitCode, pull.stderr).toBe(0)
    expect(pull.json.result.layer.mediaType).toBe('application/vnd.module.wasm.content.layer.v1+wasm')
    expect(Buffer.compare(readFileSync(output), small)).toBe(0)
  })

  it('refuses a manifest with an unsupported layer type and writes nothing', async () => {
    const layout = path.join(dir, 'container')
    writeLayout(layout, 'v1', [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', bytes: Buffer.from('not a wasm layer') }], {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      bytes: Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'),
    })
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${registry.host}/fromskopeo/container:1`])
    const output = path.join(dir, 'container.wasm')
    const pull = await runCli(['pull', `${registry.host}/fromskopeo/container:1`, '--destination', output, '--json'], { env: env() })
    expect(pull.exitCode).toBe(1)
    expect(pull.json.error.code).toBe('OCI_UNSUPPORTED_ARTIFACT')
    expect(pull.json.error.message).toContain('application/vnd.oci.image.layer.v1.tar+gzip')
    expect(() => readFileSync(output)).toThrow()
  })
})
