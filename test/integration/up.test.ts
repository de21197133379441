import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'

import { beforeAll, describe, expect, it } from 'vitest'

import { KeyPair, signWasmFile } from '../../src/claims/index.js'
import { runCli } from '../helpers/cli.js'
import { startCli, type LongRunningCli } from '../helpers/long-running.js'
import { useRegistry } from '../helpers/registry.js'
import { tempDir } from '../helpers/tmp.js'
import { cCliComponent, missingImportComponent, probeHttpComponent, templateComponent } from '../fixtures/components/fixtures.js'

// `wasmctl up` as a user runs it: the built CLI as a process, real template builds, real signals.
const dir = tempDir('wasmctl-up-')
const cacheEnv = { WASMCTL_CACHE_DIR: path.join(dir, 'cache') }
let tsHttp: string
let kvCounter: string
let cli: string

beforeAll(async () => {
  ;[tsHttp, kvCounter, cli] = await Promise.all([templateComponent('ts-http'), templateComponent('ts-kv-counter'), cCliComponent()])
}, 300_000)

interface Served {
  url: string
  up: LongRunningCli
}

/** Starts `wasmctl up ...` and resolves once it serves: host.ready with --json, the URL line without. */
async function serve(args: string[], cwd = dir): Promise<Served> {
  const up = startCli(['up', ...args], { cwd, env: cacheEnv })
  const url = args.includes('--json') ? (await up.waitForEvent('host.ready')).url : (await up.waitForLine(/ at (http:\/\/\S+)$/, { stream: 'stdout' }))[1]
  return { url, up }
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url)
  return { status: response.status, text: await response.text() }
}

describe('wasmctl up: HTTP components', () => {
  it("serves the ts-http template's build, prints the real port for --port 0, logs each request, and closes cleanly on SIGINT", async () => {
    const served = await serve([tsHttp, '--port', '0'])
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(served.url).not.toMatch(/:0$/)
    const answer = await get(`${served.url}/hello`)
    expect(answer.status).toBe(200)
    expect(answer.text).toContain('Hello from fixture!')
    const result = await served.up.stop('SIGINT')
    expect(result.exitCode).toBe(0)
    expect(result.stderr).toMatch(/GET \/hello 200 [\d.]+ ms/)
    // The port is free again.
    await new Promise<void>((resolve, reject) => {
      const probe = net.createServer().once('error', reject).listen(Number(new URL(served.url).port), '127.0.0.1', () => probe.close(() => resolve()))
    })
  })

  it("counts with the ts-kv-counter template's build, keeping the count in the project across restarts (--json, SIGTERM)", async () => {
    const created = await runCli(['new', 'actor', 'counter', '--template', 'ts-kv-counter', '--yes'], { cwd: dir })
    expect(created.exitCode, created.stderr).toBe(0)
    const project = path.join(dir, 'counter')
    mkdirSync(path.join(project, 'build'), { recursive: true })
    copyFileSync(kvCounter, path.join(project, 'build', 'counter.wasm'))

    const first = await serve(['--port', '0', '--json'], project)
    const counts = []
    for (let i = 0; i < 3; i++) counts.push(JSON.parse((await get(`${first.url}/visits`)).text).count)
    expect(counts).toEqual([1, 2, 3])
    const stopped = await first.up.stop('SIGTERM')
    expect(stopped.exitCode).toBe(0)
    const events = stopped.stdout.trim().split('\n').map((line) => JSON.parse(line))
    expect(events[0]).toMatchObject({ event: 'component.loaded', name: 'counter' })
    expect(events.find((event) => event.event === 'host.ready')).toMatchObject({ url: first.url, component: 'counter' })
    expect(events.filter((event) => event.event === 'request')).toHaveLength(3)
    expect(events.at(-1)).toEqual({ event: 'host.closed' })
    expect(readFileSync(path.join(project, '.wasmctl', 'keyvalue.json'), 'utf8')).toContain('/visits')

    const second = await serve(['--port', '0', '--json'], project)
    expect(JSON.parse((await get(`${second.url}/visits`)).text)).toEqual({ path: '/visits', count: 4 })
    expect((await second.up.stop('SIGTERM')).exitCode).toBe(0)
  })

  it('cuts a looping request off at --timeout with a 500, reports errors as NDJSON events, and keeps serving', async () => {
    const served = await serve([await probeHttpComponent(), '--port', '0', '--timeout', '1s', '--json'])
    expect((await get(`${served.url}/loop`)).status).toBe(500)
    expect((await get(`${served.url}/throw`)).status).toBe(500)
    expect(await get(`${served.url}/hits`)).toEqual({ status: 200, text: 'hits=1\n' })
    const stopped = await served.up.stop('SIGTERM')
    expect(stopped.exitCode).toBe(0)
    const events = stopped.stdout.trim().split('\n').map((line) => JSON.parse(line))
    expect(events).toContainEqual(expect.objectContaining({ event: 'error', path: '/loop', message: expect.stringContaining('1000 ms timeout') }))
    expect(events.filter((event) => event.event === 'request').map((event) => `${event.path} ${event.status}`)).toEqual(['/loop 500', '/throw 500', '/hits 200'])
  }, 240_000)

  it('refuses a busy port with HOST_PORT_IN_USE naming the port', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as net.AddressInfo).port
    try {
      const result = await runCli(['up', tsHttp, '--port', String(port), '--json'], { env: cacheEnv })
      expect(result.exitCode).toBe(1)
      expect(result.json.error).toMatchObject({ code: 'HOST_PORT_IN_USE', message: expect.stringContaining(String(port)) })
    } finally {
      blocker.close()
    }
  })

  it('fails at load with HOST_UNSATISFIED_IMPORTS listing what no provider offers', async () => {
    const result = await runCli(['up', await missingImportComponent(), '--port', '0'], { env: cacheEnv })
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain('HOST_UNSATISFIED_IMPORTS')
    expect(result.stderr).toContain('wasmctl-test:needs-missing/nothing')
    // No wasmCloud provider offers it: the hint says another component must export it.
    expect(result.stderr).toContain('no wasmCloud provider offers it; another component must export it')
  }, 240_000)
})

