import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { detectDriver } from '../../../src/build/detect.js'
import { WasmctlError } from '../../../src/errors.js'
import { readProject } from '../../../src/project/index.js'
import { tempDir } from '../../helpers/tmp.js'
import { writeProject } from '../../helpers/build-fixtures.js'

// Which driver builds a project: build_command, then `language`, then the files present.
const root = tempDir('wasmctl-detect-')
let counter = 0

function project(toml: string, files: Record<string, string> = {}) {
  const dir = writeProject(path.join(root, `p${++counter}`), { 'wasmcloud.toml': `name = "app"\nversion = "0.1.0"\n${toml}`, ...files })
  return readProject(path.join(dir, 'wasmcloud.toml'))
}

function detected(toml: string, files: Record<string, string> = {}): [string, string] {
  const { driver, language } = detectDriver(project(toml, files))
  return [driver.toolchain, language]
}

describe('detectDriver', () => {
  it.each([
    ['Cargo.toml', { 'Cargo.toml': '[package]\n', 'src/main.rs': '' }, ['cargo', 'rust']],
    ['go.mod', { 'go.mod': 'module x\n', 'main.go': '' }, ['tinygo', 'tinygo']],
    ['a TypeScript entry', { 'src/index.ts': '' }, ['componentize-js', 'typescript']],
    ['a JavaScript entry', { 'src/index.js': '' }, ['componentize-js', 'javascript']],
    ['C sources', { 'src/main.c': '' }, ['clang', 'c']],
  ])('finds the toolchain from %s when `language` is absent', (_, files, expected) => {
    expect(detected('', files)).toEqual(expected)
  })

  it('takes `language` over the files, and reports the name it was given', () => {
    expect(detected('language = "Rust"', { 'src/index.ts': '' })).toEqual(['cargo', 'rust'])
    expect(detected('language = "ts"', { 'src/index.js': '' })).toEqual(['componentize-js', 'typescript'])
    expect(detected('language = "go"')).toEqual(['tinygo', 'go'])
  })

  it('lets [component] build_command win over everything, as wash does', () => {
    expect(detected('language = "rust"\n[component]\nbuild_command = "make"', { 'Cargo.toml': '' })).toEqual(['custom', 'rust'])
    expect(detected('[component]\nbuild_command = "make"')).toEqual(['custom', 'custom'])
  })

  it.each([
    ['a language it cannot build', 'language = "cobol"', {}, /cannot build language "cobol"/],
    ['a folder with nothing to build', '', { 'notes.txt': '' }, /cannot tell how to build/],
  ])('refuses %s with BUILD_LANGUAGE_UNKNOWN and names both ways out', (_, toml, files, message) => {
    let error: unknown
    try {
      detectDriver(project(toml, files))
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(WasmctlError)
    expect((error as WasmctlError).code).toBe('BUILD_LANGUAGE_UNKNOWN')
    expect((error as WasmctlError).message).toMatch(message)
    expect((error as WasmctlError).hints.join(' ')).toMatch(/language.*build_command/)
  })
})
