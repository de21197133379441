import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

const root = tempDir('wasmctl-keys-it-')
// A private HOME so nothing here can touch the real ~/.wash/keys.
const env = { HOME: path.join(root, 'home'), USER: 'tester' }

describe('wasmctl keys gen', () => {
  // Every type is covered by the unit tests; here the CLI's argument mapping (component = module).
  it.each([
    ['account', 'A'],
    ['component', 'M'],
    ['service', 'V'],
  ])('%s: --json gives the public key and the seed', async (type, prefix) => {
    const { exitCode, json, stderr } = await runCli(['keys', 'gen', type, '--json'], { env })
    expect(stderr).toBe('')
    expect(exitCode).toBe(0)
    expect(json.result.publicKey).toMatch(new RegExp(`^${prefix}[A-Z2-7]{55}$`))
    expect(json.result.seed).toMatch(new RegExp(`^S${prefix}[A-Z2-7]{56}$`))
  })

  it('prints both in human mode', async () => {
    const { exitCode, stdout } = await runCli(['keys', 'gen', 'account'], { env })
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/^Public Key: A[A-Z2-7]{55}\nSeed: SA[A-Z2-7]{56}$/)
  })

  it('refuses an unknown type as a usage error', async () => {
    const { exitCode, json } = await runCli(['keys', 'gen', 'wizard', '--json'], { env })
    expect(exitCode).toBe(2)
    expect(json.error.code).toBe('USAGE')
  })
})

describe('saving, listing and reading keys', () => {
  const dir = path.join(root, 'store')

  it('saves 0600 in a 0700 folder, lists without seeds, and shows a seed only when asked', async () => {
    const saved = await runCli(['keys', 'gen', 'module', '--save', 'app_module', '--keys-directory', dir, '--json'], { env })
    expect(saved.exitCode).toBe(0)
    expect(saved.json.result.seed).toBeUndefined()
    const file = path.join(dir, 'app_module.nk')
    expect(saved.json.result.file).toBe(file)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const seed = readFileSync(file, 'utf8')
    expect(seed).toMatch(/^SM[A-Z2-7]{56}$/)

    const list = await runCli(['keys', 'list'], { env: { ...env, WASH_KEYS: dir } })
    expect(list.exitCode).toBe(0)
    expect(list.stdout).toContain(`app_module  ${saved.json.result.publicKey}`)
    expect(list.stdout + list.stderr).not.toContain(seed)

    const listJson = await runCli(['keys', 'list', '--keys-directory', dir, '--json'], { env })
    expect(listJson.json.result).toEqual({ directory: dir, keys: [{ name: 'app_module', type: 'module', publicKey: saved.json.result.publicKey }] })

    const get = await runCli(['keys', 'get', 'app_module', '--keys-directory', dir], { env })
    expect(get.stdout).toBe(saved.json.result.publicKey)
    const withSeed = await runCli(['keys', 'get', 'app_module', '--keys-directory', dir, '--show-seed', '--json'], { env })
    expect(withSeed.json.result).toMatchObject({ name: 'app_module', type: 'module', publicKey: saved.json.result.publicKey, seed })
  })

  it('refuses to overwrite a saved key and reports missing ones', async () => {
    const again = await runCli(['keys', 'gen', 'module', '--save', 'app_module', '--keys-directory', dir, '--json'], { env })
    expect(again.exitCode).toBe(1)
    expect(again.json.error.code).toBe('KEY_EXISTS')
    const missing = await runCli(['keys', 'get', 'nobody', '--keys-directory', dir], { env })
    expect(missing.exitCode).toBe(1)
    expect(missing.stderr).toMatch(/^Error: no key named "nobody" in .* \(KEY_NOT_FOUND\)\n  hint: /)
  })
})

describe('which key directory', () => {
  it('takes WASMCTL_KEYS, else the project key_directory, else ~/.wash/keys', async () => {
    const fromEnv = path.join(root, 'env-keys')
    const saved = await runCli(['keys', 'gen', 'account', '--save', 'ci_account', '--json'], { env: { ...env, WASMCTL_KEYS: fromEnv } })
    expect(saved.json.result.file).toBe(path.join(fromEnv, 'ci_account.nk'))

    const project = path.join(root, 'project')
    mkdirSync(path.join(project, 'src'), { recursive: true })
    writeFileSync(path.join(project, 'wasmcloud.toml'), 'name = "app"\nversion = "0.1.0"\n[component]\nkey_directory = "./keys"\n')
    const inProject = await runCli(['keys', 'gen', 'module', '--save', 'app_module', '--json'], { env, cwd: path.join(project, 'src') })
    expect(inProject.json.result.file).toBe(path.join(project, 'keys', 'app_module.nk'))

    const elsewhere = await runCli(['keys', 'list', '--json'], { env, cwd: root })
    expect(elsewhere.json.result.directory).toBe(path.join(env.HOME, '.wash', 'keys'))
  })

  it('does not read a broken wasmcloud.toml when the flag or the environment names the directory', async () => {
    const broken = path.join(root, 'broken')
    mkdirSync(broken, { recursive: true })
    writeFileSync(path.join(broken, 'wasmcloud.toml'), 'name = \n')
    const looked = await runCli(['keys', 'list', '--json'], { env, cwd: broken })
    expect(looked.exitCode).toBe(1)
    expect(looked.json.error.code).toBe('PROJECT_INVALID')
    const given = await runCli(['keys', 'list', '--keys-directory', path.join(root, 'store'), '--json'], { env, cwd: broken })
    expect(given.exitCode).toBe(0)
    const viaEnv = await runCli(['keys', 'list', '--json'], { env: { ...env, WASH_KEYS: path.join(root, 'store') }, cwd: broken })
    expect(viaEnv.json.result.directory).toBe(path.join(root, 'store'))
  })
})
