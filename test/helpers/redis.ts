import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

import { execa, type ResultPromise } from 'execa'

import { freePort } from './registry.js'

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

async function binary(name: string): Promise<string> {
  const found = await execa('sh', ['-c', `command -v ${name}`], { reject: false })
  const file = String(found.stdout).trim()
  if (found.exitCode !== 0 || !file) throw new Error(`\`${name}\` is not installed; the Redis tests need it: ${redisInstall}`)
  return file
}

/** Resolves once the server answers PING with PONG. */
async function waitForPong(port: number, child: ResultPromise, log: () => string): Promise<void> {
  let exited = false
  child.once('exit', () => (exited = true))
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if (exited) throw new Error(`redis-server exited before it was ready:\n${log().slice(-2000)}`)
    const ok = await new Promise<boolean>((resolve) => {
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
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`redis-server did not answer PING within 15 s:\n${log().slice(-2000)}`)
}

export async function startRedis(): Promise<RedisServer> {
  const server = await binary('redis-server')
  const cliBinary = await binary('redis-cli')
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wasmctl-redis-'))
  const port = await freePort()
  let child: ResultPromise | undefined
  let output = ''
  const start = async () => {
    output = ''
    child = execa(
      server,
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--protected-mode', 'yes'],
      { reject: false, stdin: 'ignore', buffer: false },
    )
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    try {
      await waitForPong(port, child, () => output)
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
    url: `redis://127.0.0.1:${port}/0`,
    dir,
    async cli(...args) {
      const result = await execa(cliBinary, ['-p', String(port), ...args], { stripFinalNewline: true })
      return String(result.stdout)
    },
    stop,
    start,
    async dispose() {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
