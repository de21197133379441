import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

import { stripComments, witFiles } from '../build/wit.js'
import { printWitPackage } from './binary.js'

/** A WIT package as `use`/`import` name it: `wasi:http` and, usually, a version. */
export interface PackageId {
  /** `namespace:name` */
  name: string
  version?: string
}

/** `wasi:http@0.2.0` */
export function formatPackage(id: PackageId): string {
  return id.version ? `${id.name}@${id.version}` : id.name
}

export function parsePackage(text: string): PackageId | undefined {
  const match = /^(%?[a-z][a-z0-9-]*):(%?[a-z][a-z0-9-]*)(?:@(.+))?$/.exec(text.trim())
  if (!match) return undefined
  return { name: `${match[1].replace(/^%/, '')}:${match[2].replace(/^%/, '')}`, ...(match[3] ? { version: match[3] } : {}) }
}

/** wkg's folder name under `wit/deps`: `wasi:http@0.2.0` → `wasi-http-0.2.0`. */
export function depsFolderName(id: PackageId): string {
  return formatPackage(id).replace(/[:@]/g, '-')
}

/** wkg's version requirement for a reference: exact for a versioned one, any for an unversioned one. */
export function requirementOf(id: PackageId): string {
  return id.version ? `=${id.version}` : '*'
}

// semver 2.0: x.y.z, an optional pre-release and build; stops before `.{` of `use a:b/c@1.0.0.{x}`.
const VERSION = String.raw`\d+\.\d+\.\d+(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?`
const NAME = String.raw`%?[a-z][a-z0-9-]*`
const REFERENCE = new RegExp(String.raw`\b(?:use|import|export|include)\s+(${NAME}):(${NAME})\/${NAME}(?:@(${VERSION}))?`, 'g')
const DECLARATION = new RegExp(String.raw`(?:^|[;}\s])package\s+(${NAME}):(${NAME})(?:@(${VERSION}))?\s*([;{])`, 'g')

export interface WitText {
  /** Packages the text declares (`package a:b@1.0.0;` and nested `package a:b@1.0.0 { }`). */
  declared: PackageId[]
  /** Foreign packages it refers to, without the ones it declares itself. */
  references: PackageId[]
}

function id(namespace: string, name: string, version?: string): PackageId {
  return { name: `${namespace.replace(/^%/, '')}:${name.replace(/^%/, '')}`, ...(version ? { version } : {}) }
}

function unique(ids: PackageId[]): PackageId[] {
  const seen = new Map<string, PackageId>()
  for (const item of ids) seen.set(formatPackage(item), item)
  return [...seen.values()].sort((a, b) => formatPackage(a).localeCompare(formatPackage(b)))
}

export function scanWitText(source: string): WitText {
  const text = stripComments(source)
  const declared = [...text.matchAll(DECLARATION)].map((match) => id(match[1], match[2], match[3]))
  const references = [...text.matchAll(REFERENCE)].map((match) => id(match[1], match[2], match[3]))
  return { declared: unique(declared), references: unique(references).filter((ref) => !satisfiedBy(ref, declared)) }
}

/** Whether a reference names one of the packages: a versioned one needs that version; an unversioned one takes any. */
export function satisfiedBy(ref: PackageId, packages: readonly PackageId[]): boolean {
  return packages.some((pkg) => pkg.name === ref.name && (ref.version === undefined || pkg.version === ref.version))
}

export interface WitFolderScan {
  /** The project's own files (outside `deps/`): what they declare and reference. */
  root: WitText
  /** Packages found under `deps/`, each with the folder holding it and what it references. */
  deps: { id: PackageId; folder: string; references: PackageId[] }[]
  /** References (from the project or from a dependency) that nothing in the folder declares. */
  missing: PackageId[]
}

/** Reads `wit/` and `wit/deps/` (any layout: wkg's `ns-name-version/` or `.wasm` files, wit-deps' `name/`, single files). */
export function scanWitFolder(witDir: string): WitFolderScan {
  const depsDir = path.join(witDir, 'deps')
  const rootText: WitText = { declared: [], references: [] }
  const deps: WitFolderScan['deps'] = []
  const byFolder = new Map<string, { declared: PackageId[]; references: PackageId[] }>()
  for (const file of existsSync(witDir) ? witFiles(witDir) : []) {
    const scanned = scanWitText(readFileSync(file, 'utf8'))
    if (!file.startsWith(depsDir + path.sep)) {
      rootText.declared.push(...scanned.declared)
      rootText.references.push(...scanned.references)
      continue
    }
    // A package spans the .wit files of one folder; files directly in deps/ are packages on their own.
    const relative = path.relative(depsDir, file)
    const folder = relative.includes(path.sep) ? path.join(depsDir, relative.split(path.sep)[0]) : file
    const entry = byFolder.get(folder) ?? { declared: [], references: [] }
    entry.declared.push(...scanned.declared)
    entry.references.push(...scanned.references)
    byFolder.set(folder, entry)
  }
  // wkg's `--type wasm` output: one wasm-encoded package per file directly in deps/.
  for (const name of existsSync(depsDir) ? readdirSync(depsDir).filter((entry) => entry.endsWith('.wasm')) : []) {
    try {
      const printed = printWitPackage(readFileSync(path.join(depsDir, name)))
      const declared = { name: printed.name, ...(printed.version ? { version: printed.version } : {}) }
      byFolder.set(path.join(depsDir, name), { declared: [declared], references: printed.dependencies.map((dep) => parsePackage(dep)!).filter(Boolean) })
    } catch {
      // not a WIT package: the toolchain will say so if it matters
    }
  }
  for (const [folder, entry] of byFolder) {
    const declared = unique(entry.declared)
    const references = unique(entry.references).filter((ref) => !satisfiedBy(ref, declared))
    for (const pkg of declared) deps.push({ id: pkg, folder, references })
  }
  const root: WitText = { declared: unique(rootText.declared), references: [] }
  root.references = unique(rootText.references).filter((ref) => !satisfiedBy(ref, root.declared))
  const known = [...root.declared, ...deps.map((dep) => dep.id)]
  const wanted = unique([...root.references, ...deps.flatMap((dep) => dep.references)])
  return { root, deps, missing: wanted.filter((ref) => !satisfiedBy(ref, known)) }
}
