import { WasmctlError } from '../errors.js'
import { decodePublicKey, type KeyPair, verifySignature } from './nkeys.js'
import { nextNuid } from './nuid.js'

/**
 * wascap JWTs: encode with exactly wascap's bytes (header, key order, base64url without padding,
 * Ed25519 by the issuer) and decode/validate the way wascap's `validate_token` does, with the same
 * error texts. Hand-written rather than a JOSE library because wascap's tokens are not standard
 * JOSE: the header says `"typ":"jwt","alg":"Ed25519"` (not EdDSA), keys are nkeys, and the byte
 * layout of the claims JSON (serde's struct order) is part of the compatibility contract.
 */

export const WASCAP_REVISION = 3
/** wascap checks the module hash only for tokens at or above this revision. */
export const MIN_HASH_CHECKED_REVISION = 3
export const JWT_HEADER = { typ: 'jwt', alg: 'Ed25519' } as const

/** The `wascap` object of a component token (wascap's `Component`, formerly `Actor`). */
export interface ComponentMetadata {
  name?: string
  hash: string
  tags?: string[]
  /** Capability ids: written by wascap < 0.14 only; kept when read so old tokens round-trip. */
  caps?: string[]
  rev?: number
  ver?: string
  call_alias?: string
  prov: boolean
}

export interface Claims {
  exp?: number
  jti: string
  iat: number
  iss: string
  sub: string
  nbf?: number
  wascap?: ComponentMetadata
  wascap_revision?: number
  /**
   * wasmctl's own claim: the toolchain versions that built the component (for a reproducible
   * rebuild). wascap readers, wash's included, ignore keys they do not know.
   */
  wasmctl_toolchain?: Record<string, string>
}

/**
 * Rebuilds claims in wascap's serialisation order (Rust struct field order), dropping unset
 * optional fields, so JSON.stringify emits the bytes serde_json would.
 */
export function orderedClaims(claims: Claims): Claims {
  const out: Record<string, unknown> = {}
  const put = (key: string, value: unknown) => {
    if (value !== undefined) out[key] = value
  }
  put('exp', claims.exp)
  put('jti', claims.jti)
  put('iat', claims.iat)
  put('iss', claims.iss)
  put('sub', claims.sub)
  put('nbf', claims.nbf)
  if (claims.wascap) {
    const meta: Record<string, unknown> = {}
    const m = claims.wascap
    for (const [key, value] of [
      ['name', m.name],
      ['hash', m.hash],
      ['tags', m.tags],
      ['caps', m.caps],
      ['rev', m.rev],
      ['ver', m.ver],
      ['call_alias', m.call_alias],
      ['prov', m.prov ?? false],
    ] as const) {
      if (value !== undefined) meta[key] = value
    }
    out.wascap = meta
  }
  put('wascap_revision', claims.wascap_revision)
  put('wasmctl_toolchain', claims.wasmctl_toolchain)
  return out as unknown as Claims
}

export function base64UrlEncode(bytes: Uint8Array | string): string {
  return Buffer.from(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes).toString('base64url')
}

/** Strict base64url without padding (Buffer's decoder silently skips bad characters). */
export function base64UrlDecode(text: string, what: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw jwtError(`${what} is not valid base64url`)
  const bytes = Buffer.from(text, 'base64url')
  if (bytes.toString('base64url') !== text) throw jwtError(`${what} is not valid base64url (non-zero trailing bits)`)
  return new Uint8Array(bytes)
}

function jwtError(message: string, hints: string[] = []): WasmctlError {
  return new WasmctlError('CLAIMS_INVALID', `JWT error: ${message}`, { hints })
}

/** Encodes and signs a token with the issuer key, as wascap's `Claims::encode`. */
export function encodeToken(claims: Claims, issuer: KeyPair): string {
  const signingInput = `${base64UrlEncode(JSON.stringify(JWT_HEADER))}.${base64UrlEncode(JSON.stringify(orderedClaims(claims)))}`
  return `${signingInput}.${base64UrlEncode(issuer.sign(Buffer.from(signingInput, 'ascii')))}`
}

export interface NewComponentClaimsOptions {
  issuer: string
  subject: string
  hash: string
  name?: string
  tags?: string[]
  rev?: number
  ver?: string
  callAlias?: string
  /** Unix seconds. */
  notBefore?: number
  expires?: number
  /** Unix seconds; defaults to now. */
  issuedAt?: number
  /** Toolchain versions that built the component (`wasmctl_toolchain`). */
  toolchain?: Record<string, string>
}

