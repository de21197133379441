import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'

import ignore, { type Ignore } from 'ignore'

import { isInside, projectArtifacts, type Project } from '../project/index.js'

/**
 * What the dev watcher never reacts to: version control and dependency folders, the project's own
 * build outputs and state (so a build can never trigger a build), editor swap files, and whatever
 * the project's .gitignore files say (from the git root down to the project folder, plus
 * .git/info/exclude), with git's precedence: a deeper file's `!pattern` re-includes.
 */
const BUILT_IN_RULES = [
  '.git/',
  'node_modules/',
  '/target/',
  '/build/',
  '.wasmctl/',
  // editor swap, backup and lock files (vim writes a probe file named 4913 before saving)
  '*.swp',
  '*.swo',
  '*.swx',
  '*~',
  '.#*',
  '#*#',
  '4913',
  '.DS_Store',
  // JetBrains safe-write, Kate and gedit temp files
  '*___jb_tmp___',
  '*___jb_old___',
  '*.kate-swp',
  '.goutputstream-*',
]

export interface IgnoreMatcher {
  /** Whether a change to this absolute path must not trigger anything. */
  ignores(absolutePath: string, isDirectory?: boolean): boolean
  /** The .gitignore / exclude files the rules came from (the watcher reloads rules when one changes). */
  readonly ruleFiles: string[]
}

interface RuleSet {
  base: string
  rules: Ignore
}

/** Folders and files wasmctl itself writes for this project (a build generates missing signing keys too). */
export function ownOutputs(project: Project): string[] {
  const { unsigned, signed } = projectArtifacts(project)
  const outputs = [project.buildDir, path.join(project.dir, '.wasmctl'), unsigned, signed]
  if (project.component.keyDirectory) outputs.push(project.component.keyDirectory)
  return outputs
}

export function createIgnoreMatcher(project: Project): IgnoreMatcher {
  const outputs = ownOutputs(project)
  const ruleSets: RuleSet[] = []
  const ruleFiles: string[] = []
  const gitRoot = findGitRoot(project.dir)

  const addFile = (base: string, file: string) => {
    ruleFiles.push(file)
    if (!existsSync(file)) return
    try {
      ruleSets.push({ base, rules: ignore().add(readFileSync(file, 'utf8')) })
    } catch {
      // An unreadable ignore file ignores nothing, as git does.
    }
  }
  if (gitRoot) addFile(gitRoot, path.join(gitRoot, '.git', 'info', 'exclude'))
  for (const dir of ancestorsFrom(gitRoot ?? project.dir, project.dir)) addFile(dir, path.join(dir, '.gitignore'))
  const builtIn = ignore().add(BUILT_IN_RULES)

  return {
    ruleFiles,
    ignores(absolutePath, isDirectory) {
      const target = path.resolve(absolutePath)
      if (target === project.dir) return false
      if (outputs.some((output) => target === output || isInside(target, output))) return true
      const suffix = isDirectory ? '/' : ''
      if (isInside(target, project.dir) && builtIn.ignores(path.relative(project.dir, target) + suffix)) return true
      if (!isInside(target, project.dir)) {
        // Paths watched outside the project folder (a `wit` elsewhere) still skip the universal names.
        const name = path.basename(target)
        if (name === '.git' || name === 'node_modules' || builtIn.ignores(name + suffix)) return true
      }
      let ignored = false
      for (const { base, rules } of ruleSets) {
        if (!isInside(target, base)) continue
        const result = rules.test(path.relative(base, target) + suffix)
        if (result.ignored) ignored = true
        else if (result.unignored) ignored = false
      }
      return ignored
    },
  }
}

/** The folders from `top` down to `bottom`, both included (`bottom` must be inside `top`). */
function ancestorsFrom(top: string, bottom: string): string[] {
  const chain: string[] = []
  for (let dir = bottom; ; dir = path.dirname(dir)) {
    chain.unshift(dir)
    if (dir === top || path.dirname(dir) === dir) break
  }
  return chain
}

function findGitRoot(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir
    if (path.dirname(dir) === dir) return undefined
  }
}
