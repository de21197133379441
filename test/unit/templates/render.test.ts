import { describe, expect, it } from 'vitest'

import { WasmctlError } from '../../../src/errors.js'
import { projectNames } from '../../../src/templates/names.js'
import { findPlaceholders, nameVariables, renderPath, renderText } from '../../../src/templates/render.js'

const variables = { ...nameVariables(projectNames('my-app')), greeting: 'Hi there' }

describe('renderText', () => {
  it('substitutes every name form and value, with or without spaces inside the braces', () => {
    const text = '{{name}} {{ name-kebab }} {{name_snake}} {{NamePascal}} {{greeting}}'
    expect(renderText(text, variables, 't')).toBe('my-app my-app my_app MyApp Hi there')
  })

  it('leaves braces that are not placeholders alone (Rust format escapes, C blocks, JS templates)', () => {
    const text = 'format!("{{}}", x); if (a) { b(); } `${v}` {{ 1 }} {{-x}}'
    expect(renderText(text, variables, 't')).toBe(text)
  })

  it('refuses a placeholder the template does not define, naming the file', () => {
    let error: unknown
    try {
      renderText('hello {{nmae}}', variables, 'ts-http/src/index.ts')
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(WasmctlError)
    expect((error as WasmctlError).code).toBe('TEMPLATE_INVALID')
    expect((error as WasmctlError).message).toBe('ts-http/src/index.ts uses {{nmae}}, which the template does not define')
    expect((error as WasmctlError).hints[0]).toMatch(/name-kebab/)
  })
})

describe('renderPath', () => {
  it('renders placeholders in file and folder names', () => {
    expect(renderPath('src/{{name_snake}}.c', variables, 't')).toBe('src/my_app.c')
    expect(renderPath('{{name-kebab}}/{{NamePascal}}.ts', variables, 't')).toBe('my-app/MyApp.ts')
  })

  it('turns dot- names into dotfiles, which npm would drop from the package', () => {
    expect(renderPath('dot-gitignore', variables, 't')).toBe('.gitignore')
    expect(renderPath('sub/dot-env', variables, 't')).toBe('sub/.env')
    expect(renderPath('dotfile', variables, 't')).toBe('dotfile')
  })
})

describe('findPlaceholders', () => {
  it('finds what is left and nothing else', () => {
    expect(findPlaceholders('a {{name}} b {{ x-y }} {{}} { z }')).toEqual(['{{name}}', '{{ x-y }}'])
    expect(findPlaceholders('nothing here')).toEqual([])
  })
})
