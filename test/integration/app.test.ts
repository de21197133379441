import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'

import { componentizeCache } from '../helpers/build-fixtures.js'
import { repoRoot, runCli } from '../helpers/cli.js'
import { type NatsServer, startNats } from '../helpers/nats.js'
import { freePort } from '../helpers/registry.js'
import { tempDir } from '../helpers/tmp.js'
import { startWadmStandin, type WadmStandin } from '../helpers/wadm-standin.js'

// `wasmctl app` as a user runs it: the built CLI against a real nats-server and the wadm stand-in.
const root = tempDir('wasmctl-app-')
const fixtures = path.join(repoRoot, 'test', 'fixtures', 'manifests')
const project = path.join(root, 'hello')
let nats: NatsServer
let standin: WadmStandin
let env: Record<string, string>

const app = (args: string[], options: Parameters<typeof runCli>[1] = {}) => runCli(['app', ...args], { cwd: project, env, ...options })

beforeAll(async () => {
  nats = await startNats()
  standin = await startWadmStandin({ url: nats.url })
  env = { WASH_KEYS: path.join(root, 'keys'), WASMCTL_COMPONENTIZE_CACHE: componentizeCache, USER: 'ci', WASMCLOUD_CTL_PORT: String(nats.port), HOME: root }
  const created = await runCli(['new', 'actor', 'hello', '--template', 'ts-http', '--yes', '--no-git-init'], { cwd: root, env })
  expect(created.exitCode, created.stderr).toBe(0)
  const built = await runCli(['build'], { cwd: project, env })
  expect(built.exitCode, built.stderr).toBe(0)
}, 300_000)

afterAll(async () => {
  await standin?.stop()
  await nats?.dispose()
})

beforeEach(() => standin.reset())

describe('app manifest', () => {
  it('writes a valid wadm manifest for the built project (YAML), pointing at the signed build when there is no registry', async () => {
    const result = await app(['manifest'])
    expect(result.exitCode, result.stderr).toBe(0)
    const manifest = parseYaml(result.stdout)
    expect(manifest.metadata).toMatchObject({ name: 'hello', annotations: { version: 'v0.1.0' } })
    expect(manifest.spec.components[0].properties.image).toBe(`file://${project}/build/hello_s.wasm`)
    expect(manifest.spec.components[1]).toMatchObject({ name: 'httpserver', properties: { image: 'ghcr.io/wasmcloud/http-server:0.24.0' } })
    expect(result.stderr).toMatch(/no \[registry\] url/)
    writeFileSync(path.join(root, 'generated.yaml'), result.stdout)
    const validated = await app(['validate', path.join(root, 'generated.yaml'), '--json'])
    expect(validated.json).toEqual({ status: 0, result: { valid: true, warnings: [], errors: [] }, warnings: [] })
  })

  it('--json prints one document; --image names the registry reference; --out writes the file', async () => {
    const result = await app(['manifest', '--image', 'ghcr.io/acme/hello:0.1.0', '--out', path.join(root, 'out.yaml'), '--json'])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json.result.manifest.spec.components[0].properties.image).toBe('ghcr.io/acme/hello:0.1.0')
    expect(parseYaml(readFileSync(path.join(root, 'out.yaml'), 'utf8'))).toEqual(result.json.result.manifest)
  })

  it('--target v2 writes a WorkloadDeployment', async () => {
    const result = await app(['manifest', '--target', 'v2', '--image', 'ghcr.io/acme/hello:0.1.0'])
    expect(result.exitCode, result.stderr).toBe(0)
    const doc = parseYaml(result.stdout)
    expect(doc).toMatchObject({ apiVersion: 'runtime.wasmcloud.dev/v1alpha1', kind: 'WorkloadDeployment', spec: { replicas: 1, template: { spec: { components: [{ name: 'hello', image: 'ghcr.io/acme/hello:0.1.0' }] } } } })
    expect(doc.spec.template.spec.hostInterfaces).toEqual([{ namespace: 'wasi', package: 'http', version: '0.2.10', interfaces: ['incoming-handler', 'outgoing-handler'], config: { host: 'hello.localhost.direct' } }])
  })
})

