import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, statSync } from 'node:fs'
import path from 'node:path'

import { fsError, throwIfAborted, WasmctlError } from '../errors.js'
import { writeFileAtomic } from '../files.js'
import type { Project } from '../project/schema.js'
import { readWasmFile } from '../wasm/read.js'
import { type Claims, encodeToken, newComponentClaims } from './jwt.js'
import { defaultKeyName, fileStem, keyFilePath, readSeedFile, saveKey } from './keystore.js'
import { KeyPair, type KeyType, nkeyError, type NkeyErrorReason, PUBLIC_KEY_LENGTH, publicKeyPrefixChar } from './nkeys.js'
import { appendClaimsSection, hashChunks, scanWasm } from './wasm.js'

export { resolveKeyDirectory } from './keystore.js'

/** The tag wash adds to components built for wasip1/wasip2 (`WASMCLOUD_WASM_TAG_EXPERIMENTAL`). */
export const EXPERIMENTAL_TAG = 'wasmcloud.com/experimental'
const SECONDS_PER_DAY = 86400
/**
 * The longest `--expires`/`--not-before` taken, in days (100 years). wash takes any u64, which
 * overflows JavaScript's exact integers and JSON readers' (a float `exp`); a century is plenty.
 */
export const MAX_CLAIM_DAYS = 36525

export type SignEvent =
  | { type: 'key-generated'; role: 'issuer' | 'subject'; keyType: KeyType; name: string; file: string; publicKey: string }
  | { type: 'key-loaded'; role: 'issuer' | 'subject'; publicKey: string; file?: string }
  | { type: 'signed'; output: string; hash: string }

export interface SignWasmFileOptions {
  input: string
  /** Default: `<dir of input>/<stem>_s.wasm`. */
  output?: string
  /** Required unless `project` provides it (wash: "component name is required"). */
  name?: string
  ver?: string
  rev?: number
  tags?: string[]
  callAlias?: string
  expiresInDays?: number
  notBeforeDays?: number
  /** The account seed, or a path to a file holding it; default: `<user>_account` in the key directory. */
  issuer?: string
  /** The module seed, or a path to a file holding it; default: `<stem>_module` in the key directory. */
  subject?: string
  /** Absolute key directory (see `resolveKeyDirectory`). */
  keysDirectory: string
  /** Fail naming the missing key instead of generating it (set it too when CI is set or for --json). */
  disableKeygen: boolean
  /** Defaults name/ver/rev from wasmcloud.toml when the caller runs inside a project. */
  project?: Project
  /** Unix milliseconds; default SOURCE_DATE_EPOCH (seconds) when set, else the clock. */
  now?: number
  /**
   * Derive `jti` from the hash and both keys instead of a random NUID, so re-signing unchanged
   * input gives the same token (with SOURCE_DATE_EPOCH for `iat`). Default: WASMCTL_DETERMINISTIC_JTI.
   * Off by default: wascap treats `jti` as a unique token id.
   */
  deterministicJti?: boolean
  /** Toolchain versions that built the file, recorded in the claims (`wasmctl_toolchain`). */
  toolchain?: Record<string, string>
  env?: NodeJS.ProcessEnv
  signal?: AbortSignal
  onEvent?: (event: SignEvent) => void
}

export interface SignWasmFileResult {
  input: string
  output: string
  jwt: string
  claims: Claims
  /** Public keys. */
  issuer: string
  subject: string
  /** `wascap.hash`: upper-hex sha256 of the file without claims. */
  hash: string
  /** Keys this run generated and saved (names and files; never seeds). */
  generatedKeys: { role: 'issuer' | 'subject'; name: string; file: string; publicKey: string }[]
  /** Whether the input already carried claims (they were replaced). */
  replacedClaims: boolean
  size: number
}

/** The tags `wasmctl build` signs with: the project's plus the experimental tag for wasip1/wasip2, as wash build does. */
export function projectSignTags(project: Project): string[] {
  const tags = new Set(project.component.tags)
  const target = project.component.wasmTarget
  if (target === 'wasm32-wasip1' || target === 'wasm32-wasip2') tags.add(EXPERIMENTAL_TAG)
  return [...tags].sort()
}

