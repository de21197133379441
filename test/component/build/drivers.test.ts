import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

import { buildProject, type BuildProjectOptions } from '../../../src/build/build.js'
import type { BuildEvent } from '../../../src/build/events.js'
import { clearToolchainCache } from '../../../src/build/toolchains.js'
import { inspectWasm } from '../../../src/claims/inspect.js'
import { readProject } from '../../../src/project/index.js'
import { tempDir } from '../../helpers/tmp.js'
import { buildFailure, fakeRustSysroot, knownComponent, knownCoreModule, standinBin, writeProject } from '../../helpers/build-fixtures.js'

/**
 * The drivers for toolchains this machine lacks (cargo with wasm targets, TinyGo) and the custom
 * build command, run against stand-in executables (test/fixtures/bin/standin) that record their
 * arguments and write a known component or core module.
 */
const originalPath = process.env.PATH
const root = tempDir('wasmctl-drivers-')
const keysDirectory = path.join(root, 'keys')
const log = path.join(root, 'standin.log')
let counter = 0

beforeAll(() => {
  process.env.PATH = `${standinBin}${path.delimiter}${originalPath}`
  process.env.STANDIN_LOG = log
})
afterAll(() => {
  process.env.PATH = originalPath
  for (const name of ['STANDIN_LOG', 'STANDIN_WASM', 'STANDIN_SYSROOT', 'STANDIN_FAIL', 'STANDIN_HANG', 'STANDIN_NO_OUTPUT']) delete process.env[name]
})
afterEach(() => {
  clearToolchainCache()
  for (const name of ['STANDIN_FAIL', 'STANDIN_HANG', 'STANDIN_NO_OUTPUT']) delete process.env[name]
  writeFileSync(log, '')
})

function project(toml: string, files: Record<string, string | Uint8Array> = {}) {
  const dir = writeProject(path.join(root, `p${++counter}`), { 'wasmcloud.toml': `name = "app"\nversion = "0.1.0"\n${toml}`, ...files })
  return readProject(path.join(dir, 'wasmcloud.toml'))
}

function calls(): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((line) => line && !/--version|--print sysroot|^tinygo version/.test(line)) : []
}

async function build(p: ReturnType<typeof project>, options: BuildProjectOptions = {}) {
  const events: BuildEvent[] = []
  const result = await buildProject(p, { buildOnly: true, skipFetch: true, signing: { keysDirectory }, onEvent: (event) => events.push(event), ...options })
  return { result, events }
}


const cargoToml = '[package]\nname = "standin"\nversion = "0.1.0"\nedition = "2021"\n'

