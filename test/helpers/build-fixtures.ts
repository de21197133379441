import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { isWasmctlError, type WasmctlError } from '../../src/errors.js'
import { repoRoot } from './cli.js'
import { tempDir } from './tmp.js'

/** Shared by the build tests of every tier: fixture projects, stand-in toolchains, caches. */
export const projectsDir = path.join(repoRoot, 'test', 'fixtures', 'projects')
export const standinBin = path.join(repoRoot, 'test', 'fixtures', 'bin')
export const knownComponent = path.join(standinBin, 'wasm', 'cli-run.component.wasm')
export const knownCoreModule = path.join(standinBin, 'wasm', 'preview1-command.core.wasm')
export const helloWit = path.join(repoRoot, 'test', 'fixtures', 'components', 'hello-http', 'wit')
/** componentize-js output kept by input hash across test runs (the build's own cache option). */
export const componentizeCache = path.join(repoRoot, 'test', '.cache', 'componentize')

/**
 * Copies a fixture project into a fresh temporary folder. Fixtures point `wit` at a shared WIT
 * folder by a relative path; the copy gets the absolute one.
 */
export function copyProject(name: string, parent = tempDir('wasmctl-build-')): string {
  const dir = path.join(parent, name)
  cpSync(path.join(projectsDir, name), dir, { recursive: true })
  const file = path.join(dir, 'wasmcloud.toml')
  const text = readFileSync(file, 'utf8').replace(/^wit = "([^"]+)"$/m, (_line, wit: string) => {
    return `wit = ${JSON.stringify(path.resolve(projectsDir, name, wit))}`
  })
  writeFileSync(file, text)
  return dir
}

/** Writes a project from a map of relative paths to contents. */
export function writeProject(dir: string, files: Record<string, string | Uint8Array>): string {
  for (const [relative, contents] of Object.entries(files)) {
    const file = path.join(dir, relative)
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, contents)
  }
  return dir
}

/** A rustc sysroot holding the standard library folders of the given wasm targets. */
export function fakeRustSysroot(targets: string[], parent = tempDir('wasmctl-sysroot-')): string {
  for (const target of targets) mkdirSync(path.join(parent, 'lib', 'rustlib', target, 'lib'), { recursive: true })
  return parent
}

/** The WasmctlError a build rejects with; anything else (or success) fails the test. */
export async function buildFailure(promise: Promise<unknown>): Promise<WasmctlError> {
  try {
    await promise
  } catch (error) {
    if (isWasmctlError(error)) return error
    throw error
  }
  throw new Error('expected the build to fail')
}
