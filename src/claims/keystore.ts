import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { fsError, WasmctlError } from '../errors.js'
import { writeFileAtomic } from '../files.js'
import { locateProject } from '../project/locate.js'
import type { Project } from '../project/schema.js'
import { KeyPair, type KeyType } from './nkeys.js'

/**
 * The key directory, laid out as wash lays it out: one `<name>.nk` file per key holding only the
 * seed (no newline), files 0600 in a 0700 folder, account keys named `<user>_account`, component
 * keys `<stem>_module`. Seeds never leave this module except through `KeyPair.seed`.
 */

export const KEY_FILE_EXTENSION = '.nk'

/** Help text of every command's `--keys-directory` flag. */
export const KEYS_DIRECTORY_HELP = 'Key directory (default: WASMCTL_KEYS, WASH_KEYS, [component] key_directory, ~/.wash/keys).'

export interface ResolveKeyDirectoryOptions {
  /** `--keys-directory`. */
  flag?: string
  project?: Project
  env?: NodeJS.ProcessEnv
  cwd?: string
}

/** `--keys-directory` > `WASMCTL_KEYS` / `WASH_KEYS` > `[component] key_directory` > `~/.wash/keys`. */
export function resolveKeyDirectory(opts: ResolveKeyDirectoryOptions = {}): string {
  const cwd = opts.cwd ?? process.cwd()
  const given = givenKeyDirectory(opts)
  if (given !== undefined) return path.resolve(cwd, expandHome(given))
  if (opts.project?.component.keyDirectory) return opts.project.component.keyDirectory
  return path.join(os.homedir(), '.wash', 'keys')
}

/**
 * `resolveKeyDirectory` for commands run outside a known project (`keys`): looks for a
 * wasmcloud.toml at or above `cwd` only when neither the flag nor the environment decides, so a
 * broken project file in the way never stops `keys list --keys-directory DIR`.
 */
export async function lookupKeyDirectory(opts: Omit<ResolveKeyDirectoryOptions, 'project'> = {}): Promise<string> {
  const project = givenKeyDirectory(opts) === undefined ? await locateProject({ cwd: opts.cwd }) : undefined
  return resolveKeyDirectory({ ...opts, project })
}

function givenKeyDirectory(opts: ResolveKeyDirectoryOptions): string | undefined {
  const env = opts.env ?? process.env
  return [opts.flag, env.WASMCTL_KEYS, env.WASH_KEYS].find((value) => value !== undefined && value !== '')
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p
}

/** wash's key name: `<stem>_<type>`, where an account's stem is the user name. */
export function defaultKeyName(type: KeyType, stem: string): string {
  return `${type === 'account' ? accountStem() : stem}_${type}`
}

function accountStem(): string {
  // wash reads $USER and falls back to "user".
  const user = process.env.USER
  return user !== undefined && user !== '' ? user : 'user'
}

/** `foo.wasm` -> `foo` (the file stem wash names module keys after). */
export function fileStem(file: string): string {
  const base = path.basename(file)
  const dot = base.lastIndexOf('.')
  return dot > 0 ? base.slice(0, dot) : base
}

export function keyFilePath(directory: string, name: string): string {
  return path.join(directory, `${name}${KEY_FILE_EXTENSION}`)
}

const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/

export function checkKeyName(name: string): void {
  if (!KEY_NAME.test(name) || name.includes('..')) {
    throw new WasmctlError('INPUT_INVALID', `invalid key name "${name}"`, {
      hints: ['use letters, digits, "_", "-", "." or "@" (the file is <name>.nk in the key directory)'],
    })
  }
}

/** Creates the directory 0700 (and tightens an existing one, as wash does when it saves). */
export function ensureKeyDirectory(directory: string): void {
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 })
    if ((statSync(directory).mode & 0o077) !== 0) chmodSync(directory, 0o700)
  } catch (error) {
    throw fsError(error, 'create the key directory', directory)
  }
}

/** Stores a seed as `<dir>/<name>.nk`, 0600, atomically; refuses to replace a key unless asked. */
export async function saveKey(directory: string, name: string, key: KeyPair, options: { overwrite?: boolean } = {}): Promise<string> {
  checkKeyName(name)
  ensureKeyDirectory(directory)
  const file = keyFilePath(directory, name)
  if (!options.overwrite && existsSync(file)) {
    throw new WasmctlError('KEY_EXISTS', `a key named "${name}" already exists at ${file}`, {
      hints: ['choose another name, or delete the file first if you really mean to replace that key'],
    })
  }
  try {
    await writeFileAtomic(file, key.seed, { mode: 0o600 })
  } catch (error) {
    throw fsError(error, 'write the key file', file)
  }
  return file
}

