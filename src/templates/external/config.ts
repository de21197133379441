import { readFileSync } from 'node:fs'

import { parse as parseToml } from 'smol-toml'

import { ExitStatus, fsError, WasmctlError } from '../../errors.js'

/**
 * `project-generate.toml`, the file that makes a folder a wash template (wash 0.43's format):
 *
 *   [template]
 *   exclude = ["target/", "build/"]         # gitignore patterns: not copied
 *   raw = ["*.wasm"]                        # copied without rendering
 *   rename = [{ from = "x.md", to = "{{project-name}}.md" }]
 *
 *   [[placeholders]]
 *   name = "vendor"  type = "string"  prompt = "Vendor?"  default = "Acme"
 *   choices = [...]  regex = "..."
 *
 * cargo-generate's table form (`[placeholders.vendor]`) is read too. Placeholders are checked
 * as wash checks them: a prompt is required, bools take no choices or regex, a default must be
 * one of the choices and match the regex, and the names wash reserves cannot be redefined.
 */
export const TEMPLATE_CONFIG_FILE = 'project-generate.toml'

/** Variables wash and cargo-generate set themselves. */
export const RESERVED_PLACEHOLDERS = ['authors', 'os-arch', 'project-name', 'crate_name', 'crate_type'] as const

export type PlaceholderSpec =
  | { name: string; type: 'bool'; prompt: string; default?: boolean }
  | { name: string; type: 'string'; prompt: string; default?: string; choices?: string[]; regex?: string }

export interface RenameRule {
  from: string
  to: string
}

export interface TemplateConfig {
  exclude: string[]
  raw: string[]
  rename: RenameRule[]
  placeholders: PlaceholderSpec[]
  /** Keys wash does not read (cargo-generate's `include`, `ignore`, hooks ...): reported, not used. */
  ignoredKeys: string[]
}

function invalid(file: string, message: string): WasmctlError {
  return new WasmctlError('TEMPLATE_INVALID', `${file}: ${message}`, {
    exit: ExitStatus.failed,
    hints: ['fix the template\'s project-generate.toml (see `wasmctl new component --help`)'],
    details: { file },
  })
}

function stringList(value: unknown, key: string, file: string): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw invalid(file, `${key} must be an array of strings`)
  return value as string[]
}

export function parseTemplateConfig(text: string, file = TEMPLATE_CONFIG_FILE): TemplateConfig {
  let document: Record<string, unknown>
  try {
    document = parseToml(text) as Record<string, unknown>
  } catch (error) {
    throw invalid(file, `not valid TOML: ${(error as Error).message.split('\n')[0]}`)
  }
  const ignoredKeys = Object.keys(document)
    .filter((key) => key !== 'template' && key !== 'placeholders')
    .map((key) => key)
  const template = (document.template ?? {}) as Record<string, unknown>
  if (typeof template !== 'object' || Array.isArray(template)) throw invalid(file, '[template] must be a table')
  ignoredKeys.push(...Object.keys(template).filter((key) => !['exclude', 'raw', 'rename'].includes(key)).map((key) => `template.${key}`))

  const rename = (template.rename ?? []) as unknown[]
  if (!Array.isArray(rename)) throw invalid(file, 'template.rename must be an array of { from, to } tables')
  const renameRules = rename.map((rule, index) => {
    const { from, to } = (rule ?? {}) as Record<string, unknown>
    if (typeof from !== 'string' || typeof to !== 'string') throw invalid(file, `template.rename[${index}] needs string "from" and "to"`)
    return { from: from.replace(/^\.\//, ''), to }
  })

  return {
    exclude: stringList(template.exclude, 'template.exclude', file),
    raw: stringList(template.raw, 'template.raw', file),
    rename: renameRules,
    placeholders: placeholderTables(document.placeholders, file).map((table) => toPlaceholder(table, file)),
    ignoredKeys,
  }
}

/** wash's `[[placeholders]]` (each with a `name`) or cargo-generate's `[placeholders.NAME]`. */
function placeholderTables(value: unknown, file: string): Record<string, unknown>[] {
  if (value === undefined) return []
  if (Array.isArray(value)) return value as Record<string, unknown>[]
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value as Record<string, unknown>).map(([name, table]) => {
      if (typeof table !== 'object' || table === null || Array.isArray(table)) throw invalid(file, `placeholders.${name} must be a table`)
      return { name, ...(table as Record<string, unknown>) }
    })
  }
  throw invalid(file, 'placeholders must be an array of tables ([[placeholders]])')
}

