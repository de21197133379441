import { createHash, randomBytes } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { exportModuleState } from '../host/core-exports.js'
import type { TranspiledComponent } from '../host/transpile.js'
import { sha256Hex } from '../input.js'
import { readPreamble, SectionId, sections } from '../wasm/binary.js'

/**
 * Skips jco transpile (~0.5 s of a ~0.7 s swap) for a rebuild that changed only code. jco's output
 * for a component is JavaScript glue plus the component's core modules, and the glue depends on
 * the component's types, imports, exports and wiring, not on what the core modules contain: two
 * componentize-js builds of different sources for the same world give byte-identical glue and
 * differ only in the main core module, whose data holds the snapshotted JavaScript. So when a new
 * build has the same "shape" as the one serving (every section but the core module contents and
 * custom sections, plus each core module's types, imports and exports), the dev loop writes the
 * host's transpile cache entry for it from the previous entry's glue and the new build's own core
 * modules, and the host finds it there instead of transpiling.
 *
 * Safety: the core module file names are mapped to the component's embedded modules only after
 * checking, on the previous build, that each cached file is exactly the host's state-exported form
 * of that embedded module; anything unexpected returns undefined and the host transpiles as usual.
 * The entry layout (`<sha256 of the component>/` beside the previous entry, `meta.json`) is the
 * host's transpile cache (src/host/transpile.ts).
 */
const META_FILE = 'meta.json'

interface Served {
  bytes: Uint8Array
  transpiled: TranspiledComponent
  shape: string
  /** Cached core module file -> embedded module index; verified once per transpile. */
  mapping?: Map<string, number>
}

export class GlueReuse {
  private current?: Served
  /** The shape `prepare` computed, so `served` need not hash the same 13 MB again. */
  private prepared?: { bytes: Uint8Array; shape: string }

  /** Records the build that now serves (after a successful load). */
  served(bytes: Uint8Array, transpiled: TranspiledComponent): void {
    const shape = this.prepared?.bytes === bytes ? this.prepared.shape : componentShape(bytes)
    // An entry this class wrote keeps the mapping it was written with; a fresh transpile is checked again.
    const mapping = this.current?.shape === shape && !transpiled.transpiled ? this.current.mapping : undefined
    this.current = { bytes, transpiled, shape, mapping }
  }

  /**
   * Writes the host's transpile cache entry for `next` from the serving build's glue when only
   * code changed; returns it, or undefined when the host must transpile (or already has an entry).
   */
  prepare(next: Uint8Array): TranspiledComponent | undefined {
    const previous = this.current
    if (!previous) return undefined
    try {
      const dir = path.join(path.dirname(previous.transpiled.dir), sha256Hex(next))
      this.prepared = { bytes: next, shape: componentShape(next) }
      if (this.prepared.shape !== previous.shape || existsSync(path.join(dir, META_FILE))) return undefined
      previous.mapping ??= coreModuleMapping(previous)
      const mapping = previous.mapping
      if (!mapping) return undefined
      return writeEntry(dir, next, mapping, previous.transpiled)
    } catch {
      return undefined
    }
  }
}

function writeEntry(dir: string, next: Uint8Array, mapping: Map<string, number>, previous: TranspiledComponent): TranspiledComponent {
  const modules = embeddedCoreModules(next)
  const glue = path.basename(previous.gluePath)
  const temp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  mkdirSync(temp, { recursive: true })
  try {
    let snapshot = true
    for (const [name, index] of mapping) {
      const exported = exportModuleState(modules[index])
      if (!exported) snapshot = false
      writeFileSync(path.join(temp, name), exported ?? modules[index])
    }
    for (const file of [glue, 'package.json']) copyFileSync(path.join(previous.dir, file), path.join(temp, file))
    writeFileSync(path.join(temp, META_FILE), JSON.stringify({ coreModules: [...mapping.keys()], snapshot }))
    renameSync(temp, dir)
    return { ...previous, dir, gluePath: path.join(dir, glue), snapshot, transpiled: false }
  } finally {
    rmSync(temp, { recursive: true, force: true })
  }
}

/** The top-level core modules of a component, in order (the order jco numbers them in). */
function embeddedCoreModules(bytes: Uint8Array): Uint8Array[] {
  if (readPreamble(bytes) !== 'component') return []
  return [...sections(bytes)].filter((section) => section.id === SectionId.coreModule).map((section) => bytes.subarray(section.contentStart, section.end))
}

/** Which embedded module each cached core module file is, checked byte for byte on the previous build. */
function coreModuleMapping(previous: Served): Map<string, number> | undefined {
  const modules = embeddedCoreModules(previous.bytes)
  const mapping = new Map<string, number>()
  for (const name of previous.transpiled.coreModules) {
    const match = /^.+\.core(\d*)\.wasm$/.exec(name)
    if (!match) return undefined
    const index = match[1] === '' ? 0 : Number(match[1]) - 1
    const module = modules[index]
    if (!module) return undefined
    const expected = exportModuleState(module) ?? module
    if (!Buffer.from(expected).equals(readFileSync(path.join(previous.transpiled.dir, name)))) return undefined
    mapping.set(name, index)
  }
  return mapping.size === modules.length ? mapping : undefined
}

/** Core module sections whose contents the glue depends on: types, imports and exports. */
const CORE_SHAPE_SECTIONS = new Set([1, 2, 7])

/** A digest of everything jco's glue depends on. Custom sections (claims, producers) are left out. */
export function componentShape(bytes: Uint8Array): string {
  const hash = createHash('sha256')
  for (const section of sections(bytes)) {
    if (section.id === SectionId.custom) continue
    if (section.id !== SectionId.coreModule) {
      hash.update(`${section.id}:${section.end - section.contentStart}:`).update(bytes.subarray(section.contentStart, section.end))
      continue
    }
    hash.update('core{')
    for (const inner of sections(bytes, section.contentStart + 8, section.end)) {
      if (CORE_SHAPE_SECTIONS.has(inner.id)) hash.update(`${inner.id}:${inner.end - inner.contentStart}:`).update(bytes.subarray(inner.contentStart, inner.end))
    }
    hash.update('}')
  }
  return hash.digest('hex')
}
