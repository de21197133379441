import { readFileSync } from 'node:fs'
import path from 'node:path'

import { parse, TomlError } from 'smol-toml'

import { fsError, WasmctlError } from '../errors.js'
import { type LoadProjectOptions, resolveProjectFile } from './locate.js'
import { PROJECT_FILE, type Project } from './schema.js'
import { validateProject } from './validate.js'
import { applyEnvOverrides, attributeToEnv } from './wash-compat.js'

export { findProjectFile, type LoadProjectOptions } from './locate.js'

/** Loads the project, or returns undefined when there is none (commands that work without one). */
export function findProject(options: LoadProjectOptions = {}): Project | undefined {
  const file = resolveProjectFile(options)
  return file ? readProject(file, options.env) : undefined
}

/**
 * Loads the project to build or run it, or throws PROJECT_NOT_FOUND with a hint. A provider
 * project is a valid wash project (readProject accepts it) that wasmctl cannot build.
 */
export function loadProject(options: LoadProjectOptions = {}): Project {
  const project = findProject(options)
  if (project) return refuseProvider(project)
  const where = options.projectDir ?? options.cwd ?? process.cwd()
  throw new WasmctlError('PROJECT_NOT_FOUND', `no ${PROJECT_FILE} found in ${where} or any parent folder`, {
    hints: ['run the command inside a project, pass --project-dir, or create one with `wasmctl new actor <name>`'],
  })
}

/** Throws PROJECT_PROVIDER_UNSUPPORTED for a `type = "provider"` project: wasmctl builds components only. */
export function refuseProvider(project: Project): Project {
  if (project.type !== 'provider') return project
  throw new WasmctlError('PROJECT_PROVIDER_UNSUPPORTED', `providers are not built by wasmctl: ${project.file} has type = "provider"`, {
    hints: ['build capability providers with wash (`wash build`); wasmctl builds, signs, pushes and runs components', 'if this project is a component, set type = "component" in wasmcloud.toml'],
    details: { file: project.file, type: 'provider' },
  })
}

/** Parses and validates one wasmcloud.toml; every problem is reported in one error. */
export function readProject(file: string, env: NodeJS.ProcessEnv = process.env): Project {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw fsError(error, 'read', file)
  }
  return parseProject(text, file, env)
}

export function parseProject(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Project {
  let raw: Record<string, unknown>
  try {
    raw = parse(text) as Record<string, unknown>
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = error.message.split('\n')[0].replace(/^Invalid TOML document: /, '')
      throw new WasmctlError('PROJECT_INVALID', `invalid TOML in ${file} at line ${error.line}, column ${error.column}: ${reason}`, {
        cause: error,
        hints: [`fix the syntax at ${path.basename(file)}:${error.line}`],
        details: { file, line: error.line, column: error.column },
      })
    }
    throw error
  }
  const overridden = applyEnvOverrides(raw, env)
  const validated = validateProject(overridden.raw, file)
  const { project } = validated
  const problems = [...overridden.problems, ...attributeToEnv(validated.problems, overridden.sources)]
  if (problems.length > 0 || !project) {
    const summary = problems.map((problem) => `${problem.key}: ${problem.message}`).join('; ')
    throw new WasmctlError('PROJECT_INVALID', `invalid ${file}: ${summary}`, {
      hints: [`fix ${problems.length === 1 ? 'this key' : `these ${problems.length} keys`} in ${path.basename(file)}`],
      details: { file, problems },
    })
  }
  return project
}
