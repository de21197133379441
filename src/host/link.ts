import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { WasmctlError } from '../errors.js'
import { componentWorld, unversioned } from '../wasm/world.js'
import { type ComponentInput, componentName, type LoadedComponent, loadComponent, type TrustSettings } from './load.js'
import type { WasmModule } from './wasm-api.js'

/**
 * Components linked to components (`wasmctl up caller.wasm callee.wasm`), as wasmCloud links them:
 * an import of one component is satisfied by the matching export of another, in the same host.
 * Each component keeps its own instance (own memories, own snapshot and reset), so linking adds
 * no shared state; a worker instantiates the chain exporters first (link-instance.ts).
 */

/** One component of a chain, as a worker needs it (structured-clone safe: modules are compiled modules). */
export interface ChainMember {
  name: string
  gluePath: string
  modules: Record<string, WasmModule>
  snapshot: boolean
  /** Imports satisfied by an earlier member on the 'default' link: unversioned interface name → that member's index and export name. */
  links: Record<string, MemberLink>
  /** Links under other names (wasmcloud:bus/lattice selects them per invocation): interface → link name → exporter. */
  namedLinks?: Record<string, Record<string, MemberLink>>
  /** Its own wasi:config values (MemberGrants.config); absent: the host-wide config. */
  config?: Record<string, string>
  /** The component that takes requests (the last member): the host's grants are given to it only. */
  entry?: boolean
  /** A linked component may make outgoing HTTP requests (still within the host's allow-list): MemberGrants.outgoingHttp. */
  outgoingHttp?: boolean
}

export interface MemberLink {
  member: number
  export: string
}

/**
 * Which component serves an import, as a wadm manifest's link trait between components says it
 * (one trait, one rule). Rules with different link names may point one import at several
 * exporters: the 'default' one serves it unless the component selects another name through
 * wasmcloud:bus/lattice.
 */
export interface LinkRule {
  /** The importing component's name (ComponentInput.name); undefined: every importer. */
  source?: string
  /** Unversioned interface, e.g. 'wasmcloud:example/receiver'. */
  interface: string
  /** The exporting component's name. */
  target: string
  /** wasmCloud link name; undefined means 'default'. */
  name?: string
}

/** What one linked component is given beyond the host-wide settings. */
export interface MemberGrants {
  /** wasi:config values for that component (replacing the host-wide config for it). */
  config?: Record<string, string>
  /**
   * Outgoing HTTP for a linked component (a manifest link to wasmCloud's http-client provider),
   * within the host's allow-list. Without it a linked component makes none: the host's grants
   * (files, environment, network) are the entry's, as wasmCloud gives each component only its own.
   */
  outgoingHttp?: boolean
}

export interface LinkWorld {
  name: string
  origin: string
  imports: string[]
  exports: string[]
}

export interface PlannedLink {
  exporter: number
  export: string
}

export interface LinkPlan {
  /** Indexes into the input, exporters before their importers; the entry is last. */
  order: number[]
  entry: number
  /** Per input index: its imports satisfied by another input on the 'default' link (versioned import name → exporter index and export name). */
  links: Map<string, PlannedLink>[]
  /** Per input index: its imports' links under other names (versioned import name → link name → exporter). */
  named: Map<string, Map<string, PlannedLink>>[]
}

export const DEFAULT_LINK_NAME = 'default'

