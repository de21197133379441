import { existsSync, readdirSync, statSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { chmod, copyFile, cp, lstat, mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'

import { fsError, throwIfAborted, WasmctlError } from '../errors.js'
import { type ProjectNames, projectNames } from './names.js'
import { loadTemplate, templateFiles, witDepsRoot } from './registry.js'
import { nameVariables, renderPath, renderText, type RenderVariables } from './render.js'
import { type Template, TEMPLATE_FILES_DIR } from './schema.js'
import { resolveValues } from './values.js'

/**
 * `wasmctl new actor`: a project is rendered into a temporary folder beside the target and only
 * then moved into place, so a failure (a bad template, a full disk, Ctrl-C) never leaves a
 * half-written project behind.
 */
export type NewProjectEvent = { type: 'step'; message: string } | { type: 'warning'; message: string }

export type GitInitStatus = 'initialized' | 'skipped' | 'git-not-found' | 'inside-repository' | 'failed'

export interface ProjectPlan {
  names: ProjectNames
  template: Template
  /** Absolute project folder. */
  target: string
  force: boolean
}

export interface PlanProjectOptions {
  name: string
  template: string
  /** The project folder (default: `<cwd>/<name>`). */
  path?: string
  cwd?: string
  /** Write into an existing non-empty folder, replacing the template's files there. */
  force?: boolean
  /** Another templates folder (tests). */
  templatesRoot?: string
}

export interface CreateProjectOptions {
  /** Values given on the command line or answered at prompts; the rest take their defaults. */
  values?: Record<string, string>
  gitInit?: boolean
  signal?: AbortSignal
  onEvent?: (event: NewProjectEvent) => void
  templatesRoot?: string
}

export interface CreatedProject {
  path: string
  name: string
  template: string
  language: string
  toolchain: string
  world: Template['world']
  values: Record<string, string>
  /** Every file written, relative to `path`. */
  files: string[]
  git: GitInitStatus
  /** What to run next, from the project folder. */
  next: string[]
}

/** Everything that can be checked before asking a question or touching the disk. */
export function planProject(options: PlanProjectOptions): ProjectPlan {
  const template = loadTemplate(options.template, options.templatesRoot)
  const names = projectNames(options.name, template.reservedNames)
  const target = path.resolve(options.cwd ?? process.cwd(), options.path ?? names.name)
  checkTarget(target, options.force ?? false)
  return { names, template, target, force: options.force ?? false }
}

/** Refuses a target that is a file, or a non-empty folder without --force. */
export function checkTarget(target: string, force: boolean): void {
  if (!existsSync(target)) return
  const entries = directoryEntries(target)
  if (entries.length > 0 && !force) {
    throw new WasmctlError('NEW_TARGET_EXISTS', `${target} already exists and is not empty`, {
      hints: ['choose another name or --output-dir', 'or pass --force to write the template into it (files with the same names are replaced)'],
      details: { path: target, entries: entries.length },
    })
  }
}

function directoryEntries(target: string): string[] {
  let isDirectory: boolean
  try {
    isDirectory = statSync(target).isDirectory()
  } catch (error) {
    throw fsError(error, 'read', target)
  }
  if (!isDirectory) {
    throw new WasmctlError('NEW_TARGET_EXISTS', `${target} exists and is a file, not a folder`, {
      hints: ['choose another name or --output-dir'],
      details: { path: target },
    })
  }
  try {
    return readdirSync(target)
  } catch (error) {
    throw fsError(error, 'read', target)
  }
}

export async function createProject(plan: ProjectPlan, options: CreateProjectOptions = {}): Promise<CreatedProject> {
  const { names, template, target } = plan
  const emit = options.onEvent ?? (() => {})
  const values = resolveValues(template, names, options.values ?? {})
  const variables: RenderVariables = { ...nameVariables(names), ...values }
  // Checked again: the folder may have filled up while the questions were answered.
  checkTarget(target, plan.force)

  try {
    const files = await writeProjectAtomically(target, plan.force, async (staging) => {
      emit({ type: 'step', message: `rendering template ${template.name} into ${staging}` })
      const written = await renderTemplate(template, variables, staging, options)
      throwIfAborted(options.signal, 'new actor')
      return written
    })
    const git = options.gitInit === false ? 'skipped' : await gitInit(target, emit)
    return {
      path: target,
      name: names.name,
      template: template.name,
      language: template.language,
      toolchain: template.toolchain,
      world: template.world,
      values,
      files,
      git,
      next: template.next.map((line) => renderText(line, variables, `${template.name} next`)),
    }
  } catch (error) {
    if (error instanceof WasmctlError) throw error
    throw fsError(error, 'create the project in', target)
  }
}

/**
 * Runs `write` on an empty staging folder beside `target`, then moves the result into place; on
 * any failure the staging folder (and a parent folder made for it) is removed, so a bad
 * template, a full disk or Ctrl-C never leaves a half-written project behind.
 */
export async function writeProjectAtomically<T>(target: string, force: boolean, write: (staging: string) => Promise<T>): Promise<T> {
  const parent = path.dirname(target)
  let createdParent: string | undefined
  let staging: string | undefined
  try {
    createdParent = await mkdir(parent, { recursive: true })
    // Not mkdtemp: its 0700 folder would become the project folder, unreadable to the group.
    staging = path.join(parent, `.${path.basename(target)}.wasmctl-${randomBytes(6).toString('hex')}`)
    await mkdir(staging)
    const result = await write(staging)
    // Checked again: the folder may have filled up while the files were written.
    checkTarget(target, force)
    await moveIntoPlace(staging, target)
    staging = undefined
    createdParent = undefined
    return result
  } catch (error) {
    if (staging) await rm(staging, { recursive: true, force: true })
    if (createdParent) await rm(createdParent, { recursive: true, force: true })
    if (error instanceof WasmctlError) throw error
    throw fsError(error, 'create the project in', target)
  }
}

/** Writes the template's files (rendered where listed) and its WIT dependencies into `dir`. */
async function renderTemplate(template: Template, variables: RenderVariables, dir: string, options: CreateProjectOptions): Promise<string[]> {
  const sourceRoot = path.join(template.dir, TEMPLATE_FILES_DIR)
  const sources = templateFiles(template)
  const missing = template.render.filter((file) => !sources.includes(file))
  if (missing.length > 0) {
    throw new WasmctlError('TEMPLATE_INVALID', `template ${template.name} lists files to render that it does not have: ${missing.join(', ')}`)
  }
  const written: string[] = []
  for (const source of sources) {
    throwIfAborted(options.signal, 'new actor')
    const relative = renderPath(source, variables, `${template.name}/${source}`)
    const from = path.join(sourceRoot, source)
    const to = path.join(dir, relative)
    await mkdir(path.dirname(to), { recursive: true })
    if (template.render.includes(source)) {
      await writeFile(to, renderText(await readFile(from, 'utf8'), variables, `${template.name}/${source}`))
      await chmod(to, (await stat(from)).mode & 0o777)
    } else {
      await copyFile(from, to)
    }
    written.push(relative)
  }
  for (const set of template.witDeps) {
    const from = path.join(witDepsRoot(options.templatesRoot), set)
    if (!existsSync(from)) throw new WasmctlError('TEMPLATE_INVALID', `template ${template.name} needs WIT set "${set}", which templates/_wit/ lacks`)
    await cp(from, path.join(dir, 'wit', 'deps'), { recursive: true })
    written.push(...(await listFiles(from)).map((file) => `wit/deps/${file}`))
  }
  return written.sort()
}

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? listFiles(path.join(dir, entry.name), base) : [path.relative(base, path.join(dir, entry.name)).split(path.sep).join('/')],
    ),
  )
  return nested.flat()
}

