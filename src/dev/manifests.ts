import { readFileSync } from 'node:fs'
import path from 'node:path'

import { fsError, WasmctlError } from '../errors.js'
import { componentReference, describeComponentMatch, type ManifestComponentMatch, type ManifestLinkView, type ManifestRunPlan, planManifestRunReplacing } from '../host/manifest-run.js'
import { type LoadedManifest, readManifest } from '../manifest/io.js'
import { projectArtifacts } from '../project/artifacts.js'
import type { Project } from '../project/index.js'
import type { DevLinkedComponent, DevLinks } from './links.js'

/**
 * wash's `[[dev.manifests]]`: a wadm manifest the user wrote, which wash dev deploys instead of
 * generating one, with the dev build in place of the component the entry names. Here the session
 * serves that manifest as `wasmctl up app.yaml` would (its components linked by its link traits,
 * its provider links as the capability bindings, its components' config, its http-server address)
 * with each build in place of the named component.
 *
 * wash deploys every entry to its lattice; the embedded host serves one application, so one entry
 * is chosen: the only one, or the one whose component_name is the project's name. The others are
 * named in a warning. An entry's `path` is relative to the folder of wasmcloud.toml (wash reads
 * it relative to where it runs, which is that folder in the usual `wash dev`).
 */
export interface DevManifestTarget {
  /** Absolute path of the manifest. */
  file: string
  match: ManifestComponentMatch
  /** About the entries not served, and defaults taken. */
  warnings: string[]
}

interface RawEntry {
  path?: unknown
  component_name?: unknown
  component_id?: unknown
  component_ref?: unknown
}

const text = (value: unknown) => (typeof value === 'string' ? value : undefined)

/** The `[[dev.manifests]]` entry this session serves; undefined when the project has none. */
export function devManifestTarget(project: Project): DevManifestTarget | undefined {
  const entries = (project.raw.dev as { manifests?: unknown } | undefined)?.manifests
  if (!Array.isArray(entries) || entries.length === 0) return undefined
  const base = path.dirname(project.file)
  const described = (entry: RawEntry, index: number) => `[[dev.manifests]] #${index + 1} (${text(entry.path) ?? 'no path'})`
  const targetOf = (entry: RawEntry): ManifestComponentMatch => {
    const match: ManifestComponentMatch = {
      ...(text(entry.component_name) !== undefined ? { componentName: text(entry.component_name) } : {}),
      ...(text(entry.component_id) !== undefined ? { componentId: text(entry.component_id) } : {}),
      ...(text(entry.component_ref) !== undefined ? { componentRef: text(entry.component_ref) } : {}),
    }
    return Object.keys(match).length > 0 ? match : { componentName: project.name }
  }
  const list = entries as RawEntry[]
  let chosen: number
  if (list.length === 1) chosen = 0
  else {
    const naming = list.flatMap((entry, index) => (targetOf(entry).componentName === project.name ? [index] : []))
    if (naming.length !== 1) {
      throw new WasmctlError(
        'PROJECT_INVALID',
        naming.length === 0
          ? `wasmcloud.toml has ${list.length} [[dev.manifests]] entries and none names the project's component (component_name = "${project.name}"): wasmctl dev serves one of them`
          : `${naming.map((index) => described(list[index], index)).join(' and ')} all name the project's component ${project.name}: wasmctl dev serves one of them`,
        { hints: [`keep component_name = "${project.name}" on the entry whose manifest wasmctl dev should serve (wash dev deploys each to a lattice; \`wasmctl up FILE\` serves another one)`] },
      )
    }
    chosen = naming[0]
  }
  const entry = list[chosen]
  const entryPath = text(entry.path)
  if (entryPath === undefined || entryPath === '') {
    throw new WasmctlError('PROJECT_INVALID', `${described(entry, chosen)} has no path`, { hints: ['set path to the wadm manifest file, relative to wasmcloud.toml'] })
  }
  const warnings: string[] = []
  const given = entry.component_name !== undefined || entry.component_id !== undefined || entry.component_ref !== undefined
  if (!given) warnings.push(`${described(entry, chosen)} names no component: the build stands in for the manifest's component named ${project.name} (set component_name to choose another)`)
  list.forEach((other, index) => {
    if (index !== chosen) warnings.push(`${described(other, index)} is not served: wasmctl dev serves one application, the one with the project's component (${described(entry, chosen)}); serve another with \`wasmctl up FILE\``)
  })
  return { file: path.resolve(base, entryPath), match: targetOf(entry), warnings }
}

