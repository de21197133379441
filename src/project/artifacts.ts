import path from 'node:path'

import type { Project } from './schema.js'

/**
 * Where a project's build writes, as wash does: the toolchain's unsigned output
 * (`[component] build_artifact`, default `<build>/<name>.wasm`) and the signed component
 * (`[component] destination`, default `<build>/<name>_s.wasm`). build, push, up and dev all read
 * these, so they agree on one file.
 */
export function projectArtifacts(project: Project): { unsigned: string; signed: string } {
  const unsigned = project.component.buildArtifact ?? path.join(project.buildDir, `${project.name}.wasm`)
  const signed = project.component.destination ?? path.join(project.buildDir, `${project.name}_s.wasm`)
  return { unsigned, signed }
}
