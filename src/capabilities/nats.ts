import { readFileSync } from 'node:fs'

import type { NatsConnection } from '@nats-io/transport-node'

import { backendUnreachable, configInvalid, configValue } from './errors.js'
import { addressOf } from './redact.js'

/**
 * A NATS connection from wasmCloud provider link config (`client_jwt`/`client_seed`, `tls_ca`/
 * `tls_ca_file`), shared by the key-value and messaging backends. The client reconnects forever,
 * so a server that comes back is used again without a restart; while it is away, `connected()`
 * is false and callers fail fast instead of waiting for a timeout.
 */
export interface NatsLink {
  nc: NatsConnection
  /** `host:port` of the first server, for messages. */
  address: string
  connected(): boolean
  /** Why the connection is down, for error values. */
  unavailable(): string
  close(): Promise<void>
}

export interface NatsLinkOptions {
  /** Server URLs (`nats://host:port`, `tls://…` or `host:port`). */
  servers: string[]
  /** For messages: "NATS JetStream KV", "NATS messaging". */
  backend: string
  /** The flag or config key that sets the address, for the hint. */
  addressHint: string
  config: Record<string, string>
}

export async function connectNatsLink(options: NatsLinkOptions): Promise<NatsLink> {
  const { config } = options
  const jwt = configValue(config, 'client_jwt')
  const seed = configValue(config, 'client_seed')
  if ((jwt === undefined) !== (seed === undefined)) {
    throw configInvalid(`${options.backend}: client_jwt and client_seed go together (JWT authentication needs both)`, ['set both client_jwt and client_seed, or neither'])
  }
  let ca = configValue(config, 'tls_ca')
  const caFile = configValue(config, 'tls_ca_file')
  if (ca === undefined && caFile !== undefined) {
    try {
      ca = readFileSync(caFile, 'utf8')
    } catch (error) {
      throw configInvalid(`${options.backend}: cannot read tls_ca_file ${caFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }
  }
  const address = addressOf(options.servers[0] ?? '')
  const { connect, jwtAuthenticator } = await import('@nats-io/transport-node')
  let nc: NatsConnection
  try {
    nc = await connect({
      servers: options.servers,
      name: 'wasmctl',
      // Forever: a backend that returns is picked up again without restarting `up`.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      reconnectJitter: 100,
      timeout: 3000,
      ...(jwt !== undefined && seed !== undefined ? { authenticator: jwtAuthenticator(jwt, new TextEncoder().encode(seed)) } : {}),
      ...(ca !== undefined ? { tls: { ca } } : {}),
    })
  } catch (error) {
    throw backendUnreachable(options.backend, address, error, [
      `start the NATS server (for JetStream: nats-server -js), or point ${options.addressHint} at a running one`,
      'drop the binding to use the built-in backend where there is one',
    ])
  }
  let up = true
  let lastProblem = ''
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        up = false
        lastProblem = 'connection lost'
      } else if (status.type === 'reconnect') {
        up = true
      } else if (status.type === 'error') {
        lastProblem = String((status as { error?: unknown }).error ?? 'error')
      }
    }
  })().catch(() => {})
  return {
    nc,
    address,
    connected: () => up && !nc.isClosed(),
    unavailable: () => `${options.backend} at ${address} is unavailable (${lastProblem || 'reconnecting'}); retrying`,
    close: async () => {
      if (!nc.isClosed()) await nc.close().catch(() => {})
    },
  }
}

/** `a,b` → servers; the providers' defaults when empty. */
export function splitServers(value: string | undefined, fallback: string): string[] {
  const servers = (value ?? fallback)
    .split(',')
    .map((server) => server.trim())
    .filter(Boolean)
  return servers.length > 0 ? servers : [fallback]
}