/** Claims for a component as wash's `claims sign` builds them (wascap `Claims::<Component>::with_dates`). */
export function newComponentClaims(options: NewComponentClaimsOptions): Claims {
  return orderedClaims({
    exp: options.expires,
    jti: nextNuid(),
    iat: options.issuedAt ?? Math.floor(Date.now() / 1000),
    iss: options.issuer,
    sub: options.subject,
    nbf: options.notBefore,
    wascap: {
      name: options.name,
      hash: options.hash,
      tags: options.tags ?? [],
      rev: options.rev,
      ver: options.ver,
      call_alias: normalizeCallAlias(options.callAlias),
      prov: false,
    },
    wascap_revision: WASCAP_REVISION,
    wasmctl_toolchain: options.toolchain && Object.keys(options.toolchain).length > 0 ? options.toolchain : undefined,
  })
}

/** wascap's `normalize_call_alias`: lower-case, trimmed, ASCII only, ' ', '-', '.' become '_'. */
export function normalizeCallAlias(alias: string | undefined): string | undefined {
  if (alias === undefined) return undefined
  return alias
    .toLowerCase()
    .trim()
    .replace(/[^\x00-\x7f]/g, '')
    .replace(/[ .-]/g, '_')
}

export interface DecodedToken {
  header: Record<string, unknown>
  claims: Claims
  /** `<header>.<claims>`, the bytes the signature covers. */
  signingInput: string
  signature: Uint8Array
}

function parseSegment(segment: string, what: string): unknown {
  const bytes = base64UrlDecode(segment, what)
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw jwtError(`${what} is not UTF-8`)
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw jwtError(`${what} is not JSON: ${(error as Error).message}`)
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function checkClaimsShape(value: unknown): Claims {
  if (!isRecord(value)) throw jwtError('claims are not a JSON object')
  const wrong = (key: string, expected: string) => jwtError(`claim "${key}" must be ${expected}`)
  const isUint = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0
  for (const key of ['jti', 'iss', 'sub'] as const) if (typeof value[key] !== 'string') throw wrong(key, 'a string')
  if (!isUint(value.iat)) throw wrong('iat', 'a non-negative integer')
  for (const key of ['exp', 'nbf', 'wascap_revision'] as const) {
    if (value[key] !== undefined && value[key] !== null && !isUint(value[key])) throw wrong(key, 'a non-negative integer')
  }
  const meta = value.wascap
  if (meta !== undefined && meta !== null) {
    if (!isRecord(meta)) throw wrong('wascap', 'an object')
    if (typeof meta.hash !== 'string') throw wrong('wascap.hash', 'a string')
    for (const key of ['name', 'ver', 'call_alias'] as const) {
      if (meta[key] !== undefined && meta[key] !== null && typeof meta[key] !== 'string') throw wrong(`wascap.${key}`, 'a string')
    }
    for (const key of ['tags', 'caps'] as const) {
      const list = meta[key]
      if (list !== undefined && list !== null && (!Array.isArray(list) || list.some((t) => typeof t !== 'string'))) {
        throw wrong(`wascap.${key}`, 'a list of strings')
      }
    }
    if (meta.rev !== undefined && meta.rev !== null && !Number.isInteger(meta.rev)) throw wrong('wascap.rev', 'an integer')
    if (meta.prov !== undefined && typeof meta.prov !== 'boolean') throw wrong('wascap.prov', 'a boolean')
  }
  const nullToUndefined = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v)
  return {
    exp: nullToUndefined(value.exp as number | null),
    jti: value.jti as string,
    iat: value.iat as number,
    iss: value.iss as string,
    sub: value.sub as string,
    nbf: nullToUndefined(value.nbf as number | null),
    wascap: isRecord(meta)
      ? {
          name: nullToUndefined(meta.name as string | null),
          hash: meta.hash as string,
          tags: nullToUndefined(meta.tags as string[] | null),
          caps: nullToUndefined(meta.caps as string[] | null),
          rev: nullToUndefined(meta.rev as number | null),
          ver: nullToUndefined(meta.ver as string | null),
          call_alias: nullToUndefined(meta.call_alias as string | null),
          prov: (meta.prov as boolean | undefined) ?? false,
        }
      : undefined,
    wascap_revision: nullToUndefined(value.wascap_revision as number | null),
    wasmctl_toolchain: stringRecord(value.wasmctl_toolchain),
  }
}

/** A claim that is an object of strings, or undefined (anything else is ignored, as unknown keys are). */
function stringRecord(value: unknown): Record<string, string> | undefined {
  if (!isRecord(value)) return undefined
  const entries = Object.entries(value)
  return entries.every(([, v]) => typeof v === 'string') ? (Object.fromEntries(entries) as Record<string, string>) : undefined
}

