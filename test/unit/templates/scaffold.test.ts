import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { WasmctlError } from '../../../src/errors.js'
import { readProject } from '../../../src/project/index.js'
import { templateNames } from '../../../src/templates/registry.js'
import { findPlaceholders } from '../../../src/templates/render.js'
import { createProject, planProject } from '../../../src/templates/scaffold.js'
import { tempDir } from '../../helpers/tmp.js'

function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(path.join(dir, entry.name), base) : [path.relative(base, path.join(dir, entry.name))],
  )
}

async function rejection(promise: Promise<unknown>): Promise<WasmctlError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(WasmctlError)
    return error as WasmctlError
  }
  throw new Error('did not fail')
}

/** A templates root holding one template whose second file uses an undefined placeholder. */
function brokenTemplatesRoot(): string {
  const root = tempDir('wasmctl-templates-')
  const files = path.join(root, 'broken', 'files')
  mkdirSync(files, { recursive: true })
  writeFileSync(
    path.join(root, 'broken', 'template.json'),
    JSON.stringify({ name: 'broken', description: 'd', language: 'c', world: {}, toolchain: 'clang', render: ['a.txt', 'b.txt'] }),
  )
  writeFileSync(path.join(files, 'a.txt'), '{{name}}')
  writeFileSync(path.join(files, 'b.txt'), '{{missing}}')
  return root
}

describe('createProject renders every bundled template completely', () => {
  const cwd = tempDir()

  it.each(templateNames())('%s', async (template) => {
    const name = `My${template.replace(/-(.)/g, (_, c: string) => c.toUpperCase())}`
    const project = await createProject(planProject({ name, template, cwd }), { gitInit: false })
    expect(project.path).toBe(path.join(cwd, name))
    expect(project.git).toBe('skipped')
    const files = walk(project.path).sort()
    expect(files).toEqual(project.files.map((file) => file.split('/').join(path.sep)))
    for (const file of files) {
      expect(findPlaceholders(file), file).toEqual([])
      expect(findPlaceholders(readFileSync(path.join(project.path, file), 'utf8')), file).toEqual([])
    }
    expect(files).toContain('.gitignore')
    expect(files).toContain('README.md')

    const parsed = readProject(path.join(project.path, 'wasmcloud.toml'))
    expect(parsed.name).toBe(name)
    expect(parsed.version).toBe('0.1.0')
    if (parsed.component.witWorld) {
      const world = readFileSync(path.join(project.path, 'wit', 'world.wit'), 'utf8')
      expect(world).toContain(`world ${parsed.component.witWorld} {`)
    }
    expect(readFileSync(path.join(project.path, 'README.md'), 'utf8')).toMatch(new RegExp(`^# ${name}\\n`))
  })

  it('puts the name in file names in the form the language needs', async () => {
    const project = await createProject(planProject({ name: 'HelloTool', template: 'c-cli', cwd }), { gitInit: false })
    expect(project.files).toContain('src/hello_tool.c')
    expect(readFileSync(path.join(project.path, 'src', 'hello_tool.c'), 'utf8')).toContain('"Hello from HelloTool!"')
  })

  it('substitutes given values and the name forms into the sources', async () => {
    const plan = planProject({ name: 'kv-demo', template: 'ts-kv-counter', cwd })
    const project = await createProject(plan, { gitInit: false, values: { bucket: 'visits' } })
    expect(project.values).toEqual({ description: 'Counts the requests to each path in a key-value bucket', bucket: 'visits' })
    expect(readFileSync(path.join(project.path, 'src', 'index.ts'), 'utf8')).toContain('const BUCKET = "visits"')
    expect(readFileSync(path.join(project.path, 'wit', 'world.wit'), 'utf8')).toContain('package component:kv-demo;')
    expect(readFileSync(path.join(project.path, 'package.json'), 'utf8')).toContain('"name": "kv-demo"')
  })
})

