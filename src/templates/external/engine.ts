import { camelCase, constantCase, kebabCase, pascalCase, snakeCase } from 'change-case'
import { Liquid } from 'liquidjs'

import { ExitStatus, WasmctlError } from '../../errors.js'

/**
 * Renders the files of wash / cargo-generate templates. wash 0.43 renders them with Handlebars and
 * cargo-generate with Liquid; both write a value as `{{project-name}}`, which is what templates
 * use. This engine is Liquid (liquidjs) and also reads the Handlebars forms wash templates use:
 * `{{#if x}}…{{else}}…{{/if}}`, `{{#unless x}}…{{/unless}}`, `{{! comment }}`, `{{{raw}}}`.
 *
 * Like wash (and unlike the bundled templates' renderer) an undefined variable renders as an
 * empty string: wash templates rely on it. Nothing is HTML-escaped: wash's Handlebars would turn
 * `<` into `&lt;`, which only ever corrupts source code.
 */
export type TemplateVariables = Record<string, string | boolean>

const liquid = new Liquid({
  strictVariables: false,
  // A misspelt filter is a bug in the template, not an empty string.
  strictFilters: true,
  // Templates come from elsewhere: no file includes, no layouts.
  fs: {
    exists: async () => false,
    existsSync: () => false,
    readFile: async () => '',
    readFileSync: () => '',
    resolve: (_root: string, file: string) => file,
  },
  relativeReference: false,
  ownPropertyOnly: true,
})

// cargo-generate's case filters, so `{{ project-name | snake_case }}` works as it does there.
const CASE_FILTERS: Record<string, (input: string) => string> = {
  kebab_case: kebabCase,
  snake_case: snakeCase,
  pascal_case: pascalCase,
  upper_camel_case: pascalCase,
  lower_camel_case: camelCase,
  camel_case: camelCase,
  shouty_snake_case: constantCase,
  shouty_kebab_case: (input) => kebabCase(input).toUpperCase(),
  title_case: (input) =>
    kebabCase(input)
      .split('-')
      .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
      .join(' '),
}
for (const [name, fn] of Object.entries(CASE_FILTERS)) liquid.registerFilter(name, (input: unknown) => fn(String(input ?? '')))

/**
 * Handlebars block and comment forms rewritten as Liquid. Only the forms wash templates use are
 * read; any other `{{#helper}}` stays and is reported as a template error naming the file.
 */
export function handlebarsToLiquid(text: string): string {
  return text
    .replace(/\{\{!--[\s\S]*?--\}\}/g, '')
    .replace(/\{\{![\s\S]*?\}\}/g, '')
    .replace(/\{\{\{\s*([^{}]+?)\s*\}\}\}/g, '{{ $1 }}')
    .replace(/\{\{~?#(if|unless)\s+([^{}]+?)\s*~?\}\}/g, '{% $1 $2 %}')
    .replace(/\{\{~?\s*else\s*~?\}\}/g, '{% else %}')
    .replace(/\{\{~?\/(if|unless)\s*~?\}\}/g, (_, block: string) => `{% end${block} %}`)
}

/** Renders one template text; a syntax error is TEMPLATE_INVALID naming `where`. */
export function renderTemplateText(text: string, variables: TemplateVariables, where: string): string {
  if (!text.includes('{{') && !text.includes('{%')) return text
  try {
    return liquid.parseAndRenderSync(handlebarsToLiquid(text), variables)
  } catch (error) {
    throw new WasmctlError('TEMPLATE_INVALID', `cannot render ${where}: ${(error as Error).message.split('\n')[0]}`, {
      exit: ExitStatus.failed,
      hints: [
        'fix the template, or list the file under [template] raw in project-generate.toml to copy it unchanged',
      ],
      details: { file: where },
      cause: error,
    })
  }
}
