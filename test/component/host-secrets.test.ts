import { writeFileSync } from 'node:fs'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { parseSecretFlag } from '../../src/capabilities/index.js'
import { createHost, type Host, type HostEvent } from '../../src/host/index.js'
import { repoRoot } from '../helpers/cli.js'
import { buildJsComponent } from '../helpers/components.js'
import { startCli } from '../helpers/long-running.js'
import { tempDir } from '../helpers/tmp.js'

// wasmcloud:secrets@0.1.0-draft in the embedded host (issue 13 part 2): a real componentize-js
// component (test/fixtures/components/secrets-http) asks for secrets by name and answers with
// what `reveal` gave it. The values come from an environment variable and a file; only the guest
// ever sees them: no host event, log line or `--json` document carries them.
const cacheRoot = path.join(repoRoot, 'test', '.cache', 'host-cache')
const fixture = path.join(repoRoot, 'test', 'fixtures', 'components', 'secrets-http')
const dir = tempDir('wasmctl-secrets-')
const ENV_VALUE = `env-secret-${process.pid}-Zq7x`
const FILE_VALUE = `file-secret-${process.pid}-Wm3k`
const BYTES_VALUE = Buffer.from([0xff, 0x00, 0xfe, 0x41, 0x42, 0x43, 0x44])

function secretsComponent(): Promise<string> {
  return buildJsComponent({ sourcePath: path.join(fixture, 'app.js'), witPath: path.join(fixture, 'wit'), worldName: 'secrets-http' })
}

let component: string
beforeAll(async () => {
  component = await secretsComponent()
  writeFileSync(path.join(dir, 'db-password.txt'), FILE_VALUE)
  writeFileSync(path.join(dir, 'key.bin'), BYTES_VALUE)
}, 180_000)

describe('wasmcloud:secrets in the host', () => {
  let host: Host
  const events: HostEvent[] = []

  beforeAll(async () => {
    const secrets = [`api-key=env:WASMCTL_TEST_SECRET_API`, `db-password=file:db-password.txt`, `signing-key=file:key.bin`].map(parseSecretFlag)
    process.env.WASMCTL_TEST_SECRET_API = ENV_VALUE
    host = await createHost({ port: 0, workers: 1, cacheRoot, onEvent: (event) => events.push(event), capabilities: { links: [], linkConfigs: [], secrets, baseDir: dir } })
    await host.load(component)
  }, 180_000)

  afterAll(async () => {
    await host?.close()
    delete process.env.WASMCTL_TEST_SECRET_API
  })

  it('reveals a value from an environment variable and from files (text and bytes) to the guest', async () => {
    const fromEnv = await fetch(`${host.url}/reveal?name=api-key`)
    expect(fromEnv.headers.get('x-secret-kind')).toBe('string')
    expect(await fromEnv.text()).toBe(ENV_VALUE)
    const fromFile = await fetch(`${host.url}/reveal?name=db-password`)
    expect(await fromFile.text()).toBe(FILE_VALUE)
    const bytes = await fetch(`${host.url}/reveal?name=signing-key`)
    expect(bytes.headers.get('x-secret-kind')).toBe('bytes')
    expect(Buffer.from(await bytes.arrayBuffer())).toEqual(BYTES_VALUE)
  })

  it('answers not-found for a name nothing declared, and the environment is not a way in', async () => {
    const missing = await fetch(`${host.url}/reveal?name=nope`)
    expect(missing.status).toBe(404)
    expect(await missing.text()).toBe('error not-found\n')
    // A variable of the host's is not a secret just because it exists.
    const env = await fetch(`${host.url}/reveal?name=WASMCTL_TEST_SECRET_API`)
    expect(await env.text()).toBe('error not-found\n')
  })

  it('puts no value in any host event', () => {
    const all = JSON.stringify(events)
    expect(all).toContain('api-key')
    expect(all).not.toContain(ENV_VALUE)
    expect(all).not.toContain(FILE_VALUE)
  })
})

describe('wasmctl up --secret', () => {
  it('serves the values to the guest and prints none of them, in --json and human output', async () => {
    for (const json of [true, false]) {
      const args = ['up', component, '--port', '0', '--log-level', 'debug', '--secret', 'api-key=env:WASMCTL_TEST_SECRET_API', '--secret', 'db-password=file:db-password.txt', ...(json ? ['--json'] : [])]
      const up = startCli(args, { cwd: dir, env: { WASMCTL_CACHE_DIR: path.join(dir, 'cache'), WASMCTL_TEST_SECRET_API: ENV_VALUE } })
      const url = json ? (await up.waitForEvent('host.ready', { timeoutMs: 120_000 })).url : (await up.waitForLine(/(http:\/\/127\.0\.0\.1:\d+)/, { timeoutMs: 120_000, stream: 'stdout' }))[1]
      expect(await (await fetch(`${url}/reveal?name=api-key`)).text()).toBe(ENV_VALUE)
      expect(await (await fetch(`${url}/reveal?name=db-password`)).text()).toBe(FILE_VALUE)
      const exit = await up.stop('SIGTERM')
      const transcript = `${exit.stdout}\n${exit.stderr}`
      expect(transcript).toContain('api-key')
      expect(transcript).not.toContain(ENV_VALUE)
      expect(transcript).not.toContain(FILE_VALUE)
    }
  }, 300_000)
})
