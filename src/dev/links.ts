import path from 'node:path'

import { WasmctlError } from '../errors.js'
import { componentName, type ComponentInput, readComponentFile } from '../host/load.js'
import { type LinkRule, projectComponentLinks } from '../host/link.js'
import type { Project } from '../project/index.js'
import { componentWorld } from '../wasm/world.js'

/**
 * Components the project links in (wash's `[[dev.overrides.imports]]` entries whose `image_ref` is
 * a local `.wasm` file), as the dev loop sees them: which files to load beside every build and to
 * watch, which interface each one satisfies, and which entries are links rather than provider
 * overrides. The rule for what counts as a linked file is `up`'s (projectComponentLinks).
 */
export interface DevLinkedComponent {
  /** The file name without `.wasm` (what logs and `--link-component` call it). */
  name: string
  /** Absolute path. */
  file: string
  /** The interfaces the project's entries name for it, unversioned (`wasmctl-test:linked/greeter`). */
  interfaces: string[]
}

export interface DevLinks {
  components: DevLinkedComponent[]
  /** Which linked component satisfies which interface (for loadLinkedComponents). */
  picks: Record<string, string>
  /** Named links (`link_name`), which wasmcloud:bus selects per request. */
  rules: LinkRule[]
  /** `[dev]` without the component entries: what the capability bindings read. */
  dev: unknown
}

export function devLinks(project: Project): DevLinks {
  const { files, picks, rules, dev } = projectComponentLinks(project.raw.dev, project.dir)
  const components = files.map((file) => {
    const name = componentName(file)
    const named = rules.filter((rule) => rule.target === name).map((rule) => rule.interface)
    return { name, file, interfaces: [...new Set([...Object.keys(picks).filter((spec) => picks[spec] === name), ...named])] }
  })
  return { components, picks, rules, dev }
}

/** A stable text of the links, to tell whether wasmcloud.toml changed them. */
export function linksKey(links: DevLinks): string {
  return JSON.stringify(links.components.map(({ file, interfaces }) => [file, interfaces]))
}

/**
 * Reads a linked file, failing with an error that names the file and the wasmcloud.toml entry
 * (the message `up` gives talks about its command-line arguments). Each file is checked to be a
 * component here so that a half-written or corrupt file is reported as such.
 */
export function readLinkedComponent(link: DevLinkedComponent, project: Project): ComponentInput {
  const entry = `the [[dev.overrides.imports]] entry for ${link.interfaces.join(', ') || link.name} in ${path.basename(project.file)}`
  let source: ComponentInput
  try {
    source = readComponentFile(link.file)
  } catch (error) {
    throw new WasmctlError('HOST_LINK_INVALID', `linked component ${link.name}: ${(error as Error)?.message ?? String(error)}`, {
      cause: error,
      hints: [`build the component that provides ${link.interfaces.join(', ') || 'it'} (${link.file}), or fix ${entry}`],
    })
  }
  try {
    componentWorld(source.bytes)
  } catch (error) {
    throw new WasmctlError('HOST_LINK_INVALID', `linked component ${link.file} is not a WebAssembly component: ${(error as Error)?.message ?? String(error)}`, {
      cause: error,
      hints: [`rebuild it (a build may still be writing it: dev reloads when it changes), or fix ${entry}`],
    })
  }
  return source
}
