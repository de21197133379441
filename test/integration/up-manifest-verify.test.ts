import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { beforeAll, describe, expect, it } from 'vitest'

import { repoRoot, runCli } from '../helpers/cli.js'
import { buildJsComponent } from '../helpers/components.js'
import { type CliEvent, startCli } from '../helpers/long-running.js'
import { startRegistryProxy, useRegistry } from '../helpers/registry.js'
import { tempDir } from '../helpers/tmp.js'
import { applicationHeader, httpServerLink } from '../helpers/wadm-yaml.js'

// `wasmctl up app.yaml --verify-key cosign.pub`: every registry image the manifest names must carry
// a cosign signature that verifies with the key, and the verified digests are what run.
const registry = useRegistry()
const dir = tempDir('wasmctl-up-manifest-verify-')
const linkedChain = path.join(repoRoot, 'test', 'fixtures', 'components', 'linked-chain')
const cosignTestKey = path.join(repoRoot, 'test', 'fixtures', 'cosign', 'sigstore-test.key')
const password = 'correct horse'
// A warm jco transpile cache (keyed by component digest): the components are the same every run.
const env = { HOME: path.join(dir, 'home'), WASMCTL_CACHE_DIR: path.join(repoRoot, 'test', '.cache', 'wasmctl-up-manifest-verify') }
const callerBuild = path.join(dir, 'caller-build.wasm')
const calleeBuild = path.join(dir, 'callee-build.wasm')
const publicKey = path.join(dir, 'cosign.pub')

beforeAll(async () => {
  mkdirSync(env.HOME, { recursive: true })
  for (const [world, file] of [['caller', callerBuild], ['callee', calleeBuild]]) {
    const built = await buildJsComponent({ sourcePath: path.join(linkedChain, `${world}.js`), witPath: path.join(linkedChain, 'wit'), worldName: world })
    copyFileSync(built, file)
  }
  const keys = await runCli(['keys', 'gen', 'cosign', '--json'], { cwd: dir, env: { ...env, COSIGN_PASSWORD: password } })
  expect(keys.exitCode, keys.stderr).toBe(0)
}, 300_000)

async function push(reference: string, file: string): Promise<string> {
  const pushed = await runCli(['push', reference, file, '--insecure', '--json'], { env })
  expect(pushed.exitCode, pushed.stderr).toBe(0)
  return pushed.json.result.digest
}

async function sign(reference: string, key = path.join(dir, 'cosign.key'), keyPassword = password): Promise<string> {
  const signed = await runCli(['sign-image', reference, '--key', key, '--json'], { env: { ...env, COSIGN_PASSWORD: keyPassword } })
  expect(signed.exitCode, signed.stderr).toBe(0)
  return signed.json.result.digest
}

/** The linked-chain app: `front` (the caller, taking requests) linked to `greeter-impl` (the callee). */
function writeManifest(name: string, frontImage: string, greeterImage: string): string {
  const file = path.join(dir, name)
  writeFileSync(
    file,
    `${applicationHeader('verified-chain')}    - name: front
      type: component
      properties:
        image: ${frontImage}
      traits:
        - type: link
          properties:
            target:
              name: greeter-impl
            namespace: wasmctl-test
            package: linked
            interfaces: [greeter]
    - name: greeter-impl
      type: component
      properties:
        image: ${greeterImage}
${httpServerLink('front')}`,
  )
  return file
}

/** `up --json` that must fail before serving: its exit, its NDJSON events and the closing error. */
async function refusedUp(manifest: string, extra: string[] = []) {
  const up = await runCli(['up', manifest, '--verify-key', publicKey, '--port', '0', '--json', ...extra], { env })
  const lines = up.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as CliEvent)
  return { exitCode: up.exitCode, events: lines.filter((line) => line.event !== undefined), error: lines.at(-1)?.error, stderr: up.stderr }
}

const pinned = (reference: string, digest: string) => `${reference.replace(/:[^:/]+$/, '')}@${digest}`