/** Reads a seed file; a trailing newline from a hand edit is tolerated. */
export function readSeedFile(file: string): KeyPair {
  let text: string
  try {
    // A seed file is a few dozen bytes: a FIFO or device named instead must not hang or flood.
    const info = statSync(file)
    if (!info.isFile()) {
      throw new WasmctlError('FS_NOT_A_FILE', `cannot read the key file ${file}: it is not a regular file`, { hints: ['name the .nk file that holds the seed'] })
    }
    if (info.size > 4096) {
      throw new WasmctlError('KEY_INVALID', `${file} does not hold a valid seed: it is ${info.size} bytes long`, { hints: ['a .nk file holds exactly one nkeys seed (58 characters starting with S)'] })
    }
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if (error instanceof WasmctlError) throw error
    throw fsError(error, 'read the key file', file)
  }
  try {
    return KeyPair.fromSeed(text.trim())
  } catch (error) {
    const wasmctlError = error as WasmctlError
    throw new WasmctlError('KEY_INVALID', `${file} does not hold a valid seed: ${wasmctlError.message}`, {
      cause: error,
      hints: ['a .nk file holds exactly one nkeys seed (58 characters starting with S)'],
      details: wasmctlError.details,
    })
  }
}

export function loadKey(directory: string, name: string): KeyPair {
  checkKeyName(name)
  const file = keyFilePath(directory, name)
  if (!existsSync(file)) {
    throw new WasmctlError('KEY_NOT_FOUND', `no key named "${name}" in ${directory}`, {
      hints: ['list the keys with `wasmctl keys list`, or create one with `wasmctl keys gen <type> --save <name>`'],
    })
  }
  return readSeedFile(file)
}

export interface StoredKey {
  name: string
  file: string
  type?: KeyType
  publicKey?: string
  /** Why the file could not be read as a key. */
  error?: string
}

/** Every `.nk` file in the directory with its public key; never the seeds. */
export function listKeys(directory: string): StoredKey[] {
  let entries: string[]
  try {
    entries = readdirSync(directory)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw fsError(error, 'read the key directory', directory)
  }
  return entries
    .filter((entry) => entry.endsWith(KEY_FILE_EXTENSION))
    .sort()
    .map((entry) => {
      const file = path.join(directory, entry)
      const name = entry.slice(0, -KEY_FILE_EXTENSION.length)
      try {
        const key = readSeedFile(file)
        return { name, file, type: key.type, publicKey: key.publicKey }
      } catch (error) {
        return { name, file, error: (error as Error).message }
      }
    })
}

/** Names `wasmctl keys gen` accepts, as wash 0.43's `keytype_parser` (case-insensitive): the nkey types and wasmCloud's names for them. */
export const KEY_TYPE_NAMES = ['account', 'user', 'module', 'component', 'service', 'provider', 'server', 'host', 'operator', 'cluster', 'curve', 'x25519'] as const
export type KeyTypeName = (typeof KEY_TYPE_NAMES)[number]

const KEY_TYPE_ALIASES: Partial<Record<KeyTypeName, KeyType>> = { component: 'module', provider: 'service', host: 'server', x25519: 'curve' }

/** The key type a `keys gen` argument names, in any letter case; undefined for an unknown name. */
export function parseKeyTypeName(input: string): KeyType | undefined {
  const name = input.toLowerCase() as KeyTypeName
  if (!KEY_TYPE_NAMES.includes(name)) return undefined
  return KEY_TYPE_ALIASES[name] ?? (name as KeyType)
}

export interface GeneratedKey {
  type: KeyType
  publicKey: string
  seed: string
  /** Where it was saved, with `save`. */
  file?: string
}

/** `wasmctl keys gen`: a new key pair, optionally saved as `<name>.nk` in the key directory. */
export async function generateKey(options: { type: KeyTypeName | KeyType; save?: string; keysDirectory?: string }): Promise<GeneratedKey> {
  const type = parseKeyTypeName(options.type)
  if (!type) throw new WasmctlError('USAGE', `unknown key type "${options.type}"`, { hints: [`use one of ${KEY_TYPE_NAMES.join(', ')}`] })
  const key = KeyPair.generate(type)
  const file = options.save === undefined ? undefined : await saveKey(options.keysDirectory ?? resolveKeyDirectory(), options.save, key)
  return { type: key.type, publicKey: key.publicKey, seed: key.seed, file }
}
