import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'

import { beforeAll, describe, expect, it } from 'vitest'

import { digestOf } from '../../../src/oci/cache.js'
import { RegistryClient, type OciEvent } from '../../../src/oci/client.js'
import { MediaTypes } from '../../../src/oci/media-types.js'
import { pullComponent } from '../../../src/oci/pull.js'
import { loadComponentSource } from '../../../src/oci/source.js'
import { canonicalJson, pushComponent } from '../../../src/oci/push.js'
import { COMPONENT_HEADER, concatBytes, encodeCustomSection } from '../../../src/wasm/binary.js'
import { helloHttpComponent } from '../../helpers/components.js'
import { freePort, startRegistryProxy, useRegistry } from '../../helpers/registry.js'
import { tempDir } from '../../helpers/tmp.js'

// src/oci against a real docker-registry, with a recording/tampering proxy in front where a test
// needs to see or break the traffic.
const registry = useRegistry()
let hello: string
const dir = tempDir('wasmctl-oci-')
let counter = 0

beforeAll(async () => {
  hello = await helloHttpComponent()
}, 300_000)

/** A distinct, valid (empty-world) component file of roughly `size` bytes. */
function tinyComponent(size = 64): string {
  const payload = Buffer.alloc(size, counter % 251)
  payload.write(`wasmctl-test-${++counter}-${Date.now()}`)
  const file = path.join(dir, `tiny-${counter}.wasm`)
  writeFileSync(file, concatBytes([COMPONENT_HEADER, encodeCustomSection('test', payload)]))
  return file
}

const fresh = (name: string) => path.join(dir, `${name}-${++counter}`)

function events(): { list: OciEvent[]; onEvent: (event: OciEvent) => void } {
  const list: OciEvent[] = []
  return { list, onEvent: (event) => list.push(event) }
}

/** Files left in a cache's blob folders (temp files included). */
function cacheFiles(root: string): string[] {
  const blobs = path.join(root, 'oci', 'blobs', 'sha256')
  return existsSync(blobs) ? readdirSync(blobs) : []
}

/** Pushes a hand-built artifact with the raw client (for layer types wasmctl itself never pushes). */
async function pushRaw(host: string, repository: string, tag: string, layers: { mediaType: string; bytes: Uint8Array }[], extra: Record<string, unknown> = {}) {
  const client = new RegistryClient({ registry: host, insecure: true })
  const config = Buffer.from('{}')
  await client.ensureBlob(repository, digestOf(config), config)
  for (const layer of layers) await client.ensureBlob(repository, digestOf(layer.bytes), layer.bytes)
  const manifest = Buffer.from(
    canonicalJson({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.legacyActorConfig, digest: digestOf(config), size: config.length },
      layers: layers.map((layer) => ({ mediaType: layer.mediaType, digest: digestOf(layer.bytes), size: layer.bytes.length })),
      ...extra,
    }),
  )
  await client.putManifest(repository, tag, manifest, MediaTypes.ociManifest)
  return { digest: digestOf(manifest), manifest }
}

