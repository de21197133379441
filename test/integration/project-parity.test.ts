import { cpSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from 'vitest'

import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

/**
 * wash projects through the built CLI: what the reader decides (name and version from Cargo.toml,
 * WASMCLOUD_* overrides, provider projects, deprecation warnings) is what `build` acts on. The
 * builds here use a build_command that writes nothing, so they stop at BUILD_ARTIFACT_MISSING,
 * whose details name the artifact the project's name decides (`build/<name>.wasm`): no toolchain
 * is needed.
 */
const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/wash-parser')

function project(files: Record<string, string>): string {
  const dir = tempDir('wasmctl-parity-')
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content)
  return dir
}

const noop = '[component]\nbuild_command = "node -e 0"\n'

describe('wash project files through the CLI', () => {
  it('refuses to build a provider project, saying why and what to use', async () => {
    const dir = tempDir('wasmctl-parity-provider-')
    cpSync(path.join(fixtures, 'no_provider.toml'), path.join(dir, 'wasmcloud.toml'))
    const json = await runCli(['build', '--json'], { cwd: dir })
    expect(json.exitCode).toBe(1)
    expect(json.json).toMatchObject({ status: 1, error: { code: 'PROJECT_PROVIDER_UNSUPPORTED', message: expect.stringMatching(/^providers are not built by wasmctl: .*wasmcloud\.toml has type = "provider"$/) } })
    expect(json.json.error.hints.join('\n')).toMatch(/wash build/)

    const human = await runCli(['build'], { cwd: dir })
    expect(human.exitCode).toBe(1)
    expect(human.stdout).toBe('')
    expect(human.stderr).toMatch(/^Error: providers are not built by wasmctl: .* \(PROJECT_PROVIDER_UNSUPPORTED\)$/m)
    expect(human.stderr).not.toMatch(/\n\s+at /)
  })

  it("builds a Rust project whose name and version are only in Cargo.toml, as wash does", async () => {
    const dir = project({ 'wasmcloud.toml': `language = "rust"\ntype = "component"\n${noop}`, 'Cargo.toml': '[package]\nname = "from-cargo"\nversion = "0.4.0"\n' })
    const result = await runCli(['build', '--json'], { cwd: dir })
    expect(result.json?.error).toMatchObject({ code: 'BUILD_ARTIFACT_MISSING', details: { artifact: path.join(dir, 'build', 'from-cargo.wasm') } })
  })

  it('takes WASMCLOUD_NAME from the environment over the file', async () => {
    const dir = project({ 'wasmcloud.toml': `name = "from-file"\nversion = "0.1.0"\n${noop}` })
    const result = await runCli(['build', '--json'], { cwd: dir, env: { WASMCLOUD_NAME: 'from-env' } })
    expect(result.json?.error).toMatchObject({ code: 'BUILD_ARTIFACT_MISSING', details: { artifact: path.join(dir, 'build', 'from-env.wasm') } })
  })

  it('reports every problem of the file at once, with key names and the variable that set one', async () => {
    const dir = project({ 'wasmcloud.toml': 'name = "x"\n[[registry.pull.sources]]\ntarget = "wasi"\nsource = "ghcr.io/x"\n[tinygo]\nscheduler = "fast"\n' })
    const result = await runCli(['build', '--json'], { cwd: dir, env: { WASMCLOUD_VERSION: 'latest' } })
    expect(result.exitCode).toBe(1)
    expect(result.json.error.code).toBe('PROJECT_INVALID')
    expect(result.json.error.details.problems.map((problem: { key: string }) => problem.key).sort()).toEqual(['registry.pull.sources.0.source', 'tinygo.scheduler', 'version'])
    expect(result.json.error.message).toMatch(/version: must be a semantic version such as "0\.1\.0" \(set by WASMCLOUD_VERSION\)/)
  })

  it('reads the legacy actor spelling and says it is deprecated', async () => {
    const dir = project({ 'wasmcloud.toml': `name = "old"\nversion = "0.1.0"\ntype = "actor"\n[actor]\nbuild_command = "node -e 0"\n` })
    const result = await runCli(['build'], { cwd: dir })
    expect(result.stderr).toMatch(/type = "actor" is deprecated/)
    expect(result.stderr).toMatch(/\[actor\] is deprecated/)
    expect(result.stderr).toMatch(/BUILD_ARTIFACT_MISSING/)
  })
})
