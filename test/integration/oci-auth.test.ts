import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { beforeAll, describe, expect, it } from 'vitest'

import { runCli } from '../helpers/cli.js'
import { useRegistry } from '../helpers/registry.js'
import { tempDir } from '../helpers/tmp.js'

// Registry credentials from every source wasmctl reads, against a real htpasswd (bcrypt) registry.
const user = 'alice'
const password = 'Sup3r-s3cret-pw'
const registry = useRegistry({ htpasswd: { user, password } })
const dir = tempDir('wasmctl-oci-auth-')
let counter = 0
let component: string

function home(dockerConfig?: unknown): Record<string, string> {
  const root = path.join(dir, `home-${++counter}`)
  mkdirSync(path.join(root, '.docker'), { recursive: true })
  if (dockerConfig) writeFileSync(path.join(root, '.docker', 'config.json'), JSON.stringify(dockerConfig))
  return { HOME: root, WASMCTL_CACHE_DIR: path.join(root, 'cache') }
}

function expectNoSecret(result: { stdout: string; stderr: string }): void {
  expect(result.stdout).not.toContain(password)
  expect(result.stderr).not.toContain(password)
  expect(result.stdout + result.stderr).not.toContain(Buffer.from(`${user}:${password}`).toString('base64'))
}

beforeAll(() => {
  // A small real component: an empty component with a payload, distinct per run.
  component = path.join(dir, 'small.wasm')
  writeFileSync(component, Buffer.concat([Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]), Buffer.from([0x00, 0x0a, 0x04]), Buffer.from('test'), Buffer.from('data!')]))
})

describe('registry authentication', () => {
  it('fails with OCI_AUTH_FAILED and a hint when no credentials are found', async () => {
    const result = await runCli(['push', `${registry.host}/private/app:1`, component, '--json'], { env: home() })
    expect(result.exitCode).toBe(1)
    expect(result.json.error.code).toBe('OCI_AUTH_FAILED')
    expect(result.json.error.message).toMatch(/requires authentication/)
    expect(result.json.error.hints.join(' ')).toMatch(/--user and --password/)
    expect(result.json.error.hints.join(' ')).toMatch(/docker login/)
  })

  it('names the source of rejected credentials without showing them', async () => {
    const result = await runCli(['pull', `${registry.host}/private/app:1`, '--user', user, '--password', `${password}-wrong`, '--json'], { env: home() })
    expect(result.exitCode).toBe(1)
    expect(result.json.error.code).toBe('OCI_AUTH_FAILED')
    expect(result.json.error.message).toContain('--user/--password')
    expect(result.stdout).not.toContain(`${password}-wrong`)
  })

  it('takes --user/--password', async () => {
    const result = await runCli(['push', `${registry.host}/private/app:1`, component, '-u', user, '-p', password, '--json'], { env: home() })
    expect(result.exitCode, result.stderr).toBe(0)
    expectNoSecret(result)
  })

  it.each([
    ['WASMCTL_REG_USER', 'WASMCTL_REG_PASSWORD'],
    ['WASH_REG_USER', 'WASH_REG_PASSWORD'],
  ])('takes %s / %s from the environment', async (userVariable, passwordVariable) => {
    const output = path.join(dir, `env-${userVariable}.wasm`)
    const result = await runCli(['pull', `${registry.host}/private/app:1`, '--destination', output, '--json'], {
      env: { ...home(), [userVariable]: user, [passwordVariable]: password },
    })
    expect(result.exitCode, result.stderr).toBe(0)
    expect(Buffer.compare(readFileSync(output), readFileSync(component))).toBe(0)
    expectNoSecret(result)
  })

  it('takes the password from stdin with --password-stdin', async () => {
    const result = await runCli(['pull', `${registry.host}/private/app:1`, '-u', user, '--password-stdin', '--destination', path.join(dir, 'stdin.wasm'), '--json'], {
      env: home(),
      stdin: 'pipe',
      input: `${password}\n`,
    })
    expect(result.exitCode, result.stderr).toBe(0)
    expectNoSecret(result)
  })

  it('reads a Docker config.json (auths) from a temporary HOME', async () => {
    const auth = Buffer.from(`${user}:${password}`).toString('base64')
    const env = home({ auths: { [`http://${registry.host}`]: { auth } } })
    const push = await runCli(['push', `${registry.host}/private/docker:1`, component, '--json'], { env })
    expect(push.exitCode, push.stderr).toBe(0)
    const pull = await runCli(['pull', `${registry.host}/private/docker:1`, '--destination', path.join(dir, 'docker.wasm'), '--json', '--log-level', 'debug'], { env })
    expect(pull.exitCode, pull.stderr).toBe(0)
    expect(pull.stderr).toContain('config.json')
    expectNoSecret(pull)
  })

  it('reads the project [registry] credentials file', async () => {
    const project = path.join(dir, 'project')
    mkdirSync(project, { recursive: true })
    writeFileSync(path.join(project, 'creds.json'), JSON.stringify({ [registry.host]: { username: user, password, registryType: 'oci' } }))
    writeFileSync(path.join(project, 'wasmcloud.toml'), 'name = "app"\nversion = "0.1.0"\n[registry]\ncredentials = "./creds.json"\n')
    const result = await runCli(['pull', `${registry.host}/private/app:1`, '--destination', path.join(dir, 'project.wasm'), '--json'], { env: home(), cwd: project })
    expect(result.exitCode, result.stderr).toBe(0)
  })
})
