import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { runCli } from '../helpers/cli.js'
import { type NatsServer, startNats } from '../helpers/nats.js'
import { startWadmStandin, type WadmStandin } from '../helpers/wadm-standin.js'

// `wasmctl get hosts|inventory`: where an app landed, over the control interface.
let nats: NatsServer
let standin: WadmStandin
let env: Record<string, string>

beforeAll(async () => {
  nats = await startNats()
  standin = await startWadmStandin({ url: nats.url })
  env = { WASMCLOUD_CTL_PORT: String(nats.port) }
})

afterAll(async () => {
  await standin?.stop()
  await nats?.dispose()
})

describe('get hosts / get inventory', () => {
  it('lists the host, and its inventory', async () => {
    const hosts = await runCli(['get', 'hosts', '--json', '--timeout-ms', '300'], { env })
    expect(hosts.exitCode, hosts.stderr).toBe(0)
    expect(hosts.json.result.hosts.map((host: { id: string }) => host.id)).toEqual([standin.hostId])
    const human = await runCli(['get', 'hosts', '--timeout-ms', '300'], { env })
    expect(human.stdout).toMatch(/^HOST ID\s+FRIENDLY NAME\s+UPTIME\s+VERSION\n/)
    const inventory = await runCli(['get', 'inventory', '--json', '--timeout-ms', '300'], { env })
    expect(inventory.exitCode, inventory.stderr).toBe(0)
    expect(inventory.json.result.inventories[0]).toMatchObject({ host_id: standin.hostId, components: [], providers: [] })
  })

  it('an empty lattice has no hosts; an unknown host id is a coded error', async () => {
    const none = await runCli(['get', 'hosts', '-x', 'empty', '--timeout-ms', '200'], { env })
    expect(none.stdout.trim()).toBe('No hosts answered on lattice empty')
    const unknown = await runCli(['get', 'inventory', 'NOPE', '--json'], { env })
    expect(unknown.exitCode).toBe(1)
    expect(unknown.json.error.code).toBe('LATTICE_NO_RESPONDERS')
  })
})
