import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { WasmctlError } from '../../../src/errors.js'
import { findProject, loadProject, locateProject, parseProject, projectArtifacts } from '../../../src/project/index.js'
import { tempDir } from '../../helpers/tmp.js'

function problemsOf(text: string): { key: string; message: string }[] {
  try {
    parseProject(text, '/p/wasmcloud.toml')
  } catch (error) {
    expect(error).toBeInstanceOf(WasmctlError)
    expect((error as WasmctlError).code).toBe('PROJECT_INVALID')
    return ((error as WasmctlError).details?.problems ?? []) as { key: string; message: string }[]
  }
  throw new Error('expected the project to be rejected')
}

describe('wasmcloud.toml', () => {
  it('reads a wash project and fills in wash defaults', () => {
    const project = parseProject(
      ['name = "hello"', 'language = "Rust"', 'type = "component"', 'version = "0.1.0"', '', '[component]', 'wasm_target = "wasm32-wasi"', 'tags = ["a", "a", "b"]'].join('\n'),
      '/work/hello/wasmcloud.toml',
    )
    expect(project).toMatchObject({
      name: 'hello',
      version: '0.1.0',
      revision: 0,
      language: 'rust',
      type: 'component',
      dir: '/work/hello',
      witDir: '/work/hello/wit',
      buildDir: '/work/hello/build',
      component: { wasmTarget: 'wasm32-wasip1', tags: ['a', 'b'], keyDirectory: undefined },
      registry: { pushInsecure: false },
    })
    expect(projectArtifacts(project)).toEqual({ unsigned: '/work/hello/build/hello.wasm', signed: '/work/hello/build/hello_s.wasm' })
  })

  it('resolves paths relative to the file and honours build_artifact and destination', () => {
    const project = parseProject(
      ['name = "x"', 'version = "1.0.0"', 'build = "out"', '[component]', 'build_artifact = "out/raw.wasm"', 'destination = "dist/x.wasm"', 'key_directory = "./keys"', '[dev.config]', 'greeting = "hi"'].join('\n'),
      '/a/b/wasmcloud.toml',
    )
    expect(project.buildDir).toBe('/a/b/out')
    expect(projectArtifacts(project)).toEqual({ unsigned: '/a/b/out/raw.wasm', signed: '/a/b/dist/x.wasm' })
    expect(project.component.keyDirectory).toBe('/a/b/keys')
    expect(project.dev.config).toEqual({ greeting: 'hi' })
  })

  it('reads wash-style [[dev.config]] value tables', () => {
    const project = parseProject(['name = "x"', 'version = "1.0.0"', '[[dev.config]]', 'values = { a = "1" }', '[[dev.config]]', 'name = "shared"'].join('\n'), '/x/wasmcloud.toml')
    expect(project.dev.config).toEqual({ a: '1' })
  })

  it('reports a TOML syntax error with its line number', () => {
    let caught: WasmctlError | undefined
    try {
      parseProject('name = "x"\nversion = "0.1.0"\n[component\n', '/p/wasmcloud.toml')
    } catch (error) {
      caught = error as WasmctlError
    }
    expect(caught?.code).toBe('PROJECT_INVALID')
    expect(caught?.message).toMatch(/invalid TOML in \/p\/wasmcloud\.toml at line 3/)
  })

  it('reports every problem at once, naming the keys', () => {
    const problems = problemsOf(['name = 42', 'version = "one"', 'type = "gadget"', 'revision = "2"', '[component]', 'tags = "x"', 'wasm_target = "wasm64"'].join('\n'))
    expect(problems.map((problem) => problem.key).sort()).toEqual(['component.tags', 'component.wasm_target', 'name', 'revision', 'type', 'version'])
    expect(problems.find((problem) => problem.key === 'type')?.message).toMatch(/unknown project type/)
    expect(problems.find((problem) => problem.key === 'name')?.message).toBe('expected string, got number')
  })

  it('requires a name and a version', () => {
    expect(problemsOf('language = "rust"').map((problem) => problem.key)).toEqual(['name', 'version'])
  })

  it('puts the file name and the problems in the one-line message', () => {
    try {
      parseProject('name = "x"\nversion = 3\n', '/p/wasmcloud.toml')
    } catch (error) {
      expect((error as Error).message).toBe('invalid /p/wasmcloud.toml: version: expected string, got number')
    }
  })
})

describe('finding the project', () => {
  it('walks up from a nested folder', () => {
    const root = tempDir()
    writeFileSync(path.join(root, 'wasmcloud.toml'), 'name = "walk"\nversion = "0.1.0"\n')
    const nested = path.join(root, 'src', 'deep')
    mkdirSync(nested, { recursive: true })
    expect(findProject({ cwd: nested })?.name).toBe('walk')
  })

  it('takes --project-dir as a folder or a file, without walking up', () => {
    const root = tempDir()
    writeFileSync(path.join(root, 'wasmcloud.toml'), 'name = "direct"\nversion = "0.1.0"\n')
    mkdirSync(path.join(root, 'sub'))
    expect(loadProject({ projectDir: root }).name).toBe('direct')
    expect(loadProject({ projectDir: path.join(root, 'wasmcloud.toml') }).name).toBe('direct')
    expect(() => loadProject({ projectDir: path.join(root, 'sub') })).toThrow(/no wasmcloud\.toml in/)
    expect(() => loadProject({ projectDir: path.join(root, 'missing') })).toThrow(/does not exist/)
  })

  it('locateProject answers like findProject, without a file to read or with one', async () => {
    const root = tempDir()
    expect(await locateProject({ cwd: root })).toBeUndefined()
    writeFileSync(path.join(root, 'wasmcloud.toml'), 'name = "located"\nversion = "0.1.0"\n')
    mkdirSync(path.join(root, 'deep'))
    expect((await locateProject({ cwd: path.join(root, 'deep') }))?.name).toBe('located')
    await expect(locateProject({ projectDir: path.join(root, 'missing') })).rejects.toMatchObject({ code: 'PROJECT_NOT_FOUND' })
    writeFileSync(path.join(root, 'wasmcloud.toml'), 'name = [\n')
    await expect(locateProject({ cwd: root })).rejects.toMatchObject({ code: 'PROJECT_INVALID' })
  })

  it('says how to fix a missing project', () => {
    const empty = tempDir()
    try {
      loadProject({ cwd: empty })
      expect.unreachable()
    } catch (error) {
      expect((error as WasmctlError).code).toBe('PROJECT_NOT_FOUND')
      expect((error as WasmctlError).hints[0]).toMatch(/--project-dir|wasmctl new actor/)
    }
  })
})