/**
 * A new folder is one rename. An existing one (empty, or with --force) is merged file by file:
 * renaming over it would pull the folder out from under a shell sitting in it (`--output-dir .`).
 */
async function moveIntoPlace(staging: string, target: string): Promise<void> {
  if (!existsSync(target)) {
    await rename(staging, target)
    return
  }
  await assertMergeable(staging, target)
  await merge(staging, target)
  await rm(staging, { recursive: true, force: true })
}

/** Finds folder/file clashes before anything moves, so a refused merge changes nothing. */
async function assertMergeable(from: string, to: string): Promise<void> {
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const destination = path.join(to, entry.name)
    const existing = await lstat(destination).catch(() => undefined)
    if (!existing) continue
    if (entry.isDirectory() !== existing.isDirectory()) {
      throw new WasmctlError('NEW_TARGET_EXISTS', `cannot write ${destination}: a ${existing.isDirectory() ? 'folder' : 'file'} of that name is in the way`, {
        hints: ['move it aside, or choose another --output-dir'],
      })
    }
    if (entry.isDirectory()) await assertMergeable(path.join(from, entry.name), destination)
  }
}

async function merge(from: string, to: string): Promise<void> {
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name)
    const destination = path.join(to, entry.name)
    if (entry.isDirectory() && existsSync(destination)) {
      await merge(source, destination)
      await rmdir(source)
    } else {
      await rename(source, destination)
    }
  }
}

/** `git init` like `cargo new`: only when git is installed and the project is not already inside a repository. */
export async function gitInit(target: string, emit: (event: NewProjectEvent) => void): Promise<GitInitStatus> {
  const { default: which } = await import('which')
  const git = await which('git', { nothrow: true })
  if (!git) return 'git-not-found'
  const { execa } = await import('execa')
  const inside = await execa(git, ['rev-parse', '--is-inside-work-tree'], { cwd: target, reject: false, stdin: 'ignore' })
  if (inside.exitCode === 0 && String(inside.stdout).trim() === 'true') return 'inside-repository'
  const result = await execa(git, ['init', '--quiet'], { cwd: target, reject: false, stdin: 'ignore' })
  if (result.exitCode === 0) return 'initialized'
  emit({ type: 'warning', message: `git init failed in ${target}: ${String(result.stderr).trim().split('\n')[0]}` })
  return 'failed'
}
