import { WasmctlError } from '../errors.js'
import type { ProjectNames } from './names.js'

/**
 * Placeholder substitution: `{{name}}`, `{{name-kebab}}`, `{{name_snake}}`, `{{NamePascal}}` and
 * the template's own values (`{{greeting}}`). Hand-written rather than a template engine: a
 * placeholder the template does not define must be an error (mustache-style engines render it
 * as an empty string, which is how projects end up with holes), nothing may be HTML-escaped, and
 * Rust's `{{`/`}}` format escapes and C's braces must pass through untouched. The pattern needs an
 * identifier between the braces, so those never match.
 */
export const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_-]*)\s*\}\}/g

export type RenderVariables = Record<string, string>

/** The variables every template gets, one per name form. */
export function nameVariables(names: ProjectNames): RenderVariables {
  return { name: names.name, 'name-kebab': names.kebab, name_snake: names.snake, NamePascal: names.pascal }
}

/** Substitutes every placeholder; an unknown one is a bug in the template (TEMPLATE_INVALID). */
export function renderText(text: string, variables: RenderVariables, where: string): string {
  return text.replace(PLACEHOLDER, (placeholder, key: string) => {
    const value = variables[key]
    if (value === undefined) {
      throw new WasmctlError('TEMPLATE_INVALID', `${where} uses ${placeholder}, which the template does not define`, {
        hints: [`define "${key}" in template.json values, or use one of: ${Object.keys(variables).join(', ')}`],
        details: { placeholder, where },
      })
    }
    return value
  })
}

/** The placeholders a text still holds, for checks that a generated project has none left. */
export function findPlaceholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((match) => match[0])
}

/** `dot-gitignore` is written as `.gitignore`: npm leaves dotfiles like .gitignore out of published packages. */
export function renderPath(relativePath: string, variables: RenderVariables, where: string): string {
  return relativePath
    .split('/')
    .map((segment) => renderText(segment.startsWith('dot-') ? `.${segment.slice(4)}` : segment, variables, where))
    .join('/')
}
