import { WasmctlError } from '../errors.js'
import { ByteReader, invalidWasm, readPreamble, SectionId, sections } from './binary.js'

/**
 * The top-level imports and exports of a component (its world, as the names a host links
 * against: `wasi:http/incoming-handler@0.2.10`, `wasi:cli/environment@0.2.3`, a plain function
 * name...), read from the component's import (id 10) and export (id 11) sections without a
 * WebAssembly engine. Nested components and core modules are skipped: only the outer component's
 * interface is the world.
 */
/** Strips `@version` from a WIT name: `wasi:http/types@0.2.0` → `wasi:http/types`. */
export function unversioned(name: string): string {
  return name.replace(/@[^/@]*$/, '')
}

export interface ComponentWorld {
  imports: string[]
  exports: string[]
}

export function isComponent(bytes: Uint8Array): boolean {
  return encodingOf(bytes) === 'component'
}

export function isCoreModule(bytes: Uint8Array): boolean {
  return encodingOf(bytes) === 'module'
}

function encodingOf(bytes: Uint8Array): ReturnType<typeof readPreamble> | undefined {
  try {
    return readPreamble(bytes)
  } catch {
    return undefined
  }
}

export function componentWorld(bytes: Uint8Array): ComponentWorld {
  if (readPreamble(bytes) !== 'component') {
    throw new WasmctlError('WASM_NOT_COMPONENT', 'this is a core WebAssembly module, not a component', {
      hints: [
        'build a component (e.g. wasm32-wasip2, componentize-js, or `jco new core.wasm --wasi-reactor -o component.wasm`)',
      ],
    })
  }
  const world: ComponentWorld = { imports: [], exports: [] }
  for (const section of sections(bytes)) {
    if (section.id === SectionId.componentImport) {
      const reader = new ByteReader(bytes, section.contentStart, section.end)
      for (let count = reader.u32(); count > 0; count--) {
        world.imports.push(externName(reader, 'import name'))
        skipExternDesc(reader)
      }
      expectEnd(reader, 'import section')
    } else if (section.id === SectionId.componentExport) {
      const reader = new ByteReader(bytes, section.contentStart, section.end)
      for (let count = reader.u32(); count > 0; count--) {
        const name = externName(reader, 'export name')
        const sort = skipSortIdx(reader)
        if (reader.byte() === 0x01) skipExternDesc(reader)
        // A world exports interfaces and functions; type exports only name the types those use.
        if (sort !== SORT_TYPE) world.exports.push(name)
      }
      expectEnd(reader, 'export section')
    }
  }
  return world
}

const SORT_CORE = 0x00
const SORT_TYPE = 0x03

/** `importname'` / `exportname'`: a discriminant byte then a name (0x01 is the legacy "interface" form wasmparser still reads). */
function externName(reader: ByteReader, what: string): string {
  const at = reader.pos
  const kind = reader.byte()
  if (kind !== 0x00 && kind !== 0x01) throw invalidWasm(`unknown ${what} kind 0x${kind.toString(16)} at offset ${at}`)
  return reader.name(what)
}

function skipSortIdx(reader: ByteReader): number {
  const sort = reader.byte()
  if (sort === SORT_CORE) reader.byte()
  reader.u32()
  return sort
}

function skipExternDesc(reader: ByteReader): void {
  const at = reader.pos
  const kind = reader.byte()
  switch (kind) {
    case 0x00: // core module: 0x11 typeidx
      reader.byte()
      reader.u32()
      return
    case 0x01: // func
    case 0x04: // component
    case 0x05: // instance
      reader.u32()
      return
    case 0x02: // value: eq valueidx | valtype
      if (reader.byte() === 0x00) reader.u32()
      else reader.s33()
      return
    case 0x03: // type: eq typeidx | sub resource
      if (reader.byte() === 0x00) reader.u32()
      return
    default:
      throw invalidWasm(`unknown extern descriptor 0x${kind.toString(16)} at offset ${at}`)
  }
}

function expectEnd(reader: ByteReader, what: string): void {
  if (!reader.done) throw invalidWasm(`${what} ends at offset ${reader.pos} before its declared size (${reader.end})`)
}
