import { generateKeyPairSync, sign as edSign } from 'node:crypto'

import { base32nopad } from '@scure/base'
import { describe, expect, it } from 'vitest'

import {
  crc16,
  decodePublicKey,
  decodeSeed,
  encodePublicKey,
  encodeSeed,
  isPublicKey,
  isSeed,
  KEY_TYPES,
  KeyPair,
  keyTypeOfPublicKey,
  verifySignature,
} from '../../../src/claims/nkeys.js'
import { caught } from '../wasm/caught.js'

const PREFIX_CHAR = { account: 'A', cluster: 'C', operator: 'O', server: 'N', user: 'U', module: 'M', service: 'V', curve: 'X' } as const

/** Flips one base32 character to another valid one, keeping the length. */
function mistype(key: string, at: number): string {
  return key.slice(0, at) + (key[at] === 'A' ? 'B' : 'A') + key.slice(at + 1)
}

describe('CRC-16/XMODEM', () => {
  it('has the standard check value', () => {
    expect(crc16(new TextEncoder().encode('123456789'))).toBe(0x31c3)
    expect(crc16(new Uint8Array())).toBe(0)
  })
})

describe('every key type', () => {
  it.each(KEY_TYPES)('%s: public key and seed prefixes, lengths and round trips', (type) => {
    const key = KeyPair.generate(type)
    expect(key.type).toBe(type)
    expect(key.publicKey).toHaveLength(56)
    expect(key.publicKey[0]).toBe(PREFIX_CHAR[type])
    expect(key.seed).toHaveLength(58)
    expect(key.seed.slice(0, 2)).toBe(`S${PREFIX_CHAR[type]}`)
    expect(keyTypeOfPublicKey(key.publicKey)).toBe(type)
    expect(decodePublicKey(key.publicKey).type).toBe(type)
    expect(decodeSeed(key.seed).type).toBe(type)
    const again = KeyPair.fromSeed(key.seed)
    expect(again.publicKey).toBe(key.publicKey)
    expect(encodeSeed(type, decodeSeed(key.seed).raw)).toBe(key.seed)
    expect(encodePublicKey(type, decodePublicKey(key.publicKey).raw)).toBe(key.publicKey)
  })
})

describe('Ed25519 through nkeys', () => {
  it('derives the public key and signatures node:crypto computes from the same raw seed', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const rawSeed = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(16))
    const rawPublic = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(12))
    const key = KeyPair.fromSeed(encodeSeed('module', rawSeed))
    expect(key.publicKey).toBe(encodePublicKey('module', rawPublic))
    const message = new TextEncoder().encode('hello')
    expect(Buffer.from(key.sign(message))).toEqual(edSign(null, message, privateKey))
  })

  it('verifies its own signatures and rejects other keys, other messages and bad lengths', () => {
    const key = KeyPair.generate('account')
    const other = KeyPair.generate('account')
    const message = new TextEncoder().encode('payload')
    const signature = key.sign(message)
    expect(key.verify(message, signature)).toBe(true)
    expect(verifySignature(other.publicKey, message, signature)).toBe(false)
    expect(key.verify(new TextEncoder().encode('payloaD'), signature)).toBe(false)
    expect(caught(() => key.verify(message, signature.subarray(0, 63)))).toMatchObject({ code: 'KEY_INVALID', reason: 'signature-length' })
  })

  it('never serialises the seed', () => {
    const key = KeyPair.generate('account')
    expect(JSON.stringify(key)).not.toContain(key.seed)
    expect(JSON.stringify(key)).toContain(key.publicKey)
  })
})

describe('errors', () => {
  const seed = KeyPair.generate('account').seed
  const publicKey = KeyPair.fromSeed(seed).publicKey

  it('bad prefix', () => {
    // A valid encoding of an unknown prefix byte (0x08 -> 'B').
    const unknown = base32nopad.encode(Uint8Array.from([0x08, ...new Uint8Array(32), 0, 0]))
    const payload = base32nopad.decode(unknown).subarray(0, 33)
    const crc = crc16(payload)
    const withCrc = base32nopad.encode(Uint8Array.from([...payload, crc & 0xff, crc >> 8]))
    expect(caught(() => decodePublicKey(withCrc))).toMatchObject({ code: 'KEY_INVALID', reason: 'prefix' })
    // A seed string where a public key is expected, and a public key's bytes as a seed.
    expect(caught(() => decodePublicKey(seed.slice(0, 56)))?.code).toBe('KEY_INVALID')
    const notSeed = base32nopad.encode(Uint8Array.from([0x00, 0x00, ...new Uint8Array(32), 0, 0]))
    const notSeedPayload = base32nopad.decode(notSeed).subarray(0, 34)
    const c = crc16(notSeedPayload)
    expect(caught(() => decodeSeed(base32nopad.encode(Uint8Array.from([...notSeedPayload, c & 0xff, c >> 8]))))).toMatchObject({ reason: 'prefix' })
  })

  it('bad checksum', () => {
    expect(caught(() => decodeSeed(mistype(seed, 20)))).toMatchObject({ code: 'KEY_INVALID', reason: 'checksum' })
    expect(caught(() => decodePublicKey(mistype(publicKey, 30)))).toMatchObject({ code: 'KEY_INVALID', reason: 'checksum' })
  })

  it('bad length', () => {
    expect(caught(() => decodeSeed(seed.slice(0, 57)))).toMatchObject({ reason: 'length' })
    expect(caught(() => decodeSeed(seed + 'A'))).toMatchObject({ reason: 'length' })
    expect(caught(() => decodePublicKey(publicKey.slice(0, 54)))).toMatchObject({ reason: 'length' })
    expect(caught(() => decodeSeed(publicKey))).toMatchObject({ reason: 'length', message: expect.stringMatching(/got a public key/) })
  })

  it('bad characters', () => {
    expect(caught(() => decodeSeed(seed.slice(0, 20) + '!#' + seed.slice(22)))).toMatchObject({ reason: 'encoding' })
    expect(caught(() => decodePublicKey(publicKey.toLowerCase()))).toMatchObject({ reason: 'encoding' })
    expect(caught(() => decodePublicKey(publicKey.slice(0, 55) + '1'))).toMatchObject({ reason: 'encoding' })
  })

  it('isSeed / isPublicKey', () => {
    expect(isSeed(seed)).toBe(true)
    expect(isSeed(publicKey)).toBe(false)
    expect(isPublicKey(publicKey)).toBe(true)
    expect(isPublicKey(seed)).toBe(false)
  })
})