/** A stable text of the choice, to tell whether wasmcloud.toml changed it. */
export function devManifestKey(project: Project): string {
  try {
    const target = devManifestTarget(project)
    return target ? JSON.stringify([target.file, target.match]) : ''
  } catch (error) {
    return `invalid: ${(error as Error).message}`
  }
}

export interface DevManifestRun {
  target: DevManifestTarget
  loaded: LoadedManifest
  /** The plan with the build in place of `plan.replaced`. */
  plan: ManifestRunPlan & { file: string; replaced: string }
}

/**
 * Reads and plans the manifest (synchronously: it is small, and the host controller needs the
 * listen address before it starts a host). `replacement`: the build file that stands in for the
 * named component (default: the project's build output, for plans that only need the address).
 */
export function readDevManifest(project: Project, target: DevManifestTarget, replacement = projectArtifacts(project).signed, secretNames: string[] = []): DevManifestRun {
  let source: string
  try {
    source = readFileSync(target.file, 'utf8')
  } catch (error) {
    const failure = fsError(error, 'read the manifest', target.file)
    throw new WasmctlError(failure.code, `${failure.message} ([[dev.manifests]] in ${path.basename(project.file)})`, {
      cause: error,
      hints: ['fix the path in the [[dev.manifests]] entry (relative to wasmcloud.toml)'],
    })
  }
  const loaded = readManifest(source, target.file, target.file)
  const plan = planManifestRunReplacing(loaded, target.file, target.match, replacement, { secretNames })
  return { target, loaded, plan }
}

/**
 * Where the manifest's http-server link asks to listen, for the host controller; undefined when
 * the project has no manifest or it names no address. Throws when the manifest cannot be read.
 */
export function devManifestListener(project: Project): { address: string; port: number } | undefined {
  const target = devManifestTarget(project)
  if (!target) return undefined
  const { address } = readDevManifest(project, target).plan
  return address ? { address: address.host, port: address.port } : undefined
}

/**
 * The files a change of which reloads the session: the manifest, and the `file://` components it
 * names other than the one the build replaces. The manifest alone when it cannot be read (a fix
 * of it is a change to watch for).
 */
export function devManifestFiles(project: Project): string[] {
  let target: DevManifestTarget | undefined
  try {
    target = devManifestTarget(project)
  } catch {
    return []
  }
  if (!target) return []
  const files = [target.file]
  try {
    const { loaded, plan } = readDevManifest(project, target)
    const dir = path.dirname(target.file)
    for (const component of loaded.manifest.spec.components) {
      const image = component.properties.image
      if (component.type !== 'component' || component.name === plan.replaced || !image?.startsWith('file://')) continue
      const file = componentReference(image, dir)
      if (!files.includes(file)) files.push(file)
    }
  } catch {
    // Watched as it is: its next change is read again.
  }
  return files
}

/** What `--json` events say about the manifest: at start (host.ready), and with each version (reload.ok). */
export interface DevManifestView {
  file: string
  /** Its metadata.name, once read. */
  app?: string
  /** The manifest component the build stands in for. */
  component?: string
  /** The component that takes the requests (often the same). */
  entry?: string
  /** Every component of the version loaded, with where it came from (the build for `component`). */
  components?: { name: string; origin: string; digest?: string }[]
  links?: ManifestLinkView[]
  /** The http-server link's address, as the manifest gives it. */
  address?: string
}

/** For host.ready: what can be told before the first build (the manifest read, if it reads). */
export function describeDevManifest(project: Project): DevManifestView | undefined {
  let target: DevManifestTarget | undefined
  try {
    target = devManifestTarget(project)
  } catch {
    return undefined
  }
  if (!target) return undefined
  try {
    const { plan } = readDevManifest(project, target)
    return { file: target.file, app: plan.app, component: plan.replaced, ...(plan.entry !== undefined ? { entry: plan.entry } : {}), ...(plan.address ? { address: plan.address.given } : {}) }
  } catch {
    return { file: target.file }
  }
}

const unversioned = (name: string) => name.replace(/@.*$/, '')

/** Whether two interface specs (`ns:pkg` or `ns:pkg/iface`, any versions) name overlapping interfaces. */
export function specsOverlap(a: string, b: string): boolean {
  const [x, y] = [unversioned(a), unversioned(b)]
  return x === y || x.startsWith(`${y}/`) || y.startsWith(`${x}/`)
}

