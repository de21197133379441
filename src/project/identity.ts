import { readFileSync } from 'node:fs'
import path from 'node:path'

import { parse } from 'smol-toml'

/**
 * `name` and `version` when wasmcloud.toml leaves them out. wash 0.43 reads them from the
 * Cargo.toml of a Rust project (in the project's `path` folder); wasmctl does the same, and reads
 * a JS/TS project's package.json the same way (wash has no such fallback: it requires both keys).
 */
export interface PackageIdentity {
  name?: string
  version?: string
  source: 'Cargo.toml' | 'package.json'
  /** Why the manifest could not give what was missing (absent, unreadable, no [package], ...). */
  problem?: string
}

const JS_LANGUAGES = new Set(['typescript', 'javascript', 'ts', 'js'])

/** Which manifest a project's identity comes from: the language decides, else the files present. */
export function identityManifest(dir: string, language: string | undefined): 'Cargo.toml' | 'package.json' | undefined {
  const lang = language?.trim().toLowerCase()
  if (lang === 'rust') return 'Cargo.toml'
  if (lang && JS_LANGUAGES.has(lang)) return 'package.json'
  if (lang) return undefined
  // No language: wasmctl detects the toolchain from the files, and so the manifest.
  if (readText(path.join(dir, 'Cargo.toml')) !== undefined) return 'Cargo.toml'
  if (readText(path.join(dir, 'package.json')) !== undefined) return 'package.json'
  return undefined
}

export function readPackageIdentity(dir: string, manifest: 'Cargo.toml' | 'package.json'): PackageIdentity {
  return manifest === 'Cargo.toml' ? readCargoIdentity(dir) : readPackageJsonIdentity(dir)
}

function readCargoIdentity(dir: string): PackageIdentity {
  const file = path.join(dir, 'Cargo.toml')
  const text = readText(file)
  if (text === undefined) return { source: 'Cargo.toml', problem: `no Cargo.toml in ${dir}` }
  let manifest: Record<string, any>
  try {
    manifest = parse(text) as Record<string, any>
  } catch (error) {
    return { source: 'Cargo.toml', problem: `${file} is not valid TOML (${(error as Error).message.split('\n')[0]})` }
  }
  const pkg = manifest.package
  if (!isTable(pkg)) return { source: 'Cargo.toml', problem: `${file} has no [package] section` }
  const name = typeof pkg.name === 'string' ? pkg.name : undefined
  let version: string | undefined
  let problem: string | undefined
  if (typeof pkg.version === 'string') version = pkg.version
  else if (isTable(pkg.version) && pkg.version.workspace === true) {
    const inherited = workspaceVersion(dir)
    version = inherited.version
    problem = inherited.problem
  } else if (pkg.version === undefined) {
    // Cargo's own default since 1.75 (a package without a version is 0.0.0).
    version = '0.0.0'
  } else problem = `${file}: package.version is not a string`
  return { name, version, source: 'Cargo.toml', problem }
}

/** `version.workspace = true`: the nearest Cargo.toml above with `[workspace.package] version`. */
function workspaceVersion(dir: string): { version?: string; problem?: string } {
  for (let current = dir; ; current = path.dirname(current)) {
    const text = readText(path.join(current, 'Cargo.toml'))
    if (text !== undefined) {
      try {
        const manifest = parse(text) as Record<string, any>
        if (isTable(manifest.workspace)) {
          const version = isTable(manifest.workspace.package) ? manifest.workspace.package.version : undefined
          if (typeof version === 'string') return { version }
          return { problem: `${path.join(current, 'Cargo.toml')} has no [workspace.package] version to inherit` }
        }
      } catch {
        // A broken manifest on the way up is not the workspace root.
      }
    }
    if (path.dirname(current) === current) return { problem: `Cargo.toml inherits its version from a workspace, but no workspace root was found above ${dir}` }
  }
}

function readPackageJsonIdentity(dir: string): PackageIdentity {
  const file = path.join(dir, 'package.json')
  const text = readText(file)
  if (text === undefined) return { source: 'package.json', problem: `no package.json in ${dir}` }
  let manifest: unknown
  try {
    manifest = JSON.parse(text)
  } catch (error) {
    return { source: 'package.json', problem: `${file} is not valid JSON (${(error as Error).message})` }
  }
  if (!isTable(manifest)) return { source: 'package.json', problem: `${file} is not a JSON object` }
  // A scoped npm name (`@acme/hello`) names files as its last part: `build/hello.wasm`.
  const name = typeof manifest.name === 'string' ? manifest.name.replace(/^@[^/]+\//, '') : undefined
  const version = typeof manifest.version === 'string' ? manifest.version : undefined
  return { name, version, source: 'package.json' }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

function isTable(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
