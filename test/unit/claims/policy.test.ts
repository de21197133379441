import { describe, expect, it } from 'vitest'

import { inspectWasm } from '../../../src/claims/inspect.js'
import { base64UrlEncode, encodeToken, newComponentClaims, orderedClaims } from '../../../src/claims/jwt.js'
import { KeyPair } from '../../../src/claims/nkeys.js'
import { assertTrusted } from '../../../src/claims/policy.js'
import { appendClaimsSection, computeWascapHash, scanWasm } from '../../../src/claims/wasm.js'
import { coreModule, custom, FUNC_SECTIONS } from '../wasm/build-wasm.js'
import { caught } from '../wasm/caught.js'

const account = KeyPair.generate('account')
const module = KeyPair.generate('module')
const NOW = 1_800_000_000_000
const NOW_SECS = NOW / 1000
const original = coreModule(...FUNC_SECTIONS, custom('producers', 'x'))

function signed(overrides: { exp?: number; nbf?: number; hash?: string; revision?: number; signer?: KeyPair } = {}): Uint8Array {
  const claims = newComponentClaims({
    issuer: account.publicKey,
    subject: module.publicKey,
    hash: overrides.hash ?? computeWascapHash(original),
    name: 'app',
    ver: '1.0.0',
    rev: 3,
    issuedAt: NOW_SECS - 10,
    expires: overrides.exp,
    notBefore: overrides.nbf,
  })
  if (overrides.revision !== undefined) claims.wascap_revision = overrides.revision
  let jwt = encodeToken(claims, account)
  if (overrides.signer) {
    const input = jwt.split('.').slice(0, 2).join('.')
    jwt = `${input}.${base64UrlEncode(overrides.signer.sign(new TextEncoder().encode(input)))}`
  }
  return appendClaimsSection(scanWasm(original).stripped, jwt)
}

const code = (fn: () => unknown) => caught(fn)?.code ?? 'trusted'

describe('inspectWasm', () => {
  it('reports a valid signed module', () => {
    const result = inspectWasm(signed({ exp: NOW_SECS + 3600 }), { now: NOW })
    expect(result).toMatchObject({
      encoding: 'module',
      signed: true,
      section: 'wasmcloud_jwt',
      issuer: account.publicKey,
      subject: module.publicKey,
      name: 'app',
      ver: '1.0.0',
      rev: 3,
      tags: [],
      wascapRevision: 3,
      hashMatches: true,
      hashChecked: true,
      signatureValid: true,
      expired: false,
      notYetValid: false,
      valid: true,
      problems: [],
      expires: { unix: NOW_SECS + 3600, human: 'in 1h' },
      issuedAt: { unix: NOW_SECS - 10, iso: new Date((NOW_SECS - 10) * 1000).toISOString().replace('.000Z', 'Z') },
    })
    expect(result.world).toBeUndefined()
  })

  it('says "no claims" for unsigned files', () => {
    expect(inspectWasm(original)).toMatchObject({ signed: false, valid: false, hash: computeWascapHash(original), problems: ['no claims: the file is not signed'] })
  })

  it('reports a tampered file: one byte changed after signing', () => {
    const bytes = signed()
    bytes[12] ^= 0x01
    const result = inspectWasm(bytes, { now: NOW })
    expect(result).toMatchObject({ signed: true, hashMatches: false, signatureValid: true, valid: false })
    expect(result.problems).toEqual(['the file was modified after signing (hash mismatch)'])
  })

  it('accepts a hash mismatch below wascap revision 3, as wascap does', () => {
    const result = inspectWasm(signed({ hash: 'B'.repeat(64), revision: 2 }), { now: NOW })
    expect(result).toMatchObject({ hashMatches: false, hashChecked: false, valid: true })
  })
})

describe('assertTrusted', () => {
  it('refuses the way the wasmCloud host does', () => {
    expect(code(() => assertTrusted(signed(), { now: NOW }))).toBe('trusted')
    expect(code(() => assertTrusted(original, { now: NOW }))).toBe('trusted')
    expect(code(() => assertTrusted(original, { requireSigned: true, now: NOW }))).toBe('CLAIMS_UNSIGNED')
    expect(code(() => assertTrusted(original, { allowedIssuers: [account.publicKey], now: NOW }))).toBe('CLAIMS_UNSIGNED')
    expect(code(() => assertTrusted(signed({ hash: 'A'.repeat(64) }), { now: NOW }))).toBe('CLAIMS_HASH_MISMATCH')
    expect(code(() => assertTrusted(signed({ signer: KeyPair.generate('account') }), { now: NOW }))).toBe('CLAIMS_SIGNATURE_INVALID')
    expect(code(() => assertTrusted(signed({ exp: NOW_SECS - 1 }), { now: NOW }))).toBe('CLAIMS_EXPIRED')
    expect(code(() => assertTrusted(signed({ nbf: NOW_SECS + 60 }), { now: NOW }))).toBe('CLAIMS_NOT_YET_VALID')
    expect(code(() => assertTrusted(signed(), { allowedIssuers: [KeyPair.generate('account').publicKey], now: NOW }))).toBe('CLAIMS_ISSUER_NOT_ALLOWED')
    expect(code(() => assertTrusted(signed(), { allowedIssuers: [account.publicKey], requireSigned: true, now: NOW }))).toBe('trusted')
  })

  it('returns the inspection of a trusted component', () => {
    expect(assertTrusted(signed(), { now: NOW }).issuer).toBe(account.publicKey)
  })

  it('refuses structural problems with CLAIMS_INVALID / WASM_INVALID', () => {
    const two = appendClaimsSection([signed()], 'a.b.c')
    expect(code(() => assertTrusted(two))).toBe('CLAIMS_INVALID')
    const noMeta = appendClaimsSection(scanWasm(original).stripped, encodeToken({ ...orderedClaims(newComponentClaims({ issuer: account.publicKey, subject: module.publicKey, hash: 'H' })), wascap: undefined }, account))
    expect(code(() => assertTrusted(noMeta))).toBe('CLAIMS_INVALID')
    expect(code(() => assertTrusted(original.subarray(0, 20)))).toBe('WASM_INVALID')
  })
})
