import { createHash } from 'node:crypto'
import { cpSync, existsSync, readFileSync, symlinkSync } from 'node:fs'
import path from 'node:path'

import { WasmctlError } from '../errors.js'
import { type Project, projectArtifacts } from '../project/index.js'
import { readProject } from '../project/load.js'
import { buildProject } from './build.js'
import type { BuildEvent } from './events.js'
import { withWorkDir } from './run.js'

/**
 * `build --verify-reproducible`: build the same sources again from a copy in a fresh temporary
 * folder (another path, no build cache) and compare the unsigned components' digests. A copy,
 * rather than a second build in place, catches the project path leaking into the output.
 */
export interface ReproducibleCheck {
  reproducible: true
  sha256: string
  rebuild: { sha256: string; size: number }
}

/** Not copied: outputs, caches and VCS data. node_modules is linked, so npm dependencies resolve as in the project. */
const SKIPPED = new Set(['.git', '.hg', '.svn', '.wasmctl', 'target', '.cache', 'node_modules'])

export async function verifyReproducible(
  project: Project,
  options: { signal?: AbortSignal; onEvent?: (event: BuildEvent) => void } = {},
): Promise<ReproducibleCheck> {
  const { unsigned } = projectArtifacts(project)
  const sha256 = createHash('sha256').update(readFileSync(unsigned)).digest('hex')
  const root = path.dirname(project.file)
  const buildDir = path.resolve(project.buildDir)
  return withWorkDir('wasmctl-reproduce-', async (work) => {
    const copyRoot = path.join(work, path.basename(root))
    cpSync(root, copyRoot, {
      recursive: true,
      filter: (source) => !SKIPPED.has(path.basename(source)) && path.resolve(source) !== buildDir,
    })
    if (existsSync(path.join(root, 'node_modules'))) symlinkSync(path.join(root, 'node_modules'), path.join(copyRoot, 'node_modules'), 'dir')
    const copied = readProject(path.join(copyRoot, path.basename(project.file)))
    // Outputs stay inside the copy even when the project names absolute artifact paths.
    const copy: Project = {
      ...copied,
      buildDir: path.join(copyRoot, 'build'),
      component: { ...copied.component, buildArtifact: undefined, destination: undefined },
    }
    options.onEvent?.({ type: 'step', step: 'validate', message: `building again in ${copyRoot} to compare digests` })
    const rebuilt = await buildProject(copy, { buildOnly: true, noCache: true, skipFetch: true, signal: options.signal, onEvent: options.onEvent })
    if (rebuilt.sha256 !== sha256) {
      throw new WasmctlError('BUILD_NOT_REPRODUCIBLE', `a second build of the same sources gave a different component: sha256 ${sha256} vs ${rebuilt.sha256}`, {
        hints: [
          'for JavaScript, unset WASMCTL_REPRODUCIBLE=0 and keep top-level code free of host-dependent values',
          'for other languages, check the toolchain embeds no paths or timestamps (e.g. --remap-path-prefix, SOURCE_DATE_EPOCH)',
        ],
        details: { sha256, rebuildSha256: rebuilt.sha256, size: readFileSync(unsigned).length, rebuildSize: rebuilt.size },
      })
    }
    return { reproducible: true, sha256, rebuild: { sha256: rebuilt.sha256, size: rebuilt.size } }
  })
}
