import { createPublicKey } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { execa } from 'execa'
import { beforeAll, describe, expect, it } from 'vitest'

import { decryptPrivateKey } from '../../src/cosign/keys.js'
import { binRun, repoRoot, runCli } from '../helpers/cli.js'
import { helloHttpComponent } from '../helpers/components.js'
import { useRegistry } from '../helpers/registry.js'
import { tempDir } from '../helpers/tmp.js'

// keys gen cosign → push --sign → verify / pull --verify-key / up --verify-key / inspect, as a user runs them.
const registry = useRegistry()
const dir = tempDir('wasmctl-cosign-cli-')
const cosignTestKey = path.join(repoRoot, 'test', 'fixtures', 'cosign', 'sigstore-test.key')
let hello: string
let counter = 0

function isolated(extra: Record<string, string> = {}): Record<string, string> {
  const home = path.join(dir, `home-${++counter}`)
  mkdirSync(home, { recursive: true })
  return { HOME: home, WASMCTL_CACHE_DIR: path.join(home, 'cache'), ...extra }
}

beforeAll(async () => {
  hello = await helloHttpComponent()
}, 300_000)

describe('cosign from the command line', () => {
  const keys = path.join(dir, 'keys')
  const password = 'correct horse'

  it('keys gen cosign writes cosign.key (0600, encrypted) and cosign.pub; without a password and a TTY it fails instead of prompting', async () => {
    mkdirSync(keys, { recursive: true })
    const missing = await runCli(['keys', 'gen', 'cosign', '--json'], { cwd: keys, env: isolated() })
    expect(missing.exitCode).toBe(1)
    expect(missing.json.error.code).toBe('INPUT_REQUIRED')
    expect(existsSync(path.join(keys, 'cosign.key'))).toBe(false)

    const made = await runCli(['keys', 'gen', 'cosign', '--json'], { cwd: keys, env: isolated({ COSIGN_PASSWORD: password }) })
    expect(made.exitCode, made.stderr).toBe(0)
    expect(made.json.result).toMatchObject({ type: 'cosign', privateKeyFile: path.join(keys, 'cosign.key'), publicKeyFile: path.join(keys, 'cosign.pub') })
    expect(statSync(path.join(keys, 'cosign.key')).mode & 0o777).toBe(0o600)
    const key = readFileSync(path.join(keys, 'cosign.key'), 'utf8')
    expect(key).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/)
    expect(made.stdout.includes(password) || made.stderr.includes(password)).toBe(false)
    expect(readFileSync(path.join(keys, 'cosign.pub'), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----\n/)

    const again = await runCli(['keys', 'gen', 'cosign', '--json'], { cwd: keys, env: isolated({ COSIGN_PASSWORD: password }) })
    expect(again.json.error.code).toBe('COSIGN_KEY_EXISTS')
  })

  it('push --sign, then verify with the public key (human output: the payloads as cosign prints them)', async () => {
    const ref = `${registry.host}/demo/signed:1.0.0`
    const push = await runCli(['push', ref, hello, '--sign', '--key', path.join(keys, 'cosign.key'), '--allow-invalid-claims', '--json'], {
      env: isolated({ COSIGN_PASSWORD: password }),
    })
    expect(push.exitCode, push.stderr).toBe(0)
    const { digest, signature } = push.json.result
    expect(signature).toMatchObject({ digest, signatures: 1, added: true })
    expect(signature.signatureReference).toBe(`${registry.host}/demo/signed:${digest.replace(':', '-')}.sig`)

    const verify = await runCli(['verify', ref, '--key', path.join(keys, 'cosign.pub')], { env: isolated() })
    expect(verify.exitCode, verify.stderr).toBe(0)
    expect(JSON.parse(verify.stdout)).toEqual([
      {
        critical: { identity: { 'docker-reference': `${registry.host}/demo/signed` }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' },
        optional: null,
      },
    ])

    const wrong = await runCli(['verify', ref, '--key', path.join(repoRoot, 'test', 'fixtures', 'cosign', 'dangerzone', 'cosign.pub'), '--json'], { env: isolated() })
    expect(wrong.exitCode).toBe(1)
    expect(wrong.json.error.code).toBe('COSIGN_SIGNATURE_INVALID')

    const inspect = await runCli(['inspect', ref, '--json'], { env: isolated() })
    expect(inspect.exitCode, inspect.stderr).toBe(0)
    expect(inspect.json.result.signatures).toMatchObject({ count: 1, entries: [{ signedDigest: digest, matches: true }] })
  })

  it('a wrong password fails push --sign before anything is uploaded', async () => {
    const ref = `${registry.host}/demo/never:1.0.0`
    const push = await runCli(['push', ref, hello, '--sign', '--key', path.join(keys, 'cosign.key'), '--allow-invalid-claims', '--json'], {
      env: isolated({ COSIGN_PASSWORD: 'wrong' }),
    })
    expect(push.exitCode).toBe(1)
    expect(push.json.error.code).toBe('COSIGN_PASSWORD_INCORRECT')
    const verify = await runCli(['verify', ref, '--key', path.join(keys, 'cosign.pub'), '--json'], { env: isolated() })
    expect(verify.json.error.code).toBe('OCI_NOT_FOUND')
  })

  it("sign-image with cosign's own key file; pull --verify-key takes signed images and refuses unsigned ones", async () => {
    const signedRef = `${registry.host}/demo/pulled:1.0.0`
    expect((await runCli(['push', signedRef, hello, '--allow-invalid-claims'], { env: isolated() })).exitCode).toBe(0)
    const sign = await runCli(['sign-image', signedRef, '--key', cosignTestKey, '-a', 'ci=yes', '--json'], { env: isolated({ COSIGN_PASSWORD: 'hello' }) })
    expect(sign.exitCode, sign.stderr).toBe(0)
    const pub = path.join(dir, 'sigstore-test.pub')
    writeFileSync(pub, createPublicKey(decryptPrivateKey(readFileSync(cosignTestKey, 'utf8'), 'hello')).export({ type: 'spki', format: 'pem' }))

    const out = path.join(dir, 'pulled.wasm')
    const pulled = await runCli(['pull', signedRef, '--verify-key', pub, '--destination', out, '--json'], { env: isolated() })
    expect(pulled.exitCode, pulled.stderr).toBe(0)
    expect(readFileSync(out).equals(readFileSync(hello)), 'same bytes').toBe(true)
    expect((await runCli(['verify', signedRef, '--key', pub, '-a', 'ci=yes'], { env: isolated() })).exitCode).toBe(0)
    expect((await runCli(['verify', signedRef, '--key', pub, '-a', 'ci=no'], { env: isolated() })).exitCode).toBe(1)

    const unsignedRef = `${registry.host}/demo/unsigned:1.0.0`
    expect((await runCli(['push', unsignedRef, hello, '--allow-invalid-claims'], { env: isolated() })).exitCode).toBe(0)
    const refusedOut = path.join(dir, 'refused.wasm')
    const refused = await runCli(['pull', unsignedRef, '--verify-key', pub, '--destination', refusedOut], { env: isolated() })
    expect(refused.exitCode).toBe(1)
    expect(refused.stderr).toContain('COSIGN_SIGNATURE_MISSING')
    expect(refused.stderr).not.toMatch(/\n\s+at /)
    expect(existsSync(refusedOut)).toBe(false)

    const up = await runCli(['up', unsignedRef, '--verify-key', pub, '--port', '0', '--json'], { env: isolated() })
    expect(up.exitCode).toBe(1)
    expect(JSON.parse(up.stdout.trim().split('\n').pop()!).error.code).toBe('COSIGN_SIGNATURE_MISSING')

    // A signed image runs, and what runs is the verified digest (a cold jco transpile: slow on a busy machine).
    const child = execa('node', [binRun, 'up', signedRef, '--verify-key', pub, '--port', '0', '--json'], {
      env: { CI: 'true', ...isolated({ WASMCTL_CACHE_DIR: path.join(repoRoot, 'test', '.cache', 'wasmctl-cosign-up') }) },
      reject: false,
    })
    try {
      const ready = await new Promise<{ event: string; digest?: string }[]>((resolve, reject) => {
        const events: { event: string }[] = []
        let buffered = ''
        child.stdout!.on('data', (chunk: Buffer) => {
          buffered += chunk.toString()
          const lines = buffered.split('\n')
          buffered = lines.pop()!
          for (const line of lines) {
            const event = JSON.parse(line)
            events.push(event)
            if (event.event === 'host.ready') resolve(events)
          }
        })
        child.once('exit', () => reject(new Error(`up exited early: ${events.map((e) => JSON.stringify(e)).join('\n')}`)))
      })
      expect(ready.map((event) => event.event)).toContain('host.ready')
      expect(ready.find((event) => event.event === 'component.loaded')).toMatchObject({ origin: expect.stringContaining(`@${JSON.parse(sign.stdout).result.digest}`) })
    } finally {
      child.kill('SIGTERM')
      await child
    }
  }, 400_000)
})
