import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { WasmctlError } from '../errors.js'
import { componentWorld } from '../wasm/world.js'
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
  /** Imports satisfied by an earlier member: unversioned interface name → that member's index and export name. */
  links: Record<string, { member: number; export: string }>
}

export interface LinkWorld {
  name: string
  origin: string
  imports: string[]
  exports: string[]
}

export interface LinkPlan {
  /** Indexes into the input, exporters before their importers; the entry is last. */
  order: number[]
  entry: number
  /** Per input index: its imports satisfied by another input (versioned import name → exporter index and export name). */
  links: Map<string, { exporter: number; export: string }>[]
}

const HTTP_ENTRY = /^(wasi:http\/incoming-handler@0\.2\.|wasmcloud:messaging\/handler@0\.2\.0$)/
const COMMAND_ENTRY = /^wasi:cli\/run@0\.2\./

const unversioned = (name: string) => name.replace(/@.*$/, '')
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

/**
 * Decides which export satisfies which import. `picks` (from --link-name INTERFACE=COMPONENT)
 * names the exporter when two components export the same interface.
 */
export function planLinks(worlds: LinkWorld[], picks: Record<string, string> = {}): LinkPlan {
  const entry = findEntry(worlds)
  const links = worlds.map((world, importer) => {
    const linked = new Map<string, { exporter: number; export: string }>()
    for (const name of world.imports) {
      const exporters = worlds
        .map((candidate, index) => ({ index, export: candidate.exports.find((exported) => satisfies(exported, name)) }))
        .filter((candidate) => candidate.index !== importer && candidate.export !== undefined)
      if (exporters.length === 0) continue
      const pick = picks[name] ?? picks[unversioned(name)]
      let chosen = exporters[0]
      if (pick !== undefined) {
        const named = exporters.find((candidate) => worlds[candidate.index].name === pick)
        if (!named) {
          throw new WasmctlError('HOST_LINK_INVALID', `--link-name ${unversioned(name)}=${pick}: no component named ${pick} exports ${name}`, {
            hints: [`components exporting it: ${exporters.map((candidate) => worlds[candidate.index].name).join(', ')}`],
          })
        }
        chosen = named
      } else if (exporters.length > 1) {
        const names = exporters.map((candidate) => worlds[candidate.index].name)
        throw new WasmctlError('HOST_LINK_AMBIGUOUS', `${world.name} imports ${name}, which ${names.join(' and ')} all export`, {
          hints: [`pick one: --link-name ${unversioned(name)}=${names[0]}`],
          details: { interface: name, importer: world.name, exporters: names },
        })
      }
      linked.set(name, { exporter: chosen.index, export: chosen.export! })
    }
    return linked
  })
  const order = dependencyOrder(worlds, links, entry)
  // A component offering nothing any other imports is a mistake (often arguments meant for after `--`);
  // one a --link-name passed over simply stays out of the chain.
  const offers = (index: number) => worlds.some((other, importer) => importer !== index && other.imports.some((name) => worlds[index].exports.some((exported) => satisfies(exported, name))))
  const unused = worlds.map((_, index) => index).filter((index) => !order.includes(index) && !offers(index))
  if (unused.length > 0) {
    const names = unused.map((index) => worlds[index].origin)
    throw new WasmctlError('HOST_LINK_INVALID', `${names.join(', ')} ${names.length === 1 ? 'exports' : 'export'} nothing ${worlds[entry].name} or its linked components import`, {
      hints: ['arguments for a command component go after `--`: `wasmctl up tool.wasm -- ARGS`', 'check the interface names: `wasmctl inspect --wit FILE`'],
    })
  }
  return { order, entry, links }
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
  throw new WasmctlError('HOST_LINK_INVALID', `${names.join(' and ')} all export ${http.length > 0 ? 'a request handler (wasi:http/incoming-handler or wasmcloud:messaging/handler)' : 'wasi:cli/run'}: only one linked component may be the entry`, {
    hints: ['serve them separately (one `wasmctl up` each), or link only one entry with the components it imports'],
  })
}

/** Post-order from the entry: every exporter before its importers. A cycle is refused. */
function dependencyOrder(worlds: LinkWorld[], links: LinkPlan['links'], entry: number): number[] {
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
    throw new WasmctlError('HOST_LINK_INVALID', `${source.origin} is not a WebAssembly component: ${error instanceof Error ? error.message : String(error)}`, {
      hints: ['every file before `--` is a component to link; arguments for a command component go after `--`'],
    })
  }
  return { name: source.name, origin: source.origin, imports: world.imports, exports: world.exports }
}

/**
 * Loads linked components: plans the links, loads each (trust policy, cached transpile), and
 * returns the entry component carrying the chain. Its `imports` become what the host must
 * provide to the whole chain, so capabilities are bound once for all of them.
 */
export async function loadLinkedComponents(sources: ComponentInput[], options: { cacheRoot: string; trust: TrustSettings; picks?: Record<string, string> }): Promise<LoadedComponent> {
  const worlds = sources.map(readWorld)
  const plan = planLinks(worlds, options.picks)
  const loaded: LoadedComponent[] = []
  for (const index of plan.order) {
    loaded[index] = await loadComponent(sources[index], {
      cacheRoot: options.cacheRoot,
      trust: options.trust,
      linkedImports: [...plan.links[index].keys()],
      library: index !== plan.entry,
    })
  }
  const position = new Map(plan.order.map((index, at) => [index, at]))
  const chain: ChainMember[] = plan.order.map((index) => ({
    name: loaded[index].name,
    gluePath: loaded[index].transpiled.gluePath,
    modules: loaded[index].modules,
    snapshot: loaded[index].transpiled.snapshot,
    links: Object.fromEntries([...plan.links[index]].map(([name, link]) => [unversioned(name), { member: position.get(link.exporter)!, export: link.export }])),
  }))
  const hostImports = new Set(plan.order.flatMap((index) => loaded[index].imports.filter((name) => !plan.links[index].has(name))))
  const entry = loaded[plan.entry]
  return { ...entry, imports: [...hostImports], chain, loadMs: loaded.reduce((sum, component) => sum + component.loadMs, 0) }
}

/** `--link-name INTERFACE=COMPONENT` values as picks for planLinks. */
export function parseLinkNames(values: string[]): Record<string, string> {
  const picks: Record<string, string> = {}
  for (const value of values) {
    const at = value.lastIndexOf('=')
    if (at <= 0 || at === value.length - 1) {
      throw new WasmctlError('INPUT_INVALID', `--link-name ${value}: expected INTERFACE=COMPONENT`, {
        hints: ['e.g. --link-name wasmcloud:example/receiver=callee (COMPONENT: the file name without .wasm)'],
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
export function projectComponentLinks(dev: unknown, projectDir: string): { files: string[]; picks: Record<string, string>; dev: unknown } {
  const overrides = (dev as { overrides?: { imports?: unknown } } | undefined)?.overrides?.imports
  const files: string[] = []
  const picks: Record<string, string> = {}
  if (!Array.isArray(overrides)) return { files, picks, dev }
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
    picks[unversioned(spec)] = componentName(file)
  }
  // The capability bindings see only the entries that name providers (they would warn the others away as ignored).
  const devTable = dev as { overrides: Record<string, unknown> }
  return { files, picks, dev: files.length === 0 ? dev : { ...devTable, overrides: { ...devTable.overrides, imports: capabilityOverrides } } }
}
