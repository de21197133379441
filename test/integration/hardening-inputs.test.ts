import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { execa } from 'execa'
import { beforeAll, describe, expect, it } from 'vitest'

import { KeyPair } from '../../src/claims/nkeys.js'
import { runCli } from '../helpers/cli.js'
import { useRegistry } from '../helpers/registry.js'
import { tempDir } from '../helpers/tmp.js'

/**
 * Issue 10 §4, inputs and errors: each repro of the audit, run against the built CLI. Every one
 * of these failed before the fix (a hang, a 21 GB read, exit 10 "Invalid URL", build output
 * outside the project, secrets in DEBUG output, a tampered file published, a float `exp`, ...).
 */
const root = tempDir('wasmctl-hardening-')
let counter = 0

/** A private HOME (no Docker login, no cache) and key folder per call. */
function isolated(extra: Record<string, string> = {}): Record<string, string> {
  const home = path.join(root, `home-${++counter}`)
  mkdirSync(home, { recursive: true })
  return { HOME: home, WASMCTL_CACHE_DIR: path.join(home, 'cache'), WASMCTL_KEYS: path.join(home, 'keys'), ...extra }
}

// The smallest component there is: the preamble of an empty one.
const EMPTY_COMPONENT = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00])

function writeComponent(name: string): string {
  const file = path.join(root, name)
  writeFileSync(file, EMPTY_COMPONENT)
  return file
}

async function signed(name: string, env: Record<string, string>): Promise<string> {
  const input = writeComponent(`${name}.wasm`)
  // Not --json, nor CI: those never generate keys.
  const result = await runCli(['sign', input, '--name', name, '--ver', '0.1.0', '--rev', '1'], { env: { ...env, CI: '' } })
  expect(result.exitCode, result.stderr).toBe(0)
  return path.join(root, `${name}_s.wasm`)
}

/** The final JSON document: the whole of stdout, or its last line for the NDJSON commands (up). */
function finalDocument(stdout: string): any {
  try {
    return JSON.parse(stdout)
  } catch {
    return JSON.parse(stdout.trim().split('\n').at(-1)!)
  }
}

describe('files that are not regular files', () => {
  it('refuses /dev/zero at once instead of reading it into memory', async () => {
    const result = await runCli(['inspect', '/dev/zero', '--json'], { env: isolated() })
    expect(result.exitCode).toBe(1)
    expect(result.json.error).toMatchObject({ code: 'FS_NOT_A_FILE', message: 'cannot read /dev/zero: it is a character device, not a regular file' })
  })

  it('refuses a FIFO instead of hanging, in every command that reads a wasm file', async () => {
    const fifo = path.join(root, 'pipe.wasm')
    await execa('mkfifo', [fifo])
    const commands = [
      ['inspect', fifo],
      ['sign', fifo, '--name', 'x', '--ver', '0.1.0', '--rev', '1', '-d', path.join(root, 'never_s.wasm')],
      ['push', '127.0.0.1:1/x/y:1', fifo],
      ['up', fifo, '--port', '0'],
    ]
    for (const args of commands) {
      const result = await runCli([...args, '--json'], { env: isolated(), timeout: 20_000 })
      expect(result.exitCode, `${args[0]}: ${result.stdout}${result.stderr}`).toBe(1)
      expect(finalDocument(result.stdout).error).toMatchObject({ code: 'FS_NOT_A_FILE', message: `cannot read ${fifo}: it is a named pipe (FIFO), not a regular file` })
    }
  })

  it('stops at the size limit and names it', async () => {
    const file = path.join(root, 'big.wasm')
    writeFileSync(file, Buffer.concat([EMPTY_COMPONENT, Buffer.alloc(4096)]))
    const result = await runCli(['inspect', file, '--json'], { env: isolated({ WASMCTL_MAX_WASM_SIZE: '1KiB' }) })
    expect(result.exitCode).toBe(1)
    expect(result.json.error).toMatchObject({ code: 'FS_FILE_TOO_LARGE', message: `cannot read ${file}: it is larger than the 1 KiB limit for wasm files (WASMCTL_MAX_WASM_SIZE)` })
  })
})

