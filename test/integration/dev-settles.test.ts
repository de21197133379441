import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { afterEach, describe, expect, it } from 'vitest'

import { binRun } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

/**
 * `wasmctl dev --json > dev.log` inside the project: every event dev writes lands in a file it
 * watches. It used to rebuild forever (each build's events were a change); now the file behind
 * its own stdout/stderr is ignored, so it settles after one build. The build is a quick custom
 * command (it writes an artifact that is not a component, so each build ends in build.error and
 * writes to the log too), which keeps the test fast while every build still logs.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const running: ChildProcess[] = []

afterEach(async () => {
  for (const child of running.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await Promise.race([exited, sleep(5000).then(() => child.kill('SIGKILL'))])
  }
})

function makeProject(): string {
  const dir = tempDir('wasmctl-dev-settles-')
  mkdirSync(path.join(dir, 'src'))
  writeFileSync(path.join(dir, 'src', 'input.txt'), 'v1\n')
  writeFileSync(
    path.join(dir, 'build.mjs'),
    "import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'\nmkdirSync('build', { recursive: true })\nwriteFileSync('build/settles.wasm', readFileSync('src/input.txt'))\n",
  )
  writeFileSync(
    path.join(dir, 'wasmcloud.toml'),
    ['name = "settles"', 'version = "0.1.0"', 'type = "component"', '', '[component]', 'build_command = "node build.mjs"', 'build_artifact = "build/settles.wasm"', ''].join('\n'),
  )
  return dir
}

/** Starts dev in `cwd` with stdout (and stderr) going to files, as a shell's `>` and `2>` would. */
function startDev(cwd: string, stdoutFile: string, stderrFile: string, args: string[] = []): ChildProcess {
  const out = openSync(stdoutFile, 'a')
  const err = openSync(stderrFile, 'a')
  const child = spawn(process.execPath, [binRun, 'dev', '--json', '--port', '0', ...args], {
    cwd,
    stdio: ['ignore', out, err],
    env: { ...process.env, CI: 'true', NO_COLOR: '1', WASMCTL_KEYS: tempDir('wasmctl-dev-settles-keys-') },
  })
  closeSync(out)
  closeSync(err)
  running.push(child)
  return child
}

function events(file: string): { event: string; [key: string]: unknown }[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

describe('wasmctl dev with its output redirected into the project', () => {
  it('settles after one build, and still rebuilds for a real edit', async () => {
    const project = makeProject()
    const log = path.join(project, 'dev.log')
    const errors = path.join(project, 'dev.err.log')
    startDev(project, log, errors)
    const builds = () => events(log).filter((event) => event.event === 'build.start')
    const finished = () => events(log).filter((event) => event.event === 'build.ok' || event.event === 'build.error')

    await waitFor(() => finished().length >= 1, 'the first build to finish')
    // The loop needed no time to show itself (21 builds in 40 s): 8 s of quiet is plenty.
    await sleep(8000)
    expect(builds(), readFileSync(errors, 'utf8')).toHaveLength(1)

    // Not deaf: a change to a source file is still a build.
    writeFileSync(path.join(project, 'src', 'input.txt'), 'v2\n')
    await waitFor(() => builds().length >= 2, 'the rebuild after an edit')
    await waitFor(() => finished().length >= 2, 'the rebuild to finish')
    await sleep(2000)
    expect(builds()).toHaveLength(2)
  })

  it('takes the project from -d/--work-dir and ignores the folders given with -i/--ignore-dir, as wash dev does', async () => {
    const project = makeProject()
    mkdirSync(path.join(project, 'generated'))
    const elsewhere = tempDir('wasmctl-dev-settles-logs-')
    const log = path.join(elsewhere, 'dev.log')
    startDev(elsewhere, log, `${log}.err`, ['-d', project, '-i', 'generated'])
    const builds = () => events(log).filter((event) => event.event === 'build.start')
    await waitFor(() => events(log).some((event) => event.event === 'build.error' || event.event === 'build.ok'), 'the first build to finish')
    expect(builds()[0]).toMatchObject({ build: 1 })
    writeFileSync(path.join(project, 'generated', 'out.txt'), 'made by a tool\n')
    await sleep(1500)
    expect(builds()).toHaveLength(1)
  })
})
