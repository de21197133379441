import { createHash } from 'node:crypto'

import { WasmctlError } from './errors.js'

/**
 * Small pieces several domains share: repeated `--flag KEY=VALUE` values (annotations, env,
 * config) and the sha256 hex digest that names build outputs, cache entries and transpiles.
 */

/** `KEY=VALUE` values as a map: `KEY=` is an empty value, `a=b=c` keeps `b=c`, a missing key is a usage error. */
export function parseKeyValuePairs(values: readonly string[], flag: string): Record<string, string> {
  const pairs: Record<string, string> = {}
  for (const value of values) {
    const equals = value.indexOf('=')
    if (equals <= 0) {
      throw new WasmctlError('INPUT_INVALID', `--${flag} ${value}: expected KEY=VALUE`, { hints: [`pass --${flag} KEY=VALUE, once per pair`] })
    }
    pairs[value.slice(0, equals).trim()] = value.slice(equals + 1)
  }
  return pairs
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex')
}
