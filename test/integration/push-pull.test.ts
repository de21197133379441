import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

import { execa } from 'execa'
import { beforeAll, describe, expect, it } from 'vitest'

import { binRun, runCli } from '../helpers/cli.js'
import { helloHttpComponent } from '../helpers/components.js'
import { freePort, skopeo, startRegistryProxy, useRegistry } from '../helpers/registry.js'
import { tempDir } from '../helpers/tmp.js'

// `wasmctl push` / `wasmctl pull` as a user runs them, against a real docker-registry.
const registry = useRegistry()
let hello: string
let helloBytes: Buffer
const dir = tempDir('wasmctl-push-pull-')
let counter = 0

/** A private cache and HOME per call, so no test sees another's cache or the machine's Docker login. */
function isolated(extra: Record<string, string> = {}): Record<string, string> {
  const home = path.join(dir, `home-${++counter}`)
  mkdirSync(home, { recursive: true })
  return { HOME: home, WASMCTL_CACHE_DIR: path.join(home, 'cache'), ...extra }
}

beforeAll(async () => {
  hello = await helloHttpComponent()
  helloBytes = readFileSync(hello)
}, 300_000)

describe('push then pull', () => {
  it('pushes with --json, and pulling that digest yields identical bytes', async () => {
    const push = await runCli(['push', `${registry.host}/demo/hello:0.1.0`, hello, '--insecure', '--json'], { env: isolated() })
    expect(push.exitCode, push.stderr).toBe(0)
    const { result } = push.json
    expect(push.json.status).toBe(0)
    expect(result.digest).toMatch(/^sha256:[a-f0-9]{64}$/)
    expect(result.reference).toBe(`${registry.host}/demo/hello:0.1.0@${result.digest}`)
    expect(result.size).toBe(helloBytes.length)

    const output = path.join(dir, 'hello-pulled.wasm')
    const pull = await runCli(['pull', `${registry.host}/demo/hello@${result.digest}`, '--destination', output, '--json'], { env: isolated() })
    expect(pull.exitCode, pull.stderr).toBe(0)
    expect(pull.json.result).toMatchObject({ digest: result.digest, output, cached: false, layer: { mediaType: 'application/wasm' } })
    expect(pull.json.result.bytes).toBeUndefined()
    expect(Buffer.compare(readFileSync(output), helloBytes)).toBe(0)
  })

  it('prints the pushed reference with its digest in human mode, and a plain-HTTP notice on stderr', async () => {
    const push = await runCli(['push', `${registry.host}/demo/human:1.0.0`, hello], { env: isolated() })
    expect(push.exitCode, push.stderr).toBe(0)
    expect(push.stdout.trim()).toMatch(new RegExp(`^${registry.host}/demo/human:1\\.0\\.0@sha256:[a-f0-9]{64}$`))
    expect(push.stderr).toMatch(/plain HTTP/)
  })

  it('writes <repository>.wasm by default and serves a second pull from the cache', async () => {
    await runCli(['push', `${registry.host}/demo/cached:2.0.0`, hello, '--insecure'], { env: isolated() })
    const env = isolated()
    const cwd = path.join(dir, `cwd-${++counter}`)
    mkdirSync(cwd)
    const first = await runCli(['pull', `${registry.host}/demo/cached:2.0.0`, '--json'], { env, cwd })
    expect(first.exitCode, first.stderr).toBe(0)
    expect(first.json.result.output).toBe(path.join(cwd, 'cached.wasm'))
    expect(Buffer.compare(readFileSync(path.join(cwd, 'cached.wasm')), helloBytes)).toBe(0)
    const second = await runCli(['pull', `${registry.host}/demo/cached:2.0.0`, '--destination', 'again.wasm', '--json'], { env, cwd })
    expect(second.json.result.cached).toBe(true)
    expect(Buffer.compare(readFileSync(path.join(cwd, 'again.wasm')), helloBytes)).toBe(0)
  })

  it('uploads no blob bytes when the same artifact is pushed again', async () => {
    const proxy = await startRegistryProxy(registry)
    try {
      const reference = `${proxy.host}/demo/again:1.0.0`
      const first = await runCli(['push', reference, hello, '--insecure', '--json'], { env: isolated() })
      expect(first.json.result.uploaded.bytes).toBeGreaterThan(helloBytes.length)
      proxy.requests.length = 0
      const second = await runCli(['push', reference, hello, '--insecure', '--json'], { env: isolated() })
      expect(second.json.result).toMatchObject({ digest: first.json.result.digest, uploaded: { blobs: 0, bytes: 0 }, skipped: 2 })
      // what actually crossed the wire: two HEAD hits and the manifest, no upload session
      const blobRequests = proxy.requests.filter((request) => request.path.includes('/blobs/'))
      expect(blobRequests.map((request) => `${request.method} ${request.status}`)).toEqual(['HEAD 200', 'HEAD 200'])
      const bytesSent = proxy.requests.reduce((total, request) => total + request.requestBytes, 0)
      expect(bytesSent).toBeLessThan(2000)
    } finally {
      await proxy.stop()
    }
  })

  it('adds --annotation values and records them in the manifest', async () => {
    const push = await runCli(['push', `${registry.host}/demo/annotated:1`, hello, '-a', 'org.example.team=blue', '--annotation', 'empty=', '--json'], { env: isolated() })
    expect(push.exitCode, push.stderr).toBe(0)
    const raw = JSON.parse((await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/demo/annotated:1`])).stdout)
    expect(raw.annotations).toEqual({ 'org.example.team': 'blue', empty: '' })
    const bad = await runCli(['push', `${registry.host}/demo/annotated:2`, hello, '-a', 'novalue', '--json'], { env: isolated() })
    expect(bad.exitCode).toBe(2)
    expect(bad.json.error.code).toBe('INPUT_INVALID')
  })
})

describe('push from a project', () => {
  it('pushes the signed build output with the project annotations', async () => {
    const project = path.join(dir, 'project')
    mkdirSync(path.join(project, 'build'), { recursive: true })
    writeFileSync(path.join(project, 'wasmcloud.toml'), 'name = "greeter"\nversion = "0.3.1"\nlanguage = "typescript"\ntype = "component"\ndescription = "says hello"\n')
    const missing = await runCli(['push', `${registry.host}/demo/greeter:0.3.1`, '--json'], { env: isolated(), cwd: project })
    expect(missing.exitCode).toBe(1)
    expect(missing.json.error.code).toBe('BUILD_ARTIFACT_MISSING')
    expect(missing.json.error.hints.join(' ')).toMatch(/wasmctl build/)

    copyFileSync(hello, path.join(project, 'build', 'greeter_s.wasm'))
    const push = await runCli(['push', `${registry.host}/demo/greeter:0.3.1`, '--project-dir', project, '--json'], { env: isolated() })
    expect(push.exitCode, push.stderr).toBe(0)
    expect(push.json.result.file).toBe(path.join(project, 'build', 'greeter_s.wasm'))
    expect(push.json.result.annotations).toEqual({
      'org.opencontainers.image.title': 'greeter',
      'org.opencontainers.image.version': '0.3.1',
      'org.opencontainers.image.description': 'says hello',
    })
  })

  it('takes the registry from [registry] url when the reference names none (as wash does)', async () => {
    const project = path.join(dir, 'project-registry')
    mkdirSync(project, { recursive: true })
    writeFileSync(path.join(project, 'wasmcloud.toml'), `name = "x"\nversion = "0.1.0"\n[registry]\nurl = "${registry.host}/team"\npush_insecure = true\n`)
    const push = await runCli(['push', 'app:1.0.0', hello, '--json'], { env: isolated(), cwd: project })
    expect(push.exitCode, push.stderr).toBe(0)
    expect(push.json.result.reference).toMatch(new RegExp(`^${registry.host}/team/app:1\\.0\\.0@sha256:`))
  })
})

describe('bad input', () => {
  it.each([
    ['push', 'ghcr.io/Bad Name/x:1'],
    ['push', 'ghcr.io/acme/hello:bad:tag'],
    ['pull', 'ghcr.io/acme/hello@sha256:nothex'],
  ])('%s %j is a usage error', async (command, reference) => {
    const result = await runCli([command, reference, ...(command === 'push' ? [hello] : []), '--json'], { env: isolated() })
    expect(result.exitCode).toBe(2)
    expect(result.json.error.code).toBe('OCI_REFERENCE_INVALID')
    expect(result.json.error.hints.length).toBeGreaterThan(0)
  })

  it('refuses :latest unless --allow-latest', async () => {
    const refused = await runCli(['push', `${registry.host}/demo/latest`, hello, '--json'], { env: isolated() })
    expect(refused.exitCode).toBe(2)
    expect(refused.json.error.code).toBe('OCI_LATEST_REFUSED')
    expect(refused.json.error.hints.join(' ')).toMatch(/--allow-latest/)
    const allowed = await runCli(['push', `${registry.host}/demo/latest`, hello, '--allow-latest', '--json'], { env: isolated() })
    expect(allowed.exitCode, allowed.stderr).toBe(0)
    expect(allowed.json.result.tag).toBe('latest')
  })

  it('reports an unknown tag as OCI_NOT_FOUND', async () => {
    const result = await runCli(['pull', `${registry.host}/demo/hello:9.9.9`, '--destination', path.join(dir, 'nope.wasm')], { env: isolated() })
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toMatch(/not found.*\(OCI_NOT_FOUND\)/)
    expect(result.stderr).toMatch(/hint:/)
    expect(result.stderr).not.toMatch(/\n\s+at /) // no stack trace
    expect(existsSync(path.join(dir, 'nope.wasm'))).toBe(false)
  })

  it('reports a registry that is down as OCI_UNREACHABLE', async () => {
    const port = await freePort()
    const result = await runCli(['pull', `127.0.0.1:${port}/demo/hello:1`, '--json'], { env: isolated() })
    expect(result.exitCode).toBe(1)
    expect(result.json.error.code).toBe('OCI_UNREACHABLE')
    expect(result.json.error.message).toContain(`127.0.0.1:${port}`)
  })

  it('refuses a core module and a missing file', async () => {
    const core = path.join(dir, 'core.wasm')
    writeFileSync(core, Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00))
    const module = await runCli(['push', `${registry.host}/demo/core:1`, core, '--json'], { env: isolated() })
    expect(module.json.error.code).toBe('WASM_NOT_COMPONENT')
    const missing = await runCli(['push', `${registry.host}/demo/core:1`, path.join(dir, 'missing.wasm'), '--json'], { env: isolated() })
    expect(missing.json.error.code).toBe('FS_ERROR')
  })

  it('rejects a corrupted blob and leaves an existing output file untouched', async () => {
    const push = await runCli(['push', `${registry.host}/demo/corrupt:1`, hello, '--json'], { env: isolated() })
    const layerDigest = push.json.result.layerDigest
    const proxy = await startRegistryProxy(registry, {
      tamper: (request, body) => {
        if (request.method !== 'GET' || !request.path.endsWith(`/blobs/${layerDigest}`)) return undefined
        const copy = Buffer.from(body)
        copy[1000] ^= 0x01
        return copy
      },
    })
    try {
      const output = path.join(dir, 'keep-me.wasm')
      writeFileSync(output, 'previous content')
      const env = isolated()
      const result = await runCli(['pull', `${proxy.host}/demo/corrupt:1`, '--destination', output, '--json'], { env })
      expect(result.exitCode).toBe(1)
      expect(result.json.error.code).toBe('OCI_DIGEST_MISMATCH')
      expect(readFileSync(output, 'utf8')).toBe('previous content')
      expect(readdirSync(path.join(env.WASMCTL_CACHE_DIR, 'oci', 'blobs', 'sha256')).some((name) => name.startsWith(layerDigest.slice(7)))).toBe(false)
    } finally {
      await proxy.stop()
    }
  })

  it('leaves no partial output when the transfer keeps being cut', async () => {
    const push = await runCli(['push', `${registry.host}/demo/interrupted:1`, hello, '--json'], { env: isolated() })
    const layerDigest = push.json.result.layerDigest
    const proxy = await startRegistryProxy(registry, {
      cutAfter: (request) => (request.method === 'GET' && request.path.endsWith(`/blobs/${layerDigest}`) ? 2_000_000 : undefined),
    })
    try {
      const output = path.join(dir, 'interrupted.wasm')
      const result = await runCli(['pull', `${proxy.host}/demo/interrupted:1`, '--destination', output, '--json'], { env: isolated() })
      expect(result.exitCode).toBe(1)
      expect(result.json.error.code).toBe('OCI_UNREACHABLE')
      expect(existsSync(output)).toBe(false)
      expect(readdirSync(dir).filter((name) => name.startsWith('interrupted.wasm'))).toEqual([])
      // it retried (bounded) before giving up
      expect(proxy.requests.filter((request) => request.path.endsWith(`/blobs/${layerDigest}`)).length).toBe(4)
    } finally {
      await proxy.stop()
    }
  })

  it('stops a pull on Ctrl-C mid-transfer with exit 130, keeping the old output and caching nothing', async () => {
    const push = await runCli(['push', `${registry.host}/demo/stalled:1`, hello, '--json'], { env: isolated() })
    const layerDigest = push.json.result.layerDigest
    const isLayer = (request: { method: string; path: string }) => request.method === 'GET' && request.path.endsWith(`/blobs/${layerDigest}`)
    const proxy = await startRegistryProxy(registry, { stallAfter: (request) => (isLayer(request) ? 1_000_000 : undefined) })
    try {
      const output = path.join(dir, 'stalled.wasm')
      writeFileSync(output, 'previous content')
      const env = isolated()
      const child = execa('node', [binRun, 'pull', `${proxy.host}/demo/stalled:1`, '--destination', output, '--json'], {
        env: { CI: 'true', ...env },
        reject: false,
        stdin: 'ignore',
        timeout: 30_000,
      })
      // The proxy has sent the first megabyte of the layer and then nothing more.
      while (!proxy.requests.some((request) => isLayer(request) && request.status === 200)) await sleep(20)
      child.kill('SIGINT')
      const result = await child
      expect(result.exitCode).toBe(130)
      expect(JSON.parse(String(result.stdout))).toMatchObject({ status: 130, error: { code: 'INTERRUPTED', hints: [expect.stringMatching(/again/)] } })
      expect(readFileSync(output, 'utf8')).toBe('previous content')
      expect(readdirSync(dir).filter((name) => name.startsWith('stalled.wasm'))).toEqual(['stalled.wasm'])
      const blobs = path.join(env.WASMCTL_CACHE_DIR, 'oci', 'blobs', 'sha256')
      expect(readdirSync(blobs).filter((name) => name.startsWith(layerDigest.slice(7)))).toEqual([])
    } finally {
      await proxy.stop()
    }
  })
})
