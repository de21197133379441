import { createPrivateKey, createPublicKey, randomBytes, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto'

import { base32nopad } from '@scure/base'

import { WasmctlError } from '../errors.js'

/**
 * nkeys (NATS / wasmCloud Ed25519 keys as base32 strings) for every prefix wasmCloud uses,
 * including Module (M) and Service (V).
 *
 * Why not nkeys.js: it validates prefixes against the NATS list, which lacks M and V, so it
 * rejects every module seed wash writes; adding them would mean forking it. The codec itself is
 * small (prefix byte(s) + 32 bytes + CRC-16/XMODEM, base32 without padding) and node:crypto has
 * Ed25519 built in, so this needs no crypto dependency at all. Base32 comes from @scure/base,
 * whose strict decoder also rejects non-zero trailing bits, as the Rust `data_encoding` does.
 */

export const KEY_TYPES = ['account', 'cluster', 'operator', 'server', 'user', 'module', 'service', 'curve'] as const
export type KeyType = (typeof KEY_TYPES)[number]

/** The prefix byte of each key type (the public key's first base32 character follows from it). */
const PREFIX_BYTE: Record<KeyType, number> = {
  account: 0, // A
  cluster: 2 << 3, // C
  operator: 14 << 3, // O
  server: 13 << 3, // N
  user: 20 << 3, // U
  module: 12 << 3, // M (wasmCloud)
  service: 21 << 3, // V (wasmCloud)
  curve: 23 << 3, // X
}
const SEED_PREFIX = 18 << 3 // S
const TYPE_BY_PREFIX = new Map<number, KeyType>(Object.entries(PREFIX_BYTE).map(([type, byte]) => [byte, type as KeyType]))

export const PUBLIC_KEY_LENGTH = 56
export const SEED_LENGTH = 58

/** The type a public key's first character stands for, if any. */
export function keyTypeOfPublicKey(publicKey: string): KeyType | undefined {
  return KEY_TYPES.find((type) => publicKeyPrefixChar(type) === publicKey[0])
}

export function publicKeyPrefixChar(type: KeyType): string {
  return base32nopad.encode(Uint8Array.of(PREFIX_BYTE[type]))[0]
}

export type NkeyErrorReason = 'prefix' | 'checksum' | 'length' | 'encoding' | 'signature-length'

export function nkeyError(reason: NkeyErrorReason, message: string, hints: string[] = []): WasmctlError {
  return new WasmctlError('KEY_INVALID', message, { details: { reason }, hints })
}

/** CRC-16/XMODEM (poly 0x1021, init 0), as NATS nkeys append it (little-endian). */
export function crc16(bytes: Uint8Array): number {
  let crc = 0
  for (const byte of bytes) {
    crc ^= byte << 8
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  }
  return crc
}

function withChecksum(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 2)
  out.set(payload)
  const crc = crc16(payload)
  out[payload.length] = crc & 0xff
  out[payload.length + 1] = crc >> 8
  return out
}

/** base32-decodes and checks the checksum; returns the bytes before the CRC. */
function decodeChecked(text: string, what: string): Uint8Array {
  let raw: Uint8Array
  try {
    raw = base32nopad.decode(text)
  } catch {
    throw nkeyError('encoding', `${what} is not valid base32 (nkeys use A-Z and 2-7 only)`)
  }
  if (raw.length < 3) throw nkeyError('length', `${what} is too short`)
  const payload = raw.subarray(0, raw.length - 2)
  const expected = raw[raw.length - 2] | (raw[raw.length - 1] << 8)
  if (crc16(payload) !== expected) throw nkeyError('checksum', `${what} has a bad checksum (a character was mistyped or the key was cut)`)
  return payload
}

export function encodePublicKey(type: KeyType, rawPublicKey: Uint8Array): string {
  if (rawPublicKey.length !== 32) throw new RangeError('an Ed25519 public key is 32 bytes')
  const payload = new Uint8Array(33)
  payload[0] = PREFIX_BYTE[type]
  payload.set(rawPublicKey, 1)
  return base32nopad.encode(withChecksum(payload))
}