/**
 * The project's own component links (`[[dev.overrides.imports]]` naming a .wasm file) beside a
 * manifest: the manifest wins for what it links from the project's component; the project's links
 * of other interfaces still apply (as rules from that component, not as picks, which would
 * override the manifest's links for every importer).
 */
export function mergeProjectLinks(plan: Pick<ManifestRunPlan, 'rules' | 'sources'> & { replaced: string; file: string }, links: DevLinks): { components: DevLinkedComponent[]; picks: Record<string, string>; rules: DevLinks['rules']; warnings: string[] } {
  const warnings: string[] = []
  const manifestLinked = plan.rules.filter((rule) => rule.source === plan.replaced || rule.source === undefined).map((rule) => rule.interface)
  const names = new Set(plan.sources.map((source) => source.name))
  const overlaps = (spec: string) => manifestLinked.some((iface) => specsOverlap(iface, spec))
  const picks: Record<string, string> = {}
  const rules: DevLinks['rules'] = []
  const components: DevLinkedComponent[] = []
  for (const link of links.components) {
    const kept = link.interfaces.filter((spec) => !overlaps(spec))
    for (const spec of link.interfaces.filter(overlaps)) {
      warnings.push(`${spec}: the manifest ${path.basename(plan.file)} links it from ${plan.replaced}, so its link wins over the [[dev.overrides.imports]] entry naming ${path.basename(link.file)}`)
    }
    if (kept.length === 0) continue
    if (names.has(link.name)) {
      throw new WasmctlError('HOST_LINK_INVALID', `the [[dev.overrides.imports]] component ${link.file} is named ${link.name}, as a component of the manifest ${plan.file} is`, {
        hints: ['rename the file, or link it from the manifest instead (a component with a link trait to it)'],
      })
    }
    components.push({ ...link, interfaces: kept })
    for (const spec of kept) {
      // A rule needs a whole interface name; a package-wide entry stays a pick.
      if (spec.includes('/')) rules.push({ source: plan.replaced, interface: unversioned(spec), target: link.name })
      else picks[unversioned(spec)] = link.name
    }
    for (const rule of links.rules) if (rule.target === link.name && kept.some((spec) => specsOverlap(spec, rule.interface)) && rule.name !== undefined) rules.push({ ...rule, source: plan.replaced })
  }
  return { components, picks, rules, warnings }
}

interface OverrideEntry {
  interface_spec?: string
  interface?: string
  link_name?: string
}

/**
 * The project's provider overrides beside a manifest's capability links: the manifest's binding
 * of an interface (per link name) wins; the project's others stay. Returns the `[dev]` table the
 * capability bindings read, and a warning per project entry the manifest replaced.
 */
export function mergeCapabilityOverrides(
  plan: Pick<ManifestRunPlan, 'dev' | 'overrideLabels'>,
  projectDev: unknown,
  manifestFile: string,
): { dev: unknown; overrideLabels: ManifestRunPlan['overrideLabels']; warnings: string[] } {
  const project = (projectDev ?? {}) as { overrides?: { imports?: unknown; exports?: unknown } }
  const warnings: string[] = []
  const labels: ManifestRunPlan['overrideLabels'] = { imports: [], exports: [] }
  const merged = (direction: 'imports' | 'exports') => {
    const fromManifest = plan.dev?.overrides[direction] ?? []
    const fromProject = Array.isArray(project.overrides?.[direction]) ? (project.overrides![direction] as OverrideEntry[]) : []
    const kept: OverrideEntry[] = []
    labels[direction].push(...plan.overrideLabels[direction])
    fromProject.forEach((entry, index) => {
      const spec = entry?.interface_spec ?? entry?.interface
      const linkName = entry?.link_name || 'default'
      const replaced = typeof spec === 'string' && fromManifest.some((override) => override.link_name === linkName && specsOverlap(override.interface_spec, spec))
      if (replaced) {
        warnings.push(`[[dev.overrides.${direction}]] ${spec}${linkName === 'default' ? '' : ` (link ${linkName})`}: the manifest ${path.basename(manifestFile)} binds it, and its link wins`)
        return
      }
      kept.push(entry)
      // Messages about it name the project's entry, not its place in the merged list.
      labels[direction].push(`[[dev.overrides.${direction}]] #${index + 1} of wasmcloud.toml`)
    })
    return [...fromManifest, ...kept]
  }
  const imports = merged('imports')
  const exports = merged('exports')
  return { dev: { ...project, overrides: { ...project.overrides, imports, exports } }, overrideLabels: labels, warnings }
}

