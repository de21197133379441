import { createRequire } from 'node:module'
import { formatWithOptions, type InspectOptions } from 'node:util'

/**
 * Secrets on the command line (registry passwords, signing seeds, values given to a component)
 * must never reach a log. oclif's `DEBUG=*` output prints process.argv and the command's argv, so
 * the entry point installs `redactDebugOutput` before oclif starts whenever DEBUG is set.
 */

/** Flags whose whole value is a secret (across all commands; `-p` is also `up`'s port, which costs nothing to hide). */
const SECRET_FLAGS = new Set(['--password', '-p', '--issuer', '-i', '--subject', '-s'])
/** Flags taking KEY=VALUE whose value may be a credential: the key stays readable. */
const KEY_VALUE_FLAGS = new Set(['--env', '--config'])
/** Secrets named by the environment (wash's names too); oclif may print parsed flag values. */
const SECRET_ENV = ['WASMCTL_REG_PASSWORD', 'WASH_REG_PASSWORD', 'WASMCTL_ISSUER_KEY', 'WASMCTL_SUBJECT_KEY', 'WASH_ISSUER_KEY', 'WASH_SUBJECT_KEY']
/** An nkeys seed: S, a type letter, then base32 to 58 characters. */
const SEED = /\bS[A-Z][A-Z2-7]{56}\b/g

export const REDACTED = '***'

/** The secret strings in an argv (the user's arguments, without node and the script). */
export function secretsIn(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const secrets = new Set<string>()
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]
    if (arg === '--') break
    const eq = arg.indexOf('=')
    const name = arg.startsWith('--') && eq !== -1 ? arg.slice(0, eq) : arg
    const inline = arg.startsWith('--') && eq !== -1 ? arg.slice(eq + 1) : undefined
    let value: string | undefined
    if (SECRET_FLAGS.has(name) || KEY_VALUE_FLAGS.has(name)) value = inline ?? argv[++index]
    // -pSECRET: a short flag with its value attached.
    else if (/^-[pis]./.test(arg) && !arg.startsWith('--')) value = arg.slice(2).replace(/^=/, '')
    if (value === undefined || value === '') continue
    if (KEY_VALUE_FLAGS.has(name)) {
      const valueStart = value.indexOf('=')
      if (valueStart !== -1 && valueStart < value.length - 1) secrets.add(value.slice(valueStart + 1))
    } else {
      secrets.add(value)
    }
  }
  for (const name of SECRET_ENV) if (env[name]) secrets.add(env[name]!)
  // Longest first, so a secret containing another is replaced whole.
  return [...secrets].sort((a, b) => b.length - a.length)
}

export function redactText(text: string, secrets: readonly string[]): string {
  let result = text
  for (const secret of secrets) result = result.split(secret).join(REDACTED)
  return result.replace(SEED, REDACTED)
}

interface DebugModule {
  log: (...args: unknown[]) => void
  inspectOpts?: InspectOptions
}

/**
 * Routes every line of the `debug` package (which oclif logs through) past `redactText`. It
 * patches the instance @oclif/core loads, so it holds whatever namespaces DEBUG enables.
 */
export function redactDebugOutput(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): void {
  const secrets = secretsIn(argv, env)
  const requireFromHere = createRequire(import.meta.url)
  const requireFromOclif = createRequire(requireFromHere.resolve('@oclif/core'))
  const debug = requireFromOclif('debug') as DebugModule
  debug.log = (...args: unknown[]) => {
    process.stderr.write(`${redactText(formatWithOptions(debug.inspectOpts ?? {}, ...args), secrets)}\n`)
  }
}
