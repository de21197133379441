import { WasmctlError } from '../errors.js'
import { decodePublicKey, isSeed } from './nkeys.js'

/**
 * Why a value cannot be an allowed issuer (an account public key: 56 characters, prefix A, valid
 * checksum), or undefined when it can. A seed is named as such and never repeated back.
 */
export function allowedIssuerProblem(key: string): string | undefined {
  if (isSeed(key.trim())) return 'is a seed (a secret), not a public key'
  const shown = JSON.stringify(key.length > 60 ? `${key.slice(0, 57)}...` : key)
  let type
  try {
    type = decodePublicKey(key).type
  } catch (error) {
    return `${shown} is not an account public key (${(error as Error).message})`
  }
  if (type !== 'account') return `${shown} is a ${type} key; an issuer is an account key (starting with A)`
  return undefined
}

/** Checks `--allowed-issuer` values; throws INPUT_INVALID naming the first bad one. */
export function checkAllowedIssuers(keys: readonly string[], flag = '--allowed-issuer'): void {
  for (const key of keys) {
    const problem = allowedIssuerProblem(key)
    if (problem) {
      throw new WasmctlError('INPUT_INVALID', `${flag}: ${problem}`, {
        hints: ['pass the account public key that signs the components (56 characters starting with A), e.g. from `wasmctl keys get <name>_account`'],
        details: { flag },
      })
    }
  }
}
