import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { freePort } from './registry.js'
import { installedBinary, startRestartableServer } from './server-process.js'

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

/** Ready once /healthz says JetStream is up (a bare TCP accept comes earlier than that). */
async function healthy(monitorPort: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${monitorPort}/healthz`, { signal: AbortSignal.timeout(1000) })
  return response.ok && (await response.text()).includes('ok')
}

export async function startNats(): Promise<NatsServer> {
  const server = await installedBinary('nats-server', natsInstall)
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wasmctl-nats-'))
  const port = await freePort()
  const monitorPort = await freePort()
  const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort), '-sd', dir]
  const running = await startRestartableServer(server, args, () => healthy(monitorPort))
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    dir,
    stop: running.stop,
    start: running.start,
    async dispose() {
      await running.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