describe('Rust driver (stand-in cargo)', () => {
  it('builds for wasm32-wasip2 when that target is installed and keeps the component as is', async () => {
    process.env.STANDIN_SYSROOT = fakeRustSysroot(['wasm32-wasip1', 'wasm32-wasip2'])
    process.env.STANDIN_WASM = knownComponent
    const p = project('language = "rust"\n', { 'Cargo.toml': cargoToml, 'src/main.rs': 'fn main() {}\n' })
    const { result } = await build(p)
    expect(calls()).toEqual([`cargo build --target wasm32-wasip2 --message-format=json-render-diagnostics --release RUSTC=${path.join(standinBin, 'rustc')}`])
    expect(result).toMatchObject({ component: 'app', signed: false, language: 'rust', toolchain: { name: 'cargo', version: '1.85.0' }, cached: false })
    expect(result.artifact).toBe(path.join(p.dir, 'build', 'app.wasm'))
    expect(readFileSync(result.artifact).equals(readFileSync(knownComponent)), 'same bytes').toBe(true)
    expect(result.world.exports).toEqual(['wasi:cli/run@0.2.0'])
  })

  it('falls back to wasm32-wasip1 and adapts the core module with the preview1 adapter', async () => {
    process.env.STANDIN_SYSROOT = fakeRustSysroot(['wasm32-wasip1'])
    process.env.STANDIN_WASM = knownCoreModule
    const p = project('language = "rust"\n[rust]\ndebug = true\n', { 'Cargo.toml': cargoToml })
    const { result, events } = await build(p)
    expect(calls()[0]).toMatch(/^cargo build --target wasm32-wasip1 --message-format=json-render-diagnostics RUSTC=/)
    expect(events).toContainEqual(expect.objectContaining({ type: 'step', step: 'adapt' }))
    expect(result.world.exports).toEqual([expect.stringMatching(/^wasi:cli\/run@0\.2\./)])
  })

  it('names the missing target and the rustup command before running anything', async () => {
    process.env.STANDIN_SYSROOT = fakeRustSysroot(['wasm32-wasip1'])
    const p = project('language = "rust"\n[component]\nwasm_target = "wasm32-wasip2"\n', { 'Cargo.toml': cargoToml })
    const error = await buildFailure(build(p))
    expect(error.code).toBe('BUILD_TOOLCHAIN_MISSING')
    expect(error.hints[0]).toBe('rustup target add wasm32-wasip2')
    expect(calls()).toEqual([])
  })

  it('fails with BUILD_TOOLCHAIN_MISSING when cargo has no wasm target at all', async () => {
    process.env.STANDIN_SYSROOT = fakeRustSysroot([])
    const p = project(`language = "rust"\n[rust]\ncargo_path = "${path.join(standinBin, 'cargo')}"\n`, { 'Cargo.toml': cargoToml })
    const error = await buildFailure(build(p))
    expect(error.code).toBe('BUILD_TOOLCHAIN_MISSING')
    expect(error.message).toContain('a wasm target')
    expect(error.details).toMatchObject({ toolchain: 'cargo', install: expect.stringContaining('rustup target add wasm32-wasip2') })
  })

  it('reports a compiler failure with the command, exit code and stderr tail, and writes nothing', async () => {
    process.env.STANDIN_SYSROOT = fakeRustSysroot(['wasm32-wasip2'])
    process.env.STANDIN_FAIL = '1'
    const p = project('language = "rust"\n', { 'Cargo.toml': cargoToml })
    const { events, error } = await (async () => {
      const seen: BuildEvent[] = []
      return { events: seen, error: await buildFailure(buildProject(p, { buildOnly: true, onEvent: (event) => seen.push(event) })) }
    })()
    expect(error.code).toBe('BUILD_FAILED')
    expect(error.message).toMatch(/^cargo failed: `.*cargo build --target wasm32-wasip2 .*` exited with code 3: error\[E0425\]/)
    expect(error.details).toMatchObject({ exitCode: 3, command: expect.stringContaining('cargo build') })
    expect(error.details?.stderrTail).toContain('error: could not compile `standin` due to previous error')
    // The output was streamed as it came, for the command to print on stderr.
    expect(events).toContainEqual({ type: 'output', tool: 'cargo', stream: 'stderr', line: '   Compiling standin v0.1.0' })
    expect(existsSync(path.join(p.dir, 'build'))).toBe(false)
  })

  it('kills the whole process tree on abort and leaves no artifact', async () => {
    process.env.STANDIN_SYSROOT = fakeRustSysroot(['wasm32-wasip2'])
    const pids = path.join(root, 'hang.pids')
    process.env.STANDIN_HANG = pids
    const p = project('language = "rust"\n', { 'Cargo.toml': cargoToml })
    const controller = new AbortController()
    const pending = buildFailure(build(p, { signal: controller.signal }))
    while (!existsSync(pids) || !readFileSync(pids, 'utf8').trim()) await sleep(20)
    const [shell, grandchild] = readFileSync(pids, 'utf8').trim().split(' ').map(Number)
    controller.abort()
    expect((await pending).code).toBe('INTERRUPTED')
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0)
        return true
      } catch {
        return false
      }
    }
    for (let i = 0; i < 100 && (alive(shell) || alive(grandchild)); i++) await sleep(20)
    expect(alive(shell)).toBe(false)
    expect(alive(grandchild)).toBe(false)
    expect(existsSync(path.join(p.dir, 'build', 'app.wasm'))).toBe(false)
  })
})

