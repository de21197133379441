import path from 'node:path'

import { WasmctlError } from '../errors.js'
import { isInside } from './paths.js'
import type { Project } from './schema.js'

/**
 * Where a project's build writes, as wash does: the toolchain's unsigned output
 * (`[component] build_artifact`, default `<build>/<name>.wasm`) and the signed component
 * (`[component] destination`, default `<build>/<name>_s.wasm`). build, push, up and dev all read
 * these, so they agree on one file.
 */
export function projectArtifacts(project: Project): { unsigned: string; signed: string } {
  const unsigned = project.component.buildArtifact ?? inBuildDir(project, `${project.name}.wasm`)
  const signed = project.component.destination ?? inBuildDir(project, `${project.name}_s.wasm`)
  return { unsigned, signed }
}

/** Validation refuses such names already; this keeps a Project made any other way from writing elsewhere. */
function inBuildDir(project: Project, fileName: string): string {
  const file = path.join(project.buildDir, fileName)
  if (fileName.includes('\0') || path.dirname(file) !== path.resolve(project.buildDir) || !isInside(file, project.buildDir)) {
    throw new WasmctlError('PROJECT_INVALID', `the project name "${JSON.stringify(project.name).slice(1, -1)}" would put the build output outside ${project.buildDir}`, {
      hints: [`set name in ${project.file} to a plain name such as "hello" (no "/", "\\" or "..")`],
      details: { key: 'name' },
    })
  }
  return file
}
