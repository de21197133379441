import { WasmctlError } from '../errors.js'

/**
 * A byte-level reader for WebAssembly binaries (core modules and components): the preamble,
 * LEB128 integers, names, and the top-level section list. Nothing here compiles or instantiates
 * wasm; it only walks the bytes, so it is fast on a 13 MB component and safe on hostile input.
 *
 * Hand-written because no npm package walks *component* binaries at the section level (the
 * @webassemblyjs parsers understand core modules only, and jco's parser needs the full wasm-tools
 * engine and cannot report byte ranges).
 */

export const WASM_MAGIC = Uint8Array.of(0x00, 0x61, 0x73, 0x6d)
/** The preamble wasm-encoder writes for each encoding (wascap re-emits these, not the input's). */
export const MODULE_HEADER = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00)
export const COMPONENT_HEADER = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00)

export type WasmEncoding = 'module' | 'component'

export const SectionId = {
  custom: 0,
  /** Component section ids (a nested core module, a nested component, imports, exports). */
  coreModule: 1,
  component: 4,
  componentImport: 10,
  componentExport: 11,
} as const

export interface WasmSection {
  id: number
  /** Offset of the id byte. */
  start: number
  /** Offset of the first content byte (after the size LEB128). */
  contentStart: number
  /** Offset one past the last content byte. */
  end: number
  /** For custom sections: the name, decoded from the start of the content. */
  name?: string
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

export function invalidWasm(message: string, hints: string[] = []): WasmctlError {
  return new WasmctlError('WASM_INVALID', message, {
    hints: hints.length > 0 ? hints : ['check that the file is a complete .wasm module or component (a download or build may have been cut short)'],
  })
}

/** A cursor over a byte range; every read is bounds-checked and fails with WASM_INVALID. */
export class ByteReader {
  pos: number

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start
  }

  get done(): boolean {
    return this.pos >= this.end
  }

  byte(): number {
    if (this.pos >= this.end) throw invalidWasm(`unexpected end of data at offset ${this.pos}`)
    return this.bytes[this.pos++]
  }

  /** An unsigned LEB128 of at most 32 bits (at most 5 bytes, as the spec requires). */
  u32(): number {
    const at = this.pos
    let result = 0
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) throw invalidWasm(`LEB128 integer at offset ${at} runs past the end of the data`)
      const b = this.bytes[this.pos++]
      if (i === 4 && b & 0x70) throw invalidWasm(`LEB128 integer at offset ${at} is too large for 32 bits`)
      result += (b & 0x7f) * 2 ** (7 * i)
      if ((b & 0x80) === 0) return result
    }
    throw invalidWasm(`LEB128 integer at offset ${at} is longer than 5 bytes`)
  }

  /** A signed LEB128 of at most 33 bits (component `valtype`); only its length matters to us. */
  s33(): void {
    const at = this.pos
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) throw invalidWasm(`LEB128 integer at offset ${at} runs past the end of the data`)
      if ((this.bytes[this.pos++] & 0x80) === 0) return
    }
    throw invalidWasm(`LEB128 integer at offset ${at} is longer than 5 bytes`)
  }

  /** `len:u32` then that many bytes; returns the range. */
  sized(what: string): { start: number; end: number } {
    const at = this.pos
    const length = this.u32()
    const start = this.pos
    if (length > this.end - start) {
      throw invalidWasm(`${what} at offset ${at} declares ${length} bytes but only ${this.end - start} remain`)
    }
    this.pos = start + length
    return { start, end: start + length }
  }

  /** A wasm `name`: a length-prefixed UTF-8 string. */
  name(what = 'name'): string {
    const { start, end } = this.sized(what)
    try {
      return utf8.decode(this.bytes.subarray(start, end))
    } catch {
      throw invalidWasm(`${what} at offset ${start} is not valid UTF-8`)
    }
  }
}

/** Reads the 8-byte preamble; throws WASM_INVALID for anything that is not wasm. */
/** Skips a LEB128 number of any width. */
export function skipLeb(reader: ByteReader): void {
  while (reader.byte() & 0x80);
}

/** Skips a memory's or table's limits (32-bit memories; a 64-bit one is refused). */
export function skipLimits(reader: ByteReader): void {
  const flags = reader.byte()
  if (flags & 0x04) throw invalidWasm('64-bit memories are not supported')
  reader.u32()
  if (flags & 0x01) reader.u32()
}