describe('TinyGo driver (stand-in tinygo and go)', () => {
  it('runs go generate, then tinygo build -target wasip2 with the WIT package and world', async () => {
    process.env.STANDIN_WASM = knownComponent
    const p = project('language = "tinygo"\n[component]\nwit_world = "cli"\n[tinygo]\nscheduler = "asyncify"\n', {
      'go.mod': 'module example.com/app\n',
      'wit/world.wit': 'package acme:app;\nworld cli { export wasi:cli/run@0.2.0; }\n',
    })
    const { result } = await build(p)
    const [generate, tinygo] = calls()
    expect(generate).toBe('go generate ./... RUSTC=')
    expect(tinygo).toMatch(
      new RegExp(`^tinygo build -target wasip2 -o \\S+/app\\.wasm -no-debug -scheduler asyncify --wit-package ${p.witDir} --wit-world cli \\. `),
    )
    expect(result).toMatchObject({ language: 'tinygo', toolchain: { name: 'tinygo', version: '0.34.0' }, world: { exports: ['wasi:cli/run@0.2.0'] } })
  })

  it('skips go generate when the project disables it, and adapts a wasip1 build', async () => {
    process.env.STANDIN_WASM = knownCoreModule
    const p = project('language = "go"\n[component]\nwasm_target = "wasm32-wasip1"\n[tinygo]\ndisable_go_generate = true\n', { 'go.mod': 'module x\n' })
    const { result } = await build(p)
    expect(calls()).toEqual([expect.stringMatching(/^tinygo build -target wasip1 /)])
    expect(result.world.exports).toEqual([expect.stringMatching(/^wasi:cli\/run@/)])
  })

  it('says how to install TinyGo when it is missing', async () => {
    process.env.PATH = originalPath
    try {
      const p = project('language = "tinygo"\n', { 'go.mod': 'module x\n' })
      const error = await buildFailure(build(p))
      expect(error.code).toBe('BUILD_TOOLCHAIN_MISSING')
      expect(error.message).toBe('cannot build this tinygo project: tinygo is not installed')
      expect(error.hints[0]).toContain('https://tinygo.org/getting-started/install/')
    } finally {
      process.env.PATH = `${standinBin}${path.delimiter}${originalPath}`
    }
  })
})

describe('custom build command', () => {
  const copyCommand = (from: string) => `mkdir -p out && cp ${from} out/app.wasm && echo copied >&2`

  it('runs the command through the shell and takes build_artifact', async () => {
    const p = project(`[component]\nbuild_command = "${copyCommand(knownComponent)}"\nbuild_artifact = "out/app.wasm"\n`)
    const { result, events } = await build(p)
    expect(result).toMatchObject({ artifact: path.join(p.dir, 'out', 'app.wasm'), language: 'custom', toolchain: { name: 'mkdir', version: null } })
    expect(events).toContainEqual({ type: 'output', tool: 'mkdir', stream: 'stderr', line: 'copied' })
  })

  it('fails when the command exits 0 but writes nothing', async () => {
    const p = project('[component]\nbuild_command = "true"\nbuild_artifact = "out/app.wasm"\n')
    const error = await buildFailure(build(p))
    expect(error.code).toBe('BUILD_ARTIFACT_MISSING')
    expect(error.message).toBe(`the build command exited successfully but did not write ${path.join(p.dir, 'out', 'app.wasm')}`)
  })

  it('rejects a core module unless the project asks for the preview1 adapter', async () => {
    const toml = `[component]\nbuild_command = "${copyCommand(knownCoreModule)}"\nbuild_artifact = "out/app.wasm"\n`
    const error = await buildFailure(build(project(toml)))
    expect(error.code).toBe('BUILD_NOT_COMPONENT')
    expect(error.hints.join(' ')).toContain('wasm_target = "wasm32-wasip1"')

    const adapted = project(`${toml}wasm_target = "wasm32-wasip1"\n`)
    const { result } = await build(adapted)
    expect(result.world.exports).toEqual([expect.stringMatching(/^wasi:cli\/run@/)])
    expect(readFileSync(result.artifact).subarray(4, 8)).toEqual(Buffer.from([0x0d, 0x00, 0x01, 0x00]))
  })

  it('removes what a failing command half-wrote', async () => {
    const p = project('[component]\nbuild_command = "mkdir -p out && echo partial > out/app.wasm && echo broke >&2 && exit 7"\nbuild_artifact = "out/app.wasm"\n')
    const error = await buildFailure(build(p))
    expect(error.code).toBe('BUILD_FAILED')
    expect(error.details).toMatchObject({ exitCode: 7, stderrTail: ['broke'] })
    expect(readdirSync(path.join(p.dir, 'out'))).toEqual([])
  })
})