const HTTP_ENTRY = /^(wasi:http\/incoming-handler@0\.2\.|wasmcloud:messaging\/handler@0\.2\.0$)/
const COMMAND_ENTRY = /^wasi:cli\/run@0\.2\./
const INTERFACE_NAME = /^[a-z][a-z0-9-]*:[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*$/

const versionOf = (name: string) => /@(.+)$/.exec(name)?.[1]

/**
 * Whether an export satisfies an import: same interface and same version (either side may be
 * unversioned). Versions must match exactly: the glue passes values through unchecked, so an
 * interface whose signatures changed between versions must not be linked.
 */
function satisfies(exported: string, imported: string): boolean {
  if (unversioned(exported) !== unversioned(imported)) return false
  const [a, b] = [versionOf(exported), versionOf(imported)]
  return a === undefined || b === undefined || a === b
}

/** A rule checked against the components: names resolved to indexes. */
interface CheckedRule {
  source?: number
  interface: string
  target: number
  name: string
  text: string
}

function describeRule(rule: LinkRule): string {
  const name = rule.name ?? DEFAULT_LINK_NAME
  return `${rule.source ?? '*'} → ${rule.interface} → ${rule.target}${name === DEFAULT_LINK_NAME ? '' : ` (link name ${name})`}`
}

function invalidRule(rule: LinkRule, problem: string, hints: string[]): WasmctlError {
  return new WasmctlError('HOST_LINK_INVALID', `link ${describeRule(rule)}: ${problem}`, { hints, details: { rule } })
}

/** Every rule names components and an interface that exist, and its target exports what it links. */
function checkRules(worlds: LinkWorld[], rules: LinkRule[]): CheckedRule[] {
  const names = worlds.map((world) => world.name)
  const componentList = `the linked components are: ${names.join(', ')}`
  const indexOf = (rule: LinkRule, name: string, role: string): number => {
    const found = names.flatMap((candidate, index) => (candidate === name ? [index] : []))
    if (found.length === 0) throw invalidRule(rule, `no component is named ${name} (its ${role})`, [componentList, 'a component is named by its file name without .wasm'])
    if (found.length > 1) throw invalidRule(rule, `${found.length} components are named ${name}: a link cannot tell them apart`, ['rename one of the files'])
    return found[0]
  }
  return rules.map((rule) => {
    const iface = unversioned(rule.interface.trim())
    const name = rule.name ?? DEFAULT_LINK_NAME
    if (!INTERFACE_NAME.test(iface)) throw invalidRule(rule, `"${rule.interface}" is not an interface name`, ['write it as namespace:package/interface, e.g. wasmcloud:example/receiver'])
    if (name === '') throw invalidRule(rule, 'the link name is empty', ['leave it out for the default link'])
    const target = indexOf(rule, rule.target, 'target')
    const source = rule.source === undefined ? undefined : indexOf(rule, rule.source, 'source')
    if (source === target) throw invalidRule(rule, `${rule.target} cannot be linked to itself`, ['link the interface to another component'])
    if (!worlds[target].exports.some((exported) => unversioned(exported) === iface)) {
      const exporters = worlds.filter((world) => world.exports.some((exported) => unversioned(exported) === iface)).map((world) => world.name)
      throw invalidRule(rule, `${rule.target} does not export ${iface}`, [
        exporters.length > 0 ? `components exporting it: ${exporters.join(', ')}` : `no linked component exports ${iface}`,
        `${rule.target} exports: ${worlds[target].exports.join(', ') || 'nothing'}`,
      ])
    }
    const importsIt = (world: LinkWorld) => world.imports.some((imported) => unversioned(imported) === iface)
    if (source !== undefined && !importsIt(worlds[source])) {
      throw invalidRule(rule, `${rule.source} does not import ${iface}`, [`${rule.source} imports: ${worlds[source].imports.filter((imported) => !imported.startsWith('wasi:')).join(', ') || 'only wasi interfaces'}`])
    }
    if (source === undefined && !worlds.some((world, index) => index !== target && importsIt(world))) {
      throw invalidRule(rule, `no linked component imports ${iface}`, ['check the interface name: `wasmctl inspect --wit FILE` lists what each component imports'])
    }
    return { ...(source === undefined ? {} : { source }), interface: iface, target, name, text: describeRule(rule) }
  })
}

/**
 * The rules that decide one import of one importer, by link name: a rule naming the importer
 * beats one for every importer; two rules of the same weight naming different targets conflict.
 */
function rulesFor(checked: CheckedRule[], importer: number, iface: string, worlds: LinkWorld[]): Map<string, CheckedRule> {
  const chosen = new Map<string, CheckedRule>()
  for (const rule of checked) {
    if (rule.interface !== iface || rule.target === importer) continue
    if (rule.source !== undefined && rule.source !== importer) continue
    const held = chosen.get(rule.name)
    if (!held || (held.source === undefined && rule.source !== undefined)) {
      chosen.set(rule.name, rule)
    } else if ((held.source === undefined) === (rule.source === undefined) && held.target !== rule.target) {
      throw new WasmctlError('HOST_LINK_INVALID', `${worlds[importer].name}'s ${iface} has two links named ${rule.name}: ${held.text} and ${rule.text}`, {
        hints: ['give each link its own name (wasmCloud selects among them with wasmcloud:bus/lattice set-link-name)'],
      })
    }
  }
  return chosen
}

/**
 * Decides which export satisfies which import. `picks` (from --link-component INTERFACE=COMPONENT)
 * names the exporter when two components export the same interface; `rules` (a manifest's link
 * traits) name the exporter per importer and link name. A pick beats a rule for the default link
 * (the command line overrides the manifest). An import that rules cover has exactly the links
 * they give: with no 'default' one, a call that selected no other name fails, as on wasmCloud.
 */
export function planLinks(worlds: LinkWorld[], picks: Record<string, string> = {}, rules: LinkRule[] = []): LinkPlan {
  const entry = findEntry(worlds)
  checkPicks(worlds, picks)
  const checked = checkRules(worlds, rules)
  const named = worlds.map(() => new Map<string, Map<string, PlannedLink>>())
  const links = worlds.map((world, importer) => {
    const linked = new Map<string, PlannedLink>()
    for (const name of world.imports) {
      const exporters = worlds
        .map((candidate, index) => ({ index, export: candidate.exports.find((exported) => satisfies(exported, name)) }))
        .filter((candidate) => candidate.index !== importer && candidate.export !== undefined)
      const covering = rulesFor(checked, importer, unversioned(name), worlds)
      const pick = picks[name] ?? picks[unversioned(name)]
      if (exporters.length === 0 && covering.size === 0) continue
      const resolveTarget = (target: number, from: string): PlannedLink => {
        const found = exporters.find((candidate) => candidate.index === target)
        if (!found) {
          throw new WasmctlError('HOST_LINK_INVALID', `${from}: ${worlds[target].name} exports ${worlds[target].exports.find((exported) => unversioned(exported) === unversioned(name)) ?? 'no version of it'}, which cannot satisfy ${world.name}'s import of ${name}`, {
            hints: ['linked interfaces must be the same version on both sides: rebuild one of them against the other\'s WIT'],
          })
        }
        return { exporter: found.index, export: found.export! }
      }
      let chosen: PlannedLink | undefined
      if (pick !== undefined) {
        const byName = exporters.find((candidate) => worlds[candidate.index].name === pick)
        if (!byName) {
          throw new WasmctlError('HOST_LINK_INVALID', `--link-component ${unversioned(name)}=${pick}: no component named ${pick} exports ${name}`, {
            hints: [exporters.length > 0 ? `components exporting it: ${exporters.map((candidate) => worlds[candidate.index].name).join(', ')}` : `no linked component exports ${name}`],
          })
        }
        chosen = { exporter: byName.index, export: byName.export! }
      } else if (covering.size > 0) {
        const rule = covering.get(DEFAULT_LINK_NAME)
        if (rule) chosen = resolveTarget(rule.target, `link ${rule.text}`)
      } else if (exporters.length > 1) {
        const names = exporters.map((candidate) => worlds[candidate.index].name)
        throw new WasmctlError('HOST_LINK_AMBIGUOUS', `${world.name} imports ${name}, which ${names.join(' and ')} ${names.length === 2 ? 'both' : 'all'} export`, {
          hints: [`pick one: --link-component ${unversioned(name)}=${names[0]}`],
          details: { interface: name, importer: world.name, exporters: names },
        })
      } else {
        chosen = { exporter: exporters[0].index, export: exporters[0].export! }
      }
      if (chosen) linked.set(name, chosen)
      const others = new Map<string, PlannedLink>()
      for (const [linkName, rule] of covering) if (linkName !== DEFAULT_LINK_NAME) others.set(linkName, resolveTarget(rule.target, `link ${rule.text}`))
      if (others.size > 0) named[importer].set(name, others)
    }
    return linked
  })
  const order = dependencyOrder(worlds, links, named, entry)
  // A component offering nothing any other imports is a mistake (often arguments meant for after `--`);
  // one a --link-component or a rule passed over simply stays out of the chain.
  const offers = (index: number) => worlds.some((other, importer) => importer !== index && other.imports.some((name) => worlds[index].exports.some((exported) => satisfies(exported, name))))
  const unused = worlds.map((_, index) => index).filter((index) => !order.includes(index) && !offers(index))
  if (unused.length > 0) {
    const names = unused.map((index) => worlds[index].origin)
    throw new WasmctlError('HOST_LINK_INVALID', `${names.join(', ')} ${names.length === 1 ? 'exports' : 'export'} nothing ${worlds[entry].name} or its linked components import`, {
      hints: ['arguments for a command component go after `--`: `wasmctl up tool.wasm -- ARGS`', 'check the interface names: `wasmctl inspect --wit FILE`'],
    })
  }
  return { order, entry, links, named }
}

function findEntry(worlds: LinkWorld[]): number {
  const http = worlds.map((world, index) => (world.exports.some((name) => HTTP_ENTRY.test(name)) ? index : -1)).filter((index) => index >= 0)
  const candidates = http.length > 0 ? http : worlds.map((world, index) => (world.exports.some((name) => COMMAND_ENTRY.test(name)) ? index : -1)).filter((index) => index >= 0)
  if (candidates.length === 1) return candidates[0]
  if (candidates.length === 0) {
    throw new WasmctlError('HOST_LINK_INVALID', `none of ${worlds.map((world) => world.origin).join(', ')} exports wasi:http/incoming-handler, wasmcloud:messaging/handler or wasi:cli/run`, {
      hints: ['one linked component must take the requests (or run as the command); the others export what it imports'],
    })
  }
  const names = candidates.map((index) => worlds[index].name)
  throw new WasmctlError('HOST_LINK_INVALID', `${names.join(' and ')} ${names.length === 2 ? 'both' : 'all'} export ${http.length > 0 ? 'a request handler (wasi:http/incoming-handler or wasmcloud:messaging/handler)' : 'wasi:cli/run'}: only one linked component may be the entry`, {
    hints: ['serve them separately (one `wasmctl up` each), or link only one entry with the components it imports'],
  })
}

/** Post-order from the entry: every exporter (under any link name) before its importers. A cycle is refused. */
function dependencyOrder(worlds: LinkWorld[], links: LinkPlan['links'], named: LinkPlan['named'], entry: number): number[] {
  const order: number[] = []
  const state = new Map<number, 'visiting' | 'done'>()
  const path: number[] = []
  const visit = (index: number) => {
    if (state.get(index) === 'done') return
    if (state.get(index) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(index)), index].map((member) => worlds[member].name)
      throw new WasmctlError('HOST_LINK_CYCLE', `linked components import each other in a cycle: ${cycle.join(' → ')}`, {
        hints: ['a component cannot be instantiated before the one it imports from: break the cycle (wasmCloud refuses it too)'],
        details: { cycle },
      })
    }
    state.set(index, 'visiting')
    path.push(index)
    for (const { exporter } of links[index].values()) visit(exporter)
    for (const byName of named[index].values()) for (const { exporter } of byName.values()) visit(exporter)
    path.pop()
    state.set(index, 'done')
    order.push(index)
  }
  visit(entry)
  return order
}

