import { describe, expect, it } from 'vitest'

import { runCli } from '../helpers/cli.js'

describe('the wasmctl CLI', () => {
  it('prints its version', async () => {
    const result = await runCli(['--version'])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/^wasmctl\/\d+\.\d+\.\d+ /)
  })

  it('lists every command in --help', async () => {
    const result = await runCli(['--help'])
    expect(result.exitCode).toBe(0)
    for (const command of ['build', 'dev', 'inspect', 'pull', 'push', 'sign', 'up', 'keys', 'new', 'templates']) {
      expect(result.stdout).toContain(command)
    }
  })

  it('suggests the closest command for a typo, and runs nothing', async () => {
    const result = await runCli(['templtes', 'list'])
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain('"templtes list" is not a wasmctl command. Did you mean "templates list"?')
  })

  it('an argument a command does not take is an unexpected argument of that command, not an unknown command', async () => {
    const result = await runCli(['keys', 'list', 'extra', '--json'])
    expect(result.exitCode).toBe(2)
    expect(result.json).toMatchObject({ status: 2, error: { code: 'USAGE', message: 'Unexpected argument: extra', hints: ['run `wasmctl keys list --help` to see its usage'] } })
  })

  it('reports an unknown command in the JSON envelope with --json', async () => {
    const result = await runCli(['biuld', '--json'])
    expect(result.exitCode).toBe(2)
    expect(result.json).toMatchObject({ status: 2, error: { code: 'USAGE', message: expect.stringContaining('Did you mean "build"?') } })
  })

  it('turns a bad flag into a one-line usage error without a stack trace', async () => {
    const human = await runCli(['templates', 'list', '--no-such-flag'])
    expect(human.exitCode).toBe(2)
    expect(human.stderr).toMatch(/^Error: Nonexistent flag: --no-such-flag \(USAGE\)/)
    expect(human.stderr).not.toMatch(/\n\s+at /)
    const json = await runCli(['templates', 'list', '--no-such-flag', '--json'])
    expect(json.exitCode).toBe(2)
    expect(json.json).toEqual({ status: 2, error: { code: 'USAGE', message: 'Nonexistent flag: --no-such-flag', hints: [expect.any(String)] } })
  })

  it('wraps a result in the JSON envelope and keeps stdout to that one document', async () => {
    const result = await runCli(['templates', 'list', '--json'])
    expect(result.exitCode).toBe(0)
    expect(result.json).toMatchObject({ status: 0, warnings: [] })
    expect(JSON.parse(result.stdout)).toEqual(result.json)
  })

  it('shows the stack trace only when asked', async () => {
    const quiet = await runCli(['inspect', '/no/such/file.wasm'])
    expect(quiet.exitCode).toBe(1)
    expect(quiet.stderr.trim().split('\n')[0]).toMatch(/^Error: .*no\/such\/file\.wasm.*\(FS_ERROR|\(OCI_/)
    expect(quiet.stderr).not.toMatch(/\n\s+at /)
    const debug = await runCli(['inspect', '/no/such/file.wasm', '--log-level', 'debug'])
    expect(debug.stderr).toMatch(/\n\s+at /)
    const fromEnv = await runCli(['inspect', '/no/such/file.wasm', '--json'], { env: { DEBUG: 'wasmctl*' } })
    expect(fromEnv.json.error.code).toBe('FS_ERROR')
    expect(fromEnv.stderr).toMatch(/\n\s+at /)
  })
})
