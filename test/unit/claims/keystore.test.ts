import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { afterEach, describe, expect, it } from 'vitest'

import {
  defaultKeyName,
  fileStem,
  generateKey,
  listKeys,
  loadKey,
  lookupKeyDirectory,
  readSeedFile,
  resolveKeyDirectory,
  saveKey,
} from '../../../src/claims/keystore.js'
import { KeyPair } from '../../../src/claims/nkeys.js'
import { parseProject } from '../../../src/project/load.js'
import { tempDir } from '../../helpers/tmp.js'

const root = tempDir('wasmctl-keystore-')
let counter = 0
const freshDir = () => path.join(root, `dir-${++counter}`, 'keys')
const mode = (p: string) => statSync(p).mode & 0o777

describe('saveKey', () => {
  it('creates the folder 0700 and the file 0600 holding only the seed', async () => {
    const dir = freshDir()
    const key = KeyPair.generate('account')
    const file = await saveKey(dir, 'alice_account', key)
    expect(file).toBe(path.join(dir, 'alice_account.nk'))
    expect(mode(dir)).toBe(0o700)
    expect(mode(file)).toBe(0o600)
    expect(readFileSync(file, 'utf8')).toBe(key.seed)
  })

  it('tightens an existing folder that others can read', async () => {
    const dir = freshDir()
    mkdirSync(dir, { recursive: true, mode: 0o755 })
    chmodSync(dir, 0o755)
    await saveKey(dir, 'k', KeyPair.generate('module'))
    expect(mode(dir)).toBe(0o700)
  })

  it('refuses to replace a key, and replaces it atomically (new inode, no temp files) only when asked', async () => {
    const dir = freshDir()
    const first = KeyPair.generate('module')
    const file = await saveKey(dir, 'app_module', first)
    const inode = statSync(file).ino
    await expect(saveKey(dir, 'app_module', KeyPair.generate('module'))).rejects.toMatchObject({ code: 'KEY_EXISTS' })
    expect(readFileSync(file, 'utf8')).toBe(first.seed)
    const second = KeyPair.generate('module')
    await saveKey(dir, 'app_module', second, { overwrite: true })
    expect(readFileSync(file, 'utf8')).toBe(second.seed)
    expect(statSync(file).ino).not.toBe(inode)
    expect(mode(file)).toBe(0o600)
    expect(readdirSync(dir)).toEqual(['app_module.nk'])
  })

  it('rejects names that would escape the directory', async () => {
    await expect(saveKey(freshDir(), '../evil', KeyPair.generate('user'))).rejects.toMatchObject({ code: 'INPUT_INVALID' })
    await expect(saveKey(freshDir(), 'a/b', KeyPair.generate('user'))).rejects.toMatchObject({ code: 'INPUT_INVALID' })
  })
})

describe('reading keys', () => {
  it('loads a key by name, tolerating a trailing newline', async () => {
    const dir = freshDir()
    const key = KeyPair.generate('account')
    mkdirSync(dir, { recursive: true })
    writeFileSync(path.join(dir, 'hand_account.nk'), `${key.seed}\n`)
    expect(loadKey(dir, 'hand_account').publicKey).toBe(key.publicKey)
  })

  it('names missing keys and invalid files without showing their content', () => {
    const dir = freshDir()
    expect(() => loadKey(dir, 'nope')).toThrow(expect.objectContaining({ code: 'KEY_NOT_FOUND' }))
    mkdirSync(dir, { recursive: true })
    const seed = KeyPair.generate('account').seed
    const corrupted = seed.slice(0, 10) + (seed[10] === 'A' ? 'B' : 'A') + seed.slice(11)
    writeFileSync(path.join(dir, 'bad.nk'), corrupted)
    let message = ''
    try {
      readSeedFile(path.join(dir, 'bad.nk'))
    } catch (error) {
      expect((error as { code: string }).code).toBe('KEY_INVALID')
      message = (error as Error).message
    }
    expect(message).toMatch(/bad\.nk does not hold a valid seed: seed has a bad checksum/)
    expect(message).not.toContain(corrupted)
  })

  it('lists names, types and public keys, never seeds', async () => {
    const dir = freshDir()
    const a = KeyPair.generate('account')
    const m = KeyPair.generate('module')
    await saveKey(dir, 'b_module', m)
    await saveKey(dir, 'a_account', a)
    writeFileSync(path.join(dir, 'broken.nk'), 'garbage')
    writeFileSync(path.join(dir, 'notes.txt'), 'ignored')
    const keys = listKeys(dir)
    expect(keys.map((k) => [k.name, k.type, k.publicKey])).toEqual([
      ['a_account', 'account', a.publicKey],
      ['b_module', 'module', m.publicKey],
      ['broken', undefined, undefined],
    ])
    expect(keys[2].error).toMatch(/does not hold a valid seed/)
    expect(JSON.stringify(keys)).not.toContain(a.seed)
    expect(JSON.stringify(keys)).not.toContain(m.seed)
    expect(listKeys(path.join(root, 'missing'))).toEqual([])
  })

  it('generates every type, `component` meaning a module key', async () => {
    const dir = freshDir()
    expect((await generateKey({ type: 'component' })).type).toBe('module')
    const saved = await generateKey({ type: 'service', save: 'svc', keysDirectory: dir })
    expect(saved.publicKey[0]).toBe('V')
    expect(readFileSync(saved.file!, 'utf8')).toBe(saved.seed)
  })
})