/** Skips a constant expression up to its `end`; only the forms the spec allows in globals. */
export function skipConstExpr(reader: ByteReader): void {
  for (;;) {
    const op = reader.byte()
    if (op === 0x0b) return
    if (op === 0x41 || op === 0x42) skipLeb(reader)
    else if (op === 0x43) reader.pos += 4
    else if (op === 0x44) reader.pos += 8
    else if (op === 0x23 || op === 0xd2) reader.u32()
    else if (op === 0xd0) reader.s33()
    else if (op === 0x6a || op === 0x6b || op === 0x6c || op === 0x7c || op === 0x7d || op === 0x7e) continue
    else throw invalidWasm(`unsupported constant expression opcode 0x${op.toString(16)}`)
  }
}

export function readPreamble(bytes: Uint8Array, start = 0): WasmEncoding {
  if (bytes.length - start < 8 || !WASM_MAGIC.every((b, i) => bytes[start + i] === b)) {
    const what = bytes.length - start < 4 || !WASM_MAGIC.every((b, i) => bytes[start + i] === b) ? 'not a WebAssembly file (no \\0asm magic)' : 'truncated WebAssembly header'
    throw invalidWasm(start === 0 ? what : `nested ${what} at offset ${start}`)
  }
  const version = bytes[start + 4] | (bytes[start + 5] << 8)
  const layer = bytes[start + 6] | (bytes[start + 7] << 8)
  if (layer === 0 && version === 1) return 'module'
  if (layer === 1 && version === 0x0d) return 'component'
  if (layer === 1) {
    throw invalidWasm(`unsupported component binary version 0x${version.toString(16)} (expected 0xd)`, [
      'rebuild the component with a current toolchain (wasm-tools, jco, cargo-component)',
    ])
  }
  throw invalidWasm(`unsupported WebAssembly version ${version} (layer ${layer})`)
}

/**
 * The sections of one module or component, in order, between `start` (just after a preamble) and
 * `end`. Nested modules and components are single sections here; walk their content to recurse.
 */
export function* sections(bytes: Uint8Array, start = 8, end = bytes.length): Generator<WasmSection> {
  const reader = new ByteReader(bytes, start, end)
  while (!reader.done) {
    const sectionStart = reader.pos
    const id = reader.byte()
    const { start: contentStart, end: contentEnd } = reader.sized(`section ${id}`)
    const section: WasmSection = { id, start: sectionStart, contentStart, end: contentEnd }
    if (id === SectionId.custom) section.name = new ByteReader(bytes, contentStart, contentEnd).name('custom section name')
    yield section
  }
}

/** Minimal unsigned LEB128, as wasm-encoder writes it. */
export function encodeU32(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`not a u32: ${value}`)
  const out: number[] = []
  do {
    let b = value % 128
    value = Math.floor(value / 128)
    if (value > 0) b |= 0x80
    out.push(b)
  } while (value > 0)
  return Uint8Array.from(out)
}

/** A custom section: id 0, size, then the name and the payload. */
/** A signed LEB128 (the immediates of i32.const / i64.const). */
export function encodeSleb(value: bigint): Uint8Array {
  const out: number[] = []
  for (;;) {
    const byte = Number(value & 0x7fn)
    value >>= 7n
    if ((value === 0n && (byte & 0x40) === 0) || (value === -1n && (byte & 0x40) !== 0)) {
      out.push(byte)
      return Uint8Array.from(out)
    }
    out.push(byte | 0x80)
  }
}

export function encodeCustomSection(name: string, payload: Uint8Array): Uint8Array {
  const nameBytes = new TextEncoder().encode(name)
  const nameLength = encodeU32(nameBytes.length)
  const contentLength = nameLength.length + nameBytes.length + payload.length
  const size = encodeU32(contentLength)
  const out = new Uint8Array(1 + size.length + contentLength)
  out[0] = SectionId.custom
  out.set(size, 1)
  out.set(nameLength, 1 + size.length)
  out.set(nameBytes, 1 + size.length + nameLength.length)
  out.set(payload, 1 + size.length + nameLength.length + nameBytes.length)
  return out
}

/** Concatenates byte chunks into one buffer. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0
  for (const chunk of chunks) total += chunk.length
  const out = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}
