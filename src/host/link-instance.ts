import { ComponentInstance, type Glue } from './instance.js'
import type { ChainMember, MemberLink } from './link.js'
import { activeLinks, busVersionOf, createBus, DEFAULT_LINK, hasCapabilityLink, LinkSelection } from './wasi/bus.js'
import { createConfig } from './wasi/capabilities.js'
import { type ImportObject, PROVIDED_INTERFACES, withoutHostGrants } from './wasi/imports.js'
import type { WasmModule } from './wasm-api.js'
import { unversioned } from '../wasm/world.js'

/** The linked component a call is running in (undefined: the entry), for attributing its logs. */
export const linkedCall: { component?: string } = {}

/**
 * A chain of linked components in one worker: one ComponentInstance per component (own memories,
 * own snapshot), exporters first, each importer's linked interfaces calling straight into its
 * exporter's exported functions. It behaves as one instance: reusable and resettable only when
 * every member is, so a request that dirtied any member leaves no trace for the next one.
 *
 * Each member also has its own imports where wasmCloud gives each component its own: its
 * wasmcloud:bus/lattice link selections (starting at 'default' on every invocation) and, when
 * granted, its own wasi:config values. Everything else is the host's one import object.
 */
export class LinkedInstance {
  private constructor(
    private readonly members: ComponentInstance[],
    private readonly selections: LinkSelection[],
  ) {}

  static create(chain: ChainMember[], glues: Glue[], hostImports: ImportObject, options: { maxUses: number }): LinkedInstance {
    const members: ComponentInstance[] = []
    const selections: LinkSelection[] = []
    chain.forEach((member, index) => {
      const modules = new Map<string, WasmModule>(Object.entries(member.modules))
      const selection = memberSelection(member, modules)
      const own: Record<string, unknown> = {}
      for (const iface of new Set([...Object.keys(member.links), ...Object.keys(member.namedLinks ?? {})])) {
        own[iface] = linkedInterface(iface, member, chain, members, selections, selection)
      }
      own['wasmcloud:bus/lattice'] = createBus(selection).lattice
      // A linked component's wasi:config is its own (none unless granted); the host-wide values are the entry's.
      if (member.config || !member.entry) {
        const config = createConfig(member.config ?? {})
        own['wasi:config/store'] = config.store
        own['wasi:config/runtime'] = config.runtime
      }
      if (!member.entry) Object.assign(own, withoutHostGrants(hostImports, member.name, { outgoingHttp: member.outgoingHttp === true }))
      const imports = new Proxy(hostImports, {
        get: (target, key) => {
          if (typeof key !== 'string') return Reflect.get(target, key)
          return own[unversioned(key)] ?? Reflect.get(target, key)
        },
      })
      selections.push(selection)
      // Whatever runs while this member instantiates is this member's.
      activeLinks.selection = selection
      members.push(ComponentInstance.create(glues[index], modules, imports, { snapshot: member.snapshot, maxUses: options.maxUses }))
    })
    const instance = new LinkedInstance(members, selections)
    instance.beginInvocation()
    return instance
  }

  /** The entry's exports (the last member). */
  get exports(): Record<string, any> {
    return this.members[this.members.length - 1].exports
  }

  get reusable(): boolean {
    return this.members.every((member) => member.reusable)
  }

  /** Before a request or message: every member back on its default links, the entry running. */
  beginInvocation(): void {
    for (const selection of this.selections) selection.clear()
    activeLinks.selection = this.selections[this.selections.length - 1]
  }

  canReset(): boolean {
    return this.members.every((member) => member.canReset())
  }

  reset(): void {
    for (const member of this.members) member.reset()
  }
}

/** Which links a member has: its component links by name, and the host's interfaces on 'default' only. */
function memberSelection(member: ChainMember, modules: Map<string, WasmModule>): LinkSelection {
  const hasLink = (iface: string, name: string): boolean => {
    if (member.namedLinks?.[iface]?.[name]) return true
    if (name === DEFAULT_LINK && member.links[iface]) return true
    const linked = member.links[iface] !== undefined || member.namedLinks?.[iface] !== undefined
    return !linked && PROVIDED_INTERFACES.has(iface) && hasCapabilityLink(iface, name)
  }
  return new LinkSelection(member.name, hasLink, () => busVersionOf(modules.values()))
}

interface LinkTarget {
  functions: Record<string, unknown>
  exporter: string
  selection: LinkSelection
}

/**
 * The exporters' interface as the importer's glue wants it. Functions pass values straight
 * through (jco lifts into and lowers from plain JS values on both sides). A resource cannot:
 * each glue keeps its own handle tables, so a handle from one component means nothing to the
 * other. Each call goes to the link the importer selected (wasmcloud:bus/lattice), 'default'
 * unless it chose another, and fails naming the link when the importer has none by that name.
 */
function linkedInterface(
  iface: string,
  member: ChainMember,
  chain: ChainMember[],
  members: ComponentInstance[],
  selections: LinkSelection[],
  selection: LinkSelection,
): Record<string, unknown> {
  const targets = new Map<string, LinkTarget>()
  const add = (linkName: string, link: MemberLink) => {
    targets.set(linkName, { functions: exportedInterface(iface, members[link.member].exports, link.export), exporter: chain[link.member].name, selection: selections[link.member] })
  }
  if (member.links[iface]) add(DEFAULT_LINK, member.links[iface])
  for (const [linkName, link] of Object.entries(member.namedLinks?.[iface] ?? {})) add(linkName, link)
  const names = [...targets.keys()]
  const keys = new Set([...targets.values()].flatMap((target) => Object.keys(target.functions)))
  const missing = (linkName: string) =>
    new Error(
      linkName === DEFAULT_LINK
        ? `${member.name} calls ${iface} without choosing a link, and it has no "default" link (its links: ${names.join(', ')}): select one with wasmcloud:bus/lattice set-link-name`
        : `${member.name} calls ${iface} on link "${linkName}" (chosen with wasmcloud:bus/lattice set-link-name), but no link of that name serves it (its links: ${names.join(', ')})`,
    )
  // Each call runs as the exporter: what it logs is attributed to it, its own selections apply.
  return Object.fromEntries(
    [...keys].map((key) => [
      key,
      (...args: unknown[]) => {
        const linkName = selection.linkFor(iface)
        const target = targets.get(linkName)
        const fn = target?.functions[key]
        if (typeof fn !== 'function') throw missing(linkName)
        const caller = linkedCall.component
        const callerLinks = activeLinks.selection
        linkedCall.component = target!.exporter
        activeLinks.selection = target!.selection
        try {
          return fn(...args)
        } finally {
          linkedCall.component = caller
          activeLinks.selection = callerLinks
        }
      },
    ]),
  )
}

function exportedInterface(name: string, exports: Record<string, any>, exportName: string): Record<string, unknown> {
  const exported = exports[exportName] ?? exports[Object.keys(exports).find((key) => unversioned(key) === name) ?? '']
  if (!exported || typeof exported !== 'object') throw new Error(`linked interface ${exportName}: the exporting component's glue does not expose it`)
  const resources = Object.entries(exported)
    .filter(([, value]) => typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value)))
    .map(([key]) => key)
  if (resources.length > 0) {
    throw new Error(
      `linked interface ${exportName} has resources (${resources.join(', ')}): resources cannot cross between linked components in the embedded host yet; only functions taking and returning values can`,
    )
  }
  return exported
}
