import { existsSync } from 'node:fs'
import { mkdtemp, realpath, rm, stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import { fsError, throwIfAborted, WasmctlError } from '../../errors.js'
import { TEMPLATE_CONFIG_FILE } from './config.js'

/**
 * Where a wash template comes from: a git repository (`--git URL [--branch B] [--subfolder D]`)
 * or a local folder (`--path DIR`). A repository is cloned shallowly into a temporary folder that
 * `dispose()` removes; a local folder is read in place (files are copied out, never written).
 */
export type TemplateSource =
  | { kind: 'git'; url: string; branch?: string; subfolder?: string }
  | { kind: 'path'; path: string; subfolder?: string }

export interface FetchedTemplate {
  /** The folder whose files become the project (the subfolder when one was named). */
  templateDir: string
  /** The project-generate.toml that applies: in templateDir or the nearest parent up to the root. */
  configFile: string
  /** The URL git was given, after wash's shorthand expansion. */
  resolvedUrl?: string
  dispose: () => Promise<void>
}

export interface FetchTemplateOptions {
  signal?: AbortSignal
  cwd?: string
  onStep?: (message: string) => void
}

/**
 * wash's shorthand: `owner/repo` and `github.com/owner/repo` mean GitHub over https, and
 * `git+https://` loses its `git+`. wasmctl also passes through what git itself reads as a
 * repository: `file://` URLs, local paths (`/`, `./`, `../`, `~/`), `ssh://` and `user@host:path`.
 */
export function resolveGitUrl(url: string, cwd = process.cwd()): string {
  const trimmed = url.trim()
  if (/^(https?|ssh|git|file):\/\//.test(trimmed)) return trimmed
  if (/^git\+(https?|ssh):\/\//.test(trimmed)) return trimmed.slice(4)
  if (trimmed.startsWith('/') || trimmed.startsWith('./') || trimmed.startsWith('../') || trimmed === '.' || trimmed === '..') return path.resolve(cwd, trimmed)
  if (trimmed.startsWith('~/')) return path.join(os.homedir(), trimmed.slice(2))
  if (/^[\w.-]+@[\w.-]+:/.test(trimmed)) return trimmed
  if (trimmed.startsWith('github.com/')) return `https://${trimmed}`
  return `https://github.com/${trimmed.replace(/^\/+/, '')}`
}

export async function fetchTemplate(source: TemplateSource, options: FetchTemplateOptions = {}): Promise<FetchedTemplate> {
  const cwd = options.cwd ?? process.cwd()
  if (source.kind === 'path') {
    const root = path.resolve(cwd, source.path)
    const info = await stat(root).catch(() => undefined)
    if (!info?.isDirectory()) {
      throw new WasmctlError('INPUT_INVALID', `--path ${source.path} is not an existing folder`, {
        hints: ['--path names a local template folder (one with a project-generate.toml); the new project\'s folder is --output-dir'],
        details: { path: root },
      })
    }
    const templateDir = await resolveSubfolder(await realpath(root), source.subfolder)
    return { templateDir, configFile: await locateConfig(await realpath(root), templateDir, source.path), dispose: async () => {} }
  }

  const url = resolveGitUrl(source.url, cwd)
  const clone = await mkdtemp(path.join(os.tmpdir(), 'wasmctl-template-'))
  const dispose = () => rm(clone, { recursive: true, force: true })
  try {
    options.onStep?.(`cloning ${url}${source.branch ? ` (branch ${source.branch})` : ''}`)
    await gitClone(url, clone, source.branch, options.signal)
    throwIfAborted(options.signal, 'new component')
    const root = await realpath(clone)
    const templateDir = await resolveSubfolder(root, source.subfolder)
    return { templateDir, configFile: await locateConfig(root, templateDir, source.url), resolvedUrl: url, dispose }
  } catch (error) {
    await dispose()
    throw error
  }
}

async function gitClone(url: string, into: string, branch: string | undefined, signal: AbortSignal | undefined): Promise<void> {
  const { default: which } = await import('which')
  const git = await which('git', { nothrow: true })
  if (!git) {
    throw new WasmctlError('TEMPLATE_FETCH_FAILED', 'git is not installed, and --git templates are fetched with it', {
      hints: ['install git (apt-get install git, brew install git), or pass --path with a local copy of the template'],
    })
  }
  const { execa } = await import('execa')
  // `--` so a URL cannot be read as an option; no terminal prompt, so a private repository fails
  // instead of waiting for a password nobody will type.
  const args = ['clone', '--depth', '1', '--quiet', ...(branch ? ['--branch', branch] : []), '--', url, into]
  const result = await execa(git, args, {
    reject: false,
    stdin: 'ignore',
    cancelSignal: signal,
    env: { GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '' },
  })
  throwIfAborted(signal, 'new component')
  if (result.exitCode !== 0) {
    const reason = String(result.stderr).trim().split('\n').filter(Boolean).pop() ?? `git exited with ${result.exitCode}`
    const branchMissing = branch !== undefined && /Remote branch .* not found|couldn't find remote ref/i.test(String(result.stderr))
    throw new WasmctlError('TEMPLATE_FETCH_FAILED', `cannot clone ${url}${branch ? ` (branch ${branch})` : ''}: ${reason.replace(/^fatal:\s*/, '')}`, {
      hints: branchMissing
        ? [`the repository has no branch or tag "${branch}": check --branch`]
        : ['check the URL and your access to it (git clone must work for it); for a local folder use --path DIR'],
      details: { url, ...(branch ? { branch } : {}) },
    })
  }
}

/** The subfolder, which must stay inside the template, links resolved. */
async function resolveSubfolder(root: string, subfolder: string | undefined): Promise<string> {
  if (subfolder === undefined || subfolder === '' || subfolder === '.') return root
  const wanted = path.resolve(root, subfolder)
  let resolved: string
  try {
    resolved = await realpath(wanted)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new WasmctlError('INPUT_INVALID', `--subfolder ${subfolder} does not exist in the template`, {
        hints: ['check the folder name and the --branch it is on'],
        details: { subfolder },
      })
    }
    throw fsError(error, 'read', wanted)
  }
  if (resolved !== root && !resolved.startsWith(root + path.sep)) {
    throw new WasmctlError('INPUT_INVALID', `--subfolder ${subfolder} leads outside the template`, {
      hints: ['name a folder inside the repository, relative to its root'],
      details: { subfolder },
    })
  }
  if (!(await stat(resolved)).isDirectory()) {
    throw new WasmctlError('INPUT_INVALID', `--subfolder ${subfolder} is a file, not a folder`, { details: { subfolder } })
  }
  return resolved
}

/** As wash: project-generate.toml in the template folder or the nearest parent up to the root. */
async function locateConfig(root: string, templateDir: string, described: string): Promise<string> {
  for (let dir = templateDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, TEMPLATE_CONFIG_FILE)
    if (existsSync(candidate)) return candidate
    if (dir === root || dir === path.dirname(dir)) break
  }
  throw new WasmctlError('TEMPLATE_INVALID', `${described} is not a wash template: it has no ${TEMPLATE_CONFIG_FILE}`, {
    exit: 1,
    hints: [`a template folder needs a ${TEMPLATE_CONFIG_FILE} (it may be empty); check --subfolder`],
    details: { source: described },
  })
}
