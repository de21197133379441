/**
 * Tiny hand-assembled wasm binaries for tests: each byte is chosen, so the tests can check
 * exact layouts (padded LEB128 sizes, nested modules, claims sections in odd places).
 */
export type Bytes = number[] | Uint8Array

export function leb(value: number, padTo = 0): number[] {
  const out: number[] = []
  do {
    let b = value & 0x7f
    value = Math.floor(value / 128)
    if (value > 0 || out.length + 1 < padTo) b |= 0x80
    out.push(b)
  } while (value > 0 || out.length < padTo)
  return out
}

export function bytes(...parts: Bytes[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => [...part]))
}

export function name(text: string): number[] {
  const encoded = [...new TextEncoder().encode(text)]
  return [...leb(encoded.length), ...encoded]
}

/** A section; `padSize` writes its size as a padded (non-minimal) LEB128 of that many bytes. */
export function section(id: number, content: Bytes, padSize = 0): Uint8Array {
  return bytes([id], leb(content.length, padSize), content)
}

export function custom(sectionName: string, payload: Bytes | string, padSize = 0): Uint8Array {
  const data = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload
  return section(0, bytes(name(sectionName), data), padSize)
}

export const MODULE_PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]
export const COMPONENT_PREAMBLE = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]

/** type (func), function, code: a module with one empty function. */
export const FUNC_SECTIONS = [section(1, [0x01, 0x60, 0x00, 0x00]), section(3, [0x01, 0x00]), section(10, [0x01, 0x02, 0x00, 0x0b])]

export function coreModule(...sections: Uint8Array[]): Uint8Array {
  return bytes(MODULE_PREAMBLE, ...sections)
}

export function component(...sections: Uint8Array[]): Uint8Array {
  return bytes(COMPONENT_PREAMBLE, ...sections)
}

/** Component import section: each import is an instance of type 0. */
export function importSection(...names: string[]): Uint8Array {
  return section(10, bytes(leb(names.length), ...names.map((n) => bytes([0x00], name(n), [0x05, 0x00]))))
}

/** Component export section: [name, sort] pairs (sort 0x05 instance, 0x01 func, 0x03 type). */
export function exportSection(...exports: [string, number][]): Uint8Array {
  return section(11, bytes(leb(exports.length), ...exports.map(([n, sort]) => bytes([0x00], name(n), [sort, 0x00], [0x00]))))
}