describe('app validate', () => {
  it("accepts wasmCloud's example manifests, with wadm's warnings", async () => {
    const result = await app(['validate', path.join(fixtures, 'wasmcloud', 'rust-http-hello-world.wadm.yaml')])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout.trim()).toBe('manifest is valid')
    expect(result.stderr).toContain('warning: one of the components\' link trait contains a source_config key')
  })

  it('exits 1 with a coded one-line error, and the full report in JSON', async () => {
    const human = await app(['validate', path.join(fixtures, 'invalid', 'many-errors.yaml')])
    expect(human.exitCode).toBe(1)
    expect(human.stderr).toMatch(/^Error: .*many-errors\.yaml: 11 errors: manifest name \[bad\.name\] is not allowed .*\(APP_MANIFEST_INVALID\)$/m)
    const json = await app(['validate', path.join(fixtures, 'invalid', 'many-errors.yaml'), '--json'])
    expect(json.exitCode).toBe(1)
    expect(json.json.error.code).toBe('APP_MANIFEST_INVALID')
    expect(json.json.error.details).toMatchObject({ valid: false })
    expect(json.json.error.details.errors).toHaveLength(11)
  })

  it('a manifest wadm cannot parse is APP_MANIFEST_INVALID', async () => {
    const result = await app(['validate', path.join(fixtures, 'invalid', 'missing-annotations.yaml'), '--json'])
    expect(result.exitCode).toBe(1)
    expect(result.json.error.message).toMatch(/^Unable to parse manifest/)
  })
})

describe('app put | deploy | list | get | status | history | undeploy | delete against wadm', () => {
  const manifestFile = path.join(fixtures, 'wasmcloud', 'rust-http-keyvalue-counter.wadm.yaml')

  it('deploys a file (put, then deploy that version) with wash\'s output', async () => {
    const human = await app(['deploy', manifestFile])
    expect(human.exitCode, human.stderr).toBe(0)
    expect(human.stdout.trim()).toBe('Deployed application "rust-http-kv", version "v0.0.1"')
    expect(standin.requests.map((request) => request.subject)).toEqual(['wadm.api.default.model.put', 'wadm.api.default.model.deploy.rust-http-kv'])
    expect(standin.requests[0].headers['Content-Type']).toEqual(['application/json'])
    const sent = JSON.parse(standin.requests[0].body)
    expect(sent).toEqual(parseYaml(readFileSync(manifestFile, 'utf8')))
    expect(standin.requests[1].body).toBe('{"version":"v0.0.1"}')
  })

  it('deploy --json, list, get, history, status, undeploy and delete', async () => {
    const deployed = await app(['deploy', manifestFile, '--json'])
    expect(deployed.json).toEqual({ status: 0, result: { deployed: true, model_name: 'rust-http-kv', model_version: 'v0.0.1', success: true }, warnings: [] })
    const list = await app(['list', '--json'])
    expect(list.json.result.applications).toMatchObject([{ name: 'rust-http-kv', version: 'v0.0.1', deployed_version: 'v0.0.1' }])
    const table = await app(['list'])
    expect(table.stdout).toMatch(/^NAME\s+LATEST\s+DEPLOYED\s+STATUS/)
    const get = await app(['get', 'rust-http-kv', '--json'])
    expect(get.json.result.manifest.metadata.name).toBe('rust-http-kv')
    const history = await app(['history', 'rust-http-kv', '--json'])
    expect(history.json.result.versions).toEqual([{ version: 'v0.0.1', deployed: true }])
    const status = await app(['status', 'rust-http-kv', '--watch', '--json'])
    expect(status.exitCode, status.stderr).toBe(0)
    const lines = status.stdout.trim().split('\n').map((line) => JSON.parse(line))
    expect(lines.at(-1)).toMatchObject({ status: 0, result: { name: 'rust-http-kv', status: { type: 'deployed' } } })
    expect(lines.slice(0, -1).every((line) => line.name === 'rust-http-kv' && line.status)).toBe(true)
    const undeploy = await app(['undeploy', 'rust-http-kv'])
    expect(undeploy.stdout.trim()).toBe('Successfully undeployed application rust-http-kv')
    const deleted = await app(['delete', manifestFile, '--json'])
    expect(deleted.json.result).toMatchObject({ name: 'rust-http-kv', version: 'v0.0.1', result: 'deleted' })
    expect(standin.requests.at(-1)).toMatchObject({ subject: 'wadm.api.default.model.del.rust-http-kv', body: '{"version":"v0.0.1"}' })
  })

  it('deploys from stdin and --watch prints NDJSON ending in the result', async () => {
    const result = await app(['deploy', '-', '--watch', '--json'], { input: readFileSync(manifestFile), stdin: 'pipe' } as never)
    expect(result.exitCode, result.stderr).toBe(0)
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line))
    expect(lines.map((line) => line.status?.type ?? 'final').slice(-2)).toEqual(['deployed', 'final'])
    expect(lines.at(-1).result).toMatchObject({ deployed: true, status: { status: { type: 'deployed' } } })
  })

  it('a failed deployment ends the watch with APP_DEPLOY_FAILED and wadm\'s message', async () => {
    standin.failing.set('rust-http-kv', 'no host has the label zone=mars')
    const result = await app(['deploy', manifestFile, '--watch'])
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain('Error: application rust-http-kv failed to deploy: no host has the label zone=mars (APP_DEPLOY_FAILED)')
  })

  it('undeploy --all and delete --all-undeployed', async () => {
    await app(['deploy', manifestFile])
    await app(['put', path.join(fixtures, 'wasmcloud', 'rust-composition.wadm.yaml')])
    expect((await app(['undeploy', '--all', '--json'])).json.result).toEqual({ undeployed: ['rust-http-kv'] })
    expect((await app(['delete', '--all-undeployed', '--json'])).json.result).toEqual({ deleted: ['rust-http-kv', 'composed-pong'] })
  })

  it('deploys from an http(s) URL', async () => {
    const { createServer } = await import('node:http')
    const server = createServer((request, response) => response.end(readFileSync(manifestFile)))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as { port: number }
      const result = await app(['deploy', `http://127.0.0.1:${port}/wadm.yaml`, '--json'])
      expect(result.exitCode, result.stderr).toBe(0)
      expect(result.json.result).toMatchObject({ model_name: 'rust-http-kv', model_version: 'v0.0.1' })
    } finally {
      server.close()
    }
  })

  it('--ctl-jwt without --ctl-seed is refused before connecting, and the seed is never echoed', async () => {
    const result = await app(['list', '--ctl-jwt', 'eyJ0eXAi.x.y', '--json'])
    expect(result.exitCode).toBe(1)
    expect(result.json.error.code).toBe('INPUT_REQUIRED')
    const seeded = await app(['list', '--ctl-seed', 'SUAMYSECRETSEEDVALUE', '--json'])
    expect(seeded.stdout + seeded.stderr).not.toContain('SUAMYSECRETSEEDVALUE')
  })

  it("wadm's error reply is surfaced with wadm's message", async () => {
    await app(['put', manifestFile])
    const again = await app(['put', manifestFile, '--json'])
    expect(again.exitCode).toBe(1)
    expect(again.json.error).toMatchObject({ code: 'APP_WADM_ERROR', message: 'Invalid request: Manifest version v0.0.1 already exists' })
    const notFound = await app(['deploy', 'nope'])
    expect(notFound.stderr).toMatch(/^Error: Model not found: nope \(APP_NOT_FOUND\)$/m)
  })

  it('reads the lattice and host from wash\'s flags and variables', async () => {
    const result = await app(['list', '--json', '-x', 'other', '-r', '127.0.0.1', '-p', String(nats.port)], { env: { ...env, WASMCLOUD_CTL_PORT: '1' } })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(standin.requests.at(-1)!.subject).toBe('wadm.api.other.model.list')
  })
})

