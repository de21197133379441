import { readFileSync } from 'node:fs'
import path from 'node:path'

import { afterEach, describe, expect, it } from 'vitest'

import { checkToolchain, clearToolchainCache, commandProgram, toolchainForLanguage } from '../../../src/build/toolchains.js'
import { repoRoot } from '../../helpers/cli.js'
import { tempDir } from '../../helpers/tmp.js'

// Checks that find nothing to run on an empty PATH; the probes that run real or stand-in
// toolchains are in test/component/build/toolchains.test.ts.
const emptyPath = tempDir('wasmctl-empty-path-')

afterEach(() => {
  clearToolchainCache()
})

describe('checkToolchain without running anything', () => {
  it('reports the bundled componentize-js with its version', async () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'node_modules/@bytecodealliance/componentize-js/package.json'), 'utf8'))
    const status = await checkToolchain('componentize-js')
    expect(status).toMatchObject({ name: 'componentize-js', present: true, version: pkg.version })
  })

  it('says what is missing for C and how to install it', async () => {
    const status = await checkToolchain('clang', { pathEnv: emptyPath })
    expect(status.present).toBe(false)
    expect(status.missing).toContain('clang')
    expect(status.missing).toContain('wasm-ld (lld)')
    expect(status.install).toContain('apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32')
  })

  it('reports a missing cargo with the rustup install step', async () => {
    const status = await checkToolchain('cargo', { pathEnv: emptyPath, executable: 'cargo' })
    expect(status).toMatchObject({ present: false, missing: ['cargo'] })
    expect(status.install).toContain('rustup')
  })
})

describe('commandProgram', () => {
  it.each([
    ['make build', 'make'],
    ['RUSTFLAGS=-g cargo build', 'cargo'],
    ['env CC=clang make', 'make'],
    ['"./build.sh" --fast', './build.sh'],
    ['   ', undefined],
  ])('%j runs %j', (command, program) => {
    expect(commandProgram(command)).toBe(program)
  })
})

describe('toolchainForLanguage', () => {
  it('maps the languages wasmcloud.toml names', () => {
    expect(toolchainForLanguage('TypeScript')).toBe('componentize-js')
    expect(toolchainForLanguage('javascript')).toBe('componentize-js')
    expect(toolchainForLanguage('rust')).toBe('cargo')
    expect(toolchainForLanguage('tinygo')).toBe('tinygo')
    expect(toolchainForLanguage('c')).toBe('clang')
    expect(toolchainForLanguage('cobol')).toBeUndefined()
  })
})
