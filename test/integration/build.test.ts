import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

import { execa } from 'execa'
import { describe, expect, it } from 'vitest'

import { KeyPair } from '../../src/claims/nkeys.js'
import { listTemplates } from '../../src/templates/registry.js'
import { binRun, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'
import { componentizeCache, copyProject, knownComponent, knownCoreModule, writeProject } from '../helpers/build-fixtures.js'

/**
 * `wasmctl build` as a process: the templates a user starts from, built for real (componentize-js
 * output comes from the content-hash cache after the first run), and the ways a build goes wrong.
 */
const root = tempDir('wasmctl-build-cli-')
const env = { WASH_KEYS: path.join(root, 'keys'), WASMCTL_COMPONENTIZE_CACHE: componentizeCache, USER: 'ci' }
const build = (cwd: string, ...args: string[]) => runCli(['build', ...args], { cwd, env })

/**
 * Every template whose toolchain CI installs (.ci/run): componentize-js ships with wasmctl, clang
 * comes from Debian. Debian's cargo lacks the wasm32-wasip2 target rust-http pins, and TinyGo is
 * not packaged; their drivers run against stand-ins in test/component/build/drivers.test.ts.
 */
const buildable = listTemplates().filter((template) => ['componentize-js', 'clang'].includes(template.toolchain))

const RESULT_KEYS = ['component', 'artifact', 'signed', 'sha256', 'size', 'world', 'language', 'toolchain', 'durationMs', 'cached']

describe('wasmctl build on each buildable template', () => {
  for (const template of buildable) {
    it(`${template.name}: new, build --json, inspect valid, then a cached no-op build`, async () => {
      const name = `x-${template.name}`
      const created = await runCli(['new', 'actor', name, '--template', template.name, '--yes', '--no-git-init'], { cwd: root, env })
      expect(created.exitCode, created.stderr).toBe(0)
      const dir = path.join(root, name)

      const first = await build(dir, '--json')
      expect(first.exitCode, first.stderr).toBe(0)
      const result = first.json.result
      expect(Object.keys(result)).toEqual(RESULT_KEYS)
      expect(result).toMatchObject({ component: name, signed: true, language: template.language, cached: false, artifact: path.join(dir, 'build', `${name}_s.wasm`) })
      for (const exported of template.world.exports) expect(result.world.exports).toContain(exported)
      expect(result.size).toBe(readFileSync(result.artifact).length)

      const inspected = await runCli(['inspect', result.artifact, '--json'], { cwd: dir, env })
      expect(inspected.json.result).toMatchObject({ valid: true, encoding: 'component', name })
      // the claims record which toolchain made it: the JS packages pinned for a reproducible rebuild
      const claimed = inspected.json.result.toolchain
      if (result.toolchain.versions) expect(claimed).toEqual(result.toolchain.versions)
      else expect(claimed).toEqual({ [result.toolchain.name]: result.toolchain.version })

      const second = await build(dir, '--json')
      expect(second.json.result).toMatchObject({ cached: true, artifact: result.artifact, sha256: result.sha256 })
    })
  }
})

describe('wasmctl build: toolchains and output', () => {
  it('builds a C project with clang and wasi-libc without signing (--build-only)', async () => {
    const dir = copyProject('c-cli', root)
    const result = await build(dir, '--json', '--build-only')
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json.result).toMatchObject({ signed: false, toolchain: { name: 'clang' }, world: { exports: ['wasi:cli/run@0.2.12'] } })
    expect(result.json.result.artifact).toBe(path.join(dir, 'build', 'c-cli.wasm'))
    expect(existsSync(path.join(dir, 'build', 'c-cli_s.wasm'))).toBe(false)
  })

  // Debian's rustc 1.63 + libstd-rust-dev-wasm32 (apt-get install rustc cargo libstd-rust-dev-wasm32 lld).
  it.skipIf(!existsSync('/usr/lib/rustlib/wasm32-wasi') || !existsSync('/usr/bin/cargo'))(
    'builds a Rust command with Debian rustc for wasm32-wasi and the preview1 adapter',
    async () => {
      const dir = copyProject('rust-cli', root)
      const result = await build(dir, '--json', '--build-only')
      expect(result.exitCode, result.stderr).toBe(0)
      expect(result.json.result).toMatchObject({ language: 'rust', toolchain: { name: 'cargo' }, world: { exports: [expect.stringMatching(/^wasi:cli\/run@/)] } })
    },
  )

  it('sends toolchain output to stderr only, and prints one JSON document', async () => {
    const dir = writeProject(path.join(root, 'noisy'), {
      'wasmcloud.toml': `name = "noisy"\nversion = "0.1.0"\n[component]\nbuild_command = "echo to-stdout && echo to-stderr >&2 && mkdir -p build && cp ${knownComponent} build/noisy.wasm"\n`,
    })
    const result = await build(dir, '--json', '--build-only')
    expect(result.exitCode).toBe(0)
    expect(result.stdout).not.toContain('to-stdout')
    expect(result.stderr).toContain('to-stdout')
    expect(result.stderr).toContain('to-stderr')
    expect(result.json.status).toBe(0)
  })

  it('says which toolchain is missing and how to install it', async () => {
    const dir = writeProject(path.join(root, 'go-app'), { 'wasmcloud.toml': 'name = "go-app"\nversion = "0.1.0"\nlanguage = "tinygo"\n', 'go.mod': 'module x\n' })
    const result = await runCli(['build'], { cwd: dir, env: { ...env, PATH: '/usr/bin:/bin' } })
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain('Error: cannot build this tinygo project: tinygo is not installed (BUILD_TOOLCHAIN_MISSING)')
    expect(result.stderr).toContain('hint: install TinyGo')
  })

  it('refuses --build-only with --sign-only as a usage error', async () => {
    const result = await build(root, '--build-only', '--sign-only')
    expect(result.exitCode).toBe(2)
  })

  it('signs with WASH_ISSUER_KEY / WASH_SUBJECT_KEY, as wash build does, generating no key', async () => {
    const account = KeyPair.generate('account')
    const module = KeyPair.generate('module')
    const dir = writeProject(path.join(root, 'wash-env'), {
      'wasmcloud.toml': `name = "wash-env"\nversion = "0.2.0"\nrevision = 3\n[component]\nbuild_command = "mkdir -p build && cp ${knownComponent} build/wash-env.wasm"\n`,
    })
    const keys = path.join(root, 'wash-env-keys')
    const result = await runCli(['build', '--json', '--disable-keygen', '--keys-directory', keys], {
      cwd: dir,
      env: { ...env, WASH_ISSUER_KEY: account.seed, WASH_SUBJECT_KEY: module.seed },
    })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.json.warnings).toEqual([])
    const inspected = await runCli(['inspect', result.json.result.artifact, '--json'], { env })
    expect(inspected.json.result).toMatchObject({ valid: true, issuer: account.publicKey, subject: module.publicKey, name: 'wash-env', ver: '0.2.0', rev: 3 })
    expect(existsSync(keys)).toBe(false)
  })
})

