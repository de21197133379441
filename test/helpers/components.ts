import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { repoRoot } from './cli.js'

/**
 * Real components for tests, built by the real toolchain (componentize-js) and cached by the
 * content hash of their inputs under test/.cache/, so only the first run pays the ~9 s build.
 */
const cacheDir = path.join(repoRoot, 'test', '.cache', 'components')

function hashTree(hash: ReturnType<typeof createHash>, dir: string, base = dir): void {
  for (const entry of readdirSync(dir).sort()) {
    const full = path.join(dir, entry)
    if (statSync(full).isDirectory()) hashTree(hash, full, base)
    else hash.update(path.relative(base, full)).update('\0').update(readFileSync(full)).update('\0')
  }
}

function toolchainVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'node_modules/@bytecodealliance/componentize-js/package.json'), 'utf8'))
  return String(pkg.version)
}

export interface JsComponentInput {
  /** The JavaScript entry module. */
  sourcePath: string
  witPath: string
  worldName: string
}

/** Builds (or reuses) a component from a JS source and WIT; returns the path of the .wasm file. */
export async function buildJsComponent(input: JsComponentInput): Promise<string> {
  const hash = createHash('sha256')
  hash.update(`componentize-js@${toolchainVersion()}\0${input.worldName}\0`)
  hash.update(readFileSync(input.sourcePath)).update('\0')
  hashTree(hash, input.witPath)
  const output = path.join(cacheDir, `${hash.digest('hex').slice(0, 32)}.wasm`)
  if (existsSync(output)) return output
  const { componentize } = await import('@bytecodealliance/componentize-js')
  // A minimal environment: componentize-js bakes the one it is given into the snapshot.
  const { component } = await componentize({ sourcePath: input.sourcePath, witPath: input.witPath, worldName: input.worldName, env: {} })
  mkdirSync(cacheDir, { recursive: true })
  const temp = `${output}.${process.pid}.tmp`
  writeFileSync(temp, component)
  renameSync(temp, output)
  return output
}

/** A wasi:http/incoming-handler component answering "hello from wasmctl". */
export function helloHttpComponent(): Promise<string> {
  const dir = path.join(repoRoot, 'test', 'fixtures', 'components', 'hello-http')
  return buildJsComponent({ sourcePath: path.join(dir, 'app.js'), witPath: path.join(dir, 'wit'), worldName: 'hello' })
}
