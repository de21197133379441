import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

import { execa } from 'execa'

import { freePort } from './registry.js'
import { installedBinary, startRestartableServer } from './server-process.js'

/**
 * A real `redis-server` on 127.0.0.1 (a free port), with its data in a temp folder, that a test
 * can stop and start again on the same port and data (to play an outage). Every acknowledged write
 * is on disk (append-only file, fsync always), so a restart loses nothing that was confirmed.
 */
export const redisInstall = 'apt-get install -y redis-server'

export interface RedisServer {
  port: number
  /** `redis://127.0.0.1:PORT/0` */
  url: string
  dir: string
  /** Runs `redis-cli -p PORT ARGS...`, returning stdout (raw, without the trailing newline). */
  cli(...args: string[]): Promise<string>
  stop(): Promise<void>
  start(): Promise<void>
  /** stop(), then remove the data folder. */
  dispose(): Promise<void>
}

/** Ready once the server answers PING with PONG. */
function answersPing(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.setTimeout(1000, () => socket.destroy())
    socket.once('error', () => resolve(false))
    socket.once('close', () => resolve(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) => {
      resolve(data.toString().startsWith('+PONG'))
      socket.destroy()
    })
  })
}

export async function startRedis(): Promise<RedisServer> {
  const server = await installedBinary('redis-server', redisInstall)
  const cliBinary = await installedBinary('redis-cli', redisInstall)
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wasmctl-redis-'))
  const port = await freePort()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--protected-mode', 'yes']
  const running = await startRestartableServer(server, args, () => answersPing(port))
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    dir,
    async cli(...args) {
      const result = await execa(cliBinary, ['-p', String(port), ...args], { stripFinalNewline: true })
      return String(result.stdout)
    },
    stop: running.stop,
    start: running.start,
    async dispose() {
      await running.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
