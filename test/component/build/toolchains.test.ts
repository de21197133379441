import path from 'node:path'

import { afterEach, describe, expect, it } from 'vitest'

import { checkToolchain, clearToolchainCache } from '../../../src/build/toolchains.js'
import { fakeRustSysroot, standinBin } from '../../helpers/build-fixtures.js'
import { tempDir } from '../../helpers/tmp.js'

// The toolchain probes run the real clang of this machine and the stand-in cargo/tinygo programs.
const emptyPath = tempDir('wasmctl-empty-path-')

afterEach(() => {
  clearToolchainCache()
  delete process.env.STANDIN_SYSROOT
})

describe('checkToolchain', () => {
  // CI installs clang, lld, wasi-libc and libclang-rt-14-dev-wasm32 (see the build issue's report).
  it('finds clang with the wasi-libc sysroot and wasm-ld', async () => {
    const status = await checkToolchain('clang')
    expect(status.present).toBe(true)
    expect(status.version).toMatch(/^\d+\.\d+/)
    expect(status.sysroot).toBeDefined()
    expect(path.basename(status.linker ?? '')).toMatch(/^wasm-ld/)
  })

  it('lists the wasm targets of the rustc cargo builds with, best first', async () => {
    process.env.STANDIN_SYSROOT = fakeRustSysroot(['wasm32-wasip1', 'wasm32-wasip2'])
    const status = await checkToolchain('cargo', { pathEnv: standinBin })
    expect(status).toMatchObject({ present: true, version: '1.85.0', path: path.join(standinBin, 'cargo') })
    expect(status.targets).toEqual(['wasm32-wasip2', 'wasm32-wasip1'])
  })

  it('reports cargo without a wasm target as missing, with the rustup command', async () => {
    process.env.STANDIN_SYSROOT = fakeRustSysroot([])
    // An explicit cargo path (as `[rust] cargo_path` gives) keeps Debian's rustc out of the check.
    const status = await checkToolchain('cargo', { pathEnv: standinBin, executable: path.join(standinBin, 'cargo') })
    expect(status.present).toBe(false)
    expect(status.missing?.[0]).toMatch(/wasm target/)
    expect(status.install).toMatch(/^rustup target add wasm32-wasip2/)
  })

  it('finds tinygo and its version, or says where to get it', async () => {
    expect(await checkToolchain('tinygo', { pathEnv: standinBin })).toMatchObject({ present: true, version: '0.34.0' })
    const missing = await checkToolchain('tinygo', { pathEnv: emptyPath })
    expect(missing).toMatchObject({ present: false, missing: ['tinygo'] })
    expect(missing.install).toContain('tinygo.org')
  })

  it('checks the program a custom build command runs', async () => {
    expect(await checkToolchain('custom', { command: 'cargo build', pathEnv: standinBin })).toMatchObject({ name: 'cargo', present: true })
    const missing = await checkToolchain('custom', { command: 'wasmctl-no-such-tool --release', pathEnv: standinBin })
    expect(missing).toMatchObject({ name: 'wasmctl-no-such-tool', present: false, missing: ['wasmctl-no-such-tool'] })
    expect(missing.install).toContain('[component] build_command')
  })

  it('probes once per process', async () => {
    const first = checkToolchain('tinygo', { pathEnv: standinBin })
    expect(checkToolchain('tinygo', { pathEnv: standinBin })).toBe(first)
    clearToolchainCache()
    expect(checkToolchain('tinygo', { pathEnv: standinBin })).not.toBe(first)
  })
})

