import { existsSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

import { WasmctlError } from '../errors.js'
import { formatReference, resolveReference } from '../oci/reference.js'
import { projectArtifacts } from '../project/artifacts.js'
import type { Project } from '../project/schema.js'
import { readWasmFile } from '../wasm/read.js'
import { componentWorld, type ComponentWorld } from '../wasm/world.js'
import type { InterfaceOverride, PlanInput } from './generate.js'

/** Where the manifest's component image comes from, and what the user should know about it. */
export interface ImageChoice {
  image: string
  source: 'flag' | 'registry' | 'file'
  warning?: string
}

/**
 * `--image` wins; else `[registry] url` + `name:version` (what `wasmctl push` would publish);
 * else the signed build as `file://` (only a host on this machine can read that).
 */
export function chooseImage(project: Project, options: { image?: string; local?: boolean } = {}): ImageChoice {
  const signed = projectArtifacts(project).signed
  if (options.image) {
    if (options.image.startsWith('file://')) return { image: absoluteFileUrl(options.image.slice(7), process.cwd()), source: 'flag' }
    if (/\.wasm$/i.test(options.image)) return { image: absoluteFileUrl(options.image, process.cwd()), source: 'flag' }
    return { image: formatReference(resolveReference(options.image, project.registry.url)), source: 'flag' }
  }
  if (!options.local && project.registry.url) {
    return { image: formatReference(resolveReference(`${project.name}:${project.version}`, project.registry.url)), source: 'registry' }
  }
  return {
    image: pathToFileURL(signed).href,
    source: 'file',
    ...(options.local ? {} : { warning: `no [registry] url in ${path.basename(project.file)}: the manifest points at ${signed} (file://), which only a host on this machine can read; pass --image or set [registry] url` }),
  }
}

function absoluteFileUrl(file: string, base: string): string {
  return pathToFileURL(path.resolve(base, file)).href
}

/** The built component's world: the signed output, else the unsigned one. */
export function readProjectWorld(project: Project): { world: ComponentWorld; file: string } {
  const { signed, unsigned } = projectArtifacts(project)
  const file = existsSync(signed) ? signed : existsSync(unsigned) ? unsigned : undefined
  if (!file) {
    throw new WasmctlError('BUILD_ARTIFACT_MISSING', `no built component at ${signed}: the manifest is derived from the component's imports and exports`, {
      hints: ['run `wasmctl build` first'],
    })
  }
  return { world: componentWorld(readWasmFile(file)), file }
}

function asArray(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value]
}

/** wash's `[[dev.overrides.imports|exports]]` entries (`interface`/`uri` are its aliases). */
export function readOverrides(project: Project, direction: 'imports' | 'exports'): InterfaceOverride[] {
  const dev = project.raw.dev as { overrides?: Record<string, unknown> } | undefined
  return asArray(dev?.overrides?.[direction]).map((entry) => {
    const item = entry as Record<string, unknown>
    const config: Record<string, string> = {}
    const configNames: string[] = []
    for (const configEntry of asArray(item.config)) {
      const { name, values } = configEntry as { name?: string; values?: Record<string, string> }
      if (values) Object.assign(config, values)
      else if (name) configNames.push(name)
    }
    const imageRef = (item.image_ref ?? item.uri) as string | undefined
    return {
      interfaceSpec: String(item.interface_spec ?? item.interface),
      ...(imageRef ? { imageRef } : {}),
      config,
      configNames,
      ...(typeof item.link_name === 'string' ? { linkName: item.link_name } : {}),
    }
  })
}

export function httpAddress(project: Project): string | undefined {
  const { address, port } = project.dev
  if (address === undefined && port === undefined) return undefined
  if (address?.includes(':') && port === undefined) return address
  return `${address ?? '0.0.0.0'}:${port ?? 8000}`
}

export function planInputFromProject(
  project: Project,
  world: ComponentWorld,
  image: string,
  options: { appName?: string; instances?: number; versionAnnotation?: string | null } = {},
): PlanInput {
  const description = typeof project.raw.description === 'string' ? project.raw.description : undefined
  return {
    projectName: project.name,
    version: project.version,
    ...(description ? { description } : {}),
    image,
    world,
    httpAddress: httpAddress(project),
    componentConfig: project.dev.config,
    imports: readOverrides(project, 'imports'),
    exports: readOverrides(project, 'exports'),
    ...options,
  }
}
