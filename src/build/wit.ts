import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { unversioned } from '../wasm/world.js'

export { unversioned }

/**
 * The exports a project's WIT world promises, so `build` can check the artifact really exports
 * them. Hand-written rather than done by jco's wasm-tools: its WIT reader runs inside a sandboxed
 * preview2-shim with no preopened folders and cannot read `wit/` from disk, and componentize-js
 * keeps its WIT resolver private. This reads only what the check needs: package names, world
 * blocks, their `export` and `include` items. Anything it cannot resolve is reported as
 * `unresolved` rather than guessed.
 */
export interface WitWorld {
  /** `namespace:package/world` (unversioned). */
  name: string
  /** Export names without versions: `wasi:http/incoming-handler`, or a plain function name. */
  exports: string[]
  /** Includes the reader could not find (for example a dependency missing from wit/deps). */
  unresolved: string[]
}

interface WorldDecl {
  pkg: string
  name: string
  body: string
  /** Declared in the project's own package (not under wit/deps). */
  root: boolean
}


export function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ')
}

export function witFiles(dir: string): string[] {
  const files: string[] = []
  for (const entry of readdirSync(dir).sort()) {
    const full = path.join(dir, entry)
    if (statSync(full).isDirectory()) files.push(...witFiles(full))
    else if (entry.endsWith('.wit')) files.push(full)
  }
  return files
}

/** Finds the `{ ... }` block starting at `open` (the index of `{`); returns the body and the index after `}`. */
function block(text: string, open: number): { body: string; end: number } {
  let depth = 0
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++
    else if (text[i] === '}' && --depth === 0) return { body: text.slice(open + 1, i), end: i + 1 }
  }
  return { body: text.slice(open + 1), end: text.length }
}

function readWorlds(witDir: string): WorldDecl[] {
  const worlds: WorldDecl[] = []
  const depsDir = path.join(witDir, 'deps')
  for (const file of witFiles(witDir)) {
    const text = stripComments(readFileSync(file, 'utf8'))
    const pkg = unversioned(text.match(/^\s*package\s+([^\s;{]+)\s*;/m)?.[1] ?? '')
    const root = !file.startsWith(depsDir + path.sep)
    const worldPattern = /\bworld\s+(%?[a-z][\w-]*)\s*\{/g
    for (let match; (match = worldPattern.exec(text)); ) {
      const { body, end } = block(text, match.index + match[0].length - 1)
      worlds.push({ pkg, name: match[1].replace(/^%/, ''), body, root })
      worldPattern.lastIndex = end
    }
  }
  return worlds
}

/** The world's items at depth 0 (nested `interface { }` bodies skipped), one statement each. */
function topLevelItems(body: string): string[] {
  const items: string[] = []
  let depth = 0
  let current = ''
  for (const char of body) {
    if (char === '{') depth++
    if (char === '}') depth--
    if (depth === 0 && (char === ';' || char === '}')) {
      if (current.trim()) items.push(current.trim())
      current = ''
      continue
    }
    if (depth === 0) current += char
  }
  if (current.trim()) items.push(current.trim())
  // Feature gates (`@since(version = 0.2.0)`) prefix items; they do not change the name.
  return items.map((item) => item.replace(/^(@\w+\([^)]*\)\s*)+/, '').trim())
}

/**
 * The world named `worldName` (`hello`, `ns:pkg/hello` or with a version) in `witDir`, or the only
 * world of the project's own package when no name is given. Undefined when there is no such world.
 */
export function readWitWorld(witDir: string, worldName?: string): WitWorld | undefined {
  if (!existsSync(witDir)) return undefined
  const worlds = readWorlds(witDir)
  const find = (pkg: string | undefined, name: string) =>
    worlds.find((world) => world.name === name && (pkg === undefined ? world.root : world.pkg === pkg))

  let start: WorldDecl | undefined
  if (worldName === undefined) {
    const rootWorlds = worlds.filter((world) => world.root)
    start = rootWorlds.length === 1 ? rootWorlds[0] : undefined
  } else {
    const wanted = unversioned(worldName)
    const slash = wanted.lastIndexOf('/')
    start = slash === -1 ? find(undefined, wanted) : find(wanted.slice(0, slash), wanted.slice(slash + 1))
  }
  if (!start) return undefined

  const exports = new Set<string>()
  const unresolved: string[] = []
  const seen = new Set<WorldDecl>()
  const visit = (world: WorldDecl) => {
    if (seen.has(world)) return
    seen.add(world)
    for (const item of topLevelItems(world.body)) {
      const exported = item.match(/^export\s+(%?[a-z][\w-]*:[\w-]+\/[\w-]+(?:@[\w.+-]+)?|%?[\w-]+)/)
      if (exported) {
        exports.add(exportName(exported[1], item, world.pkg))
        continue
      }
      const included = item.match(/^include\s+([^\s;{]+)/)
      if (included) {
        const target = unversioned(included[1])
        const slash = target.lastIndexOf('/')
        const next = slash === -1 ? find(world.pkg, target) ?? find(undefined, target) : find(target.slice(0, slash), target.slice(slash + 1))
        if (next) visit(next)
        else unresolved.push(included[1])
      }
    }
  }
  visit(start)
  return { name: `${start.pkg}/${start.name}`, exports: [...exports].sort(), unresolved }
}

/**
 * `export wasi:http/incoming-handler@0.2.0;` → `wasi:http/incoming-handler`; `export handler;`
 * (an interface of this package) → `ns:pkg/handler`; `export run: func();` → `run`.
 */
function exportName(token: string, item: string, pkg: string): string {
  const name = token.replace(/^%/, '')
  if (name.includes('/')) return unversioned(name)
  const isFunctionOrInline = new RegExp(`^export\\s+%?${name.replace(/[-]/g, '\\-')}\\s*:`).test(item)
  return isFunctionOrInline ? name : `${pkg}/${name}`
}
