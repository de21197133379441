import { ByteReader, concatBytes, encodeU32, invalidWasm, readPreamble, sections } from '../wasm/binary.js'

/**
 * Adds exports for a core module's own state, so the host can snapshot an instance right after
 * instantiation and put it back after every request instead of instantiating again: every
 * mutable global, memory and table the module defines but does not export gets an export named
 * `__wasmctl_<kind>_<index>`. The preview1 adapter keeps its state in such globals (its stack
 * pointer and allocation state); restoring its memory alone makes it trap on the next request.
 *
 * Hand-written over src/wasm/binary.ts: only the import, global and export sections are read and
 * one section is re-encoded; re-encoding a 12 MB engine module with binaryen would take seconds.
 * Returns undefined when the module uses an encoding this reader does not know (the host then
 * instantiates afresh for every request instead).
 */
export const STATE_EXPORT_PREFIX = '__wasmctl_'

const enum Kind {
  func = 0,
  table = 1,
  memory = 2,
  global = 3,
  tag = 4,
}

const Section = { import: 2, table: 4, memory: 5, global: 6, export: 7, start: 8 } as const
/** Sections that must come after the export section (start, element, datacount, code, data). */
const AFTER_EXPORT = new Set([8, 9, 10, 11, 12])

class Unsupported extends Error {}

function skipLeb(reader: ByteReader, maxBytes: number): void {
  for (let i = 0; i < maxBytes; i++) if ((reader.byte() & 0x80) === 0) return
  throw new Unsupported('LEB128 too long')
}

function skipValType(reader: ByteReader): void {
  const type = reader.byte()
  // (ref null ht) / (ref ht) carry a heap type; every other value type is one byte.
  if (type === 0x63 || type === 0x64) reader.s33()
}

function skipLimits(reader: ByteReader): void {
  const flags = reader.byte()
  const is64 = (flags & 0x04) !== 0
  skipLeb(reader, is64 ? 10 : 5)
  if (flags & 0x01) skipLeb(reader, is64 ? 10 : 5)
}

function skipTableType(reader: ByteReader): void {
  skipValType(reader)
  skipLimits(reader)
}

/** A constant expression (global initialisers): the MVP and extended-const instructions. */
function skipConstExpr(reader: ByteReader): void {
  for (;;) {
    const op = reader.byte()
    switch (op) {
      case 0x0b:
        return
      case 0x41:
        skipLeb(reader, 5)
        break
      case 0x42:
        skipLeb(reader, 10)
        break
      case 0x43:
        reader.pos += 4
        break
      case 0x44:
        reader.pos += 8
        break
      case 0x23:
      case 0xd2:
        reader.u32()
        break
      case 0xd0:
        reader.s33()
        break
      case 0x6a:
      case 0x6b:
      case 0x6c:
      case 0x7c:
      case 0x7d:
      case 0x7e:
        break
      case 0xfd:
        if (reader.u32() !== 12) throw new Unsupported('vector constant expression')
        reader.pos += 16
        break
      default:
        throw new Unsupported(`constant expression opcode 0x${op.toString(16)}`)
    }
  }
}

interface ModuleShape {
  imported: Record<Kind.table | Kind.memory | Kind.global, number>
  definedTables: number
  definedMemories: number
  /** Indices (in the global index space) of defined mutable globals. */
  mutableGlobals: number[]
  exported: { kind: number; index: number }[]
  exportNames: Set<string>
  exportSection?: { start: number; end: number; contentStart: number }
  /** Where a new export section goes when there is none. */
  insertAt: number
}

