import { readFile } from 'node:fs/promises'

import { fsError, WasmctlError } from '../errors.js'

/**
 * How wasmctl reaches a lattice: wash's flags and environment variables (reference §1). The NATS
 * client is imported lazily, so commands that never talk to a lattice do not load it.
 */
export interface LatticeOptions {
  ctlHost: string
  ctlPort: number
  lattice: string
  credsFile?: string
  jwt?: string
  /** An nkey user seed; never printed. */
  seed?: string
  tlsCaFile?: string
  tlsFirst?: boolean
  /** Control-interface timeout, also the `host.ping` gathering window (wash: 2000 ms). */
  timeoutMs: number
  /** wadm request timeout (wash never sets one: async-nats's 10 s default). */
  wadmTimeoutMs: number
}

export const LATTICE_DEFAULTS = { ctlHost: '127.0.0.1', ctlPort: 4222, lattice: 'default', timeoutMs: 2000, wadmTimeoutMs: 10_000 } as const

/** Lattice and app names become subject tokens: a dot or wildcard would address other subjects. */
export function checkSubjectToken(value: string, what: string): string {
  if (value === '' || /[\s.*>]/.test(value)) {
    throw new WasmctlError('INPUT_INVALID', `${what} "${value}" cannot be used in a NATS subject (no dots, spaces, "*" or ">")`, {
      hints: [`use only letters, digits, "-" and "_" in the ${what}`],
    })
  }
  return value
}

export type NatsConnection = import('@nats-io/transport-node').NatsConnection

export function serverAddress(options: Pick<LatticeOptions, 'ctlHost' | 'ctlPort'>): string {
  const host = options.ctlHost.includes(':') && !options.ctlHost.startsWith('[') && !/^[a-z]+:\/\//.test(options.ctlHost) ? `[${options.ctlHost}]` : options.ctlHost
  return `${host}:${options.ctlPort}`
}

export async function connectLattice(options: LatticeOptions): Promise<NatsConnection> {
  checkSubjectToken(options.lattice, 'lattice')
  const nats = await import('@nats-io/transport-node')
  const server = serverAddress(options)
  let authenticator
  if (options.credsFile) {
    let creds: Uint8Array
    try {
      creds = await readFile(options.credsFile)
    } catch (error) {
      throw fsError(error, 'read credentials file', options.credsFile)
    }
    authenticator = nats.credsAuthenticator(creds)
  } else if (options.jwt || options.seed) {
    if (!options.jwt || !options.seed) {
      throw new WasmctlError('INPUT_REQUIRED', '--ctl-jwt and --ctl-seed go together', { hints: ['pass both, or a credentials file with --ctl-credsfile'] })
    }
    authenticator = nats.jwtAuthenticator(options.jwt, new TextEncoder().encode(options.seed))
  }
  try {
    return await nats.connect({
      servers: server,
      name: 'wasmctl',
      reconnect: false,
      timeout: Math.max(options.timeoutMs, 2000),
      ...(authenticator ? { authenticator } : {}),
      ...(options.tlsCaFile || options.tlsFirst ? { tls: { ...(options.tlsCaFile ? { caFile: options.tlsCaFile } : {}), ...(options.tlsFirst ? { handshakeFirst: true } : {}) } } : {}),
    })
  } catch (error) {
    throw connectError(error, server)
  }
}

function connectError(error: unknown, server: string): WasmctlError {
  const message = (error as Error)?.message ?? String(error)
  const name = (error as Error)?.name ?? ''
  if (/authoriz|authenticat|permission/i.test(message) || name === 'AuthorizationError') {
    return new WasmctlError('LATTICE_AUTH_FAILED', `NATS at ${server} refused the credentials: ${message}`, {
      cause: error,
      hints: ['check --ctl-credsfile (WASH_CTL_CREDS) or --ctl-jwt/--ctl-seed'],
    })
  }
  return new WasmctlError('LATTICE_UNREACHABLE', `cannot connect to NATS at ${server}: ${message}`, {
    cause: error,
    hints: ['start a lattice (`wash up`) or point at one with --ctl-host/--ctl-port (WASMCLOUD_CTL_HOST/WASMCLOUD_CTL_PORT)'],
  })
}

/** Classifies what a NATS request threw: nobody subscribed, nobody answered in time, or something else. */
export function requestFailure(error: unknown): 'no-responders' | 'timeout' | 'other' {
  for (let current = error as { name?: string; cause?: unknown; isNoResponders?: () => boolean } | undefined, depth = 0; current && depth < 5; current = current.cause as typeof current, depth++) {
    if (current.name === 'NoRespondersError' || current.isNoResponders?.()) return 'no-responders'
    if (current.name === 'TimeoutError') return 'timeout'
  }
  return 'other'
}
