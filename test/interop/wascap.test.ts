import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'

import { base32nopad } from '@scure/base'
import { describe, expect, it } from 'vitest'

import { inspectWasm } from '../../src/claims/inspect.js'
import { base64UrlEncode, decodeToken, orderedClaims, validateToken } from '../../src/claims/jwt.js'
import { crc16, decodePublicKey, decodeSeed, KeyPair, verifySignature } from '../../src/claims/nkeys.js'
import { assertTrusted } from '../../src/claims/policy.js'
import { signWasmFile } from '../../src/claims/sign.js'
import { computeWascapHash, scanWasm, stripClaims } from '../../src/claims/wasm.js'
import { componentWorld } from '../../src/wasm/world.js'
import { tempDir } from '../helpers/tmp.js'
import { caught } from '../unit/wasm/caught.js'

/**
 * Interoperability with files made by wasmCloud's own tools (wash 0.43 / wascap), read from the
 * directory in WASMCTL_INTEROP_FIXTURES (CI: ../shared/fixtures/wascap). The files are that
 * project's test data and are never copied into this repository.
 */
const fixtures = process.env.WASMCTL_INTEROP_FIXTURES
if (!fixtures || !existsSync(path.join(fixtures, 'vectors.json'))) {
  throw new Error(
    `WASMCTL_INTEROP_FIXTURES must name the wascap fixtures folder (holding vectors.json); got ${fixtures === undefined ? 'nothing' : `"${fixtures}"`}. ` +
      'Run: WASMCTL_INTEROP_FIXTURES=../shared/fixtures/wascap npx vitest run --project interop',
  )
}

interface WasmVector {
  size: number
  sha256_file: string
  recomputed_hash_current_algo: string
  jwt_section: null | {
    name: string
    jwt: string
    header: Record<string, unknown>
    claims: Record<string, unknown> & { wascap: Record<string, unknown> }
    signature_valid: boolean
    embedded_hash_matches_recomputed: boolean
  }
}
const vectors = JSON.parse(readFileSync(path.join(fixtures, 'vectors.json'), 'utf8')) as {
  wasm: Record<string, WasmVector>
  jwt_literals: { jwt: string; expect?: string; expect_error?: string }[]
  nkeys: Record<string, string>[]
}
const read = (file: string) => new Uint8Array(readFileSync(path.join(fixtures, file)))
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

describe.each(Object.entries(vectors.wasm))('%s', (file, vector) => {
  const bytes = read(file)

  it('has the recorded size and sha256, and the wascap hash recomputes to the recorded value', () => {
    expect(bytes.length).toBe(vector.size)
    expect(sha256(bytes)).toBe(vector.sha256_file)
    expect(computeWascapHash(bytes)).toBe(vector.recomputed_hash_current_algo)
  })

  it('holds the recorded claims section, token, header and claims', () => {
    const sections = scanWasm(bytes).claimsSections
    if (vector.jwt_section === null) {
      expect(sections).toEqual([])
      expect(inspectWasm(bytes)).toMatchObject({ signed: false, hash: vector.recomputed_hash_current_algo })
      return
    }
    const expected = vector.jwt_section
    expect(sections.map((s) => [s.name, s.depth])).toEqual([[expected.name, 0]])
    expect(sections[0].jwt).toBe(expected.jwt)
    const token = decodeToken(expected.jwt)
    expect(token.header).toEqual(expected.header)
    expect(JSON.parse(JSON.stringify(token.claims))).toEqual(expected.claims)
    // Byte-for-byte: re-serialising the decoded claims in wascap order gives the same segment.
    expect(base64UrlEncode(JSON.stringify(orderedClaims(token.claims)))).toBe(expected.jwt.split('.')[1])
    expect(validateToken(token).signatureValid).toBe(expected.signature_valid)
    expect(expected.claims.wascap.hash === computeWascapHash(bytes)).toBe(expected.embedded_hash_matches_recomputed)
  })

  it('is judged as wascap and the wasmCloud host judge it', () => {
    const result = inspectWasm(bytes)
    if (!vector.jwt_section) return expect(result.valid).toBe(false)
    expect(result).toMatchObject({ signed: true, valid: true, signatureValid: true, hashMatches: vector.jwt_section.embedded_hash_matches_recomputed })
    expect(() => assertTrusted(bytes, { requireSigned: true })).not.toThrow()
  })
})