/** `wasmctl sign`: embeds signed claims in a copy of the input; the input is never modified. */
export async function signWasmFile(options: SignWasmFileOptions): Promise<SignWasmFileResult> {
  const input = path.resolve(options.input)
  const output = path.resolve(options.output ?? path.join(path.dirname(input), `${fileStem(input)}_s.wasm`))
  const name = required(options.name ?? options.project?.name, '--name', 'the component name')
  const ver = required(options.ver ?? options.project?.version, '--ver', 'the component version')
  const rev = required(options.rev ?? options.project?.revision, '--rev', 'the component revision')
  if (!Number.isInteger(rev) || rev < -(2 ** 31) || rev >= 2 ** 31) {
    throw new WasmctlError('INPUT_INVALID', `--rev must be a 32-bit integer, got ${rev}`, { hints: ['pass e.g. --rev 1'] })
  }
  const callAlias = checkCallAlias(options.callAlias)
  for (const [flag, days] of [['--expires', options.expiresInDays], ['--not-before', options.notBeforeDays]] as const) {
    if (days !== undefined && (!Number.isSafeInteger(days) || days < 0 || days > MAX_CLAIM_DAYS)) {
      throw new WasmctlError('INPUT_INVALID', `${flag} takes a whole number of days from 0 to ${MAX_CLAIM_DAYS} (100 years), got ${days}`, { hints: [`pass e.g. ${flag} 30`] })
    }
  }

  if (sameFile(input, output)) {
    throw new WasmctlError('INPUT_INVALID', `the destination ${output} is the input file; wasmctl never modifies its input`, {
      hints: ['pass another -o/--destination, or leave it out to write <name>_s.wasm beside the input'],
    })
  }
  const bytes = readWasmFile(input)
  const scan = scanWasm(bytes)
  const generatedKeys: SignWasmFileResult['generatedKeys'] = []
  const issuer = await resolveSigningKey({ ...options, role: 'issuer', given: options.issuer, keyType: 'account', stem: fileStem(input), generatedKeys })
  const subject = await resolveSigningKey({ ...options, role: 'subject', given: options.subject, keyType: 'module', stem: fileStem(input), generatedKeys })
  throwIfAborted(options.signal, 'signing')

  const env = options.env ?? process.env
  const nowSecs = Math.floor((options.now ?? sourceDateEpochMs(env) ?? Date.now()) / 1000)
  const hash = hashChunks(scan.stripped)
  const claims = newComponentClaims({
    issuer: issuer.publicKey,
    subject: subject.publicKey,
    hash,
    name,
    tags: options.tags ?? [],
    rev,
    ver,
    callAlias,
    toolchain: options.toolchain,
    issuedAt: nowSecs,
    expires: options.expiresInDays === undefined ? undefined : nowSecs + options.expiresInDays * SECONDS_PER_DAY,
    notBefore: options.notBeforeDays === undefined ? undefined : nowSecs + options.notBeforeDays * SECONDS_PER_DAY,
  })
  if (options.deterministicJti ?? /^(1|true|yes|on)$/i.test(env.WASMCTL_DETERMINISTIC_JTI ?? '')) {
    claims.jti = derivedJti(hash, issuer.publicKey, subject.publicKey)
  }
  const jwt = encodeToken(claims, issuer)
  const signed = appendClaimsSection(scan.stripped, jwt)
  try {
    mkdirSync(path.dirname(output), { recursive: true })
    await writeFileAtomic(output, Buffer.from(signed.buffer, signed.byteOffset, signed.length))
  } catch (error) {
    throw fsError(error, 'write the signed file', output)
  }
  options.onEvent?.({ type: 'signed', output, hash })
  return {
    input,
    output,
    jwt,
    claims,
    issuer: issuer.publicKey,
    subject: subject.publicKey,
    hash,
    generatedKeys,
    replacedClaims: scan.claimsSections.length > 0,
    size: signed.length,
  }
}