describe('createProject never leaves a half-written project', () => {
  it('refuses a non-empty folder without --force and leaves it untouched', () => {
    const cwd = tempDir()
    mkdirSync(path.join(cwd, 'taken'))
    writeFileSync(path.join(cwd, 'taken', 'notes.txt'), 'mine')
    let error: unknown
    try {
      planProject({ name: 'taken', template: 'ts-http', cwd })
    } catch (caught) {
      error = caught
    }
    expect((error as WasmctlError).code).toBe('NEW_TARGET_EXISTS')
    expect((error as WasmctlError).hints.join(' ')).toMatch(/--force/)
    expect(readdirSync(path.join(cwd, 'taken'))).toEqual(['notes.txt'])
  })

  it('refuses a target that is a file', () => {
    const cwd = tempDir()
    writeFileSync(path.join(cwd, 'file'), 'x')
    expect(() => planProject({ name: 'file', template: 'ts-http', cwd })).toThrow(/exists and is a file/)
  })

  it('writes into an existing empty folder (--output-dir .)', async () => {
    const cwd = tempDir()
    const project = await createProject(planProject({ name: 'here', template: 'js-http', cwd, path: '.' }), { gitInit: false })
    expect(project.path).toBe(cwd)
    expect(readdirSync(cwd).sort()).toEqual(['.gitignore', 'README.md', 'package.json', 'src', 'wasmcloud.toml', 'wit'])
  })

  it('with --force, replaces the template files and keeps the others', async () => {
    const cwd = tempDir()
    const target = path.join(cwd, 'busy')
    mkdirSync(path.join(target, 'src'), { recursive: true })
    writeFileSync(path.join(target, 'README.md'), 'old')
    writeFileSync(path.join(target, 'src', 'extra.ts'), 'keep')
    await createProject(planProject({ name: 'busy', template: 'ts-http', cwd, force: true }), { gitInit: false })
    expect(readFileSync(path.join(target, 'README.md'), 'utf8')).toMatch(/^# busy/)
    expect(readFileSync(path.join(target, 'src', 'extra.ts'), 'utf8')).toBe('keep')
    expect(existsSync(path.join(target, 'src', 'index.ts'))).toBe(true)
    expect(readdirSync(cwd)).toEqual(['busy'])
  })

  it('with --force, refuses a folder where a template file goes, before moving anything', async () => {
    const cwd = tempDir()
    const target = path.join(cwd, 'clash')
    mkdirSync(path.join(target, 'wasmcloud.toml'), { recursive: true })
    const error = await rejection(createProject(planProject({ name: 'clash', template: 'ts-http', cwd, force: true }), { gitInit: false }))
    expect(error.code).toBe('NEW_TARGET_EXISTS')
    expect(readdirSync(target)).toEqual(['wasmcloud.toml'])
    expect(readdirSync(cwd)).toEqual(['clash'])
  })

  it('removes the staging folder and any parent it created when rendering fails', async () => {
    const root = brokenTemplatesRoot()
    const cwd = tempDir()
    const plan = planProject({ name: 'x', template: 'broken', cwd, path: 'deep/er/x', templatesRoot: root })
    const error = await rejection(createProject(plan, { gitInit: false, templatesRoot: root }))
    expect(error.code).toBe('TEMPLATE_INVALID')
    expect(error.message).toBe('broken/b.txt uses {{missing}}, which the template does not define')
    expect(readdirSync(cwd)).toEqual([])
  })

  it('stops on Ctrl-C with INTERRUPTED and leaves nothing behind', async () => {
    const cwd = tempDir()
    const controller = new AbortController()
    controller.abort()
    const error = await rejection(createProject(planProject({ name: 'stopped', template: 'ts-http', cwd }), { gitInit: false, signal: controller.signal }))
    expect(error.code).toBe('INTERRUPTED')
    expect(readdirSync(cwd)).toEqual([])
  })
})
