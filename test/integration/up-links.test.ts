import { copyFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { beforeAll, describe, expect, it } from 'vitest'

import { repoRoot, runCli } from '../helpers/cli.js'
import { buildJsComponent } from '../helpers/components.js'
import { startCli } from '../helpers/long-running.js'
import { tempDir } from '../helpers/tmp.js'
import { cCliComponent } from '../fixtures/components/fixtures.js'

// `wasmctl up a.wasm b.wasm …`: every file before `--` is a component linked to the others;
// arguments for a command only after `--` (they used to be taken from extra files silently).
const dir = tempDir('wasmctl-up-links-')
const cacheEnv = { WASMCTL_CACHE_DIR: path.join(dir, 'cache') }
const fixture = path.join(repoRoot, 'test', 'fixtures', 'components', 'linked-chain')
let cli: string
let caller: string
let callee: string

beforeAll(async () => {
  cli = await cCliComponent()
  // Copied under the names a user would give them: logs and --link-component use the file name.
  for (const world of ['caller', 'callee']) {
    const built = await buildJsComponent({ sourcePath: path.join(fixture, `${world}.js`), witPath: path.join(fixture, 'wit'), worldName: world })
    copyFileSync(built, path.join(dir, `${world}.wasm`))
  }
  caller = path.join(dir, 'caller.wasm')
  callee = path.join(dir, 'callee.wasm')
  copyFileSync(callee, path.join(dir, 'other.wasm'))
}, 300_000)

describe('wasmctl up with several components', () => {
  it('serves caller.wasm linked to callee.wasm', async () => {
    const up = startCli(['up', caller, callee, '--port', '0', '--json'], { env: cacheEnv })
    const { url } = await up.waitForEvent('host.ready', { timeoutMs: 120_000 })
    for (let round = 0; round < 2; round++) {
      const response = await fetch(`${url}/?name=cli`)
      expect(await response.text()).toBe('hello cli callee-calls=1 caller-requests=1\n')
    }
  }, 180_000)

  it('refuses an interface two components export, and serves once --link-component picks one', async () => {
    const other = path.join(dir, 'other.wasm')
    const refused = await runCli(['up', caller, callee, other, '--port', '0'], { env: cacheEnv })
    expect(refused.exitCode).toBe(2)
    expect(refused.stderr).toContain('HOST_LINK_AMBIGUOUS')
    expect(refused.stderr).toContain('--link-component wasmctl-test:linked/greeter=callee')
    expect(refused.stderr).not.toMatch(/\n\s+at /)

    const up = startCli(['up', caller, callee, other, '--link-component', 'wasmctl-test:linked/greeter=other', '--port', '0', '--json'], { env: cacheEnv })
    const { url } = await up.waitForEvent('host.ready', { timeoutMs: 120_000 })
    expect(await (await fetch(`${url}/?name=picked`)).text()).toBe('hello picked callee-calls=1 caller-requests=1\n')
  }, 180_000)
})

describe('wasmctl up: components the project links in', () => {
  it('a [[dev.overrides.imports]] entry whose image_ref is a .wasm file links that component', async () => {
    const project = tempDir('wasmctl-up-links-project-')
    copyFileSync(callee, path.join(project, 'greeter-impl.wasm'))
    writeFileSync(
      path.join(project, 'wasmcloud.toml'),
      `name = "linked"
language = "rust"
type = "component"
version = "0.1.0"

[[dev.overrides.imports]]
interface_spec = "wasmctl-test:linked/greeter"
image_ref = "./greeter-impl.wasm"
`,
    )
    const up = startCli(['up', caller, '--port', '0', '--json'], { cwd: project, env: cacheEnv })
    const { url } = await up.waitForEvent('host.ready', { timeoutMs: 120_000 })
    expect(await (await fetch(`${url}/?name=toml`)).text()).toBe('hello toml callee-calls=1 caller-requests=1\n')
    // The component override is not a capability binding: no "override is ignored" warning.
    expect(up.of('capabilities.bound')[0].warnings).toEqual([])
  }, 180_000)
})

describe('wasmctl up: arguments only after --', () => {
  it('a file after the component is a component, not an argument: one that is not is a clear error', async () => {
    const notes = path.join(dir, 'notes.txt')
    writeFileSync(notes, 'not a component\n')
    const result = await runCli(['up', cli, notes], { env: cacheEnv })
    expect(result.exitCode).not.toBe(0)
    expect(result.stderr).toContain('notes.txt')
    expect(result.stderr).toContain('HOST_LINK_INVALID')
    expect(result.stderr).toContain('is not a WebAssembly component')
    expect(result.stdout).not.toContain('arg[1]')
  }, 120_000)

  it('a component that offers nothing to the first one is refused, with the `--` hint', async () => {
    const result = await runCli(['up', cli, callee], { env: cacheEnv })
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain('HOST_LINK_INVALID')
    expect(result.stderr).toContain('callee.wasm exports nothing')
    expect(result.stderr).toContain('after `--`')
  }, 120_000)

  it('arguments after -- reach the command, file names included', async () => {
    const result = await runCli(['up', cli, '--', 'one', callee], { env: cacheEnv })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toContain(`argc=3\narg[1]=one\narg[2]=${callee}\n`)
  }, 120_000)
})
