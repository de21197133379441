import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, scryptSync } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

import { fsError, WasmctlError } from '../errors.js'
import { writeFileAtomic } from '../files.js'

/**
 * cosign's key files. `cosign.key` is a PEM block `ENCRYPTED SIGSTORE PRIVATE KEY` (older cosign:
 * `ENCRYPTED COSIGN PRIVATE KEY`) whose body is the JSON of go-securesystemslib's `encrypted`
 * package: scrypt derives a 32-byte key from the password, nacl/secretbox (XSalsa20-Poly1305)
 * seals the PKCS#8 DER private key. `cosign.pub` is a plain SPKI `PUBLIC KEY` PEM.
 * node:crypto has scrypt but no XSalsa20, hence tweetnacl for the secretbox alone.
 */
export const SIGSTORE_PRIVATE_KEY_PEM = 'ENCRYPTED SIGSTORE PRIVATE KEY'
const LEGACY_PRIVATE_KEY_PEM = 'ENCRYPTED COSIGN PRIVATE KEY'
/** cosign's defaults (go-securesystemslib `encrypted.ScryptParams` with N = 2^16). */
const SCRYPT = { N: 65536, r: 8, p: 1 } as const
/** Refuses work factors that would take minutes or gigabytes: a hostile key file is a denial of service. */
const MAX_SCRYPT_N = 1 << 20

export interface EncryptedKeyDocument {
  kdf: { name: string; params: { N: number; r: number; p: number }; salt: string }
  cipher: { name: string; nonce: string }
  ciphertext: string
}

type SecretBox = {
  (message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array
  open(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null
}

function secretbox(): SecretBox {
  // tweetnacl is CommonJS; createRequire keeps it out of ESM interop questions.
  return (createRequire(import.meta.url)('tweetnacl') as { secretbox: SecretBox }).secretbox
}

function invalidKey(message: string, file?: string, hints: string[] = []): WasmctlError {
  return new WasmctlError('COSIGN_KEY_INVALID', `${file ? `${file}: ` : ''}${message}`, {
    hints: hints.length > 0 ? hints : ['use a key made by `cosign generate-key-pair` or `wasmctl keys gen cosign`'],
    ...(file ? { details: { file } } : {}),
  })
}

export function pemEncode(type: string, der: Uint8Array): string {
  const body = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n')
  return `-----BEGIN ${type}-----\n${body}-----END ${type}-----\n`
}

export function pemDecode(text: string): { type: string; body: Buffer } | undefined {
  const match = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text)
  if (!match) return undefined
  return { type: match[1], body: Buffer.from(match[2].replace(/\s+/g, ''), 'base64') }
}

/** The private key sealed as cosign seals it, with a fresh salt and nonce. */
export function encryptPrivateKey(privateKey: KeyObject, password: string): string {
  const der = privateKey.export({ type: 'pkcs8', format: 'der' })
  const salt = randomBytes(32)
  const nonce = randomBytes(24)
  const key = scryptSync(Buffer.from(password, 'utf8'), salt, 32, { ...SCRYPT, maxmem: 256 * SCRYPT.N * SCRYPT.r })
  const ciphertext = secretbox()(new Uint8Array(der), new Uint8Array(nonce), new Uint8Array(key))
  // Field order as go-securesystemslib's structs marshal it.
  const document: EncryptedKeyDocument = {
    kdf: { name: 'scrypt', params: { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p }, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(ciphertext).toString('base64'),
  }
  return pemEncode(SIGSTORE_PRIVATE_KEY_PEM, Buffer.from(JSON.stringify(document)))
}

/** Opens a cosign.key; COSIGN_PASSWORD_INCORRECT when the password does not open the box. */
export function decryptPrivateKey(pem: string, password: string, file?: string): KeyObject {
  return openPrivateKey(parsePrivateKey(pem, file), password, file)
}

/** A cosign.key's encrypted document, checked for everything but the password (COSIGN_KEY_INVALID). */
export function parsePrivateKey(pem: string, file?: string): EncryptedKeyDocument {
  const block = pemDecode(pem)
  if (!block) throw invalidKey('not a PEM file', file)
  if (block.type !== SIGSTORE_PRIVATE_KEY_PEM && block.type !== LEGACY_PRIVATE_KEY_PEM) {
    if (block.type === 'PUBLIC KEY') throw invalidKey('this is a public key; signing needs the private cosign.key', file)
    throw invalidKey(`a "${block.type}" PEM block is not a cosign private key`, file, [
      'turn a plain PEM key into cosign\'s format with `cosign import-key-pair --key <file>`',
    ])
  }
  let document: EncryptedKeyDocument
  try {
    document = JSON.parse(block.body.toString('utf8')) as EncryptedKeyDocument
  } catch {
    throw invalidKey('the encrypted key is not the JSON cosign writes', file)
  }
  const { kdf, cipher } = document ?? {}
  if (kdf?.name !== 'scrypt' || cipher?.name !== 'nacl/secretbox' || typeof document.ciphertext !== 'string') {
    throw invalidKey(`unsupported key encryption (${kdf?.name ?? '?'} + ${cipher?.name ?? '?'}); cosign uses scrypt + nacl/secretbox`, file)
  }
  const { N, r, p } = kdf.params ?? {}
  if (![N, r, p].every(Number.isSafeInteger) || N < 2 || N > MAX_SCRYPT_N || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) {
    throw invalidKey('the key file asks for scrypt parameters outside what cosign writes', file)
  }
  return document
}

/** Decrypts a parsed cosign.key with its password. */
export function openPrivateKey(document: EncryptedKeyDocument, password: string, file?: string): KeyObject {
  const { kdf, cipher } = document
  const { N, r, p } = kdf.params
  const key = scryptSync(Buffer.from(password, 'utf8'), Buffer.from(kdf.salt, 'base64'), 32, { N, r, p, maxmem: 256 * N * r })
  const nonce = Buffer.from(cipher.nonce, 'base64')
  if (nonce.length !== 24) throw invalidKey('the key file has a malformed nonce', file)
  const opened = secretbox().open(new Uint8Array(Buffer.from(document.ciphertext, 'base64')), new Uint8Array(nonce), new Uint8Array(key))
  if (!opened) {
    throw new WasmctlError('COSIGN_PASSWORD_INCORRECT', `${file ? `${file}: ` : ''}the password does not decrypt this cosign key`, {
      hints: ['set COSIGN_PASSWORD to the password the key was made with (cosign reads the same variable)'],
    })
  }
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey({ key: Buffer.from(opened), format: 'der', type: 'pkcs8' })
  } catch {
    throw invalidKey('the decrypted key is not a PKCS#8 private key', file)
  }
  checkSupported(privateKey, file)
  return privateKey
}

/** ECDSA (P-256/384/521), RSA or Ed25519, as cosign's `--key` accepts; wasmctl signs ECDSA only (see signing). */
function checkSupported(key: KeyObject, file?: string): void {
  const type = key.asymmetricKeyType
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve
    if (curve !== 'prime256v1' && curve !== 'secp384r1' && curve !== 'secp521r1') throw invalidKey(`ECDSA curve ${curve ?? '?'} is not one cosign accepts`, file)
    return
  }
  if (type === 'rsa' || type === 'ed25519') return
  throw invalidKey(`${type ?? 'unknown'} keys are not supported by cosign`, file)
}

