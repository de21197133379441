import { createHash } from 'node:crypto'

import { WasmctlError } from '../errors.js'
import {
  COMPONENT_HEADER,
  concatBytes,
  encodeCustomSection,
  encodeU32,
  MODULE_HEADER,
  readPreamble,
  SectionId,
  sections,
  type WasmEncoding,
} from '../wasm/binary.js'

/**
 * Claims inside a wasm file, as wascap (wasmCloud/wasmCloud `crates/wascap/src/wasm.rs`) stores
 * and hashes them: a custom section `wasmcloud_jwt` (legacy: `jwt`) holding the JWT text, and a
 * hash over the file rebuilt without any such section, at any nesting depth, with every section
 * size re-encoded as minimal LEB128 and the constant preamble for each encoding.
 */

export const CLAIMS_SECTION = 'wasmcloud_jwt'
export const LEGACY_CLAIMS_SECTION = 'jwt'

export interface ClaimsSection {
  name: string
  /** 0 for the outer module/component, 1+ inside nested modules and components. */
  depth: number
  /** Offset of the section's id byte in the file. */
  offset: number
  jwt: string
}

export interface WasmClaimsScan {
  encoding: WasmEncoding
  /** The file rebuilt without claims sections, as chunks (views into the input, no copies). */
  stripped: Uint8Array[]
  strippedLength: number
  /** Claims sections wascap's extraction would consider, in file order. */
  claimsSections: ClaimsSection[]
}

const isClaimsName = (name: string | undefined) => name === CLAIMS_SECTION || name === LEGACY_CLAIMS_SECTION

/** One pass over the file: the stripped rebuild (for the hash) and the claims sections found. */
export function scanWasm(bytes: Uint8Array): WasmClaimsScan {
  const claimsSections: ClaimsSection[] = []
  const { encoding, chunks, length } = rebuild(bytes, 0, bytes.length, 0, claimsSections)
  return { encoding, stripped: chunks, strippedLength: length, claimsSections }
}

function rebuild(
  bytes: Uint8Array,
  start: number,
  end: number,
  depth: number,
  claimsSections: ClaimsSection[],
): { encoding: WasmEncoding; chunks: Uint8Array[]; length: number } {
  const encoding = readPreamble(bytes.subarray(0, end), start)
  const chunks: Uint8Array[] = [encoding === 'component' ? COMPONENT_HEADER : MODULE_HEADER]
  let length = 8
  const push = (chunk: Uint8Array) => {
    chunks.push(chunk)
    length += chunk.length
  }
  for (const section of sections(bytes, start + 8, end)) {
    if (section.id === SectionId.custom && isClaimsName(section.name)) {
      // wascap's extraction quirk: `jwt` counts at any depth, `wasmcloud_jwt` only at the top.
      if (section.name === LEGACY_CLAIMS_SECTION || depth === 0) {
        claimsSections.push({ name: section.name!, depth, offset: section.start, jwt: sectionText(bytes, section.contentStart, section.end) })
      }
      continue
    }
    const nested = encoding === 'component' && (section.id === SectionId.coreModule || section.id === SectionId.component)
    if (nested) {
      const inner = rebuild(bytes, section.contentStart, section.end, depth + 1, claimsSections)
      // wascap wraps by what the nested bytes turned out to be, not by the section id.
      push(Uint8Array.of(inner.encoding === 'component' ? SectionId.component : SectionId.coreModule))
      push(encodeU32(inner.length))
      for (const chunk of inner.chunks) push(chunk)
    } else {
      push(Uint8Array.of(section.id))
      push(encodeU32(section.end - section.contentStart))
      push(bytes.subarray(section.contentStart, section.end))
    }
  }
  return { encoding, chunks, length }
}

function sectionText(bytes: Uint8Array, contentStart: number, end: number): string {
  // The content starts with the section name; the rest is the JWT text.
  let pos = contentStart
  let nameLength = 0
  for (let shift = 0; ; shift += 7) {
    const b = bytes[pos++]
    nameLength += (b & 0x7f) * 2 ** shift
    if ((b & 0x80) === 0) break
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset + pos + nameLength, end - pos - nameLength).toString('utf8')
}

/** HEXUPPER(sha256(stripped)), the `wascap.hash` of a file. */
export function hashChunks(chunks: readonly Uint8Array[]): string {
  const hash = createHash('sha256')
  for (const chunk of chunks) hash.update(chunk)
  return hash.digest('hex').toUpperCase()
}

export function computeWascapHash(bytes: Uint8Array): string {
  return hashChunks(scanWasm(bytes).stripped)
}

export function stripClaims(bytes: Uint8Array): Uint8Array {
  return concatBytes(scanWasm(bytes).stripped)
}

/** The one claims section of a file, or undefined when it has none; more than one is refused. */
export function extractClaimsSection(scan: WasmClaimsScan): ClaimsSection | undefined {
  if (scan.claimsSections.length > 1) {
    const where = scan.claimsSections.map((s) => `'${s.name}' at offset ${s.offset}`).join(', ')
    throw new WasmctlError('CLAIMS_INVALID', `the file has ${scan.claimsSections.length} claims sections (${where}); a signed file has exactly one`, {
      hints: ['re-sign it with `wasmctl sign`, which replaces every old claims section with one'],
      details: { sections: scan.claimsSections.map(({ name, depth, offset }) => ({ name, depth, offset })) },
    })
  }
  return scan.claimsSections[0]
}

/** The stripped file plus one `wasmcloud_jwt` section at the end (wascap's `embed_claims`). */
export function appendClaimsSection(stripped: readonly Uint8Array[], jwt: string): Uint8Array {
  return concatBytes([...stripped, encodeCustomSection(CLAIMS_SECTION, Buffer.from(jwt, 'utf8'))])
}
