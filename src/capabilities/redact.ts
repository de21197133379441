/**
 * Link config carries credentials (Redis URLs with passwords, NATS seeds and JWTs). Anything that
 * describes a binding — start-up lines, `--json` events, debug logs, error messages — goes through
 * these functions, so a secret is never printed however the value was spelled.
 */
const REDACTED = '***'

/** Keys whose whole value is a secret (matched case-insensitively, as a part of the key name). */
const SECRET_KEY = /pass(word)?|secret|seed|jwt|token|credential|creds|private|api[_-]?key|auth/i

/** Keys that hold a URL (or a comma-separated list of them) whose userinfo is a secret. */
const URL_KEY = /ur[il]s?$/i

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key)
}

/** A URL with its password (and user name, which is often a token) masked; other text as it was. */
export function redactUrl(value: string): string {
  // Not `new URL`: it re-encodes and normalises, and a value that is not a URL must pass unchanged.
  return value.replace(/([a-z][a-z0-9+.-]*:\/\/)([^@/?#\s]*)@/gi, (_match, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':')
    // redis://user:password@host keeps the user; redis://token@host has the secret in the user.
    return colon === -1 ? `${scheme}${REDACTED}@` : `${scheme}${userinfo.slice(0, colon)}:${REDACTED}@`
  })
}

/** A copy of a link config that is safe to print. */
export function redactConfig(config: Record<string, string>): Record<string, string> {
  const safe: Record<string, string> = {}
  for (const [key, value] of Object.entries(config)) {
    if (isSecretKey(key)) safe[key] = REDACTED
    else if (URL_KEY.test(key) || value.includes('://')) safe[key] = redactUrl(value)
    else safe[key] = value
  }
  return safe
}

/** Where a backend lives, for messages: `host:port` only, never the userinfo or the query. */
export function addressOf(url: string): string {
  try {
    const parsed = new URL(url.includes('://') ? url : `nats://${url}`)
    return parsed.host || url
  } catch {
    return redactUrl(url)
  }
}
