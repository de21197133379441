import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { Worker } from 'node:worker_threads'

import { describe, expect, it } from 'vitest'

import { childProcessesOfThread, currentThreadId, isRunning, processTrees } from '../../src/dev/processes.js'
import { startCli } from '../helpers/long-running.js'
import { tempDir } from '../helpers/tmp.js'

/**
 * Issue 10 §4, the dev loop: on stop it used to SIGTERM every child of the process (a browser
 * the `o` key opened included), and `dev --json` could print a second final line.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A project whose build is a shell command writing an (empty) component: dev runs it in a second. */
function customProject(root: string): string {
  const dir = path.join(root, 'app')
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    path.join(dir, 'wasmcloud.toml'),
    ['name = "app"', 'version = "0.1.0"', '[component]', `build_command = "mkdir -p build && printf '\\\\000asm\\\\015\\\\000\\\\001\\\\000' > build/app.wasm"`, 'build_artifact = "build/app.wasm"', ''].join('\n'),
  )
  return dir
}

describe('which processes a dev build owns', () => {
  it('lists the children of one thread only, with their descendants', async () => {
    const mine = spawn('sleep', ['30'], { stdio: 'ignore' })
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads')
       const { spawn } = require('node:child_process')
       const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop())
       const child = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' })
       child.once('spawn', () => parentPort.postMessage({ tid, pid: child.pid }))
       parentPort.on('message', () => { child.kill('SIGKILL'); parentPort.close() })`,
      { eval: true },
    )
    try {
      const { tid, pid } = await new Promise<{ tid: number; pid: number }>((resolve) => worker.once('message', resolve))
      expect(currentThreadId()).toBe(process.pid)
      expect(tid).not.toBe(process.pid)
      expect(childProcessesOfThread(tid)).toEqual([pid])
      expect(childProcessesOfThread(process.pid)).toContain(mine.pid)
      expect(childProcessesOfThread(process.pid)).not.toContain(pid)
      // sh's own child, the sleep, belongs to the tree too.
      let tree: number[] = []
      for (let tries = 0; tries < 200 && tree.length < 2; tries++, await sleep(10)) tree = processTrees(childProcessesOfThread(tid))
      expect(tree[0]).toBe(pid)
      expect(tree).toHaveLength(2)
      expect(tree).not.toContain(mine.pid)
      const grandchild = tree[1]
      worker.postMessage('stop')
      await new Promise((resolve) => worker.once('exit', resolve))
      process.kill(grandchild, 'SIGKILL')
    } finally {
      mine.kill('SIGKILL')
      await worker.terminate()
    }
  })
})

describe('wasmctl dev', () => {
  const root = tempDir('wasmctl-hardening-dev-')
  const env = { WASMCTL_KEYS: path.join(root, 'keys') }

  it('leaves a browser the o key opened running when it quits', async () => {
    const project = customProject(root)
    const bin = path.join(root, 'bin')
    mkdirSync(bin, { recursive: true })
    const pidFile = path.join(root, 'xdg-open.pid')
    // A stand-in browser launcher that stays around, as a real browser does.
    writeFileSync(path.join(bin, 'xdg-open'), `#!/bin/sh\necho $$ > ${JSON.stringify(pidFile)}\nexec sleep 60\n`)
    chmodSync(path.join(bin, 'xdg-open'), 0o755)
    const dev = startCli(['dev', '--port', '0'], { cwd: project, env: { ...env, PATH: `${bin}:${process.env.PATH}` }, tty: true })
    await dev.waitForScreen(/listening at http:\/\/127\.0\.0\.1:\d+/)
    dev.write('o')
    for (let tries = 0; tries < 500 && !existsSync(pidFile); tries++) await sleep(10)
    const browser = Number(readFileSync(pidFile, 'utf8'))
    expect(isRunning(browser)).toBe(true)
    dev.write('q')
    const result = await dev.exited
    expect(result.exitCode).toBe(0)
    try {
      expect(isRunning(browser)).toBe(true)
    } finally {
      process.kill(browser, 'SIGKILL')
    }
  })

  it('--json ends with exactly one final document, after every event, and exits 0 on SIGINT', async () => {
    const project = customProject(path.join(root, 'json'))
    const dev = startCli(['dev', '--port', '0', '--json'], { cwd: project, env })
    await dev.waitForEvent('build.ok')
    const result = await dev.stop('SIGINT')
    expect(result.exitCode).toBe(0)
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    const finals = lines.filter((line) => 'status' in line)
    expect(finals).toEqual([{ status: 0, result: expect.objectContaining({ stoppedBy: 'signal' }), warnings: [] }])
    expect(lines.at(-1)).toBe(finals[0])
  })
})