function readWorld(source: ComponentInput): LinkWorld {
  let world
  try {
    world = componentWorld(source.bytes)
  } catch (error) {
    // A damaged wasm file is reported as any damaged wasm file is (WASM_INVALID, naming it); only
    // a file that is not wasm at all is likely an argument meant for after `--`.
    const isWasm = source.bytes.length >= 4 && source.bytes[0] === 0 && source.bytes[1] === 0x61 && source.bytes[2] === 0x73 && source.bytes[3] === 0x6d
    if (isWasm && error instanceof WasmctlError && error.code === 'WASM_INVALID') {
      throw new WasmctlError('WASM_INVALID', `${source.origin}: ${error.message}`, { hints: error.hints })
    }
    throw new WasmctlError('HOST_LINK_INVALID', `${source.origin} is not a WebAssembly component: ${error instanceof Error ? error.message : String(error)}`, {
      hints: ['every file before `--` is a component to link; arguments for a command component go after `--`'],
    })
  }
  return { name: source.name, origin: source.origin, imports: world.imports, exports: world.exports }
}

/**
 * Loads linked components: plans the links, loads each (trust policy, cached transpile), and
 * returns the entry component carrying the chain. Its `imports` become what the host must
 * provide to the whole chain, so capabilities are bound once for all of them. `grants` give a
 * component (by name) its own settings, such as its wasi:config values.
 */
