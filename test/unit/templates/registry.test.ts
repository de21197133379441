import { existsSync } from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { WasmctlError } from '../../../src/errors.js'
import { DEFAULT_TEMPLATE, listTemplates, loadTemplate, templateFiles, templateNames, witDepsRoot } from '../../../src/templates/registry.js'

const EXPECTED = ['c-cli', 'go-http', 'js-http', 'rust-http', 'ts-http', 'ts-kv-counter']

describe('the bundled templates', () => {
  it('are the six the project promises, default first', () => {
    expect(templateNames()).toEqual(EXPECTED)
    expect(listTemplates().map((t) => t.name)).toEqual([DEFAULT_TEMPLATE, ...EXPECTED.filter((n) => n !== DEFAULT_TEMPLATE)])
  })

  it.each(EXPECTED)('%s is complete: project file, README, .gitignore, rendered files and WIT sets exist', (name) => {
    const template = loadTemplate(name)
    const files = templateFiles(template)
    for (const required of ['wasmcloud.toml', 'README.md', 'dot-gitignore']) expect(files).toContain(required)
    for (const file of template.render) expect(files).toContain(file)
    for (const set of template.witDeps) expect(existsSync(path.join(witDepsRoot(), set))).toBe(true)
    expect(template.values.map((v) => v.name)).toContain('description')
  })
})

describe('loadTemplate', () => {
  it('refuses an unknown template, suggesting close names and listing all', () => {
    let error: unknown
    try {
      loadTemplate('ts')
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(WasmctlError)
    const wasmctlError = error as WasmctlError
    expect(wasmctlError.code).toBe('TEMPLATE_UNKNOWN')
    expect(wasmctlError.exit).toBe(2)
    expect(wasmctlError.hints[0]).toBe('did you mean ts-http or ts-kv-counter?')
    expect(wasmctlError.hints[1]).toBe(`available templates: ${EXPECTED.join(', ')} (see \`wasmctl templates list\`)`)
  })

  it('does not treat shared folders as templates', () => {
    expect(() => loadTemplate('_wit')).toThrow(/unknown template "_wit"/)
  })
})
