import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { runCli } from '../helpers/cli.js'
import { startCli, type LongRunningCli } from '../helpers/long-running.js'
import { tempDir } from '../helpers/tmp.js'

/**
 * The dev fast path (issue 15) as a user meets it: `wasmctl dev` on a fresh ts-http project serves
 * from the in-process initialized engine, makes the signed artifact in build/ in the background
 * and says so, serves each save, and keeps the last good version through a top-level throw.
 */
async function get(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url)
  return { status: response.status, body: await response.text() }
}

describe('wasmctl dev fast path on a ts-http project', () => {
  const root = tempDir('wasmctl-dev-fast-')
  const env = { WASMCTL_KEYS: path.join(root, 'keys'), WASMCTL_DEV_FAST: '1', WASMCTL_DEV_ARTIFACT_DELAY_MS: '200' }
  let project: string
  let source: string
  let original: string
  let dev: LongRunningCli
  let url: string

  const setGreeting = (text: string) => writeFileSync(source, original.replace(/const GREETING = .*/, `const GREETING = ${JSON.stringify(text)}`))

  beforeAll(async () => {
    project = path.join(root, 'fastapp')
    const created = await runCli(['new', 'actor', 'fastapp', '--template', 'ts-http', '--yes', '--output-dir', project, '--json'], { env })
    expect(created.exitCode, created.stderr).toBe(0)
    source = path.join(project, 'src', 'index.ts')
    original = readFileSync(source, 'utf8')
    dev = startCli(['dev', '--port', '0', '--json', '--workers', '1'], { cwd: project, env })
    url = (await dev.waitForEvent('host.ready')).url
    await dev.waitForEvent('reload.ok', { timeoutMs: 240_000 })
  }, 300_000)

  afterAll(async () => {
    await dev?.stop()
  })

  it('serves the first build from the fast path, then makes the signed artifact in build/ in the background', async () => {
    const [built] = dev.of('build.ok')
    expect(built).toMatchObject({ build: 1, signed: false })
    expect(built.artifact.startsWith(path.join(project, 'build'))).toBe(false)
    expect(await get(`${url}/hello`)).toEqual({ status: 200, body: 'Hello from fastapp!\n' })
    const ready = await dev.waitForEvent('log', { where: (event) => /artifact ready: build\/fastapp_s\.wasm/.test(event.message), timeoutMs: 240_000 })
    expect(ready.level).toBe('info')
    expect(existsSync(path.join(project, 'build', 'fastapp_s.wasm'))).toBe(true)
  }, 300_000)

  it('serves each save, and keeps the last good version through a top-level throw reported at its source line', async () => {
    let from = dev.mark()
    setGreeting('fast edit')
    await dev.waitForEvent('reload.ok', { from, timeoutMs: 60_000 })
    expect(await get(url)).toEqual({ status: 200, body: 'fast edit\n' })

    from = dev.mark()
    writeFileSync(source, `${original}\nif (GREETING) throw new Error('top-level failure')\n`)
    const failed = await dev.waitForEvent('build.error', { from, timeoutMs: 60_000 })
    expect(failed.code).toBe('BUILD_FAILED')
    expect(failed.message).toMatch(/top-level failure/)
    expect(failed.location).toMatchObject({ file: 'src/index.ts', line: original.split('\n').length + 1 })
    expect(await get(url)).toEqual({ status: 200, body: 'fast edit\n' })

    from = dev.mark()
    setGreeting('fixed fast')
    expect(await dev.waitForEvent('build.ok', { from, timeoutMs: 60_000 })).toMatchObject({ recovered: true })
    await dev.waitForEvent('reload.ok', { from, timeoutMs: 60_000 })
    expect(await get(url)).toEqual({ status: 200, body: 'fixed fast\n' })
  }, 200_000)

  it('stops cleanly on SIGINT', async () => {
    const exit = await dev.stop()
    expect(exit.exitCode).toBe(0)
  }, 60_000)
})
