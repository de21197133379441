import { ComponentInstance, type Glue } from './instance.js'
import type { ChainMember } from './link.js'
import type { ImportObject } from './wasi/imports.js'
import type { WasmModule } from './wasm-api.js'

/** The linked component a call is running in (undefined: the entry), for attributing its logs. */
export const linkedCall: { component?: string } = {}

/**
 * A chain of linked components in one worker: one ComponentInstance per component (own memories,
 * own snapshot), exporters first, each importer's linked interfaces calling straight into its
 * exporter's exported functions. It behaves as one instance: reusable and resettable only when
 * every member is, so a request that dirtied any member leaves no trace for the next one.
 */
export class LinkedInstance {
  private constructor(private readonly members: ComponentInstance[]) {}

  static create(chain: ChainMember[], glues: Glue[], hostImports: ImportObject, options: { maxUses: number }): LinkedInstance {
    const members: ComponentInstance[] = []
    chain.forEach((member, index) => {
      const linked: Record<string, unknown> = {}
      for (const [name, link] of Object.entries(member.links)) linked[name] = linkedInterface(name, members[link.member].exports, link.export, chain[link.member].name)
      const imports = new Proxy(hostImports, {
        get: (target, key) => (typeof key === 'string' && linked[key.replace(/@.*$/, '')] ? linked[key.replace(/@.*$/, '')] : Reflect.get(target, key)),
      })
      const modules = new Map<string, WasmModule>(Object.entries(member.modules))
      members.push(ComponentInstance.create(glues[index], modules, imports, { snapshot: member.snapshot, maxUses: options.maxUses }))
    })
    return new LinkedInstance(members)
  }

  /** The entry's exports (the last member). */
  get exports(): Record<string, any> {
    return this.members[this.members.length - 1].exports
  }

  get reusable(): boolean {
    return this.members.every((member) => member.reusable)
  }

  canReset(): boolean {
    return this.members.every((member) => member.canReset())
  }

  reset(): void {
    for (const member of this.members) member.reset()
  }
}

/**
 * The exporter's interface as the importer's glue wants it. Functions pass values straight
 * through (jco lifts into and lowers from plain JS values on both sides). A resource cannot:
 * each glue keeps its own handle tables, so a handle from one component means nothing to the other.
 */
function linkedInterface(name: string, exports: Record<string, any>, exportName: string, exporterName: string): Record<string, unknown> {
  const exported = exports[exportName] ?? exports[Object.keys(exports).find((key) => key.replace(/@.*$/, '') === name) ?? '']
  if (!exported || typeof exported !== 'object') throw new Error(`linked interface ${exportName}: the exporting component's glue does not expose it`)
  const resources = Object.entries(exported)
    .filter(([, value]) => typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value)))
    .map(([key]) => key)
  if (resources.length > 0) {
    throw new Error(
      `linked interface ${exportName} has resources (${resources.join(', ')}): resources cannot cross between linked components in the embedded host yet; only functions taking and returning values can`,
    )
  }
  // Each call runs as the exporter: what it logs is attributed to it.
  return Object.fromEntries(
    Object.entries(exported).map(([key, value]) => [
      key,
      typeof value !== 'function'
        ? value
        : (...args: unknown[]) => {
            const caller = linkedCall.component
            linkedCall.component = exporterName
            try {
              return value(...args)
            } finally {
              linkedCall.component = caller
            }
          },
    ]),
  )
}
