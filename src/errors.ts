/**
 * The one error type domain modules throw. A WasmctlError is an expected failure (bad input, a
 * missing toolchain, a registry that said no): the CLI prints its message and hints on one line
 * each and exits with its status, never with a stack trace. Anything else that escapes a command
 * is a bug (exit 10).
 */

export const ExitStatus = {
  ok: 0,
  failed: 1,
  usage: 2,
  internal: 10,
  interrupted: 130,
} as const

export type ExitStatusValue = (typeof ExitStatus)[keyof typeof ExitStatus]

/**
 * Every error code wasmctl emits, `DOMAIN_REASON`, with the exit status it maps to. Codes are part
 * of the JSON contract: scripts match on them, so a code is never renamed once released.
 */
export const ErrorCodes = {
  // generic
  INPUT_REQUIRED: ExitStatus.failed,
  INPUT_INVALID: ExitStatus.usage,
  USAGE: ExitStatus.usage,
  INTERRUPTED: ExitStatus.interrupted,
  INTERNAL: ExitStatus.internal,
  FS_ERROR: ExitStatus.failed,
  FS_NOT_A_FILE: ExitStatus.failed,
  FS_FILE_TOO_LARGE: ExitStatus.failed,
  // project file
  PROJECT_NOT_FOUND: ExitStatus.failed,
  PROJECT_INVALID: ExitStatus.failed,
  PROJECT_PROVIDER_UNSUPPORTED: ExitStatus.failed,
  // templates / new
  TEMPLATE_UNKNOWN: ExitStatus.usage,
  TEMPLATE_INVALID: ExitStatus.internal,
  TEMPLATE_FETCH_FAILED: ExitStatus.failed,
  NEW_NAME_INVALID: ExitStatus.usage,
  NEW_TARGET_EXISTS: ExitStatus.failed,
  // wasm binary
  WASM_INVALID: ExitStatus.failed,
  WASM_NOT_COMPONENT: ExitStatus.failed,
  // keys and claims
  KEY_INVALID: ExitStatus.failed,
  KEY_WRONG_TYPE: ExitStatus.failed,
  KEY_NOT_FOUND: ExitStatus.failed,
  KEY_EXISTS: ExitStatus.failed,
  CLAIMS_MISSING: ExitStatus.failed,
  CLAIMS_INVALID: ExitStatus.failed,
  CLAIMS_SIGNATURE_INVALID: ExitStatus.failed,
  CLAIMS_HASH_MISMATCH: ExitStatus.failed,
  CLAIMS_EXPIRED: ExitStatus.failed,
  CLAIMS_NOT_YET_VALID: ExitStatus.failed,
  CLAIMS_ISSUER_NOT_ALLOWED: ExitStatus.failed,
  CLAIMS_UNSIGNED: ExitStatus.failed,
  // build
  BUILD_TOOLCHAIN_MISSING: ExitStatus.failed,
  BUILD_FAILED: ExitStatus.failed,
  BUILD_ARTIFACT_MISSING: ExitStatus.failed,
  BUILD_NOT_COMPONENT: ExitStatus.failed,
  BUILD_WIT_MISSING: ExitStatus.failed,
  BUILD_LANGUAGE_UNKNOWN: ExitStatus.failed,
  BUILD_WORLD_MISMATCH: ExitStatus.failed,
  BUILD_NOT_REPRODUCIBLE: ExitStatus.failed,
  // cosign signatures (sign-image, push --sign, verify, --verify-key)
  COSIGN_KEY_INVALID: ExitStatus.failed,
  COSIGN_KEY_EXISTS: ExitStatus.failed,
  COSIGN_PASSWORD_INCORRECT: ExitStatus.failed,
  COSIGN_SIGNATURE_MISSING: ExitStatus.failed,
  COSIGN_SIGNATURE_INVALID: ExitStatus.failed,
  // OCI
  OCI_REFERENCE_INVALID: ExitStatus.usage,
  OCI_AUTH_FAILED: ExitStatus.failed,
  OCI_NOT_FOUND: ExitStatus.failed,
  OCI_UNREACHABLE: ExitStatus.failed,
  OCI_TIMEOUT: ExitStatus.failed,
  OCI_DIGEST_MISMATCH: ExitStatus.failed,
  OCI_UNSUPPORTED_ARTIFACT: ExitStatus.failed,
  OCI_LATEST_REFUSED: ExitStatus.usage,
  OCI_REGISTRY_ERROR: ExitStatus.failed,
  // WIT dependencies (wit deps, the fetch step of build)
  WIT_DEPS_NOT_FOUND: ExitStatus.failed,
  WIT_DEPS_UNREACHABLE: ExitStatus.failed,
  WIT_DEPS_MALFORMED: ExitStatus.failed,
  WIT_DEPS_DIGEST_MISMATCH: ExitStatus.failed,
  WIT_DEPS_LOCK_INVALID: ExitStatus.failed,
  WIT_DEPS_CONFIG_INVALID: ExitStatus.failed,
  WIT_DEPS_NO_REGISTRY: ExitStatus.failed,
  WIT_DEPS_SOURCE_UNSUPPORTED: ExitStatus.failed,
  WIT_DEPS_VERSION_UNSUPPORTED: ExitStatus.failed,
  // embedded host
  HOST_PORT_IN_USE: ExitStatus.failed,
  HOST_PORT_FORBIDDEN: ExitStatus.failed,
  HOST_LOAD_FAILED: ExitStatus.failed,
  HOST_UNSATISFIED_IMPORTS: ExitStatus.failed,
  HOST_UNSUPPORTED_WORLD: ExitStatus.failed,
  HOST_POLICY_REFUSED: ExitStatus.failed,
  /** Components linked to components (`up a.wasm b.wasm`): an import two components export, with no --link-name to pick one. */
  HOST_LINK_AMBIGUOUS: ExitStatus.usage,
  /** Linked components that import each other's exports in a circle. */
  HOST_LINK_CYCLE: ExitStatus.failed,
  /** Linked components without exactly one entry (HTTP handler or command), one that links nothing, or an interface that cannot cross (resources). */
  HOST_LINK_INVALID: ExitStatus.failed,
  // dev loop
  DEV_FAILED: ExitStatus.failed,
  // capabilities (late-bound backends: key-value, messaging)
  CAPABILITY_BACKEND_UNREACHABLE: ExitStatus.failed,
  CAPABILITY_CONFIG_INVALID: ExitStatus.usage,
  CAPABILITY_PROVIDER_UNSUPPORTED: ExitStatus.failed,
  CAPABILITY_UNBOUND: ExitStatus.failed,
  /** A secret whose environment variable or file is missing (the message names the secret and its source, never a value). */
  CAPABILITY_SECRET_UNAVAILABLE: ExitStatus.failed,
  // wadm applications (wasmctl app)
  APP_MANIFEST_INVALID: ExitStatus.failed,
  APP_SOURCE_INVALID: ExitStatus.usage,
  APP_NOT_FOUND: ExitStatus.failed,
  APP_WADM_ERROR: ExitStatus.failed,
  APP_DEPLOY_FAILED: ExitStatus.failed,
  /** A valid manifest `wasmctl up` cannot run locally: no component, a shared component, several components taking HTTP requests, or one not linked to the others. */
  APP_MANIFEST_UNSUPPORTED: ExitStatus.failed,
  // lattice (NATS)
  LATTICE_UNREACHABLE: ExitStatus.failed,
  LATTICE_NO_RESPONDERS: ExitStatus.failed,
  LATTICE_TIMEOUT: ExitStatus.failed,
  LATTICE_AUTH_FAILED: ExitStatus.failed,
  LATTICE_BAD_REPLY: ExitStatus.failed,
  LATTICE_CTL_ERROR: ExitStatus.failed,
} as const satisfies Record<string, ExitStatusValue>

