import { describe, expect, it } from 'vitest'

import {
  base64UrlEncode,
  type Claims,
  decodeToken,
  encodeToken,
  formatHumantime,
  newComponentClaims,
  normalizeCallAlias,
  orderedClaims,
  stampToHuman,
  validateToken,
} from '../../../src/claims/jwt.js'
import { KeyPair } from '../../../src/claims/nkeys.js'
import { NUID_LENGTH, nextNuid } from '../../../src/claims/nuid.js'
import { caught } from '../wasm/caught.js'

const account = KeyPair.generate('account')
const module = KeyPair.generate('module')
const HASH = 'E51F9A63A6E4DE347426173F97D5654EE93F5F58213F2726406CFFD78114A7D4'

function segment(value: unknown): string {
  return base64UrlEncode(JSON.stringify(value))
}

/** A token with arbitrary header and claims, signed by `key` (which need not be the issuer). */
function forge(header: unknown, claims: unknown, key = account): string {
  const input = `${segment(header)}.${segment(claims)}`
  return `${input}.${base64UrlEncode(key.sign(new TextEncoder().encode(input)))}`
}

describe('encoding', () => {
  it('writes wascap’s header, key order and base64url without padding', () => {
    const claims = newComponentClaims({
      issuer: account.publicKey,
      subject: module.publicKey,
      hash: HASH,
      name: 'hello',
      tags: ['wasmcloud.com/experimental'],
      rev: 0,
      ver: '0.1.0',
      callAlias: 'My-App.v1',
      issuedAt: 1741203211,
      expires: 1741203311,
      notBefore: 1741203211,
    })
    const jwt = encodeToken(claims, account)
    const [header, body, signature] = jwt.split('.')
    expect(header).toBe('eyJ0eXAiOiJqd3QiLCJhbGciOiJFZDI1NTE5In0')
    expect(jwt).not.toContain('=')
    expect(signature).toHaveLength(86)
    const text = Buffer.from(body, 'base64url').toString('utf8')
    expect(text).toBe(
      `{"exp":1741203311,"jti":"${claims.jti}","iat":1741203211,"iss":"${account.publicKey}","sub":"${module.publicKey}","nbf":1741203211,` +
        `"wascap":{"name":"hello","hash":"${HASH}","tags":["wasmcloud.com/experimental"],"rev":0,"ver":"0.1.0","call_alias":"my_app_v1","prov":false},"wascap_revision":3}`,
    )
  })

  it('omits unset optional fields and keeps "tags":[] as wash does', () => {
    const claims = newComponentClaims({ issuer: account.publicKey, subject: module.publicKey, hash: HASH, issuedAt: 5 })
    const text = Buffer.from(encodeToken(claims, account).split('.')[1], 'base64url').toString('utf8')
    expect(text).toBe(`{"jti":"${claims.jti}","iat":5,"iss":"${account.publicKey}","sub":"${module.publicKey}","wascap":{"hash":"${HASH}","tags":[],"prov":false},"wascap_revision":3}`)
  })

  it('records the toolchain after wascap_revision, where wascap readers ignore it, and reads it back', () => {
    const toolchain = { 'componentize-js': '0.23.0', node: '20.20.2' }
    const claims = newComponentClaims({ issuer: account.publicKey, subject: module.publicKey, hash: HASH, issuedAt: 5, toolchain })
    const jwt = encodeToken(claims, account)
    const text = Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')
    expect(text).toMatch(/"wascap_revision":3,"wasmctl_toolchain":\{"componentize-js":"0.23.0","node":"20.20.2"\}\}$/)
    expect(decodeToken(jwt).claims.wasmctl_toolchain).toEqual(toolchain)
    // anything but an object of strings is ignored on read, as an unknown key would be
    const odd = forge({ typ: 'jwt', alg: 'Ed25519' }, { ...orderedClaims(claims), wasmctl_toolchain: { node: 20 } })
    expect(decodeToken(odd).claims.wasmctl_toolchain).toBeUndefined()
  })

  it('orders keys from any insertion order, keeping legacy caps between tags and rev', () => {
    const shuffled = { wascap_revision: 2, wascap: { prov: false, rev: 1, caps: ['x'], tags: [], hash: 'H', name: 'n' }, sub: 's', iss: 'i', iat: 1, jti: 'j' } as unknown as Claims
    expect(JSON.stringify(orderedClaims(shuffled))).toBe(
      '{"jti":"j","iat":1,"iss":"i","sub":"s","wascap":{"name":"n","hash":"H","tags":[],"caps":["x"],"rev":1,"prov":false},"wascap_revision":2}',
    )
  })

  it('escapes strings the way serde_json does', () => {
    const claims = newComponentClaims({ issuer: account.publicKey, subject: module.publicKey, hash: HASH, name: 'a"b\\c/d\u0001é😀\n', issuedAt: 1 })
    const text = Buffer.from(encodeToken(claims, account).split('.')[1], 'base64url').toString('utf8')
    expect(text).toContain('"name":"a\\"b\\\\c/d\\u0001é😀\\n"')
  })

  it('normalises call aliases like wascap', () => {
    expect(normalizeCallAlias('  My App-v1.2 ')).toBe('my_app_v1_2')
    expect(normalizeCallAlias('naïve')).toBe('nave')
    expect(normalizeCallAlias(undefined)).toBeUndefined()
  })

  it('makes 22-character base62 NUIDs, unique and sequential', () => {
    const ids = Array.from({ length: 1000 }, () => nextNuid())
    expect(NUID_LENGTH).toBe(22)
    for (const id of ids) expect(id).toMatch(/^[0-9A-Za-z]{22}$/)
    expect(new Set(ids).size).toBe(ids.length)
    expect(new Set(ids.map((id) => id.slice(0, 12))).size).toBeLessThanOrEqual(2)
  })
})

