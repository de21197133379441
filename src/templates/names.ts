import { kebabCase, pascalCase, snakeCase } from 'change-case'

import { WasmctlError } from '../errors.js'

/**
 * A project name in the forms each language needs. The name given (`hello-world`, `HelloWorld`,
 * `hello_world`) names the folder and the wasmcloud.toml; the kebab form names npm packages,
 * crates and WIT worlds, the snake form Rust libraries and C files, the Pascal form types.
 */
export interface ProjectNames {
  name: string
  kebab: string
  snake: string
  pascal: string
}

export const MAX_NAME_LENGTH = 64

/** Letters, digits, `-` and `_`, starting with a letter, no doubled or trailing separator. */
const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*$/

/** WIT keywords: a world or package named after one would need `%` escaping everywhere. */
const WIT_KEYWORDS = new Set([
  'as', 'async', 'bool', 'borrow', 'char', 'constructor', 'enum', 'error-context', 'export', 'f32', 'f64', 'flags',
  'float32', 'float64', 'from', 'func', 'future', 'import', 'include', 'interface', 'list', 'option', 'own', 'package',
  'record', 'resource', 'result', 'static', 'stream', 'string', 'tuple', 'type', 'u8', 'u16', 'u32', 'u64', 's8', 's16',
  's32', 's64', 'use', 'variant', 'with', 'world',
])

function invalid(message: string, name: string, hints: string[]): WasmctlError {
  return new WasmctlError('NEW_NAME_INVALID', message, { hints, details: { name } })
}

/** A valid name close to what was typed, for the hint; undefined when none is obvious. */
function suggestion(name: string): string | undefined {
  const candidate = kebabCase(name.replace(/[^A-Za-z0-9 _-]+/g, ' ')).replace(/^[^a-z]+/, '')
  if (!candidate || candidate === name) return undefined
  try {
    return projectNames(candidate).name
  } catch {
    return undefined
  }
}

const RULE = 'use letters, digits, "-" and "_", starting with a letter (for example hello-world)'

/**
 * Checks a project name and derives its forms; throws NEW_NAME_INVALID naming the problem and a
 * name that would work. `reserved` lists names a template's language refuses.
 */
export function projectNames(name: string, reserved: readonly string[] = []): ProjectNames {
  const tryInstead = (hints: string[]) => {
    const better = suggestion(name)
    return better ? [`try "${better}"`, ...hints] : hints
  }
  if (name.trim() === '') throw invalid('the project name must not be empty', name, [RULE])
  if (/[/\\]/.test(name) || name.includes('..') || name === '.') {
    throw invalid(`"${name}" is a path, not a project name`, name, tryInstead(['choose the folder with --output-dir and give a plain name']))
  }
  if (/\s/.test(name)) throw invalid(`the project name "${name}" contains spaces`, name, tryInstead([RULE]))
  if (name.length > MAX_NAME_LENGTH) {
    throw invalid(`the project name is ${name.length} characters long (at most ${MAX_NAME_LENGTH})`, name, [RULE])
  }
  if (!NAME_PATTERN.test(name)) throw invalid(`"${name}" is not a valid project name`, name, tryInstead([RULE]))

  const names: ProjectNames = { name, kebab: kebabCase(name), snake: snakeCase(name), pascal: pascalCase(name) }
  // WIT identifiers are words that each start with a letter: `app-2` cannot name a world.
  if (names.kebab.split('-').some((word) => !/^[a-z]/.test(word))) {
    throw invalid(`"${name}" has a word starting with a digit, which WIT names do not allow`, name, [
      'start every word with a letter (for example app-v2 instead of app-2)',
    ])
  }
  if (WIT_KEYWORDS.has(names.kebab)) {
    throw invalid(`"${name}" is a WIT keyword and cannot name the component's world`, name, [`try "${names.kebab}-component"`])
  }
  const clash = reserved.find((word) => word === names.kebab || word === names.snake)
  if (clash) throw invalid(`"${name}" is reserved by this template's language`, name, [`try "${names.kebab}-component"`])
  return names
}

/** For prompts: true, or why the name is refused. */
export function validateProjectName(name: string): string | true {
  try {
    projectNames(name)
    return true
  } catch (error) {
    return (error as Error).message
  }
}
