import path from 'node:path'

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { deleteAllUndeployed, deployManifest, putManifest, undeployAll } from '../../../src/lattice/apps.js'
import { connectLattice, type LatticeOptions, type NatsConnection } from '../../../src/lattice/connection.js'
import { WadmClient } from '../../../src/lattice/wadm.js'
import { readManifest, readManifestFile } from '../../../src/manifest/io.js'
import { repoRoot } from '../../helpers/cli.js'
import { type NatsServer, startNats } from '../../helpers/nats.js'
import { startWadmStandin, type WadmStandin } from '../../helpers/wadm-standin.js'

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'manifests', 'wasmcloud')
let nats: NatsServer
let standin: WadmStandin
let nc: NatsConnection
let client: WadmClient

const options = (overrides: Partial<LatticeOptions> = {}): LatticeOptions => ({
  ctlHost: '127.0.0.1',
  ctlPort: nats.port,
  lattice: 'default',
  timeoutMs: 2000,
  wadmTimeoutMs: 2000,
  ...overrides,
})

const hello = (version?: string, extra = '') => `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: hello
  annotations:
${version ? `    version: ${version}\n` : ''}    description: hello
spec:
  components:
    - name: http-component
      type: component
      properties:
        image: ghcr.io/wasmcloud/components/http-hello-world-rust:0.1.0${extra}
      traits:
        - type: spreadscaler
          properties:
            instances: 1
    - name: httpserver
      type: capability
      properties:
        image: ghcr.io/wasmcloud/http-server:0.24.0
      traits:
        - type: link
          properties:
            namespace: wasi
            package: http
            interfaces: [incoming-handler]
            target:
              name: http-component
            source:
              config:
                - name: default-http
                  properties:
                    address: 0.0.0.0:8000
`

beforeAll(async () => {
  nats = await startNats()
  standin = await startWadmStandin({ url: nats.url })
  nc = await connectLattice(options())
  client = new WadmClient(nc, 'default', { timeoutMs: 2000 })
})

afterAll(async () => {
  await nc?.close()
  await standin?.stop()
  await nats?.dispose()
})

beforeEach(() => standin.reset())

