import { generateKeyPairSync, sign, verify } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { decryptPrivateKey, encryptPrivateKey, parsePublicKey, SIGSTORE_PRIVATE_KEY_PEM } from '../../../src/cosign/keys.js'
import { cosignPassword, loadSigningKey } from '../../../src/cosign/password.js'
import { isWasmctlError, type WasmctlError } from '../../../src/errors.js'
import { repoRoot } from '../../helpers/cli.js'

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'cosign')

function failure(run: () => unknown): WasmctlError {
  try {
    run()
  } catch (error) {
    if (isWasmctlError(error)) return error
    throw error
  }
  throw new Error('expected a WasmctlError')
}

describe('cosign key files', () => {
  it("opens cosign's own test key (ENCRYPTED SIGSTORE PRIVATE KEY, password hello) as an ECDSA P-256 key", () => {
    const key = decryptPrivateKey(readFileSync(path.join(fixtures, 'sigstore-test.key'), 'utf8'), 'hello')
    expect(key.asymmetricKeyType).toBe('ec')
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1')
    const message = Buffer.from('payload')
    expect(verify('sha256', message, key, sign('sha256', message, key))).toBe(true)
  })

  it('refuses a wrong password with COSIGN_PASSWORD_INCORRECT', () => {
    const error = failure(() => decryptPrivateKey(readFileSync(path.join(fixtures, 'sigstore-test.key'), 'utf8'), 'hellp'))
    expect(error.code).toBe('COSIGN_PASSWORD_INCORRECT')
    expect(error.hints[0]).toContain('COSIGN_PASSWORD')
  })

  it("writes cosign's format: a PEM block of the securesystemslib JSON that opens again", () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    const pem = encryptPrivateKey(privateKey, 'secret')
    expect(pem.startsWith(`-----BEGIN ${SIGSTORE_PRIVATE_KEY_PEM}-----\n`)).toBe(true)
    const body = pem.split('\n').slice(1, -2)
    expect(body.every((line) => line.length <= 64)).toBe(true)
    const document = JSON.parse(Buffer.from(body.join(''), 'base64').toString('utf8'))
    expect(Object.keys(document)).toEqual(['kdf', 'cipher', 'ciphertext'])
    expect(document.kdf).toMatchObject({ name: 'scrypt', params: { N: 65536, r: 8, p: 1 } })
    expect(Buffer.from(document.kdf.salt, 'base64')).toHaveLength(32)
    expect(document.cipher.name).toBe('nacl/secretbox')
    expect(Buffer.from(document.cipher.nonce, 'base64')).toHaveLength(24)
    const opened = decryptPrivateKey(pem, 'secret')
    expect(opened.export({ type: 'pkcs8', format: 'der' })).toEqual(privateKey.export({ type: 'pkcs8', format: 'der' }))
    expect(parsePublicKey(publicKey.export({ type: 'spki', format: 'pem' }).toString()).export({ type: 'spki', format: 'der' })).toEqual(
      publicKey.export({ type: 'spki', format: 'der' }),
    )
    // The password itself appears nowhere in the file.
    expect(pem.includes('secret')).toBe(false)
  })

  it('refuses files that are not cosign private keys, and hostile scrypt parameters', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    expect(failure(() => decryptPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'x')).code).toBe('COSIGN_KEY_INVALID')
    expect(failure(() => decryptPrivateKey(readFileSync(path.join(fixtures, 'dangerzone', 'cosign.pub'), 'utf8'), 'x')).message).toContain('public key')
    const hostile = { kdf: { name: 'scrypt', params: { N: 2 ** 30, r: 8, p: 1 }, salt: 'AA==' }, cipher: { name: 'nacl/secretbox', nonce: 'AA==' }, ciphertext: 'AA==' }
    const pem = `-----BEGIN ${SIGSTORE_PRIVATE_KEY_PEM}-----\n${Buffer.from(JSON.stringify(hostile)).toString('base64')}\n-----END ${SIGSTORE_PRIVATE_KEY_PEM}-----\n`
    expect(failure(() => decryptPrivateKey(pem, 'x')).message).toContain('scrypt parameters')
  })

  it('reads the password from COSIGN_PASSWORD (empty allowed) and never asks without a way to', async () => {
    await expect(cosignPassword({ env: { COSIGN_PASSWORD: '' } })).resolves.toBe('')
    await expect(cosignPassword({ env: {} })).rejects.toMatchObject({ code: 'INPUT_REQUIRED', details: { env: 'COSIGN_PASSWORD' } })
    await expect(cosignPassword({ env: {}, ask: async () => 'typed' })).resolves.toBe('typed')
    let asked = 0
    const ask = async () => (++asked === 1 ? 'one' : 'two')
    await expect(cosignPassword({ env: {}, ask, confirm: true })).rejects.toMatchObject({ code: 'INPUT_INVALID' })
  })
})

describe('loadSigningKey', () => {
  it('reports a key file that is not there before asking for its password', async () => {
    let asked = false
    const error = await loadSigningKey('/no/such/dir/cosign.key', { env: {}, ask: async () => ((asked = true), 'x') }).catch((thrown: unknown) => thrown as WasmctlError)
    expect(error).toMatchObject({ code: 'FS_ERROR', message: expect.stringContaining('/no/such/dir/cosign.key') })
    expect(asked).toBe(false)
    // A file that is not a cosign key is reported as such, before any password.
    const notAKey = path.join(repoRoot, 'package.json')
    await expect(loadSigningKey(notAKey, { env: {}, ask: async () => ((asked = true), 'x') })).rejects.toMatchObject({ code: 'COSIGN_KEY_INVALID' })
    expect(asked).toBe(false)
    // Without a way to ask, a readable key still needs COSIGN_PASSWORD.
    const keyFile = path.join(repoRoot, 'test', 'fixtures', 'cosign', 'sigstore-test.key')
    await expect(loadSigningKey(keyFile, { env: {} })).rejects.toMatchObject({ code: 'INPUT_REQUIRED' })
    await expect(loadSigningKey(keyFile, { env: { COSIGN_PASSWORD: 'hello' } })).resolves.toMatchObject({ asymmetricKeyType: 'ec' })
  })
})