export function encodeSeed(type: KeyType, rawSeed: Uint8Array): string {
  if (rawSeed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes')
  const prefix = PREFIX_BYTE[type]
  const payload = new Uint8Array(34)
  payload[0] = SEED_PREFIX | (prefix >> 5)
  payload[1] = (prefix & 31) << 3
  payload.set(rawSeed, 2)
  return base32nopad.encode(withChecksum(payload))
}

export function decodePublicKey(publicKey: string): { type: KeyType; raw: Uint8Array } {
  if (typeof publicKey !== 'string' || publicKey.length !== PUBLIC_KEY_LENGTH) {
    throw nkeyError('length', `public key must be ${PUBLIC_KEY_LENGTH} characters, got ${publicKey?.length ?? 0}`)
  }
  const payload = decodeChecked(publicKey, 'public key')
  const type = TYPE_BY_PREFIX.get(payload[0])
  if (type === undefined) {
    const hint = payload[0] === SEED_PREFIX ? ['this looks like a seed; pass the public key (wasmctl keys get <name>)'] : []
    throw nkeyError('prefix', `public key has an unknown prefix '${publicKey[0]}'`, hint)
  }
  return { type, raw: payload.slice(1) }
}

export function decodeSeed(seed: string): { type: KeyType; raw: Uint8Array } {
  if (typeof seed !== 'string' || seed.length !== SEED_LENGTH) {
    const looksPublic = typeof seed === 'string' && seed.length === PUBLIC_KEY_LENGTH
    throw nkeyError(
      'length',
      looksPublic ? 'expected a seed (58 characters starting with S) but got a public key' : `seed must be ${SEED_LENGTH} characters, got ${seed?.length ?? 0}`,
      looksPublic ? ['a public key cannot sign: pass the seed (wasmctl keys get <name> --show-seed)'] : [],
    )
  }
  const payload = decodeChecked(seed, 'seed')
  if ((payload[0] & 0xf8) !== SEED_PREFIX) throw nkeyError('prefix', `seed must start with 'S', got '${seed[0]}'`)
  const typeByte = ((payload[0] & 7) << 5) | ((payload[1] & 0xf8) >> 3)
  const type = TYPE_BY_PREFIX.get(typeByte)
  if (type === undefined) throw nkeyError('prefix', `seed has an unknown key type '${seed[1]}'`)
  return { type, raw: payload.slice(2) }
}

export function isPublicKey(text: string): boolean {
  return decodes(() => decodePublicKey(text))
}

export function isSeed(text: string): boolean {
  return decodes(() => decodeSeed(text))
}

function decodes(decode: () => unknown): boolean {
  try {
    decode()
    return true
  } catch {
    return false
  }
}

// DER wrappers that let node:crypto take raw Ed25519 keys (RFC 8410 SPKI / PKCS#8).
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex')
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex')
// Curve keys (nkeys "xkeys", prefix X) are X25519 keys for sealing, not Ed25519 keys for signing.
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex')
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex')

function privateKeyObject(rawSeed: Uint8Array, type?: KeyType): KeyObject {
  const prefix = type === 'curve' ? PKCS8_X25519 : PKCS8_ED25519
  return createPrivateKey({ key: Buffer.concat([prefix, rawSeed]), format: 'der', type: 'pkcs8' })
}

function publicKeyObject(rawPublicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519, rawPublicKey]), format: 'der', type: 'spki' })
}

/** A key pair from a seed. The seed stays inside; `seed` is only read when asked. */
export class KeyPair {
  readonly type: KeyType
  readonly publicKey: string
  readonly #seed: string
  readonly #private: KeyObject

  private constructor(type: KeyType, seed: string, rawSeed: Uint8Array) {
    this.type = type
    this.#seed = seed
    this.#private = privateKeyObject(rawSeed, type)
    const spki = createPublicKey(this.#private).export({ format: 'der', type: 'spki' })
    this.publicKey = encodePublicKey(type, new Uint8Array(spki.subarray((type === 'curve' ? SPKI_X25519 : SPKI_ED25519).length)))
  }

  static fromSeed(seed: string): KeyPair {
    const { type, raw } = decodeSeed(seed)
    return new KeyPair(type, seed, raw)
  }

  static generate(type: KeyType): KeyPair {
    const raw = new Uint8Array(randomBytes(32))
    return new KeyPair(type, encodeSeed(type, raw), raw)
  }

  get seed(): string {
    return this.#seed
  }

  sign(message: Uint8Array): Uint8Array {
    if (this.type === 'curve') throw nkeyError('prefix', 'a curve (xkey) key encrypts; it cannot sign', ['sign with an account key (A...)'])
    return new Uint8Array(edSign(null, message, this.#private))
  }

  verify(message: Uint8Array, signature: Uint8Array): boolean {
    return verifySignature(this.publicKey, message, signature)
  }

  toJSON(): { type: KeyType; publicKey: string } {
    // Never serialise the seed by accident (logs, JSON results).
    return { type: this.type, publicKey: this.publicKey }
  }
}

/** Verifies an Ed25519 signature against an nkey public key (any prefix, as wascap does). */
export function verifySignature(publicKey: string, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) throw nkeyError('signature-length', `an Ed25519 signature is 64 bytes, got ${signature.length}`)
  const { raw } = decodePublicKey(publicKey)
  return edVerify(null, message, publicKeyObject(raw), signature)
}