export type ErrorCode = keyof typeof ErrorCodes

export interface WasmctlErrorOptions {
  /** What the user can do about it: each hint names a fix (a flag, a command, an install step). */
  hints?: string[]
  /** Overrides the status the code maps to. */
  exit?: ExitStatusValue
  cause?: unknown
  /** Extra machine-readable detail, included in the JSON error. */
  details?: Record<string, unknown>
}

export class WasmctlError extends Error {
  readonly code: ErrorCode
  readonly hints: string[]
  readonly exit: ExitStatusValue
  readonly details?: Record<string, unknown>

  constructor(code: ErrorCode, message: string, options: WasmctlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'WasmctlError'
    this.code = code
    this.hints = options.hints ?? []
    this.exit = options.exit ?? ErrorCodes[code]
    this.details = options.details
  }

  toJSON(): { code: ErrorCode; message: string; hints: string[]; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      hints: this.hints,
      ...(this.details ? { details: this.details } : {}),
    }
  }
}

export function isWasmctlError(error: unknown): error is WasmctlError {
  return error instanceof WasmctlError
}

/** An operation stopped because its AbortSignal fired (Ctrl-C). */
/** The plain form of an error that crosses a worker thread boundary (structured clone keeps no class). */
export interface PlainError {
  code: string
  message: string
  hints: string[]
  details?: Record<string, unknown>
}

/** A thrown value as a {@link PlainError}; anything but a WasmctlError is a bug, described by `internalPrefix`. */
export function toPlainError(error: unknown, internalPrefix = 'internal error'): PlainError {
  if (isWasmctlError(error)) {
    return { code: error.code, message: error.message, hints: error.hints, details: error.details && (JSON.parse(JSON.stringify(error.details)) as Record<string, unknown>) }
  }
  return {
    code: 'INTERNAL',
    message: `${internalPrefix}: ${(error as Error)?.message ?? String(error)}`,
    hints: ['this is a bug in wasmctl: rerun with --log-level debug and report the output'],
  }
}

export function interrupted(what = 'operation'): WasmctlError {
  return new WasmctlError('INTERRUPTED', `${what} interrupted`, { hints: ['run the command again to retry'] })
}

/** Throws INTERRUPTED when the signal has fired; call between steps of long operations. */
export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw interrupted(what)
}

/** Node's system errors (ENOENT, EACCES, ...) as a one-line FS_ERROR naming the path. */
export function fsError(error: unknown, action: string, path: string): WasmctlError {
  const code = (error as NodeJS.ErrnoException)?.code
  const reason =
    code === 'ENOENT'
      ? 'no such file or directory'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'ENOSPC'
            ? 'no space left on device'
            : ((error as Error)?.message ?? String(error))
  return new WasmctlError('FS_ERROR', `cannot ${action} ${path}: ${reason}`, {
    cause: error,
    hints: code === 'ENOENT' ? ['check the path'] : code === 'EACCES' ? ['check the file permissions'] : [],
  })
}