describe('key directory resolution', () => {
  const project = (keyDirectory?: string) =>
    parseProject(`name = "app"\nlanguage = "rust"\ntype = "component"\nversion = "0.1.0"\n${keyDirectory ? `[component]\nkey_directory = "${keyDirectory}"\n` : ''}`, path.join(root, 'proj', 'wasmcloud.toml'))

  it('prefers the flag, then WASMCTL_KEYS, then WASH_KEYS, then the project, then ~/.wash/keys', () => {
    const env = { WASMCTL_KEYS: '/env/wasmctl', WASH_KEYS: '/env/wash' }
    expect(resolveKeyDirectory({ flag: 'rel/keys', env, cwd: '/work', project: project('/proj/keys') })).toBe('/work/rel/keys')
    expect(resolveKeyDirectory({ env, project: project('/proj/keys') })).toBe('/env/wasmctl')
    expect(resolveKeyDirectory({ env: { WASH_KEYS: '/env/wash' }, project: project('/proj/keys') })).toBe('/env/wash')
    expect(resolveKeyDirectory({ env: {}, project: project('/proj/keys') })).toBe('/proj/keys')
    expect(resolveKeyDirectory({ env: {}, project: project() })).toBe(path.join(os.homedir(), '.wash', 'keys'))
    expect(resolveKeyDirectory({ env: { WASH_KEYS: '' } })).toBe(path.join(os.homedir(), '.wash', 'keys'))
    expect(resolveKeyDirectory({ flag: '~/k', env: {} })).toBe(path.join(os.homedir(), 'k'))
  })

  it('finds the project itself when looking up, and reads it only when the flag and the environment leave it open', async () => {
    const dir = path.join(root, 'lookup', 'sub')
    mkdirSync(dir, { recursive: true })
    writeFileSync(path.join(root, 'lookup', 'wasmcloud.toml'), 'name = "app"\nlanguage = "rust"\ntype = "component"\nversion = "0.1.0"\n[component]\nkey_directory = "./mykeys"\n')
    expect(await lookupKeyDirectory({ env: {}, cwd: dir })).toBe(path.join(root, 'lookup', 'mykeys'))
    const broken = path.join(root, 'broken-project')
    mkdirSync(broken, { recursive: true })
    writeFileSync(path.join(broken, 'wasmcloud.toml'), 'name = \n')
    await expect(lookupKeyDirectory({ env: {}, cwd: broken })).rejects.toMatchObject({ code: 'PROJECT_INVALID' })
    expect(await lookupKeyDirectory({ flag: 'keys', env: {}, cwd: broken })).toBe(path.join(broken, 'keys'))
    expect(await lookupKeyDirectory({ env: { WASH_KEYS: '/env/wash' }, cwd: broken })).toBe('/env/wash')
  })
})

describe('wash key naming', () => {
  const savedUser = process.env.USER
  afterEach(() => {
    if (savedUser === undefined) delete process.env.USER
    else process.env.USER = savedUser
  })

  it('names account keys after $USER (or "user") and module keys after the file stem', () => {
    process.env.USER = 'alice'
    expect(defaultKeyName('account', 'ignored')).toBe('alice_account')
    delete process.env.USER
    expect(defaultKeyName('account', 'ignored')).toBe('user_account')
    expect(defaultKeyName('module', fileStem('/x/build/http_hello.wasm'))).toBe('http_hello_module')
    expect(fileStem('noext')).toBe('noext')
  })
})