describe('the README’s expected values', () => {
  it('loop.wasm: unsigned core module with the recorded hash', () => {
    expect(inspectWasm(read('loop.wasm'))).toMatchObject({ encoding: 'module', signed: false, hash: '5C66140DB61ABE7000BAD7BBB7A1F896CE0C0A7879D8AA3C9CAB93DB0A0A1827' })
  })

  it('signed_loop.wasm: legacy `jwt` section, no revision, 4 wascc caps, hash of loop.wasm', () => {
    const result = inspectWasm(read('signed_loop.wasm'))
    expect(result).toMatchObject({
      section: 'jwt',
      wascapRevision: undefined,
      issuer: 'ACCHS57D3P2VEON5MQCJM4YA34GYBDFZR3IBG5EQNUONIHBO5X4NIURC',
      subject: 'MBQ2RC3BARXFWTBFW5UJ6J3QSAVYJ7D64Z5LRCPR3UI44F65Q3OMNGYM',
      name: 'Secure Actor',
      ver: '1.0.0',
      tags: [],
      issuedAt: { unix: 1590205332 },
      embeddedHash: computeWascapHash(read('loop.wasm')),
      signatureValid: true,
      valid: true,
    })
    expect(result.caps).toHaveLength(4)
    for (const cap of result.caps!) expect(cap).toMatch(/^wascc:/)
  })

  it('echo_messaging_v0.9.0.wasm: revision 2, hash mismatch accepted, padded LEB128 sizes re-encoded', () => {
    const bytes = read('echo_messaging_v0.9.0.wasm')
    const result = inspectWasm(bytes)
    expect(result).toMatchObject({
      section: 'wasmcloud_jwt',
      wascapRevision: 2,
      issuer: 'ABRK5MP6QRTH7HXOVP2PR2TLDW6DPLBAF3LTGVWQRFVEF7W5VOUMACXB',
      subject: 'MDJ5BWS6JXSWOZL2ZENW2D4FBSHQ5ZMFGEGJB33TLKYKMXTLLAXINU36',
      name: 'Echo Messaging',
      rev: 0,
      ver: '0.1.5',
      hash: 'B279F467DDCA036DF7F8D550287959EDBB4130782457FF89DF37D76810CB05B8',
      hashMatches: false,
      hashChecked: false,
      signatureValid: true,
      valid: true,
    })
    const jwtSection = scanWasm(bytes).claimsSections[0]
    const sectionBytes = 1 + 5 + 14 + jwtSection.jwt.length // padded size, name, token
    expect(stripClaims(bytes).length).toBeLessThan(bytes.length - sectionBytes)
  })

  it('hello_plugin_s.wasm: a wash-built component, revision 3, hash matches', () => {
    const bytes = read('hello_plugin_s.wasm')
    expect(inspectWasm(bytes)).toMatchObject({
      encoding: 'component',
      wascapRevision: 3,
      issuer: 'ABJ6WQ5FBGXECIJBBGA7BG73IKE7ITD2DRAURV5WB5ZUTYTNOOAYGPIG',
      subject: 'MBNA4BH7QJ2FLP7O3S6QT74DU4GBTI3JE7JINOH55DMYMUSYMKBKG3NO',
      name: 'hello-plugin',
      tags: ['wasmcloud.com/experimental'],
      rev: 0,
      ver: '0.1.0',
      issuedAt: { unix: 1741203211 },
      embeddedHash: 'BEBDA8844610EBA6A1EFBC679CC48790E0CAFC2890818FA968F450A134B386A0',
      hashMatches: true,
      signatureValid: true,
      valid: true,
    })
    // wash appended its section to the unsigned bytes: stripping gives exactly the prefix.
    const stripped = stripClaims(bytes)
    expect(Buffer.from(bytes.subarray(0, stripped.length)).equals(Buffer.from(stripped))).toBe(true)
    expect(componentWorld(bytes).exports).toContain('wasi:cli/run@0.2.0')
  })
})