/** SOURCE_DATE_EPOCH (reproducible-builds.org): whole seconds since the epoch, in milliseconds. */
export function sourceDateEpochMs(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = env.SOURCE_DATE_EPOCH?.trim()
  if (!value) return undefined
  if (!/^\d{1,12}$/.test(value)) {
    throw new WasmctlError('INPUT_INVALID', `SOURCE_DATE_EPOCH must be whole seconds since 1970, got "${value}"`, {
      hints: ['set it from the last commit: SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)'],
    })
  }
  return Number(value) * 1000
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** A NUID-shaped (22 base62 characters) id that depends only on what is signed and by whom. */
export function derivedJti(hash: string, issuer: string, subject: string): string {
  let value = BigInt(`0x${createHash('sha256').update(`wasmctl-jti\0${hash}\0${issuer}\0${subject}`).digest('hex')}`)
  let out = ''
  for (let i = 0; i < 22; i++) {
    out += BASE62[Number(value % 62n)]
    value /= 62n
  }
  return out
}

function required<T>(value: T | undefined, flag: string, what: string): T {
  if (value === undefined || value === '') {
    throw new WasmctlError('INPUT_REQUIRED', `${what} is required: pass ${flag}`, {
      hints: [`pass ${flag}, or run inside a project whose wasmcloud.toml sets it`],
      details: { flag },
    })
  }
  return value
}

/** wash's `sanitize_alias`: non-empty, not a public key, only `[a-z0-9_/]`. */
export function checkCallAlias(alias: string | undefined): string | undefined {
  if (alias === undefined) return undefined
  const invalid = (message: string) => new WasmctlError('INPUT_INVALID', message, { hints: ['a call alias is lower-case letters, digits, "_" and "/", e.g. myorg/echo'] })
  if (alias === '') throw invalid('--call-alias cannot be empty')
  if (alias.length === PUBLIC_KEY_LENGTH && /^[A-Z0-9]+$/.test(alias)) throw invalid('a public key cannot be used as a call alias')
  if (!/^[a-z0-9_/]+$/.test(alias)) throw invalid(`--call-alias "${alias}" contains characters other than a-z, 0-9, "_" and "/"`)
  return alias
}

function sameFile(a: string, b: string): boolean {
  if (a === b) return true
  try {
    const [sa, sb] = [statSync(a), statSync(b)]
    return sa.ino === sb.ino && sa.dev === sb.dev
  } catch {
    return false
  }
}

export interface ResolveKeyOptions {
  role: 'issuer' | 'subject'
  given?: string
  keyType: KeyType
  stem: string
  keysDirectory: string
  disableKeygen: boolean
  generatedKeys: SignWasmFileResult['generatedKeys']
  onEvent?: (event: SignEvent) => void
}

const FLAG_BY_ROLE = { issuer: '--issuer', subject: '--subject' } as const

/**
 * wash's `extract_keypair`: a given value is a path to a seed file if such a file exists, else a
 * literal seed; without one, `<keydir>/<stem>_<type>.nk`, generated and saved when missing unless
 * keygen is disabled. Unlike wash, the key's type is checked: an account must issue and a module
 * key must be the subject, which is what the wasmCloud host expects of a component.
 */
export async function resolveSigningKey(options: ResolveKeyOptions): Promise<KeyPair> {
  const flag = FLAG_BY_ROLE[options.role]
  let key: KeyPair
  let file: string | undefined
  if (options.given !== undefined && options.given !== '') {
    const given = options.given
    if (existsSync(given) && statSync(given).isFile()) {
      file = path.resolve(given)
      key = readSeedFile(file)
    } else {
      key = parseGivenSeed(given, flag)
    }
  } else {
    const name = defaultKeyName(options.keyType, options.stem)
    file = keyFilePath(options.keysDirectory, name)
    if (existsSync(file)) {
      key = readSeedFile(file)
    } else if (options.disableKeygen) {
      throw new WasmctlError('KEY_NOT_FOUND', `no ${options.keyType} key "${name}" in ${options.keysDirectory}, and key generation is off`, {
        hints: [
          `pass ${flag} <seed or seed file> (or set ${options.role === 'issuer' ? 'WASH_ISSUER_KEY' : 'WASH_SUBJECT_KEY'})`,
          `or create it once with \`wasmctl keys gen ${options.keyType} --save ${name}\``,
          'keys are never generated silently in CI or with --json',
        ],
        details: { key: name, file },
      })
    } else {
      key = KeyPair.generate(options.keyType)
      await saveKey(options.keysDirectory, name, key)
      options.generatedKeys.push({ role: options.role, name, file, publicKey: key.publicKey })
      options.onEvent?.({ type: 'key-generated', role: options.role, keyType: options.keyType, name, file, publicKey: key.publicKey })
      return key
    }
  }
  if (key.type !== options.keyType) {
    const article = /^[aeiou]/.test(options.keyType) ? 'an' : 'a'
    throw new WasmctlError('KEY_WRONG_TYPE', `${flag} must be ${article} ${options.keyType} seed (S${publicKeyPrefixChar(options.keyType)}...), got a ${key.type} seed`, {
      hints: [
        options.keyType === 'account' || options.keyType === 'module'
          ? `a component is signed by an account key (issuer) for a module key (subject); create one with \`wasmctl keys gen ${options.keyType}\``
          : `create one with \`wasmctl keys gen ${options.keyType}\``,
      ],
      details: { expected: options.keyType, actual: key.type },
    })
  }
  options.onEvent?.({ type: 'key-loaded', role: options.role, publicKey: key.publicKey, file })
  return key
}

function parseGivenSeed(given: string, flag: string): KeyPair {
  try {
    return KeyPair.fromSeed(given.trim())
  } catch (error) {
    const reason = (error as WasmctlError).details?.reason as NkeyErrorReason | undefined
    const looksLikeKey = /^[A-Z2-7]+$/.test(given.trim())
    if (!looksLikeKey) {
      throw new WasmctlError('KEY_INVALID', `${flag} is neither an existing file nor a seed`, {
        hints: [`pass a seed (58 characters starting with S) or the path of a .nk file holding one`],
      })
    }
    throw nkeyError(reason ?? 'encoding', `${flag}: ${(error as Error).message}`, (error as WasmctlError).hints)
  }
}