export async function loadLinkedComponents(
  sources: ComponentInput[],
  options: { cacheRoot: string; trust: TrustSettings; picks?: Record<string, string>; rules?: LinkRule[]; grants?: Record<string, MemberGrants> },
): Promise<LoadedComponent> {
  const worlds = sources.map(readWorld)
  const plan = planLinks(worlds, options.picks, options.rules)
  const grants = options.grants ?? {}
  for (const name of Object.keys(grants)) {
    if (!worlds.some((world) => world.name === name)) {
      throw new WasmctlError('HOST_LINK_INVALID', `settings for ${name}: no linked component is named ${name}`, { hints: [`the linked components are: ${worlds.map((world) => world.name).join(', ')}`] })
    }
  }
  const linkedImports = (index: number) => new Set([...plan.links[index].keys(), ...plan.named[index].keys()])
  const loaded: LoadedComponent[] = []
  for (const index of plan.order) {
    loaded[index] = await loadComponent(sources[index], {
      cacheRoot: options.cacheRoot,
      trust: options.trust,
      linkedImports: [...linkedImports(index)],
      library: index !== plan.entry,
    })
  }
  const position = new Map(plan.order.map((index, at) => [index, at]))
  const memberLink = (link: PlannedLink): MemberLink => ({ member: position.get(link.exporter)!, export: link.export })
  const chain: ChainMember[] = plan.order.map((index) => {
    const namedLinks = Object.fromEntries([...plan.named[index]].map(([name, byName]) => [unversioned(name), Object.fromEntries([...byName].map(([linkName, link]) => [linkName, memberLink(link)]))]))
    const config = grants[loaded[index].name]?.config
    const outgoingHttp = grants[loaded[index].name]?.outgoingHttp === true
    return {
      name: loaded[index].name,
      gluePath: loaded[index].transpiled.gluePath,
      modules: loaded[index].modules,
      snapshot: loaded[index].transpiled.snapshot,
      links: Object.fromEntries([...plan.links[index]].map(([name, link]) => [unversioned(name), memberLink(link)])),
      ...(plan.named[index].size > 0 ? { namedLinks } : {}),
      ...(config ? { config: { ...config } } : {}),
      ...(index === plan.entry ? { entry: true } : outgoingHttp ? { outgoingHttp } : {}),
    }
  })
  const hostImports = new Set(plan.order.flatMap((index) => loaded[index].imports.filter((name) => !linkedImports(index).has(name))))
  const entry = loaded[plan.entry]
  return { ...entry, imports: [...hostImports], chain, loadMs: loaded.reduce((sum, component) => sum + component.loadMs, 0) }
}