describe('wasmctl build: bad input', () => {
  let malformed = 0
  it.each([
    ['a TOML syntax error, with its line', 'name = "broken"\nversion = "0.1.0"\n[component\n', /^invalid TOML in .*wasmcloud\.toml at line 3, column \d+: /, { line: 3 }],
    ['values of the wrong type', 'name = 42\nversion = "0.1.0"\nrevision = "2"\n', /: name: expected string, got number; revision: expected number, got string$/, { problems: [{ key: 'name' }, { key: 'revision' }] }],
    ['an unknown type', 'name = "gadget"\nversion = "0.1.0"\ntype = "gadget"\n', /: type: unknown project type \(expected component or provider\)$/, { problems: [{ key: 'type' }] }],
  ])('a malformed wasmcloud.toml (%s) fails with PROJECT_INVALID naming the file, before anything runs', async (_, toml, message, details) => {
    const dir = writeProject(path.join(root, `malformed-${++malformed}`), { 'wasmcloud.toml': toml })
    const json = await build(dir, '--json')
    expect(json.exitCode).toBe(1)
    expect(json.json.error).toMatchObject({ code: 'PROJECT_INVALID', details: { file: path.join(dir, 'wasmcloud.toml'), ...details } })
    expect(json.json.error.message).toMatch(message)
    const human = await build(dir)
    expect(human.exitCode).toBe(1)
    expect(human.stdout).toBe('')
    expect(human.stderr).toMatch(/^Error: invalid .*wasmcloud\.toml.* \(PROJECT_INVALID\)\n  hint: fix .*wasmcloud\.toml.*$/)
    expect(existsSync(path.join(dir, 'build'))).toBe(false)
  })

  it('shows file:line for a JavaScript syntax error, exits 1 and leaves no artifact', async () => {
    const dir = copyProject('js-http', root)
    writeFileSync(path.join(dir, 'src', 'index.js'), "addEventListener('fetch', (event) => {\n  event.respondWith(new Response('x')\n})\n")
    const human = await build(dir)
    expect(human.exitCode).toBe(1)
    expect(human.stderr).toContain('Error: JavaScript build failed: src/index.js:3:1: Expected ")" but found "}" (BUILD_FAILED)')
    expect(human.stdout).toBe('')

    const json = await build(dir, '--json')
    expect(json.exitCode).toBe(1)
    expect(json.json.error).toMatchObject({ code: 'BUILD_FAILED', details: { errors: [{ file: 'src/index.js', line: 3 }] } })
    expect(existsSync(path.join(dir, 'build'))).toBe(false)
  })

  it('rejects a project whose artifact is a core module', async () => {
    const dir = writeProject(path.join(root, 'core'), {
      'wasmcloud.toml': `name = "core"\nversion = "0.1.0"\n[component]\nbuild_command = "mkdir -p build && cp ${knownCoreModule} build/core.wasm"\n`,
    })
    const result = await build(dir, '--json')
    expect(result.exitCode).toBe(1)
    expect(result.json.error.code).toBe('BUILD_NOT_COMPONENT')
    expect(existsSync(path.join(dir, 'build', 'core_s.wasm'))).toBe(false)
  })

  it('fails with BUILD_WIT_MISSING when a JS project has no wit/ folder', async () => {
    const dir = writeProject(path.join(root, 'nowit'), { 'wasmcloud.toml': 'name = "nowit"\nversion = "0.1.0"\nlanguage = "javascript"\n', 'src/index.js': '' })
    const result = await build(dir, '--json')
    expect(result.exitCode).toBe(1)
    expect(result.json.error).toMatchObject({ code: 'BUILD_WIT_MISSING', hints: [expect.stringContaining('wit/')] })
  })

  it('fails when the build command exits 0 but writes nothing', async () => {
    const dir = writeProject(path.join(root, 'lazy'), { 'wasmcloud.toml': 'name = "lazy"\nversion = "0.1.0"\n[component]\nbuild_command = "echo done"\n' })
    const result = await build(dir, '--json')
    expect(result.exitCode).toBe(1)
    expect(result.json.error.code).toBe('BUILD_ARTIFACT_MISSING')
    expect(result.json.error.message).toContain(path.join(dir, 'build', 'lazy.wasm'))
  })

  it('stops the whole toolchain process tree on Ctrl-C and exits 130', async () => {
    const pidFile = path.join(root, 'hang.pid')
    const dir = writeProject(path.join(root, 'hang'), {
      'wasmcloud.toml': `name = "hang"\nversion = "0.1.0"\n[component]\nbuild_command = "sleep 300 & echo $! > ${pidFile}; wait"\n`,
    })
    const child = execa('node', [binRun, 'build'], { cwd: dir, env: { ...env, CI: 'true' }, reject: false, stdin: 'ignore' })
    while (!existsSync(pidFile) || !readFileSync(pidFile, 'utf8').trim()) await sleep(50)
    const sleeper = Number(readFileSync(pidFile, 'utf8').trim())
    child.kill('SIGINT')
    const result = await child
    expect(result.exitCode).toBe(130)
    const alive = () => {
      try {
        process.kill(sleeper, 0)
        return true
      } catch {
        return false
      }
    }
    for (let i = 0; i < 60 && alive(); i++) await sleep(50)
    expect(alive()).toBe(false)
  })
})
