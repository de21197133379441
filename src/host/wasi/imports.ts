import { BLOBSTORE_AND_SECRETS_INTERFACES, blobAndSecretImports } from './blobstore.js'
import { activeLinks, type BusVersion, createBus, DEFAULT_LINK, hasCapabilityLink, interfaceOfCall, LinkSelection, selectedCapabilityLink } from './bus.js'
import { createConfig, createKeyvalue, createLogging, createMessaging, type HostCall, type LogLevel } from './capabilities.js'
import { type CliSettings, createCli } from './cli.js'
import { clocks, random } from './clocks.js'
import { createFilesystem, type Preopen } from './filesystem.js'
import { createHttp, type OutgoingHttp } from './http.js'
import { createIdentity } from './identity.js'
import { io } from './io.js'
import { sockets } from './sockets.js'
import { unversioned } from '../../wasm/world.js'

/**
 * The import object a transpiled component is instantiated with: one provider per WIT interface,
 * keyed by the unversioned interface name as jco's glue looks them up. Every 0.2.x version of an
 * interface is served by the same provider.
 */
export interface ImportSettings {
  cli: () => CliSettings
  preopens: Preopen[]
  config: Record<string, string>
  /** Absent: every outgoing request fails with HTTP-request-denied. */
  outgoingHttp: () => OutgoingHttp | undefined
  call: HostCall
  log: (level: LogLevel, context: string, message: string) => void
  /**
   * wasmcloud:bus/lattice selections of the component these imports serve (each linked component
   * gets its own, link-instance.ts); default: one that knows only the host's default links.
   */
  links?: LinkSelection
  /** The component running now (for wasmcloud:identity's one debug line per component). */
  component?: () => string
}

/** A selection for a component that has only the host's links: every provided interface on 'default'. */
export function hostLinkSelection(component: string, detectVersion: () => BusVersion | undefined = () => undefined): LinkSelection {
  return new LinkSelection(component, (iface, name) => PROVIDED_INTERFACES.has(iface) && hasCapabilityLink(iface, name), detectVersion)
}

export type ImportObject = Record<string, Record<string, unknown>>

/**
 * The imports that replace the host's for a linked component (not the entry): the host's grants
 * (--dir, --env, command arguments, wasmcloud:secrets, and outgoing HTTP unless `outgoingHttp`)
 * are the entry's, so it sees no host directory, variable or secret, and its outgoing requests
 * are denied. Fixed per component, so no call or re-instantiation can pick up the entry's.
 */
export function withoutHostGrants(imports: ImportObject, component: string, options: { outgoingHttp: boolean }): Record<string, Record<string, unknown>> {
  const secrets = imports['wasmcloud:secrets/store']
  const http = imports['wasi:http/types'] as { FutureIncomingResponse: new (start: () => unknown) => { begin(): void } }
  const log = imports['wasi:logging/logging'].log as (level: string, context: string, message: string) => void
  return {
    'wasi:filesystem/preopens': { getDirectories: () => [] },
    'wasi:cli/environment': { getEnvironment: () => [], getArguments: () => [], initialCwd: () => undefined },
    // As if no secret were declared (the resource class stays the host's).
    'wasmcloud:secrets/store': { Secret: secrets.Secret, get: () => { throw { tag: 'not-found' } } },
    ...(options.outgoingHttp
      ? {}
      : {
          'wasi:http/outgoing-handler': {
            handle: () => {
              log('warn', '', `outgoing HTTP denied: ${component} is a linked component, and the host's network grants (--allow-http) are the entry's; a manifest link from it to wasmCloud's http-client provider grants it`)
              const denied = new http.FutureIncomingResponse(() => ({ err: { tag: 'HTTP-request-denied' } }))
              denied.begin()
              return denied
            },
          },
        }),
  }
}

