import { type Claims, base64UrlEncode, JWT_HEADER, newComponentClaims, WASCAP_REVISION } from './jwt.js'
import { fileStem } from './keystore.js'
import { nextNuid } from './nuid.js'
import type { KeyPair, KeyType } from './nkeys.js'
import { checkCallAlias, MAX_CLAIM_DAYS, resolveSigningKey, type ResolveKeyOptions, type SignEvent, type SignWasmFileResult } from './sign.js'
import { WasmctlError } from '../errors.js'

/**
 * `claims token <kind>`: a signed wascap JWT that is not embedded in anything, as wash 0.43's
 * `claims token` makes them (`lib/cli/claims.rs` `generate_*`, wascap `Claims::with_dates`):
 *   component  issuer account,  subject module   wascap {name, hash: "", tags, rev, ver, call_alias?, prov: false}
 *   provider   issuer account,  subject service  wascap {name, vendor, rev?, ver?, target_hashes: {}}
 *   account    issuer operator, subject account  wascap {name, valid_signers}
 *   operator   self-signed operator              wascap {name, valid_signers}
 * Keys are found or generated as for `sign`: `<name>_<type>.nk` (an account key is `<user>_account`).
 */
export const TOKEN_KINDS = ['component', 'provider', 'account', 'operator'] as const
export type TokenKind = (typeof TOKEN_KINDS)[number]

const KEYS: Record<TokenKind, { issuer: KeyType; subject?: KeyType }> = {
  component: { issuer: 'account', subject: 'module' },
  provider: { issuer: 'account', subject: 'service' },
  account: { issuer: 'operator', subject: 'account' },
  operator: { issuer: 'operator' },
}

export interface GenerateTokenOptions {
  kind: TokenKind
  name?: string
  /** component */
  tags?: string[]
  callAlias?: string
  /** component and provider */
  rev?: number
  ver?: string
  /** provider (required) */
  vendor?: string
  /** account and operator: more public keys allowed to sign in this key's name (seeds or seed files, as wash takes them). */
  additionalKeys?: string[]
  expiresInDays?: number
  notBeforeDays?: number
  issuer?: string
  subject?: string
  keysDirectory: string
  disableKeygen: boolean
  /** Unix milliseconds; default: the clock. */
  now?: number
  onEvent?: (event: SignEvent) => void
}

export interface GeneratedToken {
  kind: TokenKind
  token: string
  claims: Record<string, unknown>
  issuer: string
  subject: string
  generatedKeys: SignWasmFileResult['generatedKeys']
}

const SECONDS_PER_DAY = 86400

export async function generateToken(options: GenerateTokenOptions): Promise<GeneratedToken> {
  const name = required(options.name, '--name', `the ${options.kind} name`)
  if (options.kind === 'component') {
    required(options.rev, '--rev', 'the component revision')
    required(options.ver, '--ver', 'the component version')
  }
  const vendor = options.kind === 'provider' ? required(options.vendor, '--vendor', 'the provider vendor') : undefined
  for (const [flag, days] of [['--expires', options.expiresInDays], ['--nbf', options.notBeforeDays]] as const) {
    if (days !== undefined && (!Number.isSafeInteger(days) || days < 0 || days > MAX_CLAIM_DAYS)) {
      throw new WasmctlError('INPUT_INVALID', `${flag} takes a whole number of days from 0 to ${MAX_CLAIM_DAYS}, got ${days}`, { hints: [`pass e.g. ${flag} 30`] })
    }
  }
  const callAlias = checkCallAlias(options.callAlias)
  const generatedKeys: GeneratedToken['generatedKeys'] = []
  const keyOptions = (role: 'issuer' | 'subject', keyType: KeyType, given: string | undefined): ResolveKeyOptions => ({
    role,
    given,
    keyType,
    stem: fileStem(name),
    keysDirectory: options.keysDirectory,
    disableKeygen: options.disableKeygen,
    generatedKeys,
    onEvent: options.onEvent,
  })
  const { issuer: issuerType, subject: subjectType } = KEYS[options.kind]
  const issuer = await resolveSigningKey(keyOptions('issuer', issuerType, options.issuer))
  const subject = subjectType ? await resolveSigningKey(keyOptions('subject', subjectType, options.subject)) : issuer
  const additional = await Promise.all(
    // Keys of the token's own type (account keys for an account, operator keys for an operator), as wash's `get_keypair_vec`.
    (options.additionalKeys ?? []).map(async (given) => (await resolveSigningKey({ ...keyOptions('subject', subjectType ?? issuerType, given), disableKeygen: true })).publicKey),
  )

  const nowSecs = Math.floor((options.now ?? Date.now()) / 1000)
  const dates = {
    expires: options.expiresInDays === undefined ? undefined : nowSecs + options.expiresInDays * SECONDS_PER_DAY,
    notBefore: options.notBeforeDays === undefined ? undefined : nowSecs + options.notBeforeDays * SECONDS_PER_DAY,
  }
  let claims: Record<string, unknown>
  if (options.kind === 'component') {
    claims = newComponentClaims({
      issuer: issuer.publicKey,
      subject: subject.publicKey,
      hash: '',
      name,
      tags: options.tags ?? [],
      rev: options.rev,
      ver: options.ver,
      callAlias,
      issuedAt: nowSecs,
      ...dates,
    }) as unknown as Record<string, unknown>
  } else {
    const wascap =
      options.kind === 'provider'
        ? { name, vendor, ...(options.rev === undefined ? {} : { rev: options.rev }), ...(options.ver === undefined ? {} : { ver: options.ver }), target_hashes: {} }
        : { name, valid_signers: additional }
    claims = envelope(issuer.publicKey, subject.publicKey, nowSecs, dates, wascap)
  }
  return { kind: options.kind, token: encodeClaims(claims, issuer), claims, issuer: issuer.publicKey, subject: subject.publicKey, generatedKeys }
}

/** wascap's `Claims<T>` in its serialisation order (exp, jti, iat, iss, sub, nbf, wascap, wascap_revision). */
function envelope(iss: string, sub: string, iat: number, dates: { expires?: number; notBefore?: number }, wascap: Record<string, unknown>): Record<string, unknown> {
  return {
    ...(dates.expires === undefined ? {} : { exp: dates.expires }),
    jti: nextNuid(),
    iat,
    iss,
    sub,
    ...(dates.notBefore === undefined ? {} : { nbf: dates.notBefore }),
    wascap,
    wascap_revision: WASCAP_REVISION,
  }
}

function encodeClaims(claims: Record<string, unknown> | Claims, issuer: KeyPair): string {
  const signingInput = `${base64UrlEncode(JSON.stringify(JWT_HEADER))}.${base64UrlEncode(JSON.stringify(claims))}`
  return `${signingInput}.${base64UrlEncode(issuer.sign(Buffer.from(signingInput, 'ascii')))}`
}

function required<T>(value: T | undefined, flag: string, what: string): T {
  if (value === undefined || value === '') {
    throw new WasmctlError('INPUT_REQUIRED', `${what} is required: pass ${flag}`, { hints: [`pass ${flag}`], details: { flag } })
  }
  return value
}