/** A pick must name a component that is there and an interface one of them imports: a typo is an error, not silently nothing. */
function checkPicks(worlds: LinkWorld[], picks: Record<string, string>): void {
  for (const [iface, component] of Object.entries(picks)) {
    const importers = worlds.filter((world) => world.imports.some((name) => unversioned(name) === iface))
    const problem =
      importers.length === 0
        ? `no linked component imports ${iface}`
        : !worlds.some((world) => world.name === component)
          ? `no linked component is named ${component}`
          : undefined
    if (problem) {
      throw new WasmctlError('INPUT_INVALID', `link ${iface}=${component} (--link-component, or a [[dev.overrides.imports]] entry): ${problem}`, {
        hints: [`the components: ${worlds.map((world) => `${world.name} (exports ${world.exports.map(unversioned).join(', ') || 'nothing'})`).join('; ')}`],
      })
    }
  }
}

/** `--link-component INTERFACE=COMPONENT` values as picks for planLinks. */
export function parseLinkNames(values: string[]): Record<string, string> {
  const picks: Record<string, string> = {}
  for (const value of values) {
    const at = value.lastIndexOf('=')
    if (at <= 0 || at === value.length - 1) {
      throw new WasmctlError('INPUT_INVALID', `--link-component ${value}: expected INTERFACE=COMPONENT`, {
        hints: ['e.g. --link-component wasmcloud:example/receiver=callee (COMPONENT: the file name without .wasm)'],
      })
    }
    picks[unversioned(value.slice(0, at))] = value.slice(at + 1)
  }
  return picks
}