function readShape(bytes: Uint8Array): ModuleShape {
  const shape: ModuleShape = {
    imported: { [Kind.table]: 0, [Kind.memory]: 0, [Kind.global]: 0 },
    definedTables: 0,
    definedMemories: 0,
    mutableGlobals: [],
    exported: [],
    exportNames: new Set(),
    insertAt: bytes.length,
  }
  let insertFound = false
  for (const section of sections(bytes)) {
    if (!insertFound && AFTER_EXPORT.has(section.id)) {
      shape.insertAt = section.start
      insertFound = true
    }
    const reader = new ByteReader(bytes, section.contentStart, section.end)
    switch (section.id) {
      case Section.import:
        for (let count = reader.u32(); count > 0; count--) {
          reader.name()
          reader.name()
          const kind = reader.byte()
          if (kind === Kind.func) reader.u32()
          else if (kind === Kind.table) (skipTableType(reader), shape.imported[Kind.table]++)
          else if (kind === Kind.memory) (skipLimits(reader), shape.imported[Kind.memory]++)
          else if (kind === Kind.global) (skipValType(reader), reader.byte(), shape.imported[Kind.global]++)
          else if (kind === Kind.tag) (reader.byte(), reader.u32())
          else throw new Unsupported(`import kind ${kind}`)
        }
        break
      case Section.table:
        shape.definedTables = reader.u32()
        break
      case Section.memory:
        shape.definedMemories = reader.u32()
        break
      case Section.global: {
        const count = reader.u32()
        for (let i = 0; i < count; i++) {
          skipValType(reader)
          const mutable = reader.byte() === 1
          skipConstExpr(reader)
          if (mutable) shape.mutableGlobals.push(shape.imported[Kind.global] + i)
        }
        break
      }
      case Section.export:
        shape.exportSection = section
        for (let count = reader.u32(); count > 0; count--) {
          const name = reader.name()
          const kind = reader.byte()
          const index = reader.u32()
          shape.exported.push({ kind, index })
          shape.exportNames.add(name)
        }
        break
    }
  }
  return shape
}

function encodeName(name: string): Uint8Array {
  const bytes = new TextEncoder().encode(name)
  return concatBytes([encodeU32(bytes.length), bytes])
}

/** The module with its state exported, or undefined if it cannot be rewritten safely. */
export function exportModuleState(bytes: Uint8Array): Uint8Array | undefined {
  if (readPreamble(bytes) !== 'module') throw invalidWasm('expected a core module')
  let shape: ModuleShape
  try {
    shape = readShape(bytes)
  } catch (error) {
    if (error instanceof Unsupported) return undefined
    throw error
  }
  const isExported = (kind: Kind, index: number) => shape.exported.some((entry) => entry.kind === kind && entry.index === index)
  const additions: { name: string; kind: Kind; index: number }[] = []
  const add = (kind: Kind, label: string, index: number) => {
    if (isExported(kind, index)) return
    const name = `${STATE_EXPORT_PREFIX}${label}_${index}`
    if (!shape.exportNames.has(name)) additions.push({ name, kind, index })
  }
  for (const index of shape.mutableGlobals) add(Kind.global, 'global', index)
  for (let i = 0; i < shape.definedMemories; i++) add(Kind.memory, 'memory', shape.imported[Kind.memory] + i)
  for (let i = 0; i < shape.definedTables; i++) add(Kind.table, 'table', shape.imported[Kind.table] + i)
  if (additions.length === 0) return bytes

  const existing = shape.exportSection
    ? (() => {
        const reader = new ByteReader(bytes, shape.exportSection.contentStart, shape.exportSection.end)
        reader.u32()
        return bytes.subarray(reader.pos, shape.exportSection.end)
      })()
    : new Uint8Array(0)
  const entries = additions.map(({ name, kind, index }) => concatBytes([encodeName(name), Uint8Array.of(kind), encodeU32(index)]))
  const content = concatBytes([encodeU32(shape.exported.length + additions.length), existing, ...entries])
  const section = concatBytes([Uint8Array.of(Section.export), encodeU32(content.length), content])
  const start = shape.exportSection?.start ?? shape.insertAt
  const end = shape.exportSection?.end ?? shape.insertAt
  return concatBytes([bytes.subarray(0, start), section, bytes.subarray(end)])
}