describe('push and pull', () => {
  it('round-trips a real component byte for byte, with the CNCF config', async () => {
    const pushed = await pushComponent({ reference: `${registry.host}/demo/hello:0.1.0`, file: hello, cacheRoot: fresh('cache'), insecure: true })
    expect(pushed.reference).toBe(`${registry.host}/demo/hello:0.1.0@${pushed.digest}`)
    expect(pushed.uploaded.blobs).toBe(2)
    const output = path.join(dir, 'pulled.wasm')
    const pulled = await pullComponent({ reference: `${registry.host}/demo/hello@${pushed.digest}`, cacheRoot: fresh('cache'), output, insecure: true })
    expect(pulled.cached).toBe(false)
    expect(pulled.digest).toBe(pushed.digest)
    expect(Buffer.compare(readFileSync(output), readFileSync(hello))).toBe(0)
    expect(pulled.layer).toMatchObject({ mediaType: 'application/wasm', digest: pushed.layerDigest, size: pushed.size })
    expect(pulled.config).toMatchObject({ mediaType: 'application/vnd.wasm.config.v0+json', digest: pushed.configDigest })

    // the config blob, read back from the registry
    const client = new RegistryClient({ registry: registry.host, insecure: true })
    const configText = await client.getBlob('demo/hello', pushed.configDigest, async (body) => {
      let text = ''
      for await (const chunk of body) text += Buffer.from(chunk).toString('utf8')
      return text
    })
    expect(pushed.uploaded.bytes).toBe(pushed.size + configText.length)
    const config = JSON.parse(configText)
    expect(Object.keys(config)).toEqual(['created', 'author', 'architecture', 'os', 'layerDigests', 'component'])
    expect(config).toMatchObject({ author: null, architecture: 'wasm', os: 'wasip2', layerDigests: [pushed.layerDigest] })
    expect(config.component.exports).toEqual(expect.arrayContaining([expect.stringMatching(/^wasi:http\/incoming-handler@0\.2\./)]))
    expect(config.component.imports.length).toBeGreaterThan(3)
    // created = the file's modification time, so the same build always gets the same digest
    expect(config.created).toBe(statSync(hello).mtime.toISOString())
  })

  it('uploads large blobs in PATCH chunks', async () => {
    const proxy = await startRegistryProxy(registry)
    try {
      const file = tinyComponent(3 * 1024 * 1024 + 17)
      const pushed = await pushComponent({ reference: `${proxy.host}/demo/chunked:1`, file, cacheRoot: fresh('cache'), insecure: true, chunkSize: 1024 * 1024 })
      const patches = proxy.requests.filter((request) => request.method === 'PATCH')
      expect(patches.map((request) => request.requestBytes)).toEqual([1048576, 1048576, 1048576, pushed.size - 3 * 1048576])
      const pulled = await pullComponent({ reference: `${proxy.host}/demo/chunked:1`, cacheRoot: fresh('cache'), insecure: true })
      expect(Buffer.compare(pulled.bytes, readFileSync(file))).toBe(0)
    } finally {
      await proxy.stop()
    }
  })

  it('uploads nothing the second time: HEAD finds both blobs', async () => {
    const proxy = await startRegistryProxy(registry)
    try {
      const file = tinyComponent(200_000)
      const reference = `${proxy.host}/demo/twice:1`
      const first = await pushComponent({ reference, file, cacheRoot: fresh('cache'), insecure: true })
      expect(first.uploaded.blobs).toBe(2)
      proxy.requests.length = 0
      const second = await pushComponent({ reference, file, cacheRoot: fresh('cache'), insecure: true })
      expect(second.digest).toBe(first.digest)
      expect(second).toMatchObject({ uploaded: { blobs: 0, bytes: 0 }, skipped: 2, mounted: 0 })
      const blobTraffic = proxy.requests.filter((request) => request.path.includes('/blobs/') && request.method !== 'HEAD')
      expect(blobTraffic).toEqual([])
      expect(proxy.requests.filter((request) => request.method === 'HEAD').map((request) => request.status)).toEqual([200, 200])
      const sent = proxy.requests.reduce((total, request) => total + request.requestBytes, 0)
      expect(sent).toBeLessThan(2000) // the manifest only
    } finally {
      await proxy.stop()
    }
  })

  it('mounts blobs from another repository of the same registry instead of uploading them', async () => {
    const proxy = await startRegistryProxy(registry)
    try {
      const cacheRoot = fresh('cache')
      const file = tinyComponent(100_000)
      await pushComponent({ reference: `${proxy.host}/demo/source:1`, file, cacheRoot, insecure: true })
      proxy.requests.length = 0
      const log = events()
      const copy = await pushComponent({ reference: `${proxy.host}/other/target:1`, file, cacheRoot, insecure: true, onEvent: log.onEvent })
      expect(copy).toMatchObject({ mounted: 2, uploaded: { blobs: 0, bytes: 0 } })
      const mounts = proxy.requests.filter((request) => request.method === 'POST')
      expect(mounts).toHaveLength(2)
      expect(mounts.every((request) => request.path.includes('mount=sha256') && request.path.includes('from=demo%2Fsource') && request.status === 201)).toBe(true)
      expect(log.list.filter((event) => event.type === 'blob' && event.action === 'mounted')).toHaveLength(2)
      const pulled = await pullComponent({ reference: `${registry.host}/other/target:1`, cacheRoot: fresh('cache'), insecure: true })
      expect(Buffer.compare(pulled.bytes, readFileSync(file))).toBe(0)
    } finally {
      await proxy.stop()
    }
  })

  it('makes a second pull of a digest fully local', async () => {
    const proxy = await startRegistryProxy(registry)
    try {
      const pushed = await pushComponent({ reference: `${registry.host}/demo/local:1`, file: tinyComponent(), cacheRoot: fresh('cache'), insecure: true })
      const cacheRoot = fresh('cache')
      const first = await pullComponent({ reference: `${proxy.host}/demo/local@${pushed.digest}`, cacheRoot, insecure: true })
      expect(first.cached).toBe(false)
      const requestsAfterFirst = proxy.requests.length
      const second = await pullComponent({ reference: `${proxy.host}/demo/local@${pushed.digest}`, cacheRoot, insecure: true })
      expect(second.cached).toBe(true)
      expect(proxy.requests.length).toBe(requestsAfterFirst)
      // by tag, only the manifest is fetched again
      const byTag = await pullComponent({ reference: `${proxy.host}/demo/local:1`, cacheRoot, insecure: true })
      expect(byTag.cached).toBe(true)
      expect(proxy.requests.slice(requestsAfterFirst).filter((request) => request.path.includes('/blobs/'))).toEqual([])
    } finally {
      await proxy.stop()
    }
  })

  it('refuses latest unless allowed, and push by digest', async () => {
    const file = tinyComponent()
    await expect(pushComponent({ reference: `${registry.host}/demo/x`, file, insecure: true })).rejects.toMatchObject({ code: 'OCI_LATEST_REFUSED' })
    await expect(pushComponent({ reference: `${registry.host}/demo/x:latest`, file, insecure: true })).rejects.toMatchObject({ code: 'OCI_LATEST_REFUSED' })
    await expect(pullComponent({ reference: `${registry.host}/demo/x`, insecure: true })).rejects.toMatchObject({ code: 'OCI_LATEST_REFUSED' })
    const pushed = await pushComponent({ reference: `${registry.host}/demo/x`, file, insecure: true, allowLatest: true, cacheRoot: fresh('cache') })
    expect(pushed.tag).toBe('latest')
    await expect(pushComponent({ reference: `${registry.host}/demo/x@${pushed.digest}`, file, insecure: true })).rejects.toMatchObject({ code: 'OCI_REFERENCE_INVALID' })
  })

  it('refuses a core module', async () => {
    const file = path.join(dir, 'core.wasm')
    writeFileSync(file, Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00))
    await expect(pushComponent({ reference: `${registry.host}/demo/core:1`, file, insecure: true })).rejects.toMatchObject({ code: 'WASM_NOT_COMPONENT' })
  })

  it('checks --digest against what the reference resolves to', async () => {
    const pushed = await pushComponent({ reference: `${registry.host}/demo/pinned:1`, file: tinyComponent(), cacheRoot: fresh('cache'), insecure: true })
    const ok = await pullComponent({ reference: `${registry.host}/demo/pinned:1`, digest: pushed.digest.slice(7), cacheRoot: fresh('cache'), insecure: true })
    expect(ok.digest).toBe(pushed.digest)
    const other = `sha256:${'0'.repeat(64)}`
    const output = path.join(dir, 'never-written.wasm')
    await expect(pullComponent({ reference: `${registry.host}/demo/pinned:1`, digest: other, cacheRoot: fresh('cache'), insecure: true, output })).rejects.toMatchObject({
      code: 'OCI_DIGEST_MISMATCH',
    })
    expect(existsSync(output)).toBe(false)
    await expect(pullComponent({ reference: `${registry.host}/demo/pinned@${pushed.digest}`, digest: other, insecure: true })).rejects.toMatchObject({ code: 'OCI_DIGEST_MISMATCH' })
    await expect(pullComponent({ reference: `${registry.host}/demo/pinned:1`, digest: 'nope', insecure: true })).rejects.toMatchObject({ code: 'INPUT_INVALID' })
  })
})

