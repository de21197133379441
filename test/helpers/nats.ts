import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { execa, type ResultPromise } from 'execa'

import { freePort } from './registry.js'

/**
 * A real `nats-server -js` on 127.0.0.1 (free client and monitoring ports), with JetStream storage
 * in a temp folder, that a test can stop and start again on the same ports and storage.
 */
export const natsInstall = 'apt-get install -y nats-server'

export interface NatsServer {
  port: number
  /** `nats://127.0.0.1:PORT` */
  url: string
  dir: string
  stop(): Promise<void>
  start(): Promise<void>
  /** stop(), then remove the storage folder. */
  dispose(): Promise<void>
}

async function binary(name: string): Promise<string> {
  for (const candidate of [name, `/usr/sbin/${name}`, `/usr/bin/${name}`]) {
    const found = await execa('sh', ['-c', `command -v ${candidate}`], { reject: false })
    const file = String(found.stdout).trim()
    if (found.exitCode === 0 && file) return file
  }
  throw new Error(`\`${name}\` is not installed; the NATS tests need it: ${natsInstall}`)
}

/** Resolves once /healthz says JetStream is up (a bare TCP accept comes earlier than that). */
async function waitForHealthy(monitorPort: number, child: ResultPromise, log: () => string): Promise<void> {
  let exited = false
  child.once('exit', () => (exited = true))
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if (exited) throw new Error(`nats-server exited before it was ready:\n${log().slice(-2000)}`)
    try {
      const response = await fetch(`http://127.0.0.1:${monitorPort}/healthz`, { signal: AbortSignal.timeout(1000) })
      const body = await response.text()
      if (response.ok && body.includes('ok')) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`nats-server was not healthy within 15 s:\n${log().slice(-2000)}`)
}

export async function startNats(): Promise<NatsServer> {
  const server = await binary('nats-server')
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wasmctl-nats-'))
  const port = await freePort()
  const monitorPort = await freePort()
  let child: ResultPromise | undefined
  let output = ''
  const start = async () => {
    output = ''
    child = execa(server, ['-js', '-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort), '-sd', dir], {
      reject: false,
      stdin: 'ignore',
      buffer: false,
    })
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    try {
      await waitForHealthy(monitorPort, child, () => output)
    } catch (error) {
      child.kill('SIGKILL')
      await child
      throw error
    }
  }
  const stop = async () => {
    if (!child) return
    const running = child
    child = undefined
    running.kill('SIGTERM')
    await running
  }
  await start()
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    dir,
    stop,
    start,
    async dispose() {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
