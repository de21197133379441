import { readFileSync } from 'node:fs'
import path from 'node:path'

import { parse, TomlError } from 'smol-toml'

import { fsError, WasmctlError } from '../errors.js'
import { type LoadProjectOptions, resolveProjectFile } from './locate.js'
import { PROJECT_FILE, type Project } from './schema.js'
import { validateProject } from './validate.js'

export { findProjectFile, type LoadProjectOptions } from './locate.js'

/** Loads the project, or returns undefined when there is none (commands that work without one). */
export function findProject(options: LoadProjectOptions = {}): Project | undefined {
  const file = resolveProjectFile(options)
  return file ? readProject(file) : undefined
}

/** Loads the project, or throws PROJECT_NOT_FOUND with a hint. */
export function loadProject(options: LoadProjectOptions = {}): Project {
  const project = findProject(options)
  if (project) return project
  const where = options.projectDir ?? options.cwd ?? process.cwd()
  throw new WasmctlError('PROJECT_NOT_FOUND', `no ${PROJECT_FILE} found in ${where} or any parent folder`, {
    hints: ['run the command inside a project, pass --project-dir, or create one with `wasmctl new actor <name>`'],
  })
}

/** Parses and validates one wasmcloud.toml; every problem is reported in one error. */
export function readProject(file: string): Project {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw fsError(error, 'read', file)
  }
  return parseProject(text, file)
}

export function parseProject(text: string, file: string): Project {
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
  const { project, problems } = validateProject(raw, file)
  if (problems.length > 0 || !project) {
    const summary = problems.map((problem) => `${problem.key}: ${problem.message}`).join('; ')
    throw new WasmctlError('PROJECT_INVALID', `invalid ${file}: ${summary}`, {
      hints: [`fix ${problems.length === 1 ? 'this key' : `these ${problems.length} keys`} in ${path.basename(file)}`],
      details: { file, problems },
    })
  }
  return project
}
