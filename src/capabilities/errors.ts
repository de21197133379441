import { WasmctlError } from '../errors.js'
import { redactUrl } from './redact.js'

/** The few words a client error needs (ECONNREFUSED, a timeout), without a stack or a URL. */
export function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code
  const message = error instanceof Error ? error.message : String(error)
  // Errors from clients may quote the URL they were given, userinfo included.
  const safe = redactUrl(message)
  return code && !safe.includes(code) ? `${code}: ${safe}` : safe
}

/**
 * A backend that is down when `up`/`dev` starts: refused before the server listens, naming the
 * backend and where it looked, with the fix.
 */
export function backendUnreachable(backend: string, address: string, error: unknown, hints: string[]): WasmctlError {
  return new WasmctlError('CAPABILITY_BACKEND_UNREACHABLE', `cannot reach ${backend} at ${address}: ${reasonOf(error)}`, {
    hints,
    details: { backend, address },
  })
}

export function configInvalid(message: string, hints: string[] = []): WasmctlError {
  return new WasmctlError('CAPABILITY_CONFIG_INVALID', message, { hints })
}

/** Link config keys are matched case-insensitively (as the Redis provider does for `URL`). */
export function configValue(config: Record<string, string>, key: string): string | undefined {
  if (Object.hasOwn(config, key)) return config[key]
  const wanted = key.toLowerCase()
  for (const [name, value] of Object.entries(config)) if (name.toLowerCase() === wanted) return value
  return undefined
}