describe('loadComponentSource (inspect <ref>, up <ref>)', () => {
  it('reads an existing file, pulls a reference through the cache, and refuses anything else', async () => {
    const file = tinyComponent()
    expect((await loadComponentSource(file)).path).toBe(file)
    const pushed = await pushComponent({ reference: `${registry.host}/demo/source:2`, file, cacheRoot: fresh('cache'), insecure: true })
    const cacheRoot = fresh('cache')
    const source = await loadComponentSource(`${registry.host}/demo/source:2`, { cacheRoot, env: { HOME: dir } })
    expect(Buffer.compare(source.bytes, readFileSync(file))).toBe(0)
    expect(source.pulled?.digest).toBe(pushed.digest)
    expect(source.path.startsWith(cacheRoot)).toBe(true)
    await expect(loadComponentSource(path.join(dir, 'missing.wasm'))).rejects.toMatchObject({ code: 'FS_ERROR' })
  })
})

describe('artifacts wasmctl did not push', () => {
  it('pulls the legacy wasmCloud layer type', async () => {
    const bytes = readFileSync(tinyComponent())
    await pushRaw(registry.host, 'legacy/actor', '0.1.0', [{ mediaType: MediaTypes.legacyWasmLayer, bytes }])
    const pulled = await pullComponent({ reference: `${registry.host}/legacy/actor:0.1.0`, cacheRoot: fresh('cache'), insecure: true })
    expect(pulled.layer.mediaType).toBe(MediaTypes.legacyWasmLayer)
    expect(Buffer.compare(pulled.bytes, bytes)).toBe(0)
  })

  it.each([
    ['an unsupported layer type', [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', bytes: Buffer.from('tarball') }], /application\/vnd\.oci\.image\.layer\.v1\.tar\+gzip/],
    ['two wasm layers', [{ mediaType: 'application/wasm', bytes: Buffer.from('\0asm\x0d\0\x01\0a') }, { mediaType: 'application/wasm', bytes: Buffer.from('\0asm\x0d\0\x01\0b') }], /application\/wasm, application\/wasm/],
    ['no layers', [], /no layers/],
  ])('refuses %s', async (_name, layers, message) => {
    const repo = `weird/r${++counter}`
    await pushRaw(registry.host, repo, '1', layers)
    const cacheRoot = fresh('cache')
    const error = await pullComponent({ reference: `${registry.host}/${repo}:1`, cacheRoot, insecure: true, output: path.join(dir, 'x.wasm') }).catch((caught) => caught)
    expect(error.code).toBe('OCI_UNSUPPORTED_ARTIFACT')
    expect(error.message).toMatch(message)
    expect(error.hints.join(' ')).toMatch(/application\/wasm/)
  })

  it('refuses an application/wasm layer that is not WebAssembly', async () => {
    await pushRaw(registry.host, 'weird/text', '1', [{ mediaType: 'application/wasm', bytes: Buffer.from('hello, not wasm') }])
    await expect(pullComponent({ reference: `${registry.host}/weird/text:1`, cacheRoot: fresh('cache'), insecure: true })).rejects.toMatchObject({
      code: 'OCI_UNSUPPORTED_ARTIFACT',
      message: expect.stringMatching(/not WebAssembly/),
    })
  })

  it('follows an index to its wasm manifest', async () => {
    const bytes = readFileSync(tinyComponent())
    const inner = await pushRaw(registry.host, 'indexed/app', 'inner', [{ mediaType: MediaTypes.wasmLayer, bytes }])
    const index = Buffer.from(
      canonicalJson({
        schemaVersion: 2,
        mediaType: MediaTypes.ociIndex,
        manifests: [{ mediaType: MediaTypes.ociManifest, digest: inner.digest, size: inner.manifest.length, platform: { architecture: 'wasm', os: 'wasip2' } }],
      }),
    )
    await new RegistryClient({ registry: registry.host, insecure: true }).putManifest('indexed/app', '1', index, MediaTypes.ociIndex)
    const pulled = await pullComponent({ reference: `${registry.host}/indexed/app:1`, cacheRoot: fresh('cache'), insecure: true })
    expect(pulled.digest).toBe(inner.digest)
    expect(Buffer.compare(pulled.bytes, bytes)).toBe(0)
  })
})

describe('failures', () => {
  it('reports an unknown tag or repository as OCI_NOT_FOUND', async () => {
    await pushComponent({ reference: `${registry.host}/demo/known:1`, file: tinyComponent(), cacheRoot: fresh('cache'), insecure: true })
    for (const reference of [`${registry.host}/demo/known:nope`, `${registry.host}/no/such-repo:1`]) {
      const error = await pullComponent({ reference, cacheRoot: fresh('cache'), insecure: true }).catch((caught) => caught)
      expect(error.code).toBe('OCI_NOT_FOUND')
      expect(error.message).toContain(reference.split('/').slice(1).join('/'))
    }
  })

  it('reports a registry that is down as OCI_UNREACHABLE without retrying', async () => {
    const port = await freePort()
    const log = events()
    const error = await pullComponent({ reference: `127.0.0.1:${port}/demo/x:1`, cacheRoot: fresh('cache'), onEvent: log.onEvent }).catch((caught) => caught)
    expect(error.code).toBe('OCI_UNREACHABLE')
    expect(error.message).toContain('ECONNREFUSED')
    expect(log.list.filter((event) => event.type === 'retry')).toEqual([])
    expect(log.list).toContainEqual({ type: 'notice', message: expect.stringContaining('plain HTTP') })
  })

  it('times out on a registry that accepts connections but never answers', async () => {
    const sockets: net.Socket[] = []
    const silent = net.createServer((socket) => sockets.push(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = silent.address() as net.AddressInfo
      const error = await pullComponent({ reference: `127.0.0.1:${port}/demo/x:1`, cacheRoot: fresh('cache'), timeoutMs: 300 }).catch((caught) => caught)
      expect(error.code).toBe('OCI_TIMEOUT')
    } finally {
      for (const socket of sockets) socket.destroy()
      silent.close()
    }
  })

  it('retries 429 and 5xx answers with backoff, then succeeds', async () => {
    const pushed = await pushComponent({ reference: `${registry.host}/demo/flaky:1`, file: tinyComponent(), cacheRoot: fresh('cache'), insecure: true })
    let failures = 0
    const proxy = await startRegistryProxy(registry, {
      intercept: (request) => {
        if (!request.path.includes('/blobs/') || failures >= 2) return undefined
        failures++
        return failures === 1 ? { status: 429, headers: { 'retry-after': '0' } } : { status: 503 }
      },
    })
    try {
      const log = events()
      const pulled = await pullComponent({ reference: `${proxy.host}/demo/flaky@${pushed.digest}`, cacheRoot: fresh('cache'), insecure: true, onEvent: log.onEvent })
      expect(pulled.digest).toBe(pushed.digest)
      const retries = log.list.filter((event) => event.type === 'retry')
      expect(retries.map((event) => (event as { attempt: number }).attempt)).toEqual([1, 2])
      expect((retries[0] as { delayMs: number }).delayMs).toBe(0) // Retry-After honoured
    } finally {
      await proxy.stop()
    }
  })

  it('gives up after a bounded number of retries', async () => {
    const proxy = await startRegistryProxy(registry, { intercept: (request) => (request.path.includes('/manifests/') ? { status: 502 } : undefined) })
    try {
      const error = await pullComponent({ reference: `${proxy.host}/demo/flaky:1`, cacheRoot: fresh('cache'), insecure: true, retries: 2 }).catch((caught) => caught)
      expect(error.code).toBe('OCI_REGISTRY_ERROR')
      expect(error.message).toContain('502')
      expect(proxy.requests.filter((request) => request.path.includes('/manifests/'))).toHaveLength(3)
    } finally {
      await proxy.stop()
    }
  })

  it('rejects a blob whose bytes do not match its digest and writes nothing', async () => {
    const pushed = await pushComponent({ reference: `${registry.host}/demo/tampered:1`, file: hello, cacheRoot: fresh('cache'), insecure: true })
    const proxy = await startRegistryProxy(registry, {
      tamper: (request, body) => {
        if (request.method !== 'GET' || !request.path.includes(`/blobs/${pushed.layerDigest}`)) return undefined
        const copy = Buffer.from(body)
        copy[copy.length >> 1] ^= 0xff
        return copy
      },
    })
    try {
      const cacheRoot = fresh('cache')
      const output = path.join(dir, 'tampered.wasm')
      const error = await pullComponent({ reference: `${proxy.host}/demo/tampered:1`, cacheRoot, insecure: true, output }).catch((caught) => caught)
      expect(error.code).toBe('OCI_DIGEST_MISMATCH')
      expect(error.message).toContain(pushed.layerDigest)
      expect(existsSync(output)).toBe(false)
      expect(cacheFiles(cacheRoot).filter((name) => name.startsWith(pushed.layerDigest.slice(7)))).toEqual([])
    } finally {
      await proxy.stop()
    }
  })

  it('rejects a manifest whose bytes do not match the digest asked for', async () => {
    const pushed = await pushComponent({ reference: `${registry.host}/demo/badmanifest:1`, file: tinyComponent(), cacheRoot: fresh('cache'), insecure: true })
    const proxy = await startRegistryProxy(registry, {
      tamper: (request, body) => (request.path.includes('/manifests/') ? Buffer.from(body.toString('utf8').replace('"schemaVersion":2', '"schemaVersion": 2')) : undefined),
    })
    try {
      await expect(pullComponent({ reference: `${proxy.host}/demo/badmanifest@${pushed.digest}`, cacheRoot: fresh('cache'), insecure: true })).rejects.toMatchObject({
        code: 'OCI_DIGEST_MISMATCH',
      })
      // by tag, the registry's Docker-Content-Digest header catches it
      await expect(pullComponent({ reference: `${proxy.host}/demo/badmanifest:1`, cacheRoot: fresh('cache'), insecure: true })).rejects.toMatchObject({
        code: 'OCI_DIGEST_MISMATCH',
      })
    } finally {
      await proxy.stop()
    }
  })

  it('retries a transfer cut mid-blob, and leaves nothing behind when it keeps failing', async () => {
    const pushed = await pushComponent({ reference: `${registry.host}/demo/cut:1`, file: hello, cacheRoot: fresh('cache'), insecure: true })
    let cuts = 0
    let alwaysCut = false
    const proxy = await startRegistryProxy(registry, {
      cutAfter: (request) => {
        if (request.method !== 'GET' || !request.path.includes(`/blobs/${pushed.layerDigest}`)) return undefined
        if (!alwaysCut && cuts >= 1) return undefined
        cuts++
        return 4 * 1024 * 1024
      },
    })
    try {
      const log = events()
      const once = await pullComponent({ reference: `${proxy.host}/demo/cut:1`, cacheRoot: fresh('cache'), insecure: true, onEvent: log.onEvent })
      expect(once.size).toBe(pushed.size)
      expect(log.list.filter((event) => event.type === 'retry')).toHaveLength(1)

      alwaysCut = true
      const cacheRoot = fresh('cache')
      const output = path.join(dir, 'cut.wasm')
      const error = await pullComponent({ reference: `${proxy.host}/demo/cut:1`, cacheRoot, insecure: true, output, retries: 1 }).catch((caught) => caught)
      expect(error.code).toBe('OCI_UNREACHABLE')
      expect(existsSync(output)).toBe(false)
      expect(cacheFiles(cacheRoot).filter((name) => name.startsWith(pushed.layerDigest.slice(7)))).toEqual([])
    } finally {
      await proxy.stop()
    }
  })

  it('stops at once when interrupted, leaving no output', async () => {
    const controller = new AbortController()
    const output = path.join(dir, 'aborted.wasm')
    const cacheRoot = fresh('cache')
    const pushed = await pushComponent({ reference: `${registry.host}/demo/abort:1`, file: hello, cacheRoot: fresh('cache'), insecure: true })
    const error = await pullComponent({
      reference: `${registry.host}/demo/abort@${pushed.digest}`,
      cacheRoot,
      insecure: true,
      output,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'progress') controller.abort()
      },
    }).catch((caught) => caught)
    expect(error.code).toBe('INTERRUPTED')
    expect(existsSync(output)).toBe(false)
    expect(cacheFiles(cacheRoot).filter((name) => name.startsWith(pushed.layerDigest.slice(7)))).toEqual([])
  })
})

describe('authentication', () => {
  const basicRegistry = useRegistry({ htpasswd: { user: 'alice', password: 's3cret' } })
  const tokenRegistry = useRegistry({ token: { user: 'bob', password: 'hunter2', identityToken: 'refresh-123' } })

  it('uses Basic auth against an htpasswd registry and names the credentials it lacks', async () => {
    const file = tinyComponent()
    const error = await pushComponent({ reference: `${basicRegistry.host}/demo/auth:1`, file, insecure: true, env: { HOME: dir } }).catch((caught) => caught)
    expect(error.code).toBe('OCI_AUTH_FAILED')
    expect(error.hints.join(' ')).toMatch(/--user and --password/)
    const wrong = await pushComponent({ reference: `${basicRegistry.host}/demo/auth:1`, file, insecure: true, user: 'alice', password: 'WRONG-pw' }).catch((caught) => caught)
    expect(wrong.code).toBe('OCI_AUTH_FAILED')
    expect(wrong.message).toContain('--user/--password')
    expect(JSON.stringify(wrong.toJSON())).not.toContain('WRONG-pw')
    const pushed = await pushComponent({ reference: `${basicRegistry.host}/demo/auth:1`, file, insecure: true, user: 'alice', password: 's3cret', cacheRoot: fresh('cache') })
    const pulled = await pullComponent({ reference: pushed.reference, insecure: true, user: 'alice', password: 's3cret', cacheRoot: fresh('cache') })
    expect(Buffer.compare(pulled.bytes, readFileSync(file))).toBe(0)
  })

  it('follows a blob redirect to storage without sending the registry credentials there', async () => {
    const file = tinyComponent(30_000)
    const bytes = readFileSync(file)
    const pushed = await pushComponent({ reference: `${basicRegistry.host}/demo/redirected:1`, file, insecure: true, user: 'alice', password: 's3cret', cacheRoot: fresh('cache') })
    const seen: (string | undefined)[] = []
    const storage = http.createServer((request, response) => {
      seen.push(request.headers.authorization)
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) })
      response.end(bytes)
    })
    await new Promise<void>((resolve) => storage.listen(0, '127.0.0.1', resolve))
    const storageUrl = `http://127.0.0.1:${(storage.address() as net.AddressInfo).port}/bucket/blob?signature=abc`
    const proxy = await startRegistryProxy(basicRegistry, {
      intercept: (request) => (request.method === 'GET' && request.path.endsWith(`/blobs/${pushed.layerDigest}`) ? { status: 307, headers: { location: storageUrl } } : undefined),
    })
    try {
      const pulled = await pullComponent({ reference: `${proxy.host}/demo/redirected:1`, insecure: true, user: 'alice', password: 's3cret', cacheRoot: fresh('cache') })
      expect(Buffer.compare(pulled.bytes, bytes)).toBe(0)
      expect(seen).toEqual([undefined])
      expect(proxy.requests.some((request) => request.status === 307)).toBe(true)
    } finally {
      await proxy.stop()
      storage.close()
    }
  })

  it('runs the Bearer token flow with a scoped token (Basic credentials or an identity token)', async () => {
    const file = tinyComponent(50_000)
    const pushed = await pushComponent({ reference: `${tokenRegistry.host}/team/app:1`, file, insecure: true, user: 'bob', password: 'hunter2', cacheRoot: fresh('cache') })
    expect(tokenRegistry.tokenRequests.some((request) => request.grant === 'basic' && request.scope.includes('repository:team/app:pull,push'))).toBe(true)
    const home = path.join(dir, 'token-home')
    mkdirSync(path.join(home, '.docker'), { recursive: true })
    writeFileSync(path.join(home, '.docker', 'config.json'), JSON.stringify({ auths: { [tokenRegistry.host]: { identitytoken: 'refresh-123' } } }))
    const pulled = await pullComponent({ reference: pushed.reference, insecure: true, env: { HOME: home }, cacheRoot: fresh('cache') })
    expect(Buffer.compare(pulled.bytes, readFileSync(file))).toBe(0)
    expect(tokenRegistry.tokenRequests.at(-1)).toEqual({ method: 'POST', scope: ['repository:team/app:pull'], grant: 'refresh' })
    const anonymous = await pullComponent({ reference: pushed.reference, insecure: true, env: { HOME: dir }, cacheRoot: fresh('cache') }).catch((caught) => caught)
    expect(anonymous.code).toBe('OCI_AUTH_FAILED')
  })
})