export function createImports(settings: ImportSettings): ImportObject {
  const links = settings.links ?? hostLinkSelection('the component')
  // A capability call goes to the link the running component selected (wasmcloud:bus) for its
  // interface: checked only once some selection was made, so the usual call pays one test. A call
  // that names its link already (a bucket remembers the link it was opened on) keeps it.
  const call: HostCall = (kind, payload) => {
    if ((activeLinks.selection ?? links).changed && (payload as { link?: string }).link === undefined) {
      const iface = interfaceOfCall(kind)
      const link = iface === undefined ? DEFAULT_LINK : selectedCapabilityLink(iface, links)
      if (link !== DEFAULT_LINK) (payload as { link?: string }).link = link
    }
    return settings.call(kind, payload)
  }
  const outgoingHttp = () => {
    selectedCapabilityLink('wasi:http/outgoing-handler', links)
    return settings.outgoingHttp()
  }
  const cli = createCli(settings.cli)
  const filesystem = createFilesystem(settings.preopens)
  const http = createHttp(outgoingHttp)
  const keyvalue = createKeyvalue(call)
  const config = createConfig(settings.config)
  const logging = createLogging(settings.log)
  const messaging = createMessaging(call)
  const bus = createBus(links)
  const identity = createIdentity(settings.log, settings.component ?? (() => 'the component'))
  return {
    'wasi:cli/environment': cli.environment,
    'wasi:cli/exit': cli.exit,
    'wasi:cli/stdin': cli.stdin,
    'wasi:cli/stdout': cli.stdout,
    'wasi:cli/stderr': cli.stderr,
    'wasi:cli/terminal-input': cli.terminalInput,
    'wasi:cli/terminal-output': cli.terminalOutput,
    'wasi:cli/terminal-stdin': cli.terminalStdin,
    'wasi:cli/terminal-stdout': cli.terminalStdout,
    'wasi:cli/terminal-stderr': cli.terminalStderr,
    'wasi:clocks/monotonic-clock': clocks.monotonicClock,
    'wasi:clocks/wall-clock': clocks.wallClock,
    'wasi:filesystem/types': filesystem.types,
    'wasi:filesystem/preopens': filesystem.preopens,
    'wasi:io/error': io.error,
    'wasi:io/poll': io.poll,
    'wasi:io/streams': io.streams,
    'wasi:random/random': random.random,
    'wasi:random/insecure': random.insecure,
    'wasi:random/insecure-seed': random.insecureSeed,
    'wasi:sockets/instance-network': sockets.instanceNetwork,
    'wasi:sockets/network': sockets.network,
    'wasi:sockets/ip-name-lookup': sockets.ipNameLookup,
    'wasi:sockets/tcp': sockets.tcp,
    'wasi:sockets/tcp-create-socket': sockets.tcpCreateSocket,
    'wasi:sockets/udp': sockets.udp,
    'wasi:sockets/udp-create-socket': sockets.udpCreateSocket,
    'wasi:http/types': http.types,
    'wasi:http/outgoing-handler': http.outgoingHandler,
    'wasi:keyvalue/store': keyvalue.store,
    'wasi:keyvalue/atomics': keyvalue.atomics,
    'wasi:keyvalue/batch': keyvalue.batch,
    'wasi:config/store': config.store,
    'wasi:config/runtime': config.runtime,
    'wasi:logging/logging': logging.logging,
    'wasmcloud:messaging/consumer': messaging.consumer,
    'wasmcloud:messaging/types': messaging.types,
    'wasmcloud:bus/lattice': bus.lattice,
    'wasmcloud:identity/store': identity.store,
    ...blobAndSecretImports(call),
  }
}

/** Interfaces the host implements (unversioned); a component importing anything else cannot load. */
export const PROVIDED_INTERFACES: ReadonlySet<string> = new Set([
  'wasi:cli/environment',
  'wasi:cli/exit',
  'wasi:cli/stdin',
  'wasi:cli/stdout',
  'wasi:cli/stderr',
  'wasi:cli/terminal-input',
  'wasi:cli/terminal-output',
  'wasi:cli/terminal-stdin',
  'wasi:cli/terminal-stdout',
  'wasi:cli/terminal-stderr',
  'wasi:clocks/monotonic-clock',
  'wasi:clocks/wall-clock',
  'wasi:filesystem/types',
  'wasi:filesystem/preopens',
  'wasi:io/error',
  'wasi:io/poll',
  'wasi:io/streams',
  'wasi:random/random',
  'wasi:random/insecure',
  'wasi:random/insecure-seed',
  'wasi:sockets/instance-network',
  'wasi:sockets/network',
  'wasi:sockets/ip-name-lookup',
  'wasi:sockets/tcp',
  'wasi:sockets/tcp-create-socket',
  'wasi:sockets/udp',
  'wasi:sockets/udp-create-socket',
  'wasi:http/types',
  'wasi:http/outgoing-handler',
  'wasi:keyvalue/store',
  'wasi:keyvalue/atomics',
  'wasi:keyvalue/batch',
  'wasi:config/store',
  'wasi:config/runtime',
  'wasi:logging/logging',
  'wasmcloud:messaging/consumer',
  'wasmcloud:messaging/types',
  'wasmcloud:bus/lattice',
  'wasmcloud:identity/store',
  ...BLOBSTORE_AND_SECRETS_INTERFACES,
])

/**
 * Wraps the import object so that instantiation records every import the host does not provide
 * (a whole interface, or one function of a provided interface) instead of failing on the first,
 * so the load error can list them all.
 */
export function trackMissingImports(imports: ImportObject): { imports: ImportObject; missing: string[] } {
  const missing: string[] = []
  const placeholder = (name: string) => {
    missing.push(name)
    return function unsatisfiedImport() {
      throw new Error(`${name} is not provided by the host`)
    }
  }
  const wrapInterface = (name: string, provider: Record<string, unknown>) =>
    new Proxy(provider, {
      get: (target, key) => (typeof key !== 'string' || key in target ? Reflect.get(target, key) : placeholder(`${name}#${key}`)),
    })
  const tracked = new Proxy(imports, {
    get(target, key) {
      if (typeof key !== 'string') return Reflect.get(target, key)
      const name = unversioned(key)
      const provider = target[name]
      if (provider) return wrapInterface(name, provider)
      return new Proxy({}, { get: (_, member) => (typeof member === 'string' ? placeholder(`${name}#${member}`) : undefined) })
    },
  })
  return { imports: tracked, missing }
}