describe('wasmctl up: commands', () => {
  it('runs a wasi:cli/run component with its arguments, stdout and stderr, and returns its exit status', async () => {
    const ok = await runCli(['up', cli, '--', 'one', 'two words', '--flag'], { env: cacheEnv })
    expect(ok.exitCode, ok.stderr).toBe(0)
    expect(ok.stdout).toContain('argc=4\narg[1]=one\narg[2]=two words\narg[3]=--flag\n')
    expect(ok.stdout).toContain('GREETING=(unset)')
    expect(ok.stderr).toContain('to stderr')
    // The preview1 adapter reports a non-zero status as exit(err): status 1.
    const failed = await runCli(['up', cli, '--', 'exit=7'], { env: cacheEnv })
    expect(failed.exitCode).toBe(1)
  })

  it('gives a command only the environment and directories it is granted', async () => {
    const data = path.join(dir, 'granted')
    mkdirSync(data, { recursive: true })
    writeFileSync(path.join(data, 'note.txt'), 'granted line\n')
    const result = await runCli(['up', cli, '--env', 'GREETING=hey', '--dir', `${data}::/data`, '--', 'read=/data/note.txt', 'read=/etc/hostname'], {
      env: { ...cacheEnv, GREETING: 'from the host' },
    })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toContain('GREETING=hey')
    expect(result.stdout).toContain('line=granted line')
    expect(result.stdout).toContain('cannot open /etc/hostname')
  })

  it('keeps stdout to one JSON line with --json (the command output goes to stderr)', async () => {
    const result = await runCli(['up', cli, '--json', '--', 'x'], { env: cacheEnv })
    expect(result.exitCode).toBe(0)
    expect(result.stdout.trim().split('\n').map((line) => JSON.parse(line))).toEqual([{ event: 'command.exit', component: path.basename(cli, '.wasm'), exitCode: 0 }])
    expect(result.stderr).toContain('arg[1]=x')
  })
})