function toPlaceholder(table: Record<string, unknown>, file: string): PlaceholderSpec {
  const { name, type = 'string', prompt, default: defaultValue, choices, regex } = table
  if (typeof name !== 'string' || name === '') throw invalid(file, 'a placeholder has no name')
  const where = `placeholder "${name}"`
  if ((RESERVED_PLACEHOLDERS as readonly string[]).includes(name)) {
    throw invalid(file, `${where} cannot be defined: ${RESERVED_PLACEHOLDERS.join(', ')} are set by the generator`)
  }
  if (typeof prompt !== 'string') throw invalid(file, `${where} needs a prompt`)
  if (type === 'bool') {
    if (choices !== undefined) throw invalid(file, `${where}: a bool takes no choices`)
    if (regex !== undefined) throw invalid(file, `${where}: a bool takes no regex`)
    if (defaultValue !== undefined && typeof defaultValue !== 'boolean') throw invalid(file, `${where}: the default of a bool must be true or false`)
    return { name, type: 'bool', prompt, ...(defaultValue === undefined ? {} : { default: defaultValue }) }
  }
  if (type !== 'string') throw invalid(file, `${where} has type "${String(type)}": the types are string and bool`)
  if (regex !== undefined) {
    if (typeof regex !== 'string') throw invalid(file, `${where}: regex must be a string`)
    try {
      new RegExp(regex, 'u')
    } catch {
      throw invalid(file, `${where}: regex ${regex} is not a valid regular expression`)
    }
  }
  const choiceList = choices === undefined ? undefined : stringList(choices, `${where} choices`, file)
  if (choiceList?.length === 0) throw invalid(file, `${where}: choices is empty`)
  if (choiceList && regex !== undefined && choiceList.some((choice) => !new RegExp(regex as string, 'u').test(choice))) {
    throw invalid(file, `${where}: a choice does not match its regex`)
  }
  if (defaultValue !== undefined && typeof defaultValue !== 'string') throw invalid(file, `${where}: the default must be a string`)
  if (defaultValue !== undefined && choiceList && !choiceList.includes(defaultValue)) {
    throw invalid(file, `${where}: the default "${defaultValue}" is not one of its choices`)
  }
  return {
    name,
    type: 'string',
    prompt,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
    ...(choiceList ? { choices: choiceList } : {}),
    ...(regex === undefined ? {} : { regex: regex as string }),
  }
}

/** `--values FILE`: wash's values file, a TOML document with a `[values]` table. */
export function parseValuesFile(text: string, file: string): Record<string, string | boolean> {
  let document: Record<string, unknown>
  try {
    document = parseToml(text) as Record<string, unknown>
  } catch (error) {
    throw new WasmctlError('INPUT_INVALID', `--values ${file} is not valid TOML: ${(error as Error).message.split('\n')[0]}`, {
      hints: ['write the values as a [values] table: [values]\\nvendor = "Acme"'],
    })
  }
  const table = document.values
  if (table === undefined) return {}
  if (typeof table !== 'object' || table === null || Array.isArray(table)) {
    throw new WasmctlError('INPUT_INVALID', `--values ${file}: values must be a table ([values])`, { hints: ['write the values as a [values] table'] })
  }
  const values: Record<string, string | boolean> = {}
  for (const [key, value] of Object.entries(table as Record<string, unknown>)) {
    if (typeof value === 'string' || typeof value === 'boolean') values[key] = value
    else if (typeof value === 'number' || typeof value === 'bigint') values[key] = String(value)
    else throw new WasmctlError('INPUT_INVALID', `--values ${file}: values.${key} must be a string or a boolean`, { hints: [`quote it: ${key} = "..."`] })
  }
  return values
}

export function readValuesFile(file: string): Record<string, string | boolean> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw fsError(error, 'read the --values file', file)
  }
  return parseValuesFile(text, file)
}
