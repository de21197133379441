import { WasmctlError } from '../errors.js'
import type { ProjectNames } from './names.js'
import { nameVariables, renderText } from './render.js'
import type { Template, TemplateValueSpec } from './schema.js'

/**
 * A template's own values (`greeting`, `description`, ...): given with `--value key=value`,
 * asked on a TTY, or taken from their defaults. Values end up inside string literals of every
 * template language, so by default they may not hold quotes, backslashes, braces or control
 * characters (template files put values in double-quoted strings); a template can widen or narrow that with `pattern`.
 */
const SAFE_VALUE = /^[^"`\\{}\u0000-\u001f\u007f]*$/
const SAFE_VALUE_HINT = 'no double quotes, backticks, backslashes, braces or control characters'
export const MAX_VALUE_LENGTH = 200

export interface ValueQuestion {
  name: string
  prompt: string
  default?: string
  /** For prompts: true, or the reason the answer is refused. */
  validate: (input: string) => string | true
}

/** `--value key=value` flags as a map; a flag without `=` is a usage error. */
export function parseValueFlags(flags: readonly string[] = []): Record<string, string> {
  const values: Record<string, string> = {}
  for (const flag of flags) {
    const equals = flag.indexOf('=')
    if (equals <= 0) {
      throw new WasmctlError('INPUT_INVALID', `--value "${flag}" is not of the form key=value`, {
        hints: ['pass --value greeting="Hello there" (see the values of each template in `wasmctl templates list --json`)'],
      })
    }
    values[flag.slice(0, equals).trim()] = flag.slice(equals + 1)
  }
  return values
}

function defaultFor(spec: TemplateValueSpec, names: ProjectNames, template: Template): string | undefined {
  return spec.default === undefined ? undefined : renderText(spec.default, nameVariables(names), `${template.name} value "${spec.name}"`)
}

/** The questions to ask on a TTY for the values not given on the command line. */
export function valueQuestions(template: Template, names: ProjectNames, given: Record<string, string>): ValueQuestion[] {
  return template.values
    .filter((spec) => given[spec.name] === undefined)
    .map((spec) => ({
      name: spec.name,
      prompt: spec.prompt,
      default: defaultFor(spec, names, template),
      validate: (input: string) => checkValue(spec, input) ?? true,
    }))
}

/** Checks one value; returns an error message or undefined (also the validator prompts use). */
export function checkValue(spec: TemplateValueSpec, value: string): string | undefined {
  if (value.length > MAX_VALUE_LENGTH) return `${spec.name} is ${value.length} characters long (at most ${MAX_VALUE_LENGTH})`
  const pattern = spec.pattern === undefined ? SAFE_VALUE : new RegExp(spec.pattern, 'u')
  if (!pattern.test(value)) return `${spec.name} must have ${spec.pattern === undefined ? SAFE_VALUE_HINT : (spec.patternHint ?? `the form ${spec.pattern}`)}`
  return undefined
}

/**
 * Every value of the template: given ones checked, missing ones from their defaults. A value
 * with no default that was not given is INPUT_REQUIRED naming the flag.
 */
export function resolveValues(template: Template, names: ProjectNames, given: Record<string, string>): Record<string, string> {
  const known = new Set(template.values.map((spec) => spec.name))
  const unknown = Object.keys(given).filter((key) => !known.has(key))
  if (unknown.length > 0) {
    throw new WasmctlError('INPUT_INVALID', `template ${template.name} has no value ${unknown.map((key) => `"${key}"`).join(', ')}`, {
      hints: [known.size > 0 ? `its values are: ${[...known].join(', ')}` : `template ${template.name} takes no --value`],
    })
  }
  const values: Record<string, string> = {}
  for (const spec of template.values) {
    const value = given[spec.name] ?? defaultFor(spec, names, template)
    if (value === undefined) {
      throw new WasmctlError('INPUT_REQUIRED', `${spec.prompt} is required: pass --value ${spec.name}=...`, {
        hints: [`non-interactive runs (no TTY, CI set, or --json) must pass --value ${spec.name}=...`],
        details: { flag: `--value ${spec.name}` },
      })
    }
    const problem = checkValue(spec, value)
    if (problem) throw new WasmctlError('INPUT_INVALID', problem, { hints: [`pass another --value ${spec.name}=...`] })
    values[spec.name] = value
  }
  return values
}
