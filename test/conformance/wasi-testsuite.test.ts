import { createHash } from 'node:crypto'
import { chmodSync, closeSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

import { adaptPreview1Module } from '../../src/build/adapter.js'
import { runCommandComponent } from '../../src/host/command.js'
import { loadComponent } from '../../src/host/load.js'
import { stopTranspiler } from '../../src/host/transpile.js'
import { repoRoot } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

/**
 * The WebAssembly community's WASI test suite (WebAssembly/wasi-testsuite, prebuilt preview1
 * modules) under the embedded host, as `wasmctl up NAME.component.wasm --dir <copy>::<name> -- args`
 * runs them: each module is made a component with the preview1 command adapter (`wasmctl build`'s
 * own adaptPreview1Module), then run in process by the same command runner `up` uses, with the
 * test's folders copied to a temporary folder first (tests write into them).
 *
 * The fixtures are read where WASMCTL_WASI_TESTSUITE points (CI: ../shared/fixtures/wasi-testsuite),
 * never copied into this repository.
 */

/**
 * Tests where the host deliberately differs from the suite, as `language/name` with the reason.
 * Empty: every test passes, including the Rust `remove_directory_trailing_slashes`, which wasmtime
 * fails (it answers INVAL where the test wants NOTDIR for `rmdir("file/")`).
 */
const EXPECTED_TO_FAIL: Record<string, string> = {}

const suiteRoot = path.resolve(repoRoot, process.env.WASMCTL_WASI_TESTSUITE ?? '../shared/fixtures/wasi-testsuite')
const cacheDir = path.join(repoRoot, 'test', '.cache', 'wasi-testsuite')
const hostCache = path.join(cacheDir, 'host')

interface RunSpec {
  dirs?: string[]
  args?: string[]
  env?: Record<string, string>
  exit_code?: number
  stdout?: string
}

function suiteFolder(language: 'rust' | 'c'): string {
  return path.join(suiteRoot, language, 'testsuite', 'wasm32-wasip1')
}

function testNames(language: 'rust' | 'c'): string[] {
  const folder = suiteFolder(language)
  if (!existsSync(folder)) {
    throw new Error(
      `the WASI test suite is not at ${folder}: set WASMCTL_WASI_TESTSUITE to the folder holding rust/ and c/ ` +
        '(a copy of WebAssembly/wasi-testsuite prod/testsuite-all; CI uses ../shared/fixtures/wasi-testsuite)',
    )
  }
  return readdirSync(folder)
    .filter((name) => name.endsWith('.wasm'))
    .map((name) => name.slice(0, -'.wasm'.length))
    .sort()
}

/** The module adapted to a component, cached by the hash of the module and the adapter. */
async function adaptedComponent(wasmPath: string): Promise<Uint8Array> {
  const core = readFileSync(wasmPath)
  const jcoPackage = readFileSync(path.join(repoRoot, 'node_modules', '@bytecodealliance', 'jco', 'package.json'))
  const key = createHash('sha256').update(jcoPackage).update('\0').update(core).digest('hex').slice(0, 32)
  const cached = path.join(cacheDir, 'components', `${key}.wasm`)
  if (existsSync(cached)) return readFileSync(cached)
  const { component } = await adaptPreview1Module(core, { artifact: wasmPath })
  mkdirSync(path.dirname(cached), { recursive: true })
  const temp = `${cached}.${process.pid}.tmp`
  writeFileSync(temp, component)
  renameSync(temp, cached)
  return component
}

/** The fixture folders are read-only; the copy must be writable like a checkout of the suite. */
function makeWritable(dir: string): void {
  chmodSync(dir, 0o755)
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry)
    if (statSync(full).isDirectory()) makeWritable(full)
    else chmodSync(full, 0o644)
  }
}

async function runSuiteTest(language: 'rust' | 'c', name: string): Promise<{ exitCode: number; stdout: string; spec: RunSpec }> {
  const folder = suiteFolder(language)
  const specPath = path.join(folder, `${name}.json`)
  const spec: RunSpec = existsSync(specPath) ? JSON.parse(readFileSync(specPath, 'utf8')) : {}
  const work = tempDir('wasmctl-wasi-testsuite-')
  const preopens = (spec.dirs ?? []).map((dir) => {
    const copy = path.join(work, dir)
    cpSync(path.join(folder, dir), copy, { recursive: true })
    makeWritable(copy)
    return { host: copy, guest: dir }
  })
  const bytes = await adaptedComponent(path.join(folder, `${name}.wasm`))
  const component = await loadComponent({ bytes, name, origin: `${name}.component.wasm` }, { cacheRoot: hostCache, trust: {} })
  const stdoutPath = path.join(work, 'stdout')
  const stdoutFd = openSync(stdoutPath, 'w')
  try {
    const { exitCode } = await runCommandComponent(component, { args: spec.args ?? [], env: spec.env ?? {}, preopens, stdoutFd })
    return { exitCode, stdout: readFileSync(stdoutPath, 'utf8'), spec }
  } finally {
    closeSync(stdoutFd)
  }
}

afterAll(async () => {
  await stopTranspiler()
})

for (const language of ['rust', 'c'] as const) {
  describe(`wasi-testsuite ${language} (wasm32-wasip1)`, () => {
    for (const name of testNames(language)) {
      const reason = EXPECTED_TO_FAIL[`${language}/${name}`]
      const test = reason ? it.fails : it
      test(reason ? `${name} (differs on purpose: ${reason})` : name, async () => {
        const { exitCode, stdout, spec } = await runSuiteTest(language, name)
        expect(exitCode, `${name} exit code`).toBe(spec.exit_code ?? 0)
        if (spec.stdout !== undefined) expect(stdout).toBe(spec.stdout)
      })
    }
  })
}
