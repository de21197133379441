import { WasmctlError } from '../../errors.js'
import type { PlaceholderSpec } from './config.js'
import { renderTemplateText, type TemplateVariables } from './engine.js'

/**
 * Fills a wash template's placeholders, in the order the template lists them (a default may use
 * the values before it: `default = "{{project-name}}-provider"`): a given value (`--value`,
 * `--values FILE`) wins; otherwise a person is asked when one can be (the caller's `ask`);
 * otherwise the default is taken. A placeholder with neither is INPUT_REQUIRED naming the flag.
 *
 * wash takes given values unchecked; wasmctl checks them against the template's choices and
 * regex, so a typo in CI fails here instead of in the generated code.
 */
export interface PlaceholderQuestion {
  name: string
  type: PlaceholderSpec['type']
  prompt: string
  /** The default with its placeholders rendered. */
  default?: string | boolean
  choices?: string[]
  /** For prompts: true, or why the answer is refused. */
  validate: (input: string) => string | true
}

export interface ResolvePlaceholderOptions {
  /** Asks a person; absent when nobody can be asked (no TTY, CI, --json, --silent). */
  ask?: (question: PlaceholderQuestion) => Promise<string | boolean>
}

export function checkPlaceholderValue(spec: PlaceholderSpec, value: string | boolean): string | undefined {
  if (spec.type === 'bool') return typeof value === 'boolean' ? undefined : `${spec.name} must be true or false`
  const text = String(value)
  if (spec.choices && !spec.choices.includes(text)) return `${spec.name} must be one of ${spec.choices.join(', ')}`
  if (spec.regex !== undefined && !new RegExp(spec.regex, 'u').test(text)) return `${spec.name} must match ${spec.regex}`
  return undefined
}

/** `--value flag=true` arrives as a string; a bool placeholder reads true/false, yes/no, 1/0. */
function coerce(spec: PlaceholderSpec, value: string | boolean): string | boolean {
  if (spec.type !== 'bool' || typeof value === 'boolean') return value
  const lower = value.trim().toLowerCase()
  if (['true', 'yes', 'y', '1'].includes(lower)) return true
  if (['false', 'no', 'n', '0'].includes(lower)) return false
  return value
}

export async function resolvePlaceholders(
  placeholders: readonly PlaceholderSpec[],
  given: TemplateVariables,
  base: TemplateVariables,
  options: ResolvePlaceholderOptions = {},
): Promise<TemplateVariables> {
  const values: TemplateVariables = { ...base, ...given }
  const missing: PlaceholderSpec[] = []
  for (const spec of placeholders) {
    const provided = given[spec.name]
    if (provided !== undefined) {
      const value = coerce(spec, provided)
      const problem = checkPlaceholderValue(spec, value)
      if (problem) throw new WasmctlError('INPUT_INVALID', problem, { hints: [`pass another --value ${spec.name}=...`], details: { placeholder: spec.name } })
      values[spec.name] = value
      continue
    }
    const defaultValue = spec.type === 'string' && spec.default !== undefined ? renderTemplateText(spec.default, values, `the default of ${spec.name}`) : spec.default
    if (options.ask) {
      const answer = await options.ask({
        name: spec.name,
        type: spec.type,
        prompt: spec.prompt,
        default: defaultValue,
        ...(spec.type === 'string' && spec.choices ? { choices: spec.choices } : {}),
        validate: (input) => checkPlaceholderValue(spec, coerce(spec, input)) ?? true,
      })
      values[spec.name] = coerce(spec, answer)
      continue
    }
    if (defaultValue === undefined) missing.push(spec)
    else values[spec.name] = defaultValue
  }
  if (missing.length > 0) {
    const flags = missing.map((spec) => `--value ${spec.name}=...`)
    throw new WasmctlError('INPUT_REQUIRED', `${missing.map((spec) => `${spec.prompt} (${spec.name})`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} required: pass ${flags.join(' ')}`, {
      hints: [`non-interactive runs (no TTY, CI set, --json or --silent) must pass ${flags.join(' ')}, or put them in a --values file ([values] table)`],
      details: { flag: flags[0], placeholders: missing.map((spec) => spec.name) },
    })
  }
  return values
}
