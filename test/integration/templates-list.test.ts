import { describe, expect, it } from 'vitest'

import { checkToolchain } from '../../src/build/toolchains.js'
import { templateCatalog } from '../../src/templates/catalog.js'
import { listTemplates } from '../../src/templates/registry.js'
import { runCli } from '../helpers/cli.js'

describe('wasmctl templates list', () => {
  it('--json lists every template with language, world and whether its toolchain is here', async () => {
    const { exitCode, json, stderr } = await runCli(['templates', 'list', '--json'])
    expect(stderr).toBe('')
    expect(exitCode).toBe(0)
    const templates = json.result.templates as { name: string; language: string; description: string; world: string; toolchain: { name: string; present: boolean; install?: string } }[]
    expect(templates.map((t) => [t.name, t.language, t.toolchain.name])).toEqual(listTemplates().map((t) => [t.name, t.language, t.toolchain]))
    for (const template of templates) {
      expect(template.description.length, template.name).toBeGreaterThan(20)
      expect(template.world, template.name).toMatch(/^exports /)
    }
    // The same answer as the library gives in this process (it runs the checks `build` runs).
    expect(json.result.templates).toEqual(await templateCatalog())
    expect(templates.find((t) => t.name === 'ts-http')!.toolchain.present).toBe(true)
  })

  it('prints a table in human mode, with install hints for missing toolchains', async () => {
    const { exitCode, stdout } = await runCli(['templates', 'list'])
    expect(exitCode).toBe(0)
    const lines = stdout.split('\n')
    expect(lines[0]).toMatch(/^TEMPLATE\s+LANGUAGE\s+TOOLCHAIN\s+WORLD$/)
    expect(lines[1]).toMatch(/^ts-http\s+typescript\s+componentize-js \d+\.\d+\.\d+\s+exports wasi:http\/incoming-handler@0\.2\.10$/)
    const tinygo = await checkToolchain('tinygo')
    if (!tinygo.present) expect(stdout).toContain(`go-http: ${tinygo.install}`)
  })
})