describe('lattice failures', () => {
  it('an unreachable NATS server is LATTICE_UNREACHABLE with a hint', async () => {
    const result = await app(['list'], { env: { ...env, WASMCLOUD_CTL_PORT: String(await freePort()) } })
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toMatch(/^Error: cannot connect to NATS at 127\.0\.0\.1:\d+: .*\(LATTICE_UNREACHABLE\)$/m)
    expect(result.stderr).toMatch(/hint: start a lattice/)
  })

  it('a slow wadm times out at --wadm-timeout-ms', async () => {
    standin.delayMs = 2000
    const result = await app(['list', '--wadm-timeout-ms', '300', '--json'])
    expect(result.exitCode).toBe(1)
    expect(result.json.error).toMatchObject({ code: 'LATTICE_TIMEOUT', message: 'wadm did not answer wadm.api.default.model.list within 300 ms' })
  })

  it('no wadm listening is LATTICE_NO_RESPONDERS with wash\'s wording', async () => {
    await standin.stop()
    try {
      const result = await app(['status', 'hello', '--json'])
      expect(result.exitCode).toBe(1)
      expect(result.json.error).toMatchObject({ code: 'LATTICE_NO_RESPONDERS', message: 'Connection succeeded to lattice but no wadm server was listening. Ensure wadm is running.' })
    } finally {
      standin = await startWadmStandin({ url: nats.url })
    }
  })
})

void mkdirSync
