import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type BrokerMessage, type MessagingBackend, openMessagingBackend } from '../../../src/capabilities/messaging/index.js'
import { ComponentInstance, type Glue } from '../../../src/host/instance.js'
import { compileCoreModules, stopTranspiler, transpileCached } from '../../../src/host/transpile.js'
import { CollectingSink } from '../../../src/host/wasi/io.js'
import { createImports } from '../../../src/host/wasi/imports.js'
import { repoRoot, runCli } from '../../helpers/cli.js'
import { type NatsServer, startNats } from '../../helpers/nats.js'

/**
 * The ts-messaging template, scaffolded and built by the CLI (componentize-js), run against a real
 * nats-server: the messaging backend delivers a NATS request to the component's handle-message,
 * and what the component publishes through wasmcloud:messaging/consumer goes back out through the
 * backend. The consumer import here queues publishes and the test sends them after the handler
 * returns: that bridge is the host's job (a synchronous import over an asynchronous client).
 */
const cacheDir = path.join(repoRoot, 'test', '.cache', 'components')

function hashTree(hash: ReturnType<typeof createHash>, dir: string): void {
  for (const entry of readdirSync(dir).sort()) {
    const full = path.join(dir, entry)
    if (statSync(full).isDirectory()) hashTree(hash, full)
    else hash.update(path.relative(repoRoot, full)).update('\0').update(readFileSync(full)).update('\0')
  }
}

async function buildTemplate(): Promise<string> {
  const hash = createHash('sha256')
  for (const dir of ['templates/ts-messaging', 'templates/_wit/messaging-0.2.0', 'templates/_wit/wasi-0.2.10']) hashTree(hash, path.join(repoRoot, dir))
  const output = path.join(cacheDir, `template-ts-messaging-${hash.digest('hex').slice(0, 24)}.wasm`)
  if (existsSync(output)) return output
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'wasmctl-ts-messaging-'))
  try {
    const created = await runCli(['new', 'actor', 'greeter', '--template', 'ts-messaging', '--yes', '--output-dir', path.join(scratch, 'greeter')], { cwd: scratch })
    expect(created.exitCode, created.stderr).toBe(0)
    const built = await runCli(['build', '--build-only'], { cwd: path.join(scratch, 'greeter') })
    expect(built.exitCode, built.stderr).toBe(0)
    mkdirSync(cacheDir, { recursive: true })
    copyFileSync(path.join(scratch, 'greeter', 'build', 'greeter.wasm'), output)
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  return output
}

let nats: NatsServer
let backend: MessagingBackend
let peer: Awaited<ReturnType<typeof import('@nats-io/transport-node').connect>>
let instance: ComponentInstance
const outbox: BrokerMessage[] = []
const handlerErrors: unknown[] = []

beforeAll(async () => {
  const [file, server] = await Promise.all([buildTemplate(), startNats()])
  nats = server
  // Transpiled directly: the host's loader serves HTTP and CLI worlds until messaging is wired in.
  const transpiled = await transpileCached(readFileSync(file), path.join(repoRoot, 'test', '.cache', 'host-cache'))
  await stopTranspiler()
  const glue = (await import(pathToFileURL(transpiled.gluePath).href)) as Glue
  const modules = await compileCoreModules(transpiled)
  const imports = {
    ...createImports({
      cli: () => ({ env: {}, args: ['greeter'], stdout: new CollectingSink(), stderr: new CollectingSink() }),
      preopens: [],
      config: {},
      outgoingHttp: () => undefined,
      call: () => undefined,
      log: () => {},
    }),
    'wasmcloud:messaging/types': {},
    'wasmcloud:messaging/consumer': {
      publish: (message: BrokerMessage) => void outbox.push(message),
      request: () => {
        throw new Error('not used by the template')
      },
    },
  }
  instance = ComponentInstance.create(glue, new Map(Object.entries(modules)), imports, { snapshot: false, maxUses: 1 })
  // The template's own wasmcloud.toml subscribes to greetings.hello; the server is the test's.
  backend = await openMessagingBackend({ backend: 'nats', linkConfig: { cluster_uris: nats.url, subscriptions: 'greetings.hello' } })
  await backend.subscribe(
    async (message) => {
      instance.exports['wasmcloud:messaging/handler@0.2.0'].handleMessage(message)
      for (const out of outbox.splice(0)) await backend.publish(out)
    },
    { onError: (error) => handlerErrors.push(error) },
  )
  const { connect } = await import('@nats-io/transport-node')
  peer = await connect({ servers: nats.url })
}, 300_000)

afterAll(async () => {
  await peer?.close()
  await backend?.close()
  await nats?.dispose()
})

describe('the ts-messaging template', () => {
  it('answers a NATS request and publishes an event a subscriber receives', async () => {
    const events = peer.subscribe('greetings.events', { max: 1 })
    await peer.flush()
    const reply = await peer.request('greetings.hello', new TextEncoder().encode('Ada'), { timeout: 5000 })
    expect(reply.string()).toBe('Hello, Ada!')
    for await (const event of events) {
      expect(JSON.parse(event.string())).toEqual({ subject: 'greetings.hello', name: 'Ada', greeting: 'Hello, Ada!', answered: true })
    }
    expect(handlerErrors).toEqual([])
  })
})
