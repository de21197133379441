import { existsSync, statSync } from 'node:fs'
import path from 'node:path'

import { WasmctlError } from '../errors.js'
import { PROJECT_FILE, type Project } from './schema.js'

/**
 * Finding wasmcloud.toml, apart from reading it: the reader (`load.ts`) pulls in the TOML parser
 * and the schema (zod, semver: ~60 ms of start-up), which commands that merely look for a project
 * (keys, sign, push outside a project) should not pay when there is none.
 */
export interface LoadProjectOptions {
  /** `--project-dir`: a folder holding wasmcloud.toml, or the file itself. No walking up. */
  projectDir?: string
  /** Where to start walking up from when no projectDir is given. */
  cwd?: string
  /** The environment whose `WASMCLOUD_*` variables override the file's settings, as in wash (default: process.env). */
  env?: NodeJS.ProcessEnv
}

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

/** The project file the options point at; undefined when walking up finds none, an error when `projectDir` is wrong. */
export function resolveProjectFile(options: LoadProjectOptions): string | undefined {
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

/** `findProject` for commands that work without a project: loads the reader only when there is a file to read. */
export async function locateProject(options: LoadProjectOptions = {}): Promise<Project | undefined> {
  const file = resolveProjectFile(options)
  if (!file) return undefined
  const { readProject } = await import('./load.js')
  return readProject(file, options.env)
}