describe('references', () => {
  it.each([
    ['pull', 'host:99999/x:1'],
    ['push', 'host:99999/x:1', 'COMPONENT'],
    ['inspect', 'host:99999/x:1'],
    ['up', 'host:99999/x:1'],
  ])('%s %s is a usage error naming the port, not exit 10 "Invalid URL"', async (command, reference, file) => {
    const args = [command, reference, ...(file ? [writeComponent('ref.wasm')] : []), '--json']
    const result = await runCli(args, { env: isolated() })
    expect(result.exitCode, result.stdout + result.stderr).toBe(2)
    const envelope = finalDocument(result.stdout)
    expect(envelope.error.code).toBe('OCI_REFERENCE_INVALID')
    expect(envelope.error.message).toContain('"99999" in "host:99999" is not a port (1-65535)')
    expect(envelope.error.hints.join(' ')).toMatch(/port 1-65535/)
  })

  it('refuses an upper-case repository instead of lower-casing it', async () => {
    const result = await runCli(['pull', '127.0.0.1:1/Demo/Hello:V1', '--json'], { env: isolated() })
    expect(result.exitCode).toBe(2)
    expect(result.json.error).toMatchObject({ code: 'OCI_REFERENCE_INVALID', hints: ['use 127.0.0.1:1/demo/hello:V1'] })
    expect(result.json.error.message).toMatch(/repository names must be lower-case/)
  })
})

describe('project name', () => {
  it('refuses a name that would put build output outside the project, naming the key', async () => {
    const parent = path.join(root, 'name-escape')
    const project = path.join(parent, 'inner', 'app')
    mkdirSync(project, { recursive: true })
    writeFileSync(path.join(project, 'wasmcloud.toml'), 'name = "../../escaped"\nversion = "0.1.0"\nlanguage = "rust"\n[component]\nbuild_command = "true"\n')
    const result = await runCli(['build', '--json'], { cwd: project, env: isolated() })
    expect(result.exitCode).toBe(1)
    expect(result.json.error.code).toBe('PROJECT_INVALID')
    expect(result.json.error.message).toMatch(/name: must not contain "\/" or "\\"/)
    expect(readdirSync(parent)).toEqual(['inner'])
    expect(readdirSync(path.join(parent, 'inner'))).toEqual(['app'])
  })
})