describe('wadm API over a real NATS server', () => {
  it('puts compact JSON with Content-Type application/json and non-empty annotations', async () => {
    const loaded = readManifest(hello('v0.0.1'))
    const result = await putManifest(client, loaded)
    expect(result).toEqual({ name: 'hello', version: 'v0.0.1', result: 'created', message: 'Successfully put manifest hello ' })
    const [request] = standin.requests
    expect(request.subject).toBe('wadm.api.default.model.put')
    expect(request.headers).toEqual({ 'Content-Type': ['application/json'] })
    expect(request.body).toBe(JSON.stringify(JSON.parse(request.body)))
    const body = JSON.parse(request.body)
    expect(body.apiVersion).toBe('core.oam.dev/v1beta1')
    expect(body.kind).toBe('Application')
    expect(Object.keys(body.metadata.annotations).length).toBeGreaterThan(0)
  })

  it('reports newversion, then wadm\'s duplicate-version error with its message', async () => {
    await putManifest(client, readManifest(hello('v0.0.1')))
    const second = await putManifest(client, readManifest(hello('v0.0.2')))
    expect(second).toMatchObject({ result: 'newversion', version: 'v0.0.2', message: 'Successfully put manifest hello v0.0.1' })
    await expect(putManifest(client, readManifest(hello('v0.0.2')))).rejects.toMatchObject({ code: 'APP_WADM_ERROR', message: 'Invalid request: Manifest version v0.0.2 already exists' })
  })

  it('deploy from a manifest = put, then deploy the version the put reply names', async () => {
    const result = await deployManifest(client, readManifest(hello()))
    expect(result.model_name).toBe('hello')
    expect(result.model_version).toMatch(/^[0-9A-Z]{26}$/)
    expect(standin.requests.map((request) => request.subject)).toEqual(['wadm.api.default.model.put', 'wadm.api.default.model.deploy.hello'])
    expect(standin.requests[1].body).toBe(JSON.stringify({ version: result.model_version }))
    expect(standin.requests[1].headers).toEqual({})
  })

  it('--replace deletes every version when the manifest has no version annotation, the named one otherwise', async () => {
    await deployManifest(client, readManifest(hello('v1')), { replace: true })
    await deployManifest(client, readManifest(hello('v1')), { replace: true })
    expect(standin.requests.filter((request) => request.subject.endsWith('.del.hello')).map((request) => request.body)).toEqual(['{"version":"v1"}', '{"version":"v1"}'])
    standin.requests.length = 0
    await deployManifest(client, readManifest(hello()), { replace: true })
    expect(standin.requests[0]).toMatchObject({ subject: 'wadm.api.default.model.del.hello', body: '' })
  })

  it('makes relative file:// images absolute against the manifest folder', async () => {
    const loaded = await readManifestFile(path.join(fixtures, 'rust-composition.wadm.yaml'))
    await putManifest(client, loaded)
    const body = JSON.parse(standin.requests[0].body)
    expect(body.spec.components[0].properties.image).toBe(`file://${fixtures}/output.wasm`)
  })

  it('lists with the deprecated model.list (bare array) and wadm\'s waiting summary', async () => {
    await putManifest(client, readManifest(hello('v1')))
    const list = await client.list()
    expect(list).toEqual([
      {
        name: 'hello',
        version: 'v1',
        description: 'hello',
        deployed_version: null,
        detailed_status: { status: { type: 'waiting', message: 'Waiting for status: Lattice contains no hosts, deployment not started.' } },
        status: 'undeployed',
        status_message: 'Waiting for status: Lattice contains no hosts, deployment not started.',
      },
    ])
    expect(standin.requests.at(-1)).toMatchObject({ subject: 'wadm.api.default.model.list', body: '' })
  })

  it('follows the status feed from reconciling to deployed, with one scaler per scaler and link trait', async () => {
    await deployManifest(client, readManifest(hello('v1')))
    const seen: string[] = []
    let last
    for await (const status of client.watchStatus('hello')) {
      seen.push(status.status.type)
      last = status
    }
    expect(seen.at(-1)).toBe('deployed')
    expect(last!.scalers!.map((scaler) => scaler.kind).sort()).toEqual(['LinkScaler', 'SpreadScaler'])
    expect((await client.status('hello')).status.type).toBe('deployed')
  })

  it('ends a watch on failed with the message wadm published', async () => {
    standin.failing.set('hello', 'no host has the label zone=mars')
    await deployManifest(client, readManifest(hello('v1')))
    let last
    for await (const status of client.watchStatus('hello')) last = status
    expect(last!.status).toEqual({ type: 'failed', message: 'no host has the label zone=mars' })
  })

  it('status of an unknown app is the default undeployed, never notfound', async () => {
    expect(await client.status('nope')).toEqual({ status: { type: 'undeployed' } })
  })

  it('maps notfound to APP_NOT_FOUND with wash\'s wording', async () => {
    await expect(client.deploy('nope')).rejects.toMatchObject({ code: 'APP_NOT_FOUND', message: 'Model not found: nope' })
    await expect(client.versions('nope')).rejects.toMatchObject({ code: 'APP_NOT_FOUND' })
    await expect(client.get('nope')).rejects.toMatchObject({ code: 'APP_NOT_FOUND' })
  })

  it('deploys by name with an empty body or a version, and surfaces an unknown version as wadm\'s error', async () => {
    await putManifest(client, readManifest(hello('v1')))
    await client.deploy('hello')
    expect(standin.requests.at(-1)).toMatchObject({ subject: 'wadm.api.default.model.deploy.hello', body: '' })
    await expect(client.deploy('hello', 'v9')).rejects.toMatchObject({
      code: 'APP_WADM_ERROR',
      message: "Invalid request: Application with the name 'hello' does not have a version 'v9' to deploy",
    })
  })

  it('history, get, undeploy and delete behave as wadm does', async () => {
    await putManifest(client, readManifest(hello('v1')))
    await deployManifest(client, readManifest(hello('v2')))
    expect(await client.versions('hello')).toEqual([
      { version: 'v1', deployed: false },
      { version: 'v2', deployed: true },
    ])
    expect(((await client.get('hello', 'v1')).metadata as { annotations: Record<string, string> }).annotations.version).toBe('v1')
    expect(await client.undeploy('hello')).toMatchObject({ message: 'Successfully undeployed application hello', version: null })
    expect(await client.undeploy('hello')).toMatchObject({ message: 'Application hello was already undeployed' })
    expect(await client.delete('hello', 'v1')).toEqual({ result: 'deleted', message: 'Successfully deleted version v1 of application hello', undeploy: false })
    expect(await client.delete('hello', 'v1')).toEqual({ result: 'noop', message: "Application version v1 doesn't exist", undeploy: false })
    expect(await client.delete('hello')).toEqual({ result: 'deleted', message: 'Successfully deleted application hello', undeploy: true })
    expect(await client.delete('hello')).toEqual({ result: 'noop', message: "Application hello doesn't exist or was already deleted", undeploy: false })
  })

  it('undeploy --all and delete --all-undeployed act on what list reports', async () => {
    await deployManifest(client, readManifest(hello('v1')))
    await putManifest(client, readManifest(hello('v1').replace('name: hello', 'name: other')))
    expect(await undeployAll(client)).toEqual({ undeployed: ['hello'] })
    expect(await deleteAllUndeployed(client)).toEqual({ deleted: ['hello', 'other'] })
    expect(await client.list()).toEqual([])
  })

  it('refuses a component id already deployed by another application', async () => {
    await deployManifest(client, readManifest(hello('v1', '\n        id: shared-id')))
    const other = readManifest(hello('v1', '\n        id: shared-id').replace('name: hello', 'name: other'))
    await expect(deployManifest(client, other)).rejects.toMatchObject({
      message: "Invalid request: Component identifier 'shared-id' is already deployed in a different application 'hello'.",
    })
  })

  it('wadm\'s own validation refuses an invalid manifest at put with the first error', async () => {
    const broken = hello('v1').replace('name: http-component\n', 'name: httpserver\n')
    await expect(putManifest(client, readManifest(broken))).rejects.toMatchObject({ code: 'APP_WADM_ERROR', message: 'Invalid request: Duplicate component name in manifest: httpserver' })
  })
})

