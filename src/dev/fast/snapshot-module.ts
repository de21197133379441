import { ByteReader, concatBytes, encodeU32, sections, encodeSleb, skipConstExpr, skipLimits } from '../../wasm/binary.js'

/**
 * Writes an initialized memory and globals into a core module, as wizer does (memory minimums
 * grown to the current size, mutable globals initialized to their current values, the data
 * replaced by the memory image), fast enough for every save: the image is scanned a 32-bit word
 * at a time and zero runs shorter than MIN_GAP bytes stay inside a segment, which gives a few
 * hundred segments for StarlingMonkey's ~10 MB heap instead of wizer's thousands of tight ones.
 * The dev fast path does not need wizer's byte-exact layout, only its meaning (same memory
 * contents at instantiation); `wasmctl build` keeps componentize-js's own output.
 *
 * The module must already have the shape of a wizer output (no init export, no `_initialize`, no
 * start function): the dev engine template is made that way once per world (engine.ts).
 */
const MIN_GAP = 1024
const PAGE = 65536

export interface MemorySnapshot {
  /** Contents of each defined memory, in order. */
  memories: Uint8Array[]
  /** Value of each defined global, in order (undefined: keep its initializer). */
  globals: Array<number | bigint | undefined>
}

const Section = { import: 2, memory: 5, global: 6, start: 8, code: 10, data: 11, dataCount: 12 } as const

/** Byte ranges [start, end) of `memory` holding non-zero data, word-aligned. */
export function nonZeroRanges(memory: Uint8Array, minGap = MIN_GAP): Array<[number, number]> {
  const ranges: Array<[number, number]> = []
  const whole = memory.byteOffset % 4 === 0 ? Math.floor(memory.length / 4) : 0
  const words = new Uint32Array(memory.buffer, memory.byteOffset, whole)
  let start = -1
  let lastNonZero = -1
  for (let i = 0; i < words.length; i++) {
    if (words[i] === 0) continue
    const at = i * 4
    if (start < 0) start = at
    else if (at - (lastNonZero + 4) >= minGap) {
      ranges.push([start, lastNonZero + 4])
      start = at
    }
    lastNonZero = at
  }
  // A tail that is not a whole word (never the case for wasm memories, which are whole pages).
  for (let at = whole * 4; at < memory.length; at++) {
    if (memory[at] === 0) continue
    if (start < 0) start = at
    lastNonZero = at - 3
  }
  if (start >= 0) ranges.push([start, Math.min(memory.length, lastNonZero + 4)])
  return ranges
}