describe('secrets and DEBUG=*', () => {
  it('never prints a registry password or a seed, though oclif logs argv', async () => {
    const password = 'hunter2-is-secret'
    const push = await runCli(['push', '127.0.0.1:1/x/y:1', writeComponent('debug.wasm'), '-u', 'me', '-p', password], { env: isolated({ DEBUG: '*' }) })
    expect(push.stderr).toMatch(/argv: \[.*'\*\*\*'/)
    expect(push.stderr + push.stdout).not.toContain(password)

    const env = isolated({ DEBUG: '*' })
    const seed = KeyPair.generate('account').seed
    const subject = KeyPair.generate('module').seed
    const sign = await runCli(['sign', writeComponent('debug-sign.wasm'), '--name', 'x', '--ver', '0.1.0', '--rev', '1', '--issuer', seed, `--subject=${subject}`], { env })
    expect(sign.exitCode, sign.stderr).toBe(0)
    expect(sign.stderr).toContain('***')
    expect(sign.stderr + sign.stdout).not.toContain(seed)
    expect(sign.stderr + sign.stdout).not.toContain(subject)

    const keys = await runCli(['keys', 'gen', 'account', '--save', 'mine'], { env })
    expect(keys.exitCode, keys.stderr).toBe(0)
    expect(keys.stderr).not.toMatch(/\bS[A-Z][A-Z2-7]{56}\b/)
  })
})

describe('numbers and keys on the command line', () => {
  it('refuses an --expires that would make a float exp', async () => {
    const input = writeComponent('expires.wasm')
    const result = await runCli(['sign', input, '--name', 'x', '--ver', '0.1.0', '--rev', '1', '--expires', '999999999999999999', '--json'], { env: isolated() })
    expect(result.exitCode).toBe(2)
    expect(result.json.error.code).toBe('USAGE')
    expect(result.json.error.message).toMatch(/36525/)
    expect(existsSync(path.join(root, 'expires_s.wasm'))).toBe(false)
  })

  it('refuses an --allowed-issuer that is not an account key', async () => {
    const result = await runCli(['up', writeComponent('issuer.wasm'), '--allowed-issuer', 'notakey', '--json'], { env: isolated() })
    expect(result.exitCode).toBe(2)
    expect(finalDocument(result.stdout).error).toMatchObject({ code: 'INPUT_INVALID', message: expect.stringMatching(/^--allowed-issuer: "notakey" is not an account public key/) })
  })
})

describe('error text', () => {
  it('shows control characters from a file name as escapes, never raw', async () => {
    const name = path.join(root, 'evil\x1b[2J\x07name\x01.wasm')
    const human = await runCli(['inspect', name], { env: isolated() })
    expect(human.exitCode).toBe(1)
    expect(human.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/)
    expect(human.stderr).toContain('evil\\x1b[2J\\x07name\\x01.wasm')
    const json = await runCli(['inspect', name, '--json'], { env: isolated() })
    expect(json.json.error.message).toContain('evil\\x1b[2J\\x07name\\x01.wasm')
  })
})

describe('against a registry', () => {
  const registry = useRegistry()
  let signedFile: string

  beforeAll(async () => {
    signedFile = await signed('pushme', isolated())
  })

  it('refuses to push a signed file modified after signing, unless --allow-invalid-claims', async () => {
    const tampered = path.join(root, 'tampered_s.wasm')
    // A custom section appended after signing changes the wascap hash.
    writeFileSync(tampered, Buffer.concat([readFileSync(signedFile), Buffer.from([0x00, 0x04, 0x01, 0x78, 0x79, 0x7a])]))
    const refused = await runCli(['push', `${registry.host}/demo/tampered:1`, tampered, '--json'], { env: isolated() })
    expect(refused.exitCode).toBe(1)
    expect(refused.json.error.code).toBe('CLAIMS_HASH_MISMATCH')
    expect(refused.json.error.message).toContain(`refusing to push ${tampered}`)
    expect(refused.json.error.hints).toContain('to publish it anyway, pass --allow-invalid-claims')
    const tags = await fetch(`${registry.url}/v2/demo/tampered/tags/list`)
    expect(tags.status).toBe(404)

    const forced = await runCli(['push', `${registry.host}/demo/tampered:1`, tampered, '--allow-invalid-claims', '--json'], { env: isolated() })
    expect(forced.exitCode, forced.stderr).toBe(0)
    const fine = await runCli(['push', `${registry.host}/demo/fine:1`, signedFile, '--json'], { env: isolated() })
    expect(fine.exitCode, fine.stderr).toBe(0)
  })

  it('cleans up a temp file a killed pull left beside the output', async () => {
    const push = await runCli(['push', `${registry.host}/demo/leftover:1`, signedFile, '--json'], { env: isolated() })
    expect(push.exitCode, push.stderr).toBe(0)
    const dir = path.join(root, 'leftover')
    mkdirSync(dir)
    // The pid of a process that has exited: what a SIGKILLed pull leaves looks like this.
    const gone = execa('true')
    const pid = gone.pid
    await gone
    const stale = path.join(dir, `.out.wasm.wasmctl-tmp-${pid}-1`)
    writeFileSync(stale, 'half a download')
    const output = path.join(dir, 'out.wasm')
    const pull = await runCli(['pull', `${registry.host}/demo/leftover:1`, '--destination', output, '--json'], { env: isolated() })
    expect(pull.exitCode, pull.stderr).toBe(0)
    expect(readdirSync(dir)).toEqual(['out.wasm'])
    expect(readFileSync(output).equals(readFileSync(signedFile))).toBe(true)
  })
})

describe('a Docker config.json that cannot be used', () => {
  const registry = useRegistry({ htpasswd: { user: 'me', password: 'pw' } })

  it('is a warning naming the file (in the JSON envelope and on stderr), not silence', async () => {
    const env = isolated()
    const config = path.join(env.HOME, '.docker', 'config.json')
    mkdirSync(path.dirname(config), { recursive: true })
    writeFileSync(config, `{"auths": {"${registry.host}": {"auth": "${Buffer.from('me:pw').toString('base64')}"}`)
    appendFileSync(config, '\n')
    const json = await runCli(['pull', `${registry.host}/demo/x:1`, '--json'], { env })
    expect(json.exitCode).toBe(1)
    expect(json.json.warnings).toEqual([`ignoring the Docker config ${config}: it is not valid JSON; registry credentials from it are not used`])
    const human = await runCli(['pull', `${registry.host}/demo/x:1`], { env })
    expect(human.stderr).toContain(`warning: ignoring the Docker config ${config}: it is not valid JSON`)
    expect(human.stderr + json.stdout).not.toContain(Buffer.from('me:pw').toString('base64'))
  })
})