/**
 * Splits and decodes a token, checking what wascap's `validate_token` treats as errors: three
 * segments, a decodable signature, header `alg` Ed25519 and `typ` jwt, claims JSON, a non-empty
 * issuer that is an nkey public key, and a non-empty subject. The signature is not verified here.
 */
export function decodeToken(jwt: string): DecodedToken {
  const segments = jwt.split('.')
  if (segments.length !== 3) throw jwtError(`invalid token format, expected 3 segments, found ${segments.length}`)
  const [headerSegment, claimsSegment, signatureSegment] = segments
  const signature = base64UrlDecode(signatureSegment, 'signature segment')
  const header = parseSegment(headerSegment, 'header segment')
  if (!isRecord(header)) throw jwtError('Invalid header')
  if (header.alg !== JWT_HEADER.alg) {
    throw new WasmctlError('CLAIMS_INVALID', 'Invalid JWT algorithm. WASCAP only supports Ed25519', {
      hints: ['the token was not made by wash or wasmctl; re-sign the file with wasmctl sign'],
    })
  }
  if (header.typ !== JWT_HEADER.typ) throw jwtError('Invalid header')
  const claims = checkClaimsShape(parseSegment(claimsSegment, 'claims segment'))
  if (claims.iss === '') throw new WasmctlError('CLAIMS_INVALID', 'Missing issuer claim')
  if (claims.sub === '') throw new WasmctlError('CLAIMS_INVALID', 'Missing subject claim')
  try {
    decodePublicKey(claims.iss)
  } catch (error) {
    throw new WasmctlError('CLAIMS_INVALID', `Encryption error: the issuer "${claims.iss}" is not an nkey public key (${(error as Error).message})`, {
      cause: error,
    })
  }
  return { header, claims, signingInput: `${headerSegment}.${claimsSegment}`, signature }
}

export interface TokenValidation {
  signatureValid: boolean
  expired: boolean
  /** wascap's `cannot_use_yet`: now is before `nbf`. */
  notYetValid: boolean
  /** "never", "in 3h", "8h ago" (wascap's humantime wording). */
  expiresHuman: string
  /** "immediately", "in 16m", ... */
  notBeforeHuman: string
}

/** wascap's `validate_token` flags for a decoded token; `now` in milliseconds. */
export function validateToken(token: DecodedToken, now = Date.now()): TokenValidation {
  let signatureValid: boolean
  try {
    signatureValid = verifySignature(token.claims.iss, Buffer.from(token.signingInput, 'ascii'), token.signature)
  } catch {
    signatureValid = false // a signature of the wrong length is a failed verification, as in wascap
  }
  const { exp, nbf } = token.claims
  return {
    signatureValid,
    expired: exp !== undefined && exp * 1000 < now,
    notYetValid: nbf !== undefined && now < nbf * 1000,
    expiresHuman: exp === undefined ? 'never' : stampToHuman(exp, now),
    notBeforeHuman: nbf === undefined ? 'immediately' : stampToHuman(nbf, now),
  }
}

/** wascap's `stamp_to_human`: the distance rounded down to its largest unit, humantime-formatted. */
export function stampToHuman(stamp: number, now = Date.now()): string {
  const nowSecs = Math.floor(now / 1000)
  let diff = Math.abs(nowSecs - stamp)
  for (const unit of [86400, 3600, 60]) {
    if (diff >= unit) {
      diff -= diff % unit
      break
    }
  }
  const text = formatHumantime(diff)
  return nowSecs > stamp ? `${text} ago` : `in ${text}`
}

/** humantime's `format_duration` for whole seconds (years of 365.25 days, months of 30.44 days). */
export function formatHumantime(seconds: number): string {
  if (seconds === 0) return '0s'
  const years = Math.floor(seconds / 31_557_600)
  const yearRest = seconds % 31_557_600
  const months = Math.floor(yearRest / 2_630_016)
  const monthRest = yearRest % 2_630_016
  const days = Math.floor(monthRest / 86400)
  const daySeconds = monthRest % 86400
  const parts: string[] = []
  const plural = (n: number, unit: string) => n > 0 && parts.push(`${n}${unit}${n > 1 ? 's' : ''}`)
  const plain = (n: number, unit: string) => n > 0 && parts.push(`${n}${unit}`)
  plural(years, 'year')
  plural(months, 'month')
  plural(days, 'day')
  plain(Math.floor(daySeconds / 3600), 'h')
  plain(Math.floor((daySeconds % 3600) / 60), 'm')
  plain(daySeconds % 60, 's')
  return parts.join(' ')
}