export function parsePublicKey(pem: string, file?: string): KeyObject {
  const block = pemDecode(pem)
  if (!block || block.type !== 'PUBLIC KEY') {
    throw invalidKey(block ? `a "${block.type}" PEM block is not a public key` : 'not a PEM public key', file, [
      'pass the cosign.pub made with the key pair (-----BEGIN PUBLIC KEY-----)',
    ])
  }
  let key: KeyObject
  try {
    key = createPublicKey({ key: block.body, format: 'der', type: 'spki' })
  } catch {
    throw invalidKey('the public key does not parse as SPKI', file)
  }
  checkSupported(key, file)
  return key
}

export function readPublicKeyFile(file: string): KeyObject {
  return parsePublicKey(readKeyText(file), file)
}

export function readPrivateKeyFile(file: string, password: string): KeyObject {
  return decryptPrivateKey(readKeyText(file), password, file)
}

/** A key file's text (a key is small: anything over 64 KiB is refused unread). */
export function readKeyText(file: string): string {
  try {
    const text = readFileSync(file)
    if (text.length > 64 * 1024) throw invalidKey('is too large to be a key file', file)
    return text.toString('utf8')
  } catch (error) {
    if (error instanceof WasmctlError) throw error
    throw fsError(error, 'read', file)
  }
}

export interface GeneratedCosignKeys {
  privateKeyFile: string
  publicKeyFile: string
  publicKey: string
}

/**
 * `cosign generate-key-pair` in wasmctl: an ECDSA P-256 pair, cosign.key encrypted (0600) and
 * cosign.pub, written atomically; existing files are never overwritten unless `force`.
 */
export async function generateCosignKeyPair(options: { dir: string; prefix?: string; password: string; force?: boolean }): Promise<GeneratedCosignKeys> {
  const prefix = options.prefix ?? 'cosign'
  const privateKeyFile = path.resolve(options.dir, `${prefix}.key`)
  const publicKeyFile = path.resolve(options.dir, `${prefix}.pub`)
  if (!options.force) {
    for (const file of [privateKeyFile, publicKeyFile]) {
      if (existsSync(file)) {
        throw new WasmctlError('COSIGN_KEY_EXISTS', `${file} already exists`, {
          hints: ['pass --force to replace the key pair, or --output-key-prefix for another name'],
          details: { file },
        })
      }
    }
  }
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  try {
    await writeFileAtomic(privateKeyFile, encryptPrivateKey(privateKey, options.password), { mode: 0o600 })
    await writeFileAtomic(publicKeyFile, publicPem, { mode: 0o644 })
  } catch (error) {
    throw fsError(error, 'write', privateKeyFile)
  }
  return { privateKeyFile, publicKeyFile, publicKey: publicPem }
}
