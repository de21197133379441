import { readFileSync } from 'node:fs'
import { chmod, copyFile, lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { TextDecoder } from 'node:util'

import ignore, { type Ignore } from 'ignore'
import { kebabCase, snakeCase } from 'change-case'

import { ExitStatus, fsError, throwIfAborted, WasmctlError } from '../../errors.js'
import { checkTarget, type GitInitStatus, gitInit, type NewProjectEvent, writeProjectAtomically } from '../scaffold.js'
import { parseTemplateConfig, type TemplateConfig, TEMPLATE_CONFIG_FILE } from './config.js'
import { renderTemplateText, type TemplateVariables } from './engine.js'
import { type PlaceholderQuestion, resolvePlaceholders } from './placeholders.js'
import { fetchTemplate, type TemplateSource } from './source.js'

/**
 * `wasmctl new component --git URL | --path DIR`: a wash template rendered into a new project,
 * as wash 0.43 does it: the project folder is `./<kebab-case name>`, the variables are
 * `project-name` (as typed) and `project-type` ("component") plus the template's placeholders,
 * every file but `.git/`, the excluded ones and project-generate.toml itself is rendered (raw
 * ones are copied), and `rename` moves files. wasmctl also renders placeholders in file names,
 * as cargo-generate does, copies files that are not UTF-8 text unchanged instead of failing,
 * and skips symbolic links: a link in a template could otherwise copy any file of this machine
 * into the project.
 */
export const WASH_PROJECT_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/
export const MAX_WASH_NAME_LENGTH = 64

export interface ExternalProjectOptions {
  name: string
  source: TemplateSource
  /** The project folder; default `<cwd>/<kebab-case name>` as wash does. */
  path?: string
  cwd?: string
  force?: boolean
  /** `--value` and `--values FILE` together (the flags win). */
  values?: TemplateVariables
  /** Asks a person for a placeholder; absent when nobody can be asked. */
  ask?: (question: PlaceholderQuestion) => Promise<string | boolean>
  gitInit?: boolean
  signal?: AbortSignal
  onEvent?: (event: NewProjectEvent) => void
}

export interface ExternalProject {
  path: string
  name: string
  template: string
  source: { git: string; branch?: string; subfolder?: string } | { path: string; subfolder?: string }
  values: TemplateVariables
  files: string[]
  git: GitInitStatus
  next: string[]
}

export function checkWashProjectName(name: string): void {
  if (name.length > MAX_WASH_NAME_LENGTH || !WASH_PROJECT_NAME.test(name)) {
    throw new WasmctlError('NEW_NAME_INVALID', `"${name}" is not a valid project name`, {
      hints: [`project names begin with a letter and hold letters, digits, "_" and "-" (at most ${MAX_WASH_NAME_LENGTH} characters), as wash requires`],
      details: { name },
    })
  }
}

/** The project folder wash would create: `./<kebab-case name>`. */
export function externalProjectTarget(name: string, cwd = process.cwd(), projectPath?: string): string {
  return path.resolve(cwd, projectPath ?? kebabCase(name))
}

export async function createExternalProject(options: ExternalProjectOptions): Promise<ExternalProject> {
  const emit = options.onEvent ?? (() => {})
  checkWashProjectName(options.name)
  const target = externalProjectTarget(options.name, options.cwd, options.path)
  const force = options.force ?? false
  checkTarget(target, force)

  const fetched = await fetchTemplate(options.source, { cwd: options.cwd, signal: options.signal, onStep: (message) => emit({ type: 'step', message }) })
  try {
    const config = readConfig(fetched.configFile)
    if (config.ignoredKeys.length > 0) {
      emit({ type: 'warning', message: `${TEMPLATE_CONFIG_FILE}: ${config.ignoredKeys.join(', ')} ${config.ignoredKeys.length === 1 ? 'is' : 'are'} not read by wash or wasmctl` })
    }
    const given = { ...(options.values ?? {}) }
    delete given['project-name']
    const base: TemplateVariables = {
      'project-name': options.name,
      'project-type': 'component',
      // cargo-generate's name for the snake form; wash templates may use it through Liquid too.
      crate_name: snakeCase(options.name),
    }
    const variables = await resolvePlaceholders(config.placeholders, given, base, { ask: options.ask })
    throwIfAborted(options.signal, 'new component')
    const values = Object.fromEntries(Object.entries(variables).filter(([key]) => !(key in base)))

    const files = await writeProjectAtomically(target, force, async (staging) => {
      emit({ type: 'step', message: `rendering ${fetched.templateDir} into ${staging}` })
      return renderTemplateFolder(fetched.templateDir, fetched.configFile, config, variables, staging, { signal: options.signal, onEvent: emit })
    })
    const git = options.gitInit === false ? 'skipped' : await gitInit(target, emit)
    const source =
      options.source.kind === 'git'
        ? { git: options.source.url, ...(options.source.branch ? { branch: options.source.branch } : {}), ...(options.source.subfolder ? { subfolder: options.source.subfolder } : {}) }
        : { path: path.resolve(options.cwd ?? process.cwd(), options.source.path), ...(options.source.subfolder ? { subfolder: options.source.subfolder } : {}) }
    return {
      path: target,
      name: options.name,
      template: describeSource(options.source),
      source,
      values,
      files,
      git,
      next: files.includes('wasmcloud.toml') ? ['wasmctl build', 'wasmctl dev'] : [],
    }
  } finally {
    await fetched.dispose()
  }
}

function describeSource(source: TemplateSource): string {
  const base = source.kind === 'git' ? source.url : source.path
  return source.subfolder ? `${base} (${source.subfolder})` : base
}

function readConfig(file: string): TemplateConfig {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw fsError(error, 'read', file)
  }
  return parseTemplateConfig(text, TEMPLATE_CONFIG_FILE)
}

