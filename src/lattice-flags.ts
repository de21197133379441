import { Flags } from '@oclif/core'

import { LATTICE_DEFAULTS, type LatticeOptions, type NatsConnection } from './lattice/connection.js'
import type { WadmClient } from './lattice/wadm.js'

/** wash's lattice connection flags and variables (reference §1), shared by `app` and `get`. */
export const latticeFlags = {
  'ctl-host': Flags.string({ char: 'r', description: 'NATS host of the lattice control interface.', env: 'WASMCLOUD_CTL_HOST', default: LATTICE_DEFAULTS.ctlHost, helpGroup: 'LATTICE' }),
  'ctl-port': Flags.integer({ char: 'p', description: 'NATS port of the lattice control interface.', env: 'WASMCLOUD_CTL_PORT', default: LATTICE_DEFAULTS.ctlPort, min: 1, max: 65535, helpGroup: 'LATTICE' }),
  lattice: Flags.string({ char: 'x', description: 'Lattice name.', env: 'WASMCLOUD_LATTICE', default: LATTICE_DEFAULTS.lattice, helpGroup: 'LATTICE' }),
  'ctl-credsfile': Flags.string({ description: 'NATS credentials file.', env: 'WASH_CTL_CREDS', helpGroup: 'LATTICE' }),
  'ctl-jwt': Flags.string({ description: 'NATS user JWT (with --ctl-seed).', helpGroup: 'LATTICE' }),
  'ctl-seed': Flags.string({ description: 'NATS user nkey seed (with --ctl-jwt); never printed.', helpGroup: 'LATTICE' }),
  'ctl-tls-ca-file': Flags.string({ description: 'CA certificate to verify the NATS server with.', helpGroup: 'LATTICE' }),
  'ctl-tls-first': Flags.boolean({ description: 'Do the TLS handshake before the NATS handshake.', helpGroup: 'LATTICE' }),
  'timeout-ms': Flags.integer({ description: 'Control-interface timeout in ms (also how long `get hosts` gathers answers).', env: 'WASMCLOUD_CTL_TIMEOUT_MS', default: LATTICE_DEFAULTS.timeoutMs, min: 1, helpGroup: 'LATTICE' }),
  'wadm-timeout-ms': Flags.integer({ description: 'How long to wait for wadm to answer, in ms (wash: 10000).', env: 'WASMCTL_WADM_TIMEOUT_MS', default: LATTICE_DEFAULTS.wadmTimeoutMs, min: 1, helpGroup: 'LATTICE' }),
}

export interface LatticeFlagValues {
  'ctl-host': string
  'ctl-port': number
  lattice: string
  'ctl-credsfile'?: string
  'ctl-jwt'?: string
  'ctl-seed'?: string
  'ctl-tls-ca-file'?: string
  'ctl-tls-first'?: boolean
  'timeout-ms': number
  'wadm-timeout-ms': number
}

export function latticeOptions(flags: LatticeFlagValues): LatticeOptions {
  return {
    ctlHost: flags['ctl-host'],
    ctlPort: flags['ctl-port'],
    lattice: flags.lattice,
    credsFile: flags['ctl-credsfile'],
    jwt: flags['ctl-jwt'],
    seed: flags['ctl-seed'],
    tlsCaFile: flags['ctl-tls-ca-file'],
    tlsFirst: flags['ctl-tls-first'],
    timeoutMs: flags['timeout-ms'],
    wadmTimeoutMs: flags['wadm-timeout-ms'],
  }
}

export async function withConnection<T>(flags: LatticeFlagValues, run: (nc: NatsConnection, options: LatticeOptions) => Promise<T>): Promise<T> {
  const { connectLattice } = await import('./lattice/connection.js')
  const options = latticeOptions(flags)
  const nc = await connectLattice(options)
  try {
    return await run(nc, options)
  } finally {
    await nc.close().catch(() => {})
  }
}

export async function withWadm<T>(flags: LatticeFlagValues, run: (client: WadmClient) => Promise<T>): Promise<T> {
  const { WadmClient } = await import('./lattice/wadm.js')
  return withConnection(flags, (nc, options) => run(new WadmClient(nc, options.lattice, { timeoutMs: options.wadmTimeoutMs })))
}
