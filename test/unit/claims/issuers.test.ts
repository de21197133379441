import { describe, expect, it } from 'vitest'

import { allowedIssuerProblem, checkAllowedIssuers } from '../../../src/claims/issuers.js'
import { KeyPair } from '../../../src/claims/nkeys.js'
import { caught } from '../wasm/caught.js'

describe('--allowed-issuer', () => {
  const account = KeyPair.generate('account').publicKey

  it('takes account public keys', () => {
    expect(allowedIssuerProblem(account)).toBeUndefined()
    expect(() => checkAllowedIssuers([account, KeyPair.generate('account').publicKey])).not.toThrow()
    expect(() => checkAllowedIssuers([])).not.toThrow()
  })

  it('refuses what is not a key, as a usage error naming the flag', () => {
    const error = caught(() => checkAllowedIssuers([account, 'notakey']))
    expect(error).toMatchObject({ code: 'INPUT_INVALID', message: expect.stringMatching(/^--allowed-issuer: "notakey" is not an account public key/) })
  })

  it('refuses another kind of key, and a broken checksum', () => {
    expect(allowedIssuerProblem(KeyPair.generate('module').publicKey)).toMatch(/is a module key; an issuer is an account key/)
    const flipped = account.slice(0, 55) + (account[55] === 'A' ? 'B' : 'A')
    expect(allowedIssuerProblem(flipped)).toMatch(/is not an account public key/)
  })

  it('calls a seed a seed and never repeats it', () => {
    const seed = KeyPair.generate('account').seed
    const error = caught(() => checkAllowedIssuers([seed]))
    expect(error?.message).toBe('--allowed-issuer: is a seed (a secret), not a public key')
    expect(JSON.stringify(error)).not.toContain(seed)
  })
})