describe('build cache and signing', () => {
  it('returns the previous artifact when nothing changed, and rebuilds when a source or --no-cache says so', async () => {
    const p = project(`[component]\nbuild_command = "${`mkdir -p out && cp ${knownComponent} out/app.wasm`}"\nbuild_artifact = "out/app.wasm"\n`, {
      'src/lib.txt': 'v1',
    })
    const commands = () => events.filter((event) => event.type === 'command').length
    const events: BuildEvent[] = []
    const options = { onEvent: (event: BuildEvent) => events.push(event) }
    const first = (await build(p, options)).result
    const second = (await build(p, options)).result
    expect(second).toMatchObject({ cached: true, artifact: first.artifact, sha256: first.sha256, size: first.size, world: first.world })
    expect(commands()).toBe(1)

    writeFileSync(path.join(p.dir, 'src', 'lib.txt'), 'v2')
    expect((await build(p, options)).result.cached).toBe(false)
    expect((await build(p, { ...options, noCache: true })).result.cached).toBe(false)
    expect(commands()).toBe(3)
  })

  it('signs like wash build, caches the signed artifact, and re-signs with --sign-only', async () => {
    const p = project(`revision = 4\n[component]\nbuild_command = "${`mkdir -p out && cp ${knownComponent} out/app.wasm`}"\nbuild_artifact = "out/app.wasm"\ntags = ["team.a"]\n`)
    const { result } = await build(p, { buildOnly: false })
    expect(result).toMatchObject({ signed: true, artifact: path.join(p.dir, 'build', 'app_s.wasm') })
    const inspected = inspectWasm(readFileSync(result.artifact))
    expect(inspected).toMatchObject({ valid: true, name: 'app', ver: '0.1.0', rev: 4, tags: ['team.a'] })
    expect(existsSync(path.join(keysDirectory, 'app_module.nk'))).toBe(true)

    const again = (await build(p, { buildOnly: false })).result
    expect(again).toMatchObject({ cached: true, signed: true, sha256: result.sha256 })

    const resigned = (await build(p, { buildOnly: false, signOnly: true })).result
    expect(resigned).toMatchObject({ signed: true, cached: false, artifact: result.artifact })
  })

  it('signs an unchanged --build-only build without running the toolchain again', async () => {
    const p = project(`[component]\nbuild_command = "${`mkdir -p build && cp ${knownComponent} build/app.wasm`}"\n`)
    const events: BuildEvent[] = []
    const onEvent = (event: BuildEvent) => events.push(event)
    expect((await build(p, { onEvent })).result.signed).toBe(false)
    const signed = (await build(p, { buildOnly: false, onEvent })).result
    expect(signed).toMatchObject({ signed: true, cached: false, artifact: path.join(p.dir, 'build', 'app_s.wasm') })
    expect((await build(p, { buildOnly: false, onEvent })).result).toMatchObject({ signed: true, cached: true, sha256: signed.sha256 })
    expect(events.filter((event) => event.type === 'command')).toHaveLength(1)
  })

  it('refuses --sign-only before a build and --build-only with --sign-only', async () => {
    const p = project('[component]\nbuild_command = "true"\n')
    expect((await buildFailure(build(p, { buildOnly: false, signOnly: true }))).code).toBe('BUILD_ARTIFACT_MISSING')
    expect((await buildFailure(build(p, { buildOnly: true, signOnly: true }))).code).toBe('USAGE')
  })
})
