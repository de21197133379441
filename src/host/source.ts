import { existsSync, statSync } from 'node:fs'
import path from 'node:path'

import { WasmctlError } from '../errors.js'
import type { PullComponentOptions } from '../oci/pull.js'
import { loadComponentSource } from '../oci/source.js'
import { type Project, projectArtifacts } from '../project/index.js'
import { type ComponentInput, componentName, readComponentFile } from './load.js'

/**
 * What `up [file|ref]` runs: a file, an OCI reference (pulled through the blob cache, so a
 * digest already pulled needs no network), or, with no argument, the project's build output
 * (the signed component, as wash does, unless the unsigned one is newer).
 */
export interface ResolveSourceOptions {
  project?: Project
  /** Registry access for references (credentials, --insecure, --allow-latest...). */
  pull?: Omit<PullComponentOptions, 'reference' | 'output'>
}

export async function resolveComponentSource(input: string | undefined, options: ResolveSourceOptions = {}): Promise<ComponentInput> {
  if (input === undefined) return projectBuildOutput(options.project)
  const source = await loadComponentSource(input, options.pull)
  if (source.pulled) {
    return { bytes: source.bytes, name: source.pulled.repository.split('/').pop() ?? source.pulled.repository, origin: source.pulled.reference }
  }
  return { bytes: source.bytes, name: componentName(source.path), origin: path.resolve(source.path) }
}

function projectBuildOutput(project: Project | undefined): ComponentInput {
  if (!project) {
    throw new WasmctlError('INPUT_REQUIRED', 'no component given and no wasmcloud.toml here', {
      hints: ['pass a component: `wasmctl up <file.wasm|registry/repository:tag>`', 'or run it inside a project (or pass --project-dir)'],
    })
  }
  const { signed, unsigned } = projectArtifacts(project)
  // The newer of the two: `build --build-only` after a signed build leaves a stale signed file.
  const newest = [signed, unsigned].filter((file) => existsSync(file)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]
  if (newest) return readComponentFile(newest)
  throw new WasmctlError('BUILD_ARTIFACT_MISSING', `the project has no build output yet (looked for ${signed} and ${unsigned})`, {
    hints: ['run `wasmctl build` first, or use `wasmctl dev` to build and serve in one step'],
  })
}
