import type { KeyObject } from 'node:crypto'

import { WasmctlError } from '../errors.js'
import { openPrivateKey, parsePrivateKey, readKeyText } from './keys.js'

/**
 * The cosign.key password: COSIGN_PASSWORD (cosign's own variable, so CI secrets work for both
 * tools; an empty value means an empty password, as in cosign), else the `ask` callback, which the
 * command supplies only when it may prompt. Never logged.
 */
export async function cosignPassword(options: { env?: NodeJS.ProcessEnv; ask?: (message: string) => Promise<string>; confirm?: boolean }): Promise<string> {
  const env = options.env ?? process.env
  if (env.COSIGN_PASSWORD !== undefined) return env.COSIGN_PASSWORD
  if (!options.ask) {
    throw new WasmctlError('INPUT_REQUIRED', 'the cosign key password is required: set COSIGN_PASSWORD', {
      hints: ['non-interactive runs (no TTY, CI set, or --json) read the password from COSIGN_PASSWORD only'],
      details: { env: 'COSIGN_PASSWORD' },
    })
  }
  const password = await options.ask('Password for the cosign private key:')
  if (options.confirm && (await options.ask('Enter the password again:')) !== password) {
    throw new WasmctlError('INPUT_INVALID', 'the two passwords differ', { hints: ['run the command again and type the same password twice'] })
  }
  return password
}

/** The key file is read and checked before the password is asked for: a wrong path or a file that is no cosign key is reported as such, not as a missing password. */
export async function loadSigningKey(file: string, options: { env?: NodeJS.ProcessEnv; ask?: (message: string) => Promise<string> }): Promise<KeyObject> {
  const document = parsePrivateKey(readKeyText(file), file)
  return openPrivateKey(document, await cosignPassword(options), file)
}
