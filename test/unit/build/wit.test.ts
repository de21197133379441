import { readFileSync } from 'node:fs'

import { describe, expect, it } from 'vitest'

import { validateArtifact } from '../../../src/build/validate.js'
import { readWitWorld } from '../../../src/build/wit.js'
import { isWasmctlError } from '../../../src/errors.js'
import { tempDir } from '../../helpers/tmp.js'
import { helloWit, knownComponent, knownCoreModule, writeProject } from '../../helpers/build-fixtures.js'

function witFolder(files: Record<string, string>): string {
  return writeProject(tempDir('wasmctl-wit-'), files)
}

const deps = {
  'deps/cli/command.wit': `
    package wasi:cli@0.2.0;
    interface run { run: func() -> result; }
    interface environment { get-arguments: func() -> list<string>; }
    world imports { import environment; }
    /// A command: imports plus an exported run.
    world command {
      include imports;
      export run;
    }
  `,
}

describe('readWitWorld', () => {
  it('reads the exports of the test fixture world, without versions', () => {
    expect(readWitWorld(helloWit, 'hello')).toEqual({ name: 'wasmctl-test:hello/hello', exports: ['wasi:http/incoming-handler'], unresolved: [] })
  })

  it('resolves local interfaces, functions, inline interfaces and includes from wit/deps', () => {
    const dir = witFolder({
      ...deps,
      'world.wit': `
        // comment: world fake { export nothing; }
        package acme:tool@1.2.0;
        interface handler { handle: func(); }
        world tool {
          include wasi:cli/command@0.2.0;
          @since(version = 1.0.0)
          export handler;
          export greet: func(name: string) -> string;
          export %stats: interface { count: func() -> u32; }
          import wasi:cli/environment@0.2.0;
        }
      `,
    })
    expect(readWitWorld(dir, 'tool')?.exports).toEqual(['acme:tool/handler', 'greet', 'stats', 'wasi:cli/run'])
    expect(readWitWorld(dir, 'acme:tool/tool@1.2.0')?.name).toBe('acme:tool/tool')
    // The only world of the project's own package is the default.
    expect(readWitWorld(dir)?.name).toBe('acme:tool/tool')
  })

  it('reports includes it cannot find instead of guessing', () => {
    const dir = witFolder({ 'world.wit': 'package acme:app;\nworld app { include wasi:cli/command@0.2.0; export run: func(); }' })
    expect(readWitWorld(dir, 'app')).toEqual({ name: 'acme:app/app', exports: ['run'], unresolved: ['wasi:cli/command@0.2.0'] })
  })

  it('returns undefined for an unknown world or a missing folder', () => {
    expect(readWitWorld(helloWit, 'nope')).toBeUndefined()
    expect(readWitWorld('/nonexistent/wit', 'hello')).toBeUndefined()
  })
})

describe('validateArtifact', () => {
  const component = readFileSync(knownComponent)
  const coreModule = readFileSync(knownCoreModule)

  function failure(run: () => unknown) {
    try {
      run()
    } catch (error) {
      if (isWasmctlError(error)) return error
      throw error
    }
    throw new Error('expected a WasmctlError')
  }

  it('accepts a component exporting the world and returns its world', () => {
    const dir = witFolder({ ...deps, 'world.wit': 'package acme:cli;\nworld cli { include wasi:cli/command@0.2.0; }' })
    const { world, warnings } = validateArtifact(component, { artifact: 'x.wasm', witDir: dir, witWorld: 'cli' })
    expect(world.exports).toEqual(['wasi:cli/run@0.2.0'])
    expect(warnings).toEqual([])
  })

  it('rejects a core module with a hint to make a component', () => {
    const error = failure(() => validateArtifact(coreModule, { artifact: 'build/app.wasm', witDir: '/nonexistent' }))
    expect(error.code).toBe('BUILD_NOT_COMPONENT')
    expect(error.message).toBe('build/app.wasm is a core WebAssembly module, not a component')
    expect(error.hints.join(' ')).toContain('wasm32-wasip1')
  })

  it('rejects bytes that are not wasm at all', () => {
    const error = failure(() => validateArtifact(new TextEncoder().encode('#!/bin/sh\necho hi\n'), { artifact: 'out.wasm', witDir: '/nonexistent' }))
    expect(error.code).toBe('BUILD_NOT_COMPONENT')
    expect(error.message).toContain('not starting with the wasm magic number')
  })

  it('rejects a component that does not export what the world promises', () => {
    const error = failure(() => validateArtifact(component, { artifact: 'out.wasm', witDir: helloWit, witWorld: 'hello' }))
    expect(error.code).toBe('BUILD_WORLD_MISMATCH')
    expect(error.details).toMatchObject({ missing: ['wasi:http/incoming-handler'], exports: ['wasi:cli/run@0.2.0'] })
  })

  it('rejects a wit_world the WIT does not define', () => {
    const error = failure(() => validateArtifact(component, { artifact: 'out.wasm', witDir: helloWit, witWorld: 'helo' }))
    expect(error.code).toBe('BUILD_WIT_MISSING')
    expect(error.message).toContain('world "helo"')
  })

  it('warns about includes it could not check', () => {
    const dir = witFolder({ 'world.wit': 'package acme:cli;\nworld cli { include wasi:cli/command@0.2.0; }' })
    const { warnings } = validateArtifact(component, { artifact: 'x.wasm', witDir: dir, witWorld: 'cli' })
    expect(warnings).toEqual([expect.stringContaining('include wasi:cli/command@0.2.0')])
  })
})