/**
 * Components the project links in: `[[dev.overrides.imports]]` entries whose `image_ref` (or `uri`)
 * names a local component file (`./callee.wasm`, `file:///abs/callee.wasm`, relative to the
 * project folder) instead of a provider image. Each entry also picks that file for its interface.
 */
export function projectComponentLinks(dev: unknown, projectDir: string): { files: string[]; picks: Record<string, string>; rules: LinkRule[]; dev: unknown } {
  const overrides = (dev as { overrides?: { imports?: unknown } } | undefined)?.overrides?.imports
  const files: string[] = []
  const picks: Record<string, string> = {}
  const rules: LinkRule[] = []
  if (!Array.isArray(overrides)) return { files, picks, rules, dev }
  const capabilityOverrides: unknown[] = []
  for (const entry of overrides as Record<string, unknown>[]) {
    const reference = entry?.image_ref ?? entry?.uri
    const spec = entry?.interface_spec ?? entry?.interface
    if (typeof reference !== 'string' || typeof spec !== 'string') continue
    const file = reference.startsWith('file://') ? fileURLToPath(reference) : /\.wasm$/i.test(reference) ? path.resolve(projectDir, reference) : undefined
    if (!file) {
      capabilityOverrides.push(entry)
      continue
    }
    if (!files.includes(file)) files.push(file)
    const linkName = typeof entry.link_name === 'string' && entry.link_name !== '' ? entry.link_name : undefined
    // A named link (wasmcloud:bus picks it per request) is a rule; rules need a whole interface name.
    if (spec.includes('/')) rules.push({ interface: unversioned(spec), target: componentName(file), ...(linkName ? { name: linkName } : {}) })
    if (!linkName) picks[unversioned(spec)] = componentName(file)
  }
  // The capability bindings see only the entries that name providers (they would warn the others away as ignored).
  const devTable = dev as { overrides: Record<string, unknown> }
  // Rules only matter when a link is named; otherwise picks say the same.
  const named = rules.some((rule) => rule.name !== undefined)
  return { files, picks, rules: named ? rules : [], dev: files.length === 0 ? dev : { ...devTable, overrides: { ...devTable.overrides, imports: capabilityOverrides } } }
}