describe('wasmctl up: trust policy', () => {
  const account = KeyPair.generate('account')
  let signed: string

  beforeAll(async () => {
    signed = path.join(dir, 'cli_s.wasm')
    await signWasmFile({ input: cli, output: signed, name: 'cli', ver: '0.1.0', rev: 1, issuer: account.seed, subject: KeyPair.generate('module').seed, keysDirectory: dir, disableKeygen: true })
  })

  it('runs a signed component from an allowed issuer', async () => {
    const result = await runCli(['up', signed, '--require-signed', '--allowed-issuer', account.publicKey, '--', 'ok'], { env: cacheEnv })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toContain('arg[1]=ok')
  })

  it('refuses a tampered signed component', async () => {
    const tampered = path.join(dir, 'tampered_s.wasm')
    const bytes = readFileSync(signed)
    bytes[Math.floor(bytes.length / 2)] ^= 0xff
    writeFileSync(tampered, bytes)
    const result = await runCli(['up', tampered, '--json'], { env: cacheEnv })
    expect(result.exitCode).toBe(1)
    expect(result.json.error.code).toBe('CLAIMS_HASH_MISMATCH')
  })

  it('refuses an unsigned component under --require-signed, or under [dev] require_signed', async () => {
    const flagged = await runCli(['up', cli, '--require-signed', '--json'], { env: cacheEnv })
    expect(flagged.json.error.code).toBe('CLAIMS_UNSIGNED')
    const project = path.join(dir, 'strict')
    mkdirSync(project, { recursive: true })
    writeFileSync(path.join(project, 'wasmcloud.toml'), 'name = "strict"\nversion = "0.1.0"\n[dev]\nrequire_signed = true\n')
    const fromProject = await runCli(['up', cli, '--json'], { cwd: project, env: cacheEnv })
    expect(fromProject.exitCode).toBe(1)
    expect(fromProject.json.error.code).toBe('CLAIMS_UNSIGNED')
  })

  it('refuses a component signed by an account not on the allow list', async () => {
    const result = await runCli(['up', signed, '--allowed-issuer', KeyPair.generate('account').publicKey, '--json'], { env: cacheEnv })
    expect(result.exitCode).toBe(1)
    expect(result.json.error).toMatchObject({ code: 'CLAIMS_ISSUER_NOT_ALLOWED', details: { issuer: account.publicKey } })
  })
})

describe('wasmctl up: OCI references', () => {
  const registry = useRegistry()

  it('runs a component by reference and applies the trust policy to it too', async () => {
    const reference = `${registry.host}/demo/cli:0.1.0`
    const push = await runCli(['push', reference, cli, '--insecure'], { env: cacheEnv })
    expect(push.exitCode, push.stderr).toBe(0)
    const result = await runCli(['up', reference, '--insecure', '--', 'from-registry'], { env: cacheEnv })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toContain('arg[1]=from-registry')
    const refused = await runCli(['up', reference, '--insecure', '--require-signed', '--json'], { env: cacheEnv })
    expect(refused.json.error.code).toBe('CLAIMS_UNSIGNED')
  })
})

describe('wasmctl up: outgoing TLS settings', () => {
  it('refuses a malformed --connect-to and a missing --tls-ca-path file with a one-line usage error', async () => {
    const route = await runCli(['up', tsHttp, '--port', '0', '--connect-to', 'example.com:443'], { env: cacheEnv })
    expect(route.exitCode).toBe(2)
    expect(route.stderr).toContain('--connect-to example.com:443: expected HOST:PORT:TARGET_HOST:TARGET_PORT (INPUT_INVALID)')
    const missing = path.join(dir, 'no-such-ca.pem')
    const ca = await runCli(['up', tsHttp, '--port', '0', '--json'], { env: { ...cacheEnv, WASMCLOUD_TLS_CA_PATH: missing } })
    expect(ca.exitCode).toBe(2)
    expect(JSON.parse(ca.stdout.trim().split('\n').at(-1)!)).toMatchObject({ status: 2, error: { code: 'INPUT_INVALID', message: `--tls-ca-path ${missing}: no such file` } })
  }, 240_000)
})

describe('wasmctl up: arguments after --', () => {
  it('refuses them for an HTTP component instead of ignoring them', async () => {
    const result = await runCli(['up', tsHttp, '--', '--port', '0'], { env: cacheEnv })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain('the arguments after `--` (--port 0) reach only a wasi:cli command component (INPUT_INVALID)')
  }, 240_000)
})