describe('re-signing wash’s files with wasmctl', () => {
  const dir = tempDir('wasmctl-interop-')
  const keys = { issuer: KeyPair.generate('account').seed, subject: KeyPair.generate('module').seed }

  it.each(['hello_plugin_s.wasm', 'echo_messaging_v0.9.0.wasm', 'signed_loop.wasm'])('%s: one section, same hash, valid', async (file) => {
    const bytes = read(file)
    const result = await signWasmFile({
      input: path.join(fixtures, file),
      output: path.join(dir, file),
      name: 'resigned',
      ver: '9.9.9',
      rev: 9,
      ...keys,
      keysDirectory: path.join(dir, 'keys'),
      disableKeygen: true,
    })
    expect(result.hash).toBe(vectors.wasm[file].recomputed_hash_current_algo)
    const signed = new Uint8Array(readFileSync(result.output))
    const stripped = stripClaims(bytes)
    expect(Buffer.from(signed.subarray(0, stripped.length)).equals(Buffer.from(stripped))).toBe(true)
    expect(scanWasm(signed).claimsSections.map((s) => s.name)).toEqual(['wasmcloud_jwt'])
    expect(inspectWasm(signed)).toMatchObject({ valid: true, hashMatches: true, wascapRevision: 3, name: 'resigned' })
  })
})

describe('JWT literals', () => {
  it.each(vectors.jwt_literals)('$jwt', (literal) => {
    if (literal.expect_error === undefined) {
      expect(validateToken(decodeToken(literal.jwt)).signatureValid).toBe(true)
      return
    }
    let message: string | undefined
    try {
      decodeToken(literal.jwt)
    } catch (error) {
      expect((error as { code: string }).code).toBe('CLAIMS_INVALID')
      message = (error as Error).message
    }
    expect(message).toBeDefined()
    if (literal.expect_error.startsWith('JWT error:')) expect(message).toBe(literal.expect_error)
    else expect(message).not.toMatch(/expected 3 segments/)
  })
})

describe('nkeys vectors', () => {
  const withType = vectors.nkeys.filter((v) => v.seed !== undefined)

  it.each(withType)('$source', (vector) => {
    const key = KeyPair.fromSeed(vector.seed)
    expect(key.publicKey).toBe(vector.public_key ?? vector.public_key_independent)
    if (vector.type) expect(key.type).toBe(vector.type.toLowerCase())
    if (vector.raw_seed_ascii) expect(Buffer.from(decodeSeed(vector.seed).raw).toString('ascii')).toBe(vector.raw_seed_ascii)
    if (vector.private_key) {
      // nkeys.js's private key form: 'P' prefix byte, seed, public key, CRC.
      const payload = Uint8Array.from([15 << 3, ...decodeSeed(vector.seed).raw, ...decodePublicKey(key.publicKey).raw])
      const crc = crc16(payload)
      expect(base32nopad.encode(Uint8Array.from([...payload, crc & 0xff, crc >> 8]))).toBe(vector.private_key)
    }
    if (vector.signature_base64) {
      const message = new TextEncoder().encode(vector.message_utf8)
      const signature = key.sign(message)
      expect(Buffer.from(signature).toString('base64')).toBe(vector.signature_base64)
      expect(verifySignature(key.publicKey, message, signature)).toBe(true)
    }
  })

  const negative = vectors.nkeys.find((v) => v.bad_prefix_seed !== undefined)!
  const reason = (fn: () => unknown) => caught(fn)?.reason ?? 'accepted'

  it('rejects the invalid seeds and keys with the same error kinds as wasmCloud/nkeys', () => {
    expect(reason(() => decodeSeed(negative.bad_prefix_seed))).toBe('prefix')
    expect(reason(() => decodeSeed(negative.bad_checksum_seed))).toBe('checksum')
    expect(reason(() => decodeSeed(negative.bad_length_seed))).toBe('length')
    expect(reason(() => decodeSeed(negative.bad_encoding_seed))).toBe('encoding')
    expect(reason(() => decodePublicKey(negative.bad_length_pub))).toBe('length')
    expect(reason(() => decodePublicKey(negative.bad_prefix_pub))).toBe('prefix')
  })
})
