import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { deployManifest } from '../../../src/lattice/apps.js'
import { connectLattice, type NatsConnection } from '../../../src/lattice/connection.js'
import { hostInventory, pingHosts } from '../../../src/lattice/ctl.js'
import { WadmClient } from '../../../src/lattice/wadm.js'
import { readManifest } from '../../../src/manifest/io.js'
import { type NatsServer, startNats } from '../../helpers/nats.js'
import { startWadmStandin, type WadmStandin } from '../../helpers/wadm-standin.js'

let nats: NatsServer
let standin: WadmStandin
let nc: NatsConnection

beforeAll(async () => {
  nats = await startNats()
  standin = await startWadmStandin({ url: nats.url })
  nc = await connectLattice({ ctlHost: '127.0.0.1', ctlPort: nats.port, lattice: 'default', timeoutMs: 2000, wadmTimeoutMs: 2000 })
})

afterAll(async () => {
  await nc?.close()
  await standin?.stop()
  await nats?.dispose()
})

describe('control interface over a real NATS server', () => {
  it('host.ping gathers every host for the window, with an empty payload', async () => {
    const hosts = await pingHosts(nc, 'default', 200)
    expect(hosts).toHaveLength(1)
    expect(hosts[0]).toMatchObject({ id: standin.hostId, friendly_name: 'standin-host-0001', lattice: 'default', labels: { 'hostcore.os': 'linux' } })
    expect(standin.requests.at(-1)).toMatchObject({ subject: 'wasmbus.ctl.v1.default.host.ping', body: '' })
    expect(await pingHosts(nc, 'empty', 100)).toEqual([])
  })

  it('host.get lists what wadm placed, with its annotations', async () => {
    const manifest = readManifest(`apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: hello_world
  annotations:
    version: v1
spec:
  components:
    - name: http-component
      type: component
      properties:
        image: ghcr.io/acme/hello:0.1.0
      traits:
        - type: spreadscaler
          properties:
            instances: 1
`)
    const client = new WadmClient(nc, 'default', { timeoutMs: 2000 })
    await deployManifest(client, manifest)
    for await (const status of client.watchStatus('hello_world')) void status
    const inventory = await hostInventory(nc, 'default', standin.hostId, 2000)
    expect(inventory.host_id).toBe(standin.hostId)
    expect(inventory.components).toEqual([
      expect.objectContaining({ id: 'hello_world_http_component', image_ref: 'ghcr.io/acme/hello:0.1.0', annotations: expect.objectContaining({ 'wasmcloud.dev/managed-by': 'wadm', 'wasmcloud.dev/appspec': 'hello_world' }) }),
    ])
  })

  it('an unknown host is LATTICE_NO_RESPONDERS', async () => {
    await expect(hostInventory(nc, 'default', 'NOPE', 500)).rejects.toMatchObject({ code: 'LATTICE_NO_RESPONDERS', message: 'no host NOPE answered on lattice default' })
  })
})