interface RenderFolderOptions {
  signal?: AbortSignal
  onEvent?: (event: NewProjectEvent) => void
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

function matcher(patterns: readonly string[]): Ignore | undefined {
  return patterns.length > 0 ? ignore().add([...patterns]) : undefined
}

/**
 * Writes the rendered template into `out` (an empty staging folder) and returns the files written,
 * relative and `/`-separated. Exported for tests: everything here is files in, files out.
 */
export async function renderTemplateFolder(
  templateDir: string,
  configFile: string,
  config: TemplateConfig,
  variables: TemplateVariables,
  out: string,
  options: RenderFolderOptions = {},
): Promise<string[]> {
  const emit = options.onEvent ?? (() => {})
  const excluded = matcher(config.exclude)
  const raw = matcher(config.raw)
  const configRelative = path.relative(templateDir, configFile).split(path.sep).join('/')
  const written = new Set<string>()

  for (const relative of await listTemplateFiles(templateDir, emit)) {
    throwIfAborted(options.signal, 'new component')
    if (relative === configRelative) continue
    if (excluded?.ignores(relative)) continue
    const rule = config.rename.find((candidate) => candidate.from === relative)
    const destination = normalizeDestination(
      rule ? renderTemplateText(rule.to, variables, `the rename of ${relative}`) : renderPathSegments(relative, variables),
      relative,
    )
    if (written.has(destination)) {
      throw new WasmctlError('TEMPLATE_INVALID', `two template files would both be written to ${destination}`, { exit: ExitStatus.failed, details: { file: destination } })
    }
    const from = path.join(templateDir, ...relative.split('/'))
    const to = path.join(out, ...destination.split('/'))
    await mkdir(path.dirname(to), { recursive: true })
    const bytes = await readFile(from)
    const text = raw?.ignores(relative) ? undefined : decodeText(bytes)
    if (text === undefined) await copyFile(from, to)
    else await writeFile(to, renderTemplateText(text, variables, relative))
    await chmod(to, (await lstat(from)).mode & 0o777)
    written.add(destination)
  }
  return [...written].sort()
}

function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined
  try {
    return utf8.decode(bytes)
  } catch {
    return undefined
  }
}

function renderPathSegments(relative: string, variables: TemplateVariables): string {
  return relative.includes('{{') || relative.includes('{%') ? renderTemplateText(relative, variables, `the file name ${relative}`) : relative
}

/** A rendered destination stays inside the project: no absolute paths, no `..`, no empty names. */
function normalizeDestination(destination: string, source: string): string {
  const normalized = path.posix.normalize(destination.split(path.sep).join('/')).replace(/^\.\//, '')
  if (path.posix.isAbsolute(normalized) || normalized === '..' || normalized.startsWith('../') || normalized === '.' || normalized === '' || normalized.endsWith('/')) {
    throw new WasmctlError('TEMPLATE_INVALID', `${source} would be written to "${destination}", outside the project folder`, {
      exit: ExitStatus.failed,
      hints: ['a rename target and a file name must stay inside the project'],
      details: { file: source, destination },
    })
  }
  return normalized
}

/** Every regular file of the template, `/`-separated and sorted; `.git/` and links are left out. */
async function listTemplateFiles(root: string, emit: (event: NewProjectEvent) => void): Promise<string[]> {
  const files: string[] = []
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true })
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = path.join(dir, entry.name)
      const relative = path.relative(root, full).split(path.sep).join('/')
      if (entry.isDirectory()) {
        if (entry.name !== '.git') await walk(full)
      } else if (entry.isSymbolicLink()) {
        emit({ type: 'warning', message: `skipped ${relative}: symbolic links in templates are not copied` })
      } else if (entry.isFile()) {
        files.push(relative)
      }
    }
  }
  await walk(root)
  return files
}