describe('decoding and validation', () => {
  const valid = encodeToken(newComponentClaims({ issuer: account.publicKey, subject: module.publicKey, hash: HASH, issuedAt: 1 }), account)

  it('round-trips and verifies the signature', () => {
    const token = decodeToken(valid)
    expect(token.claims.iss).toBe(account.publicKey)
    expect(token.claims.wascap?.hash).toBe(HASH)
    expect(validateToken(token)).toEqual({ signatureValid: true, expired: false, notYetValid: false, expiresHuman: 'never', notBeforeHuman: 'immediately' })
  })

  it('reports a signature made by another key', () => {
    const claims = newComponentClaims({ issuer: account.publicKey, subject: module.publicKey, hash: HASH, issuedAt: 1 })
    const token = decodeToken(forge({ typ: 'jwt', alg: 'Ed25519' }, orderedClaims(claims), KeyPair.generate('account')))
    expect(validateToken(token).signatureValid).toBe(false)
  })

  it('reports altered claims and truncated signatures as invalid signatures', () => {
    const [h, c, s] = valid.split('.')
    const altered = JSON.parse(Buffer.from(c, 'base64url').toString())
    altered.wascap.hash = '0'.repeat(64)
    expect(validateToken(decodeToken(`${h}.${segment(altered)}.${s}`)).signatureValid).toBe(false)
    expect(validateToken(decodeToken(`${h}.${c}.${s.slice(0, 40)}`)).signatureValid).toBe(false)
  })

  it('flags expired and not-yet-valid tokens with wascap’s human wording', () => {
    const now = 2_000_000_000_000
    const nowSecs = now / 1000
    const expired = decodeToken(encodeToken(newComponentClaims({ issuer: account.publicKey, subject: module.publicKey, hash: HASH, expires: nowSecs - 30000 }), account))
    expect(validateToken(expired, now)).toMatchObject({ expired: true, notYetValid: false, expiresHuman: '8h ago' })
    const early = decodeToken(encodeToken(newComponentClaims({ issuer: account.publicKey, subject: module.publicKey, hash: HASH, notBefore: nowSecs + 1000 }), account))
    expect(validateToken(early, now)).toMatchObject({ expired: false, notYetValid: true, notBeforeHuman: 'in 16m' })
  })

  it('formats durations like humantime', () => {
    expect(formatHumantime(0)).toBe('0s')
    expect(formatHumantime(59)).toBe('59s')
    expect(formatHumantime(86400)).toBe('1day')
    expect(formatHumantime(3 * 86400 + 3600 + 61)).toBe('3days 1h 1m 1s')
    expect(formatHumantime(31_557_600 * 2 + 2_630_016)).toBe('2years 1month')
    expect(stampToHuman(1000 + 90 * 86400 + 5000, 1000 * 1000)).toBe('in 2months 29days 2h 52m 48s') // 90 days in humantime's 30.44-day months
  })

  it.each([
    ['asd.123123123', 'JWT error: invalid token format, expected 3 segments, found 2'],
    ['asd.123.abc.easy', 'JWT error: invalid token format, expected 3 segments, found 4'],
  ])('rejects %s with wascap’s message', (jwt, message) => {
    expect(caught(() => decodeToken(jwt))).toMatchObject({ code: 'CLAIMS_INVALID', message })
  })

  it('rejects malformed segments, headers and claims', () => {
    const claims = orderedClaims(newComponentClaims({ issuer: account.publicKey, subject: module.publicKey, hash: HASH, issuedAt: 1 }))
    expect(caught(() => decodeToken('ddd.123.notajwt'))?.code).toBe('CLAIMS_INVALID')
    expect(caught(() => decodeToken(`${valid}=`))?.message).toMatch(/signature segment is not valid base64url/)
    expect(caught(() => decodeToken(forge({ typ: 'jwt', alg: 'HS256' }, claims)))?.message).toBe('Invalid JWT algorithm. WASCAP only supports Ed25519')
    expect(caught(() => decodeToken(forge({ typ: 'JWT', alg: 'Ed25519' }, claims)))?.message).toBe('JWT error: Invalid header')
    expect(caught(() => decodeToken(forge({ typ: 'jwt', alg: 'Ed25519' }, { ...claims, iss: '' })))?.message).toBe('Missing issuer claim')
    expect(caught(() => decodeToken(forge({ typ: 'jwt', alg: 'Ed25519' }, { ...claims, sub: '' })))?.message).toBe('Missing subject claim')
    expect(caught(() => decodeToken(forge({ typ: 'jwt', alg: 'Ed25519' }, { ...claims, iss: 'not-a-key' })))?.message).toMatch(/^Encryption error: the issuer "not-a-key" is not an nkey public key/)
    expect(caught(() => decodeToken(forge({ typ: 'jwt', alg: 'Ed25519' }, { ...claims, iat: 'yesterday' })))?.message).toBe('JWT error: claim "iat" must be a non-negative integer')
    expect(caught(() => decodeToken(forge({ typ: 'jwt', alg: 'Ed25519' }, { ...claims, wascap: { name: 'x' } })))?.message).toBe('JWT error: claim "wascap.hash" must be a string')
    expect(caught(() => decodeToken(`${segment({ typ: 'jwt', alg: 'Ed25519' })}.${base64UrlEncode('{not json')}.${valid.split('.')[2]}`))?.message).toMatch(/claims segment is not JSON/)
  })
})
