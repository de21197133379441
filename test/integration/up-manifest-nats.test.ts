import { copyFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { Kvm } from '@nats-io/kv'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startCli } from '../helpers/long-running.js'
import { type NatsServer, startNats } from '../helpers/nats.js'
import { tempDir } from '../helpers/tmp.js'
import { applicationHeader, httpServerLink } from '../helpers/wadm-yaml.js'
import { probeHttpComponent } from '../fixtures/components/fixtures.js'

// `wasmctl up app.yaml` with links to wasmCloud's keyvalue-nats provider, served by a real
// `nats-server -js`: the default link and a named one (wasmCloud routes a bucket identifier equal
// to a link name to that link), each on its own JetStream KV bucket, read back through NATS.
const dir = tempDir('wasmctl-up-manifest-nats-')
const cacheEnv = { WASMCTL_CACHE_DIR: path.join(dir, 'cache') }
let nats: NatsServer
let client: NatsConnection

beforeAll(async () => {
  copyFileSync(await probeHttpComponent(), path.join(dir, 'probe.wasm'))
  nats = await startNats()
  client = await connect({ servers: nats.url })
}, 300_000)

afterAll(async () => {
  await client?.close()
  await nats?.dispose()
})

const kvLink = (bucket: string, name?: string) => `        - type: link
          properties:
            target:
              name: kvnats
              config:
                - name: ${bucket}-bucket
                  properties:
                    cluster_uri: ${nats.url}
                    bucket: ${bucket}
                    enable_bucket_auto_create: "true"
            namespace: wasi
            package: keyvalue
            interfaces: [store, atomics]
${name ? `            name: ${name}\n` : ''}`

describe('wasmctl up app.yaml: keyvalue-nats links', () => {
  it('counts on the default link\'s bucket and on a named link\'s bucket, both visible through the NATS KV API', async () => {
    const manifest = path.join(dir, 'nats-app.yaml')
    writeFileSync(
      manifest,
      `${applicationHeader('nats-app')}    - name: probe
      type: component
      properties:
        image: file://probe.wasm
      traits:
${kvLink('counts')}${kvLink('sessions', 'sessions')}    - name: kvnats
      type: capability
      properties:
        image: ghcr.io/wasmcloud/keyvalue-nats:0.3.1
${httpServerLink('probe', '127.0.0.1:0')}`,
    )
    const up = startCli(['up', manifest, '--port', '0', '--json'], { cwd: dir, env: cacheEnv })
    try {
      const { url } = await up.waitForEvent('host.ready', { timeoutMs: 120_000 })
      const count = async (bucket: string) => (await (await fetch(`${url}/kv?bucket=${bucket}`)).text()).trim()
      expect(await count('default')).toBe('count=1')
      expect(await count('default')).toBe('count=2')
      expect(await count('sessions')).toBe('count=1')
      const kvm = new Kvm(client)
      expect((await (await kvm.open('counts')).get('counter'))?.string()).toBe('2')
      expect((await (await kvm.open('sessions')).get('counter'))?.string()).toBe('1')
      const [bound] = up.of('capabilities.bound')
      expect(bound.bindings).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ backend: 'nats', linkName: 'default', source: 'manifest' }),
          expect.objectContaining({ backend: 'nats', linkName: 'sessions', source: 'manifest' }),
        ]),
      )
    } finally {
      await up.stop('SIGTERM')
    }
  }, 180_000)
})
