import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'

import { parse, TomlError } from 'smol-toml'

import { fsError, WasmctlError } from '../errors.js'
import { PROJECT_FILE, type Project } from './schema.js'
import { validateProject } from './validate.js'

/** Walks up from `start` to the file system root and returns the first wasmcloud.toml found. */
export function findProjectFile(start: string): string | undefined {
  let dir = path.resolve(start)
  for (;;) {
    const candidate = path.join(dir, PROJECT_FILE)
    if (existsSync(candidate)) return candidate
    const parent = path.dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

export interface LoadProjectOptions {
  /** `--project-dir`: a folder holding wasmcloud.toml, or the file itself. No walking up. */
  projectDir?: string
  /** Where to start walking up from when no projectDir is given. */
  cwd?: string
}

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

function resolveProjectFile(options: LoadProjectOptions): string | undefined {
  if (options.projectDir === undefined) return findProjectFile(options.cwd ?? process.cwd())
  const given = path.resolve(options.cwd ?? process.cwd(), options.projectDir)
  let stat
  try {
    stat = statSync(given)
  } catch (error) {
    throw new WasmctlError('PROJECT_NOT_FOUND', `project path ${given} does not exist`, {
      cause: error,
      hints: ['check the --project-dir value'],
    })
  }
  const file = stat.isDirectory() ? path.join(given, PROJECT_FILE) : given
  if (!existsSync(file)) {
    throw new WasmctlError('PROJECT_NOT_FOUND', `no ${PROJECT_FILE} in ${given}`, {
      hints: ['--project-dir must name a folder holding wasmcloud.toml, or the file itself'],
    })
  }
  return file
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