describe('failures of the lattice', () => {

  it('a slow wadm is timed out at the configured timeout', async () => {
    standin.delayMs = 1500
    const impatient = new WadmClient(nc, 'default', { timeoutMs: 300 })
    await expect(impatient.list()).rejects.toMatchObject({ code: 'LATTICE_TIMEOUT', message: 'wadm did not answer wadm.api.default.model.list within 300 ms' })
  })

  it('an unreachable NATS server is LATTICE_UNREACHABLE', async () => {
    const { freePort } = await import('../../helpers/registry.js')
    await expect(connectLattice(options({ ctlPort: await freePort() }))).rejects.toMatchObject({ code: 'LATTICE_UNREACHABLE' })
  })

  it('no wadm listening (stand-in stopped): NATS no-responders becomes LATTICE_NO_RESPONDERS with wash\'s text', async () => {
    await standin.stop()
    try {
      await expect(client.list()).rejects.toMatchObject({
        code: 'LATTICE_NO_RESPONDERS',
        message: 'Connection succeeded to lattice but no wadm server was listening. Ensure wadm is running.',
      })
    } finally {
      standin = await startWadmStandin({ url: nats.url })
    }
  })

  it('refuses lattice and app names that would change the subject', async () => {
    expect(() => new WadmClient(nc, 'a.b')).toThrow(/cannot be used in a NATS subject/)
    await expect(client.deploy('x.>')).rejects.toMatchObject({ code: 'INPUT_INVALID' })
  })
})
