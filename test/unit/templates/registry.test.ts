import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { WasmctlError } from '../../../src/errors.js'
import { DEFAULT_TEMPLATE, DEFAULT_TEMPLATES_ROOT, listTemplates, loadTemplate, templateFiles, templateNames, witDepsRoot } from '../../../src/templates/registry.js'

// The template list is the registry's: adding a template needs no test edit.
const NAMES = templateNames()

describe('the bundled templates', () => {
  it('are every folder of templates/ but the shared ones, sorted, default first in listings', () => {
    const folders = readdirSync(DEFAULT_TEMPLATES_ROOT, { withFileTypes: true }).filter((entry) => entry.isDirectory() && !entry.name.startsWith('_'))
    expect(NAMES).toEqual(folders.map((entry) => entry.name).sort())
    expect(NAMES).toContain(DEFAULT_TEMPLATE)
    expect(listTemplates().map((t) => t.name)).toEqual([DEFAULT_TEMPLATE, ...NAMES.filter((n) => n !== DEFAULT_TEMPLATE)])
  })

  it.each(NAMES)('%s is complete: project file, README, .gitignore, rendered files and WIT sets exist', (name) => {
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
    expect(wasmctlError.hints[0]).toMatch(/^did you mean ts-http or ts-kv-counter\b.*\?$/)
    expect(wasmctlError.hints[1]).toBe(`available templates: ${NAMES.join(', ')} (see \`wasmctl templates list\`)`)
  })

  it('does not treat shared folders as templates', () => {
    expect(() => loadTemplate('_wit')).toThrow(/unknown template "_wit"/)
  })
})
