import { statSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

import { fsError, WasmctlError } from '../errors.js'
import { writeFileAtomic } from '../files.js'
import { componentName } from '../host/load.js'
import { projectComponentLinks } from '../host/link.js'
import { type InterfaceOverride, planApp, renderWadmManifest, toManifestName } from '../manifest/generate.js'
import { absolutizeFileImages, manifestToYaml } from '../manifest/io.js'
import { parseManifestValue } from '../manifest/model.js'
import { planInputFromProject, readOverrides } from '../manifest/project.js'
import { parseInterfaceName } from '../manifest/providers.js'
import { toReport, validateManifest } from '../manifest/validate.js'
import { projectArtifacts } from '../project/artifacts.js'
import type { Project } from '../project/index.js'
import { isInside } from '../project/paths.js'
import { readWasmFile } from '../wasm/read.js'
import { componentWorld, type ComponentWorld } from '../wasm/world.js'
import type { DevBus } from './bus.js'
import { devManifestTarget, readDevManifest } from './manifests.js'

/**
 * `wasmctl dev --manifest-output-dir DIR` (wash dev's flag, `WASH_DEV_MANIFEST_OUTPUT_DIR`):
 * after every build that serves, the wadm Application that the session stands for is written to
 * `DIR/<metadata.name>.yaml`, as wash dev writes the manifest it deploys to its local lattice. Only
 * a manifest that differs from the last one written is written again (wash rewrites only when the
 * component's dependencies changed), so a folder watched by another tool sees one write per change.
 * With `[[dev.manifests]]` the file written is the user's manifest (`<metadata.name>.yaml`) with the
 * named component's image replaced by the build's file:// URL, as wash dev deploys it, and its
 * relative file:// images made absolute (the folder written to is not the manifest's).
 */

/** wash dev's scaler for the component under development (manifest.rs). */
const DEV_INSTANCES = 100

export interface DevManifest {
  name: string
  /** `<name>.yaml`, the file wash dev writes. */
  fileName: string
  yaml: string
  /** Interfaces left unbound and wadm validation findings, for the log. */
  warnings: string[]
}

/**
 * The image a lattice on this machine would run: the served artifact when it is the project's
 * build output; otherwise (the JavaScript fast path serves a cache file that is rotated and
 * removed with the session) the signed artifact in the build folder, which the background build
 * writes moments after the swap.
 */
export function devManifestImage(project: Project, artifact: string | undefined): string {
  const { signed, unsigned } = projectArtifacts(project)
  const served = artifact === undefined ? undefined : path.resolve(artifact)
  const file = served !== undefined && (served === path.resolve(signed) || served === path.resolve(unsigned)) ? served : path.resolve(signed)
  return pathToFileURL(file).href
}

/**
 * The manifest wash dev derives for a session: `dev-<project>`, no `version` annotation (wadm
 * gives every put a fresh one), the component at `instances: 100`, providers and links from the
 * component's world and `[dev]` overrides, and each component the project links in (an override
 * naming a .wasm file) as a component with a link to it. wash also puts its lattice session id in
 * the names; a wasmctl session has no lattice, so the name is stable for the project.
 */
export function renderDevManifest(project: Project, world: ComponentWorld, image: string): DevManifest {
  const links = componentLinks(project, world)
  // What linked components satisfy is neither a provider nor an unbound import.
  const input = planInputFromProject(project, { ...world, imports: world.imports.filter((name) => !links.satisfied.has(name)) }, image, { appName: `dev-${project.name}`, instances: DEV_INSTANCES, versionAnnotation: null })
  const plan = planApp({ ...input, imports: (input.imports ?? []).filter((override) => linkedFileOf(override, project.dir) === undefined) })
  const manifest = renderWadmManifest(plan)
  addLinkedComponents(manifest, plan.appName, links.targets)
  const warnings = [...plan.warnings, ...links.warnings]
  const parsed = parseManifestValue(manifest)
  if (parsed.ok) {
    const report = toReport(validateManifest(parsed.manifest, manifest))
    for (const failure of [...report.errors, ...report.warnings]) warnings.push(`generated manifest: ${failure.msg}`)
  } else {
    warnings.push(`generated manifest: ${parsed.message}`)
  }
  return { name: plan.appName, fileName: `${plan.appName}.yaml`, yaml: manifestToYaml(manifest), warnings }
}

/** The project's `[[dev.manifests]]` manifest as the session serves it: the named component's image is the build. */
export function renderUserManifest(project: Project, image: string): DevManifest | undefined {
  const target = devManifestTarget(project)
  if (!target) return undefined
  const { loaded, plan } = readDevManifest(project, target)
  const raw = absolutizeFileImages(loaded.raw, path.dirname(target.file)) as { metadata: { name: string }; spec: { components: { name: string; properties?: Record<string, unknown> }[] } }
  const component = raw.spec.components.find((candidate) => candidate.name === plan.replaced)!
  component.properties = { ...component.properties, image }
  return { name: raw.metadata.name, fileName: `${raw.metadata.name}.yaml`, yaml: manifestToYaml(raw), warnings: [] }
}

interface LinkTarget {
  /** The manifest component's name (from the file name). */
  name: string
  image: string
  links: { namespace: string; package: string; interfaces: string[]; linkName?: string; config: Record<string, string>; configNames: string[] }[]
}

/**
 * The components the project links in (`[[dev.overrides.imports]]` naming a .wasm file, the rule
 * `up` and `dev` load them by), as wadm components with a link from the project's component, one
 * per package and link name, to the interfaces of the world the entry names.
 */
function componentLinks(project: Project, world: ComponentWorld): { targets: LinkTarget[]; satisfied: Set<string>; warnings: string[] } {
  const targets = new Map<string, LinkTarget>()
  const satisfied = new Set<string>()
  const warnings: string[] = []
  for (const override of readOverrides(project, 'imports')) {
    const file = linkedFileOf(override, project.dir)
    if (!file) continue
    const spec = override.interfaceSpec.replace(/@.*$/, '')
    const imported = world.imports.filter((name) => {
      const parsed = parseInterfaceName(name)
      return parsed !== undefined && (spec === `${parsed.namespace}:${parsed.package}` || spec === `${parsed.namespace}:${parsed.package}/${parsed.interface}`)
    })
    if (imported.length === 0) {
      warnings.push(`the component imports nothing of ${override.interfaceSpec}: ${path.basename(file)} is left out of the manifest`)
      continue
    }
    const name = toManifestName(componentName(file))
    const target = targets.get(name) ?? { name, image: pathToFileURL(file).href, links: [] }
    targets.set(name, target)
    for (const importName of imported) {
      satisfied.add(importName)
      const parsed = parseInterfaceName(importName)!
      let link = target.links.find((entry) => entry.namespace === parsed.namespace && entry.package === parsed.package && entry.linkName === override.linkName)
      if (!link) {
        link = { namespace: parsed.namespace, package: parsed.package, interfaces: [], ...(override.linkName ? { linkName: override.linkName } : {}), config: {}, configNames: [] }
        target.links.push(link)
      }
      if (!link.interfaces.includes(parsed.interface)) link.interfaces.push(parsed.interface)
      Object.assign(link.config, override.config)
      for (const configName of override.configNames) if (!link.configNames.includes(configName)) link.configNames.push(configName)
    }
  }
  return { targets: [...targets.values()], satisfied, warnings }
}

/** The component file an override links in, by the rule `up` and `dev` load them by; undefined for a provider. */
function linkedFileOf(override: InterfaceOverride, projectDir: string): string | undefined {
  if (!override.imageRef) return undefined
  return projectComponentLinks({ overrides: { imports: [{ interface_spec: override.interfaceSpec, image_ref: override.imageRef }] } }, projectDir).files[0]
}

/**
 * Each linked component after the project's, run as the project's component is (wadm starts no
 * component without a scaler), and a link trait on the project's component to it, in wadm's field
 * order (namespace, package, interfaces, target, name), config on the target as for a provider.
 */
function addLinkedComponents(manifest: Record<string, unknown>, appName: string, targets: LinkTarget[]): void {
  if (targets.length === 0) return
  const components = (manifest.spec as { components: { traits?: Record<string, unknown>[] }[] }).components
  const entry = components[0]
  entry.traits ??= []
  for (const target of targets) {
    for (const link of target.links) {
      const config: { name: string; properties?: Record<string, string> }[] = link.configNames.map((name) => ({ name }))
      if (Object.keys(link.config).length > 0) config.push({ name: `${appName}-${target.name}-${link.interfaces.join('-')}${link.linkName ? `-${link.linkName}` : ''}`, properties: link.config })
      entry.traits.push({
        type: 'link',
        properties: {
          namespace: link.namespace,
          package: link.package,
          interfaces: link.interfaces,
          target: { name: target.name, ...(config.length > 0 ? { config } : {}) },
          ...(link.linkName ? { name: link.linkName } : {}),
        },
      })
    }
  }
  const linked = targets.map((target) => ({ name: target.name, type: 'component', properties: { image: target.image }, traits: [{ type: 'spreadscaler', properties: { instances: DEV_INSTANCES } }] }))
  components.splice(1, 0, ...linked)
}

/** The folder must exist and be a folder (wash dev refuses anything else); returns it absolute. */
export function checkManifestOutputDir(dir: string, cwd = process.cwd()): string {
  const resolved = path.resolve(cwd, dir)
  let isDirectory: boolean
  try {
    isDirectory = statSync(resolved).isDirectory()
  } catch (error) {
    const failure = fsError(error, 'use manifest output folder', resolved)
    throw new WasmctlError('FS_ERROR', failure.message, { cause: error, hints: [`create it first (mkdir -p ${dir}); wash dev requires the folder to exist too`] })
  }
  if (!isDirectory) {
    throw new WasmctlError('FS_ERROR', `manifest output folder ${resolved} is not a folder`, { hints: ['pass a folder to --manifest-output-dir'] })
  }
  return resolved
}

/**
 * The folder for the watcher to ignore, so a write is never a change to rebuild for; none when it
 * holds the project (ignoring it would ignore every source). A manifest written into the project
 * folder itself costs one extra build, after which the unchanged manifest is not written again.
 */
export function manifestDirToIgnore(projectDir: string, dir: string): string | undefined {
  const project = path.resolve(projectDir)
  const output = path.resolve(dir)
  return output === project || isInside(project, output) ? undefined : output
}

export interface ManifestOutputOptions {
  bus: DevBus
  project: Project
  /** Absolute, existing folder (see checkManifestOutputDir). */
  dir: string
  readWorld?: (artifact: string) => ComponentWorld
  write?: (file: string, text: string) => Promise<void>
}

export interface ManifestOutput {
  /** The folder the session's watcher must ignore (see manifestDirToIgnore). */
  readonly ignoreDir?: string
  /** Resolves once every write started so far has finished (the session waits for it on stop). */
  flushed(): Promise<void>
  close(): void
}

export function attachManifestOutput(options: ManifestOutputOptions): ManifestOutput {
  const { bus, dir } = options
  const readWorld = options.readWorld ?? ((artifact: string) => componentWorld(readWasmFile(artifact)))
  const write = options.write ?? ((file: string, text: string) => writeFileAtomic(file, text))
  let project = options.project
  let lastBuild: { build: number; artifact: string } | undefined
  let lastWritten: string | undefined
  const reported = new Set<string>()
  let queue: Promise<void> = Promise.resolve()

  const warnOnce = (message: string) => {
    if (reported.has(message)) return
    reported.add(message)
    bus.emit('log', { level: 'warn', message, source: 'manifest' })
  }

  const unsubscribe = [
    bus.on('config.reload', (event) => {
      project = event.project
    }),
    bus.on('build.ok', (event) => {
      lastBuild = { build: event.build, artifact: event.artifact }
    }),
    bus.on('reload.ok', (event) => {
      const artifact = lastBuild?.build === event.build ? lastBuild.artifact : undefined
      let manifest: DevManifest
      try {
        const image = devManifestImage(project, artifact)
        manifest = renderUserManifest(project, image) ?? renderDevManifest(project, readWorld(artifact ?? projectArtifacts(project).signed), image)
      } catch (error) {
        warnOnce(`no manifest written to ${dir}: ${(error as Error)?.message ?? String(error)}`)
        return
      }
      for (const warning of manifest.warnings) warnOnce(warning)
      if (manifest.yaml === lastWritten) return
      lastWritten = manifest.yaml
      const file = path.join(dir, manifest.fileName)
      // One write at a time, in order: the last manifest is the one left on disk.
      queue = queue.then(async () => {
        try {
          await write(file, manifest.yaml)
          bus.emit('log', { level: 'info', message: `wrote ${file}`, source: 'manifest' })
        } catch (error) {
          if (lastWritten === manifest.yaml) lastWritten = undefined
          bus.emit('log', { level: 'warn', message: fsError(error, 'write manifest', file).message, source: 'manifest' })
        }
      })
    }),
  ]

  return {
    ignoreDir: manifestDirToIgnore(options.project.dir, dir),
    flushed: () => queue,
    close: () => {
      for (const off of unsubscribe) off()
    },
  }
}
