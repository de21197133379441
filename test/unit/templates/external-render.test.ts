import { describe, expect, it } from 'vitest'

import { WasmctlError } from '../../../src/errors.js'
import type { PlaceholderSpec } from '../../../src/templates/external/config.js'
import { handlebarsToLiquid, renderTemplateText } from '../../../src/templates/external/engine.js'
import { type PlaceholderQuestion, resolvePlaceholders } from '../../../src/templates/external/placeholders.js'

const vars = { 'project-name': 'my_app', 'project-type': 'component', kv: true, off: false, vendor: 'A&B <co>' }

async function rejection(promise: Promise<unknown>): Promise<WasmctlError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(WasmctlError)
    return error as WasmctlError
  }
  throw new Error('did not fail')
}

describe('renderTemplateText', () => {
  it('fills wash placeholders with and without spaces, and leaves text without them alone', () => {
    expect(renderTemplateText('name = "{{project-name}}" # {{ project-type }}', vars, 'f')).toBe('name = "my_app" # component')
    expect(renderTemplateText('fn main() { println!("{}", 1) }', vars, 'f')).toBe('fn main() { println!("{}", 1) }')
  })

  it('reads the Handlebars blocks wash templates use', () => {
    expect(renderTemplateText('{{#if kv}}kv{{else}}none{{/if}}|{{#if off}}on{{else}}off{{/if}}', vars, 'f')).toBe('kv|off')
    expect(renderTemplateText('{{#unless off}}shown{{/unless}}{{! a comment }}{{!-- another --}}|{{{vendor}}}', vars, 'f')).toBe('shown|A&B <co>')
  })

  it('writes values unescaped (no HTML escaping in source code) and undefined variables as empty, as wash', () => {
    expect(renderTemplateText('"{{vendor}}" [{{missing}}]', vars, 'f')).toBe('"A&B <co>" []')
  })

  it('has cargo-generate\'s case filters', () => {
    expect(renderTemplateText('{{project-name | kebab_case}} {{project-name | pascal_case}} {{project-name | shouty_snake_case}} {{project-name | upper_camel_case}} {{ "my-app" | snake_case }}', vars, 'f')).toBe(
      'my-app MyApp MY_APP MyApp my_app',
    )
  })

  it('reports a syntax error or an unknown filter as TEMPLATE_INVALID naming the file and the raw list', () => {
    for (const text of ['{{#each items}}x{{/each}}', '{{ project-name | no_such_filter }}', '{% if %}']) {
      let error: unknown
      try {
        renderTemplateText(text, vars, 'src/lib.rs')
      } catch (caught) {
        error = caught
      }
      expect(error).toBeInstanceOf(WasmctlError)
      expect((error as WasmctlError).code).toBe('TEMPLATE_INVALID')
      expect((error as WasmctlError).exit).toBe(1)
      expect((error as WasmctlError).message).toMatch(/^cannot render src\/lib.rs: /)
      expect((error as WasmctlError).hints[0]).toMatch(/\[template\] raw/)
    }
  })

  it('never reads files: include and render find nothing', () => {
    expect(() => renderTemplateText("{% include '/etc/passwd' %}", vars, 'f')).toThrow(WasmctlError)
    expect(() => renderTemplateText("{% render '/etc/hostname' %}", vars, 'f')).toThrow(WasmctlError)
  })

  it('translates only the block forms, not ordinary expressions', () => {
    expect(handlebarsToLiquid('{{#if a}}x{{else}}y{{/if}}')).toBe('{% if a %}x{% else %}y{% endif %}')
    expect(handlebarsToLiquid('{{ a }}')).toBe('{{ a }}')
  })
})

describe('resolvePlaceholders', () => {
  const specs: PlaceholderSpec[] = [
    { name: 'vendor', type: 'string', prompt: 'Vendor?', default: '{{project-name}}-inc' },
    { name: 'kv', type: 'bool', prompt: 'KV?', default: false },
    { name: 'lang', type: 'string', prompt: 'Language?', choices: ['rust', 'go'], default: 'rust' },
    { name: 'id', type: 'string', prompt: 'Id?', regex: '^[a-z]+$', default: 'x' },
  ]
  const base = { 'project-name': 'app', 'project-type': 'component' }

  it('takes defaults (rendered with the values before them) when nobody can be asked', async () => {
    expect(await resolvePlaceholders(specs, {}, base)).toEqual({ ...base, vendor: 'app-inc', kv: false, lang: 'rust', id: 'x' })
  })

  it('takes given values, reads true/false for bools, and keeps extra values as variables', async () => {
    const values = await resolvePlaceholders(specs, { vendor: 'Acme', kv: 'yes', lang: 'go', extra: 'e' }, base)
    expect(values).toMatchObject({ vendor: 'Acme', kv: true, lang: 'go', extra: 'e' })
  })

  it.each([
    [{ kv: 'maybe' }, /kv must be true or false/],
    [{ lang: 'cobol' }, /lang must be one of rust, go/],
    [{ id: 'UPPER' }, /id must match \^\[a-z\]\+\$/],
  ])('checks given value %j against the template (wash does not)', async (given, message) => {
    const error = await rejection(resolvePlaceholders(specs, given, base))
    expect(error.code).toBe('INPUT_INVALID')
    expect(error.message).toMatch(message)
  })

  it('names every missing value and its flag at once (INPUT_REQUIRED)', async () => {
    const required: PlaceholderSpec[] = [
      { name: 'a', type: 'string', prompt: 'A?' },
      { name: 'b', type: 'bool', prompt: 'B?' },
      { name: 'c', type: 'string', prompt: 'C?', default: 'c' },
    ]
    const error = await rejection(resolvePlaceholders(required, {}, base))
    expect(error.code).toBe('INPUT_REQUIRED')
    expect(error.message).toBe('A? (a), B? (b) are required: pass --value a=... --value b=...')
    expect(error.details).toMatchObject({ flag: '--value a=...', placeholders: ['a', 'b'] })
  })

  it('asks for each value not given, offering the rendered default, choices and a validator', async () => {
    const asked: PlaceholderQuestion[] = []
    const answers: Record<string, string | boolean> = { vendor: 'Typed', kv: true, lang: 'go', id: 'abc' }
    const values = await resolvePlaceholders(specs, { id: 'given' }, base, {
      ask: async (question) => {
        asked.push(question)
        return answers[question.name]
      },
    })
    expect(asked.map((question) => question.name)).toEqual(['vendor', 'kv', 'lang'])
    expect(asked[0].default).toBe('app-inc')
    expect(asked[2].choices).toEqual(['rust', 'go'])
    expect(asked[2].validate('cobol')).toBe('lang must be one of rust, go')
    expect(asked[2].validate('go')).toBe(true)
    expect(values).toMatchObject({ vendor: 'Typed', kv: true, lang: 'go', id: 'given' })
  })
})
