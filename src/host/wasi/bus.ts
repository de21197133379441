import { wasm, type WasmModule } from '../wasm-api.js'
import { resourceCounter } from './io.js'

/**
 * wasmcloud:bus/lattice (1.0.0 and 2.0.0): a component picks, for the rest of the invocation,
 * which named link serves some of its imports. As wasmCloud's host does it: `set-link-name(name,
 * interfaces)` maps each interface to `name` ('default' removes the mapping), each invocation
 * starts with every interface on 'default', and a later call on an interface with no link of the
 * selected name fails naming both (it never falls back to another link). 2.0.0 also refuses the
 * selection itself when no such link exists; 1.0.0 has no way to report that and fails at the call.
 */
export const DEFAULT_LINK = 'default'

/** The `call-target-interface` resource: `namespace:package/interface`, unversioned. */
export class CallTargetInterface {
  readonly name: string

  constructor(namespace: string, pkg: string, iface: string) {
    this.name = `${namespace}:${pkg}/${iface}`
    resourceCounter.created++
  }

  [Symbol.dispose](): void {}
}

export type BusVersion = 1 | 2

/** The bus version a component's core modules import (from the versioned import names jco keeps there). */
export function busVersionOf(modules: Iterable<WasmModule>): BusVersion | undefined {
  const api = wasm as unknown as { Module: { imports(module: WasmModule): { module: string }[] } }
  for (const module of modules) {
    for (const { module: name } of api.Module.imports(module)) {
      const match = /^wasmcloud:bus\/lattice@(\d+)\./.exec(name)
      if (match) return match[1] === '1' ? 1 : 2
    }
  }
  return undefined
}

/** One component instance's selections for the invocation running now. */
export class LinkSelection {
  private readonly selected = new Map<string, string>()
  private version?: BusVersion

  /**
   * @param component the component's name, for error messages
   * @param hasLink whether a link with this name serves this (unversioned) interface for the component
   * @param detectVersion which bus version the component imports (asked once, on the first selection)
   */
  constructor(
    readonly component: string,
    readonly hasLink: (iface: string, name: string) => boolean,
    private readonly detectVersion: () => BusVersion | undefined,
  ) {}

  /** The link name calls on `iface` go to now. */
  linkFor(iface: string): string {
    return this.selected.size === 0 ? DEFAULT_LINK : (this.selected.get(iface) ?? DEFAULT_LINK)
  }

  /** Whether any interface is off its default link (the check capability calls make first). */
  get changed(): boolean {
    return this.selected.size > 0
  }

  select(name: string, interfaces: CallTargetInterface[]): void {
    this.version ??= this.detectVersion() ?? 1
    if (this.version === 2) {
      const missing = interfaces.find((target) => !this.hasLink(target.name, name))
      // 2.0.0 returns this as the result's err (wasmCloud's wording).
      if (missing) throw `interface \`${missing.name}\` does not have an existing link with name \`${name}\``
    }
    for (const target of interfaces) {
      if (name === DEFAULT_LINK) this.selected.delete(target.name)
      else this.selected.set(target.name, name)
    }
  }

  /** Counts invocations, for state that lasts one invocation (the links blobstore containers were obtained on). */
  invocation = 0

  /** A new invocation starts on the default links. */
  clear(): void {
    this.invocation++
    if (this.selected.size > 0) this.selected.clear()
  }
}

/**
 * The selection of the component whose code is running: the entry's, or an exporter's while a
 * linked call runs in it (link-instance.ts switches it). Host capability calls check it.
 */
export const activeLinks: { selection?: LinkSelection } = {}

export function createBus(selection: LinkSelection) {
  return {
    lattice: {
      CallTargetInterface,
      setLinkName: (name: string, interfaces: CallTargetInterface[]): void => selection.select(name, interfaces),
      /** 2.0.0's direct routing to a wRPC target outside the links: there is no lattice to route to here. */
      setTargetComponent: (target: string, iface: CallTargetInterface): never => {
        throw `set-target-component ${target} for \`${iface.name}\`: the embedded host has no lattice; calls go through links only`
      },
    },
  }
}

/** The interface a host capability call (`channel.call` kind) serves, as wasmCloud names link targets. */
export function interfaceOfCall(kind: string): string | undefined {
  if (kind.startsWith('kv.')) {
    if (kind === 'kv.increment' || kind === 'kv.casNew' || kind === 'kv.swap') return 'wasi:keyvalue/atomics'
    if (kind === 'kv.getMany' || kind === 'kv.setMany' || kind === 'kv.deleteMany') return 'wasi:keyvalue/batch'
    return 'wasi:keyvalue/store'
  }
  // Calls on a container (and on the values it reads or writes) name the link it was obtained on
  // (blobstore.ts); only the blobstore/blobstore functions reach here without one.
  if (kind.startsWith('blob.')) return 'wasi:blobstore/blobstore'
  if (kind.startsWith('msg.')) return 'wasmcloud:messaging/consumer'
  return undefined
}

/**
 * The host's named capability links (unversioned interface → link names besides 'default'): a
 * project's or manifest's bindings with a link name, e.g. a second key-value store named `cache`.
 * Set once per worker from its settings; a selection may pick these.
 */
const capabilityLinks = new Map<string, readonly string[]>()

export function setCapabilityLinks(links: Record<string, string[]> = {}): void {
  capabilityLinks.clear()
  for (const [iface, names] of Object.entries(links)) capabilityLinks.set(iface, names)
}

export function hasCapabilityLink(iface: string, name: string): boolean {
  return name === DEFAULT_LINK || (capabilityLinks.get(iface)?.includes(name) ?? false)
}

/**
 * The link a host capability call goes to under the running component's selection: 'default', a
 * named capability link, or an error naming the interface and the link when the host has no link
 * of that name for it (never another link).
 */
/** The link a capability call on `iface` goes to now, from the running component's selection; throws when there is none of that name. */
export function selectedCapabilityLink(iface: string, fallback?: LinkSelection): string {
  const selection = activeLinks.selection ?? fallback
  if (!selection?.changed) return DEFAULT_LINK
  const link = capabilityLinkFor(selection, iface)
  if (link instanceof Error) throw link
  return link
}

function capabilityLinkFor(selection: LinkSelection, iface: string): string | Error {
  const name = selection.linkFor(iface)
  if (hasCapabilityLink(iface, name)) return name
  const names = [DEFAULT_LINK, ...(capabilityLinks.get(iface) ?? [])].map((known) => `"${known}"`).join(', ')
  return new Error(`${selection.component} calls ${iface} on link "${name}" (chosen with wasmcloud:bus/lattice set-link-name), but the host has no such link for it (links: ${names})`)
}