describe('wasmctl up app.yaml --verify-key', () => {
  it('both images signed: serves them, pinned to the verified digests, and says which digests verified', async () => {
    const front = `${registry.host}/demo/front:1.0.0`
    const greeter = `${registry.host}/demo/greeter:1.0.0`
    const frontDigest = await push(front, callerBuild)
    const greeterDigest = await push(greeter, calleeBuild)
    expect(await sign(front)).toBe(frontDigest)
    expect(await sign(greeter)).toBe(greeterDigest)

    const manifest = writeManifest('signed.yaml', front, `oci://${greeter}`)
    const up = startCli(['up', manifest, '--verify-key', publicKey, '--port', '0', '--json'], { cwd: dir, env })
    const { url } = await up.waitForEvent('host.ready', { timeoutMs: 180_000 })
    expect(await (await fetch(`${url}/?name=verified`)).text()).toBe('hello verified callee-calls=1 caller-requests=1\n')
    const [loaded] = up.of('manifest.loaded')
    expect(loaded.verified).toEqual([
      { component: 'front', reference: front, digest: frontDigest },
      { component: 'greeter-impl', reference: greeter, digest: greeterDigest },
    ])
    expect(loaded.components).toEqual([
      { name: 'front', origin: pinned(front, frontDigest) },
      { name: 'greeter-impl', origin: pinned(greeter, greeterDigest) },
    ])
    expect((await up.stop('SIGINT')).exitCode).toBe(0)
  }, 240_000)

  it('one image unsigned, or signed with another key: exit 1 with the cosign error naming the component, nothing served', async () => {
    const front = `${registry.host}/demo/front-ok:1.0.0`
    const unsigned = `${registry.host}/demo/greeter-unsigned:1.0.0`
    const otherKey = `${registry.host}/demo/greeter-other-key:1.0.0`
    await push(front, callerBuild)
    await sign(front)
    const unsignedDigest = await push(unsigned, calleeBuild)
    await push(otherKey, calleeBuild)
    await sign(otherKey, cosignTestKey, 'hello')

    const missing = await refusedUp(writeManifest('unsigned.yaml', front, unsigned))
    expect(missing.exitCode, missing.stderr).toBe(1)
    expect(missing.error).toMatchObject({ code: 'COSIGN_SIGNATURE_MISSING', details: { component: 'greeter-impl', reference: pinned(unsigned, unsignedDigest) } })
    expect(missing.error.message).toMatch(/^component greeter-impl \(127\.0\.0\.1:\d+\/demo\/greeter-unsigned:1\.0\.0\): no signatures found/)
    expect(missing.events.map((event) => event.event)).toEqual([])

    const invalid = await refusedUp(writeManifest('other-key.yaml', front, otherKey))
    expect(invalid.exitCode, invalid.stderr).toBe(1)
    expect(invalid.error).toMatchObject({ code: 'COSIGN_SIGNATURE_INVALID', details: { component: 'greeter-impl' } })
    expect(invalid.error.message).toContain(`component greeter-impl (${otherKey})`)
    expect(invalid.events).toEqual([])

    // Human mode: one line with the code, no stack trace.
    const human = await runCli(['up', writeManifest('unsigned-human.yaml', front, unsigned), '--verify-key', publicKey, '--port', '0'], { env })
    expect(human.exitCode).toBe(1)
    expect(human.stderr).toContain('COSIGN_SIGNATURE_MISSING')
    expect(human.stderr).toContain('component greeter-impl')
    expect(human.stderr).not.toMatch(/\n\s+at /)
  }, 240_000)

  it('a tag moved after signing: refused (the new manifest is not signed), never run', async () => {
    const front = `${registry.host}/demo/front-moved:1.0.0`
    const greeter = `${registry.host}/demo/greeter-moved:1.0.0`
    await push(front, callerBuild)
    await sign(front)
    const signedDigest = await push(greeter, calleeBuild)
    await sign(greeter)
    const movedDigest = await push(greeter, callerBuild)
    expect(movedDigest).not.toBe(signedDigest)

    const moved = await refusedUp(writeManifest('moved.yaml', front, greeter))
    expect(moved.exitCode, moved.stderr).toBe(1)
    expect(moved.error).toMatchObject({ code: 'COSIGN_SIGNATURE_MISSING', details: { component: 'greeter-impl', reference: pinned(greeter, movedDigest) } })
    expect(moved.events).toEqual([])
  }, 240_000)

  it('a tag moved between the check and the pull: the verified digest runs, never the new manifest', async () => {
    const front = `${registry.host}/demo/front-race:1.0.0`
    const greeter = `${registry.host}/demo/greeter-race:1.0.0`
    const frontDigest = await push(front, callerBuild)
    await sign(front)
    const greeterDigest = await push(greeter, calleeBuild)
    await sign(greeter)
    // What the tag would point to once moved: another build, in the same repository.
    const otherDigest = await push(`${registry.host}/demo/greeter-race:other`, callerBuild)
    const other = await fetch(`${registry.url}/v2/demo/greeter-race/manifests/${otherDigest}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })
    const otherManifest = await other.text()
    // The first read of the tag (the signature check) sees the signed manifest; every later read sees the moved tag.
    let tagReads = 0
    const proxy = await startRegistryProxy(registry, {
      intercept: ({ path: requested }) => {
        if (!requested.startsWith('/v2/demo/greeter-race/manifests/1.0.0')) return undefined
        if (++tagReads === 1) return undefined
        return { status: 200, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': otherDigest }, body: otherManifest }
      },
    })
    try {
      const manifest = writeManifest('race.yaml', front.replace(registry.host, proxy.host), greeter.replace(registry.host, proxy.host))
      const up = startCli(['up', manifest, '--verify-key', publicKey, '--port', '0', '--json'], { cwd: dir, env })
      const { url } = await up.waitForEvent('host.ready', { timeoutMs: 180_000 })
      expect(await (await fetch(`${url}/?name=race`)).text()).toBe('hello race callee-calls=1 caller-requests=1\n')
      const [loaded] = up.of('manifest.loaded')
      expect(loaded.verified.map((image: CliEvent) => image.digest)).toEqual([frontDigest, greeterDigest])
      expect(loaded.components[1]).toEqual({ name: 'greeter-impl', origin: `${proxy.host}/demo/greeter-race@${greeterDigest}` })
      // The tag was read once, by the check; the pull asked for the verified digest.
      expect(tagReads).toBe(1)
      expect((await up.stop('SIGINT')).exitCode).toBe(0)
    } finally {
      await proxy.stop()
    }
  }, 240_000)

  it('a manifest of local files only: a usage error, as cosign refuses what it cannot verify', async () => {
    const refused = await refusedUp(writeManifest('local.yaml', `file://${callerBuild}`, 'file://callee-build.wasm'))
    expect(refused.exitCode).toBe(2)
    expect(refused.error).toMatchObject({ code: 'USAGE' })
    expect(refused.error.message).toContain('every component of')
    expect(refused.error.message).toContain('front, greeter-impl')
    expect(refused.events).toEqual([])
  })
})

describe('wasmctl up REF LINKED… --verify-key', () => {
  it('verifies the linked references too: an unsigned one stops start-up; signed ones run from their verified digests', async () => {
    const front = `${registry.host}/demo/cli-front:1.0.0`
    const greeter = `${registry.host}/demo/cli-greeter:1.0.0`
    const frontDigest = await push(front, callerBuild)
    await sign(front)
    const greeterDigest = await push(greeter, calleeBuild)

    const unsigned = await runCli(['up', front, greeter, '--verify-key', publicKey, '--port', '0', '--json'], { env })
    expect(unsigned.exitCode, unsigned.stderr).toBe(1)
    const lines = unsigned.stdout.trim().split('\n').map((line) => JSON.parse(line) as CliEvent)
    expect(lines).toHaveLength(1)
    expect(lines[0].error).toMatchObject({ code: 'COSIGN_SIGNATURE_MISSING', details: { reference: pinned(greeter, greeterDigest) } })

    await sign(greeter)
    const up = startCli(['up', front, greeter, '--verify-key', publicKey, '--port', '0', '--json'], { cwd: dir, env })
    const { url } = await up.waitForEvent('host.ready', { timeoutMs: 180_000 })
    expect(await (await fetch(`${url}/?name=cli`)).text()).toBe('hello cli callee-calls=1 caller-requests=1\n')
    // Only the entry's origin is in the events; the linked one's pinning is the manifest race test's code path.
    expect(up.of('component.loaded')[0].origin).toBe(pinned(front, frontDigest))
    expect((await up.stop('SIGINT')).exitCode).toBe(0)
  }, 240_000)

  it('only local files: a usage error, as before', async () => {
    const local = await runCli(['up', callerBuild, calleeBuild, '--verify-key', publicKey, '--port', '0', '--json'], { env })
    expect(local.exitCode).toBe(2)
    expect(JSON.parse(local.stdout).error).toMatchObject({ code: 'USAGE', message: expect.stringContaining('is an OCI reference') })
  })
})
