import { WasmctlError } from '../errors.js'
import { type ComponentWorld, componentWorld } from '../wasm/world.js'
import type { WasmEncoding } from '../wasm/binary.js'
import { type Claims, decodeToken, MIN_HASH_CHECKED_REVISION, validateToken } from './jwt.js'
import { extractClaimsSection, hashChunks, scanWasm } from './wasm.js'

/** A time claim in both forms: unix seconds and ISO 8601 (UTC). */
export interface TimeClaim {
  unix: number
  iso: string
}

export interface InspectResult {
  encoding: WasmEncoding
  size: number
  signed: boolean
  /** Section the claims came from: `wasmcloud_jwt`, or legacy `jwt`. */
  section?: string
  jwt?: string
  claims?: Claims
  /** The account that signed (iss) and the component key (sub). */
  issuer?: string
  subject?: string
  name?: string
  ver?: string
  rev?: number
  tags?: string[]
  callAlias?: string
  /** Capability ids of pre-0.14 wascap tokens. */
  caps?: string[]
  wascapRevision?: number
  /** Toolchain versions that built the component, when wasmctl signed it after a build. */
  toolchain?: Record<string, string>
  issuedAt?: TimeClaim
  expires?: TimeClaim & { human: string }
  notBefore?: TimeClaim & { human: string }
  /** The wascap hash recomputed from the file. */
  hash: string
  embeddedHash?: string
  hashMatches?: boolean
  /** wascap checks the hash only for revision >= 3; older tokens pass with a mismatch. */
  hashChecked?: boolean
  signatureValid?: boolean
  expired?: boolean
  notYetValid?: boolean
  /** The single verdict: signed, signature valid, hash accepted, not expired, already valid. */
  valid: boolean
  /** Why `valid` is false, in words (empty when valid). */
  problems: string[]
  /** Top-level imports/exports, for components. */
  world?: ComponentWorld
}

function timeClaim(unix: number): TimeClaim {
  const date = new Date(unix * 1000)
  return { unix, iso: Number.isNaN(date.getTime()) ? 'invalid date' : date.toISOString().replace('.000Z', 'Z') }
}

/**
 * Everything `wasmctl inspect` shows about a wasm file, judged the way wascap and the wasmCloud
 * host judge it. Structural problems (not wasm, two claims sections, a malformed token) throw;
 * a bad signature, a hash mismatch or an expired token are reported with `valid: false`.
 */
export function inspectWasm(bytes: Uint8Array, opts: { now?: number } = {}): InspectResult {
  const now = opts.now ?? Date.now()
  const scan = scanWasm(bytes)
  const hash = hashChunks(scan.stripped)
  const world = scan.encoding === 'component' ? componentWorld(bytes) : undefined
  const section = extractClaimsSection(scan)
  if (!section) {
    return { encoding: scan.encoding, size: bytes.length, signed: false, hash, valid: false, problems: ['no claims: the file is not signed'], world }
  }
  const token = decodeToken(section.jwt)
  const { claims } = token
  const meta = claims.wascap
  if (!meta) {
    throw new WasmctlError('CLAIMS_INVALID', 'the embedded token has no wascap metadata, so it is not a component token', {
      hints: ['re-sign the file with `wasmctl sign`'],
    })
  }
  const validation = validateToken(token, now)
  const hashChecked = (claims.wascap_revision ?? 0) >= MIN_HASH_CHECKED_REVISION
  const hashMatches = meta.hash === hash
  const problems: string[] = []
  if (!validation.signatureValid) problems.push('the signature does not verify against the issuer key')
  if (hashChecked && !hashMatches) problems.push('the file was modified after signing (hash mismatch)')
  if (validation.expired) problems.push(`the token expired ${validation.expiresHuman}`)
  if (validation.notYetValid) problems.push(`the token is not valid yet (valid ${validation.notBeforeHuman})`)
  return {
    encoding: scan.encoding,
    size: bytes.length,
    signed: true,
    section: section.name,
    jwt: section.jwt,
    claims,
    issuer: claims.iss,
    subject: claims.sub,
    name: meta.name,
    ver: meta.ver,
    rev: meta.rev,
    tags: meta.tags,
    callAlias: meta.call_alias,
    caps: meta.caps,
    wascapRevision: claims.wascap_revision,
    toolchain: claims.wasmctl_toolchain,
    issuedAt: timeClaim(claims.iat),
    expires: claims.exp === undefined ? undefined : { ...timeClaim(claims.exp), human: validation.expiresHuman },
    notBefore: claims.nbf === undefined ? undefined : { ...timeClaim(claims.nbf), human: validation.notBeforeHuman },
    hash,
    embeddedHash: meta.hash,
    hashMatches,
    hashChecked,
    signatureValid: validation.signatureValid,
    expired: validation.expired,
    notYetValid: validation.notYetValid,
    valid: problems.length === 0,
    problems,
    world,
  }
}
