import { randomBytes, randomInt } from 'node:crypto'

/**
 * NUIDs as the Rust `nuid` crate (and Go's nats-io/nuid) make them for wascap's `jti`: 22
 * characters of base62, a 12-character random prefix then a 10-character sequence that advances
 * by a random step. Hand-written because the npm packages (`nuid`, `@nats-io/nuid`) emit base36
 * (upper-case only), and the latter declares Node >= 22.
 */
const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const BASE = 62
const PREFIX_LENGTH = 12
const SEQUENCE_LENGTH = 10
const MAX_SEQUENCE = BASE ** SEQUENCE_LENGTH // 8.39e17: past 2^53, so sequences are BigInt
const MIN_INCREMENT = 33
const MAX_INCREMENT = 333

export const NUID_LENGTH = PREFIX_LENGTH + SEQUENCE_LENGTH

let prefix = ''
let sequence = 0n
let increment = 0n

function randomPrefix(): string {
  // 248 is the largest multiple of 62 below 256: rejecting bytes above it keeps digits uniform.
  let out = ''
  while (out.length < PREFIX_LENGTH) {
    for (const byte of randomBytes(PREFIX_LENGTH * 2)) {
      if (byte < 248 && out.length < PREFIX_LENGTH) out += DIGITS[byte % BASE]
    }
  }
  return out
}

function reset(): void {
  prefix = randomPrefix()
  const high = BigInt(randomInt(0, 2 ** 32))
  const low = BigInt(randomInt(0, 2 ** 32))
  sequence = ((high << 32n) | low) % BigInt(MAX_SEQUENCE)
  increment = BigInt(randomInt(MIN_INCREMENT, MAX_INCREMENT))
}

export function nextNuid(): string {
  if (prefix === '') reset()
  sequence += increment
  if (sequence >= BigInt(MAX_SEQUENCE)) reset()
  let rest = sequence
  let tail = ''
  for (let i = 0; i < SEQUENCE_LENGTH; i++) {
    tail = DIGITS[Number(rest % 62n)] + tail
    rest /= 62n
  }
  return prefix + tail
}