export function applyMemorySnapshot(module: Uint8Array, snapshot: MemorySnapshot): Uint8Array {
  let importedMemories = 0
  let importedGlobals = 0
  const out: Uint8Array[] = [module.subarray(0, 8)]
  let dataWritten = false
  let segments = 0
  const data = (): Uint8Array => {
    dataWritten = true
    const parts: Uint8Array[] = []
    snapshot.memories.forEach((memory, i) => {
      const index = importedMemories + i
      for (const [start, end] of nonZeroRanges(memory)) {
        parts.push(index === 0 ? Uint8Array.of(0x00) : concatBytes([Uint8Array.of(0x02), encodeU32(index)]))
        parts.push(Uint8Array.of(0x41), encodeSleb32(start), Uint8Array.of(0x0b), encodeU32(end - start), memory.subarray(start, end))
        segments++
      }
    })
    return section(Section.data, concatBytes([encodeU32(segments), ...parts]))
  }
  // The data count section (before the code) must give the new number of segments.
  let dataSection: Uint8Array | undefined
  const ensureData = () => (dataSection ??= data())

  for (const entry of sections(module)) {
    const reader = new ByteReader(module, entry.contentStart, entry.end)
    switch (entry.id) {
      case Section.import:
        for (let count = reader.u32(); count > 0; count--) {
          reader.name()
          reader.name()
          const kind = reader.byte()
          if (kind === 0) reader.u32()
          else if (kind === 1) (reader.byte(), skipLimits(reader))
          else if (kind === 2) (importedMemories++, skipLimits(reader))
          else if (kind === 3) (importedGlobals++, reader.byte(), reader.byte())
          else if (kind === 4) (reader.byte(), reader.u32())
          else throw new Error(`unsupported import kind ${kind}`)
        }
        out.push(module.subarray(entry.start, entry.end))
        break
      case Section.memory: {
        const entries: Uint8Array[] = []
        for (let count = reader.u32(), i = 0; i < count; i++) {
          const flags = reader.byte()
          if (flags & 0x04) throw new Error('64-bit memories are not supported')
          const initial = reader.u32()
          const maximum = flags & 0x01 ? reader.u32() : undefined
          const pages = snapshot.memories[i] ? Math.ceil(snapshot.memories[i].length / PAGE) : initial
          entries.push(concatBytes([Uint8Array.of(flags), encodeU32(pages), maximum === undefined ? new Uint8Array(0) : encodeU32(maximum)]))
        }
        out.push(section(Section.memory, concatBytes([encodeU32(entries.length), ...entries])))
        break
      }
      case Section.global: {
        const entries: Uint8Array[] = []
        for (let count = reader.u32(), i = 0; i < count; i++) {
          const start = reader.pos
          const type = reader.byte()
          if (type === 0x63 || type === 0x64) reader.s33()
          const mutable = reader.byte() === 1
          skipConstExpr(reader)
          const value = snapshot.globals[i]
          const init = mutable && value !== undefined ? constExpr(type, value) : undefined
          entries.push(init ? concatBytes([Uint8Array.of(type, 1), init]) : module.subarray(start, reader.pos))
        }
        out.push(section(Section.global, concatBytes([encodeU32(entries.length), ...entries])))
        break
      }
      case Section.start:
        throw new Error('the module still has a start function')
      case Section.dataCount:
        ensureData()
        out.push(section(Section.dataCount, encodeU32(segments)))
        break
      case Section.data:
        for (let count = reader.u32(); count > 0; count--) {
          const flags = reader.u32()
          // memory.init would copy a passive segment over the snapshot later: wizer refuses those too.
          if (flags & 0x01) throw new Error('passive data segments are not supported')
          if (flags === 2) reader.u32()
          skipConstExpr(reader)
          reader.sized('data segment')
        }
        out.push(ensureData())
        break
      default:
        out.push(module.subarray(entry.start, entry.end))
    }
  }
  // A module without data gets its section last (custom sections may come in any order).
  if (!dataWritten) out.push(ensureData())
  return concatBytes(out)
}

function section(id: number, content: Uint8Array): Uint8Array {
  return concatBytes([Uint8Array.of(id), encodeU32(content.length), content])
}

function constExpr(type: number, value: number | bigint): Uint8Array | undefined {
  const end = Uint8Array.of(0x0b)
  switch (type) {
    case 0x7f:
      return concatBytes([Uint8Array.of(0x41), encodeSleb(BigInt.asIntN(32, BigInt(value))), end])
    case 0x7e:
      return concatBytes([Uint8Array.of(0x42), encodeSleb(BigInt.asIntN(64, BigInt(value))), end])
    case 0x7d: {
      const view = new DataView(new ArrayBuffer(4))
      view.setFloat32(0, Number(value), true)
      return concatBytes([Uint8Array.of(0x43), new Uint8Array(view.buffer), end])
    }
    case 0x7c: {
      const view = new DataView(new ArrayBuffer(8))
      view.setFloat64(0, Number(value), true)
      return concatBytes([Uint8Array.of(0x44), new Uint8Array(view.buffer), end])
    }
    default:
      return undefined
  }
}

function encodeSleb32(value: number): Uint8Array {
  return encodeSleb(BigInt.asIntN(32, BigInt(value)))
}

