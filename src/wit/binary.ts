import { WasmctlError } from '../errors.js'

/**
 * Prints a wasm-encoded WIT package (what `wkg publish` / `wash wit publish` push to a registry)
 * as WIT text. Hand-written because jco's `componentWit` only prints components and aborts on a
 * package, and no npm package decodes the package encoding. It reads the binary format's type
 * declarations (component-model Binary.md): each top-level type export is a component type
 * that exports one interface (an instance type) or one world (a component type) under its
 * fully qualified name; `use` of another interface is an import of that interface plus an
 * outer alias. Documentation comments and feature gates (kept in the `package-docs` custom
 * section) are not reproduced: the printed package declares the same types and functions.
 */

export interface PrintedPackage {
  /** `namespace:name` */
  name: string
  version?: string
  /** `package ns:name@version;` followed by the package's interfaces and worlds. */
  text: string
  /** Other packages the printed text refers to (`ns:name@version` or `ns:name`). */
  dependencies: string[]
}

type ValType = { prim: string } | { index: number }

type Def =
  | { kind: 'prim'; name: string }
  | { kind: 'record'; fields: [string, ValType][] }
  | { kind: 'variant'; cases: [string, ValType | undefined][] }
  | { kind: 'list'; element: ValType; length?: number }
  | { kind: 'tuple'; types: ValType[] }
  | { kind: 'flags'; names: string[] }
  | { kind: 'enum'; names: string[] }
  | { kind: 'option'; type: ValType }
  | { kind: 'result'; ok?: ValType; err?: ValType }
  | { kind: 'own' | 'borrow'; type: number }
  | { kind: 'stream' | 'future'; type?: ValType }
  | { kind: 'func'; async: boolean; params: [string, ValType][]; result?: ValType }
  | { kind: 'resource' }
  | { kind: 'instance'; decls: Decl[] }
  | { kind: 'component'; decls: Decl[] }

type ExternDesc =
  | { sort: 'func' | 'component' | 'instance'; type: number }
  | { sort: 'type'; eq?: number }
  | { sort: 'value' | 'module' }

type Decl =
  | { kind: 'type'; def: Def }
  | { kind: 'alias-export'; sort: string; instance: number; name: string }
  | { kind: 'alias-outer'; sort: string; count: number; index: number }
  | { kind: 'import' | 'export'; name: string; desc: ExternDesc }

const PRIMITIVES: Record<number, string> = {
  0x7f: 'bool', 0x7e: 's8', 0x7d: 'u8', 0x7c: 's16', 0x7b: 'u16', 0x7a: 's32', 0x79: 'u32', 0x78: 's64',
  0x77: 'u64', 0x76: 'f32', 0x75: 'f64', 0x74: 'char', 0x73: 'string', 0x64: 'error-context',
}

function malformed(reason: string): WasmctlError {
  return new WasmctlError('WIT_DEPS_MALFORMED', `the package is not a valid wasm-encoded WIT package: ${reason}`, {
    hints: ['publish the package with `wkg wit build` + `wkg publish` (or `wash wit build`), which encode WIT packages this way'],
  })
}

class Reader {
  offset = 0
  constructor(readonly bytes: Uint8Array, readonly end = bytes.length) {}

  byte(): number {
    if (this.offset >= this.end) throw malformed('unexpected end of data')
    return this.bytes[this.offset++]
  }

  peek(): number {
    if (this.offset >= this.end) throw malformed('unexpected end of data')
    return this.bytes[this.offset]
  }

  u32(): number {
    let result = 0
    let shift = 0
    for (;;) {
      const byte = this.byte()
      result += (byte & 0x7f) * 2 ** shift
      if ((byte & 0x80) === 0) return result
      shift += 7
      if (shift > 35) throw malformed('integer too long')
    }
  }

  /** A signed LEB128 of up to 33 bits (type indices in value types). */
  s33(): number {
    let result = 0
    let shift = 0
    let byte: number
    do {
      byte = this.byte()
      result += (byte & 0x7f) * 2 ** shift
      shift += 7
    } while (byte & 0x80)
    if (byte & 0x40) result -= 2 ** shift
    return result
  }

  string(): string {
    const length = this.u32()
    if (this.offset + length > this.end) throw malformed('string runs past the end')
    const text = new TextDecoder('utf-8', { fatal: true }).decode(this.bytes.subarray(this.offset, this.offset + length))
    this.offset += length
    return text
  }

  vec<T>(item: () => T): T[] {
    const count = this.u32()
    const items: T[] = []
    for (let i = 0; i < count; i++) items.push(item())
    return items
  }

  optional<T>(item: () => T): T | undefined {
    const flag = this.byte()
    if (flag === 0) return undefined
    if (flag === 1) return item()
    throw malformed(`bad option flag 0x${flag.toString(16)}`)
  }
}

function valType(reader: Reader): ValType {
  const first = reader.peek()
  if ((first & 0xc0) === 0x40) {
    reader.byte()
    const prim = PRIMITIVES[first]
    if (!prim) throw malformed(`unknown value type 0x${first.toString(16)}`)
    return { prim }
  }
  return { index: reader.s33() }
}

function externName(reader: Reader): string {
  const kind = reader.byte()
  if (kind !== 0x00 && kind !== 0x01) throw malformed(`unsupported extern name kind 0x${kind.toString(16)}`)
  return reader.string()
}

function externDesc(reader: Reader): ExternDesc {
  const kind = reader.byte()
  switch (kind) {
    case 0x00:
      reader.byte()
      reader.u32()
      return { sort: 'module' }
    case 0x01:
      return { sort: 'func', type: reader.u32() }
    case 0x02:
      reader.byte() === 0x00 ? reader.u32() : valType(reader)
      return { sort: 'value' }
    case 0x03: {
      const bound = reader.byte()
      if (bound === 0x00) return { sort: 'type', eq: reader.u32() }
      if (bound === 0x01) return { sort: 'type' }
      throw malformed(`bad type bound 0x${bound.toString(16)}`)
    }
    case 0x04:
      return { sort: 'component', type: reader.u32() }
    case 0x05:
      return { sort: 'instance', type: reader.u32() }
    default:
      throw malformed(`bad extern description 0x${kind.toString(16)}`)
  }
}

const SORTS: Record<number, string> = { 0x01: 'func', 0x02: 'value', 0x03: 'type', 0x04: 'component', 0x05: 'instance' }

function sort(reader: Reader): string {
  const code = reader.byte()
  if (code === 0x00) {
    reader.byte()
    return 'core'
  }
  const name = SORTS[code]
  if (!name) throw malformed(`bad sort 0x${code.toString(16)}`)
  return name
}

function alias(reader: Reader): Decl {
  const aliasSort = sort(reader)
  const target = reader.byte()
  if (target === 0x00) return { kind: 'alias-export', sort: aliasSort, instance: reader.u32(), name: reader.string() }
  if (target === 0x02) return { kind: 'alias-outer', sort: aliasSort, count: reader.u32(), index: reader.u32() }
  if (target === 0x01) {
    reader.u32()
    reader.string()
    return { kind: 'alias-export', sort: 'core', instance: -1, name: '' }
  }
  throw malformed(`bad alias target 0x${target.toString(16)}`)
}

function decls(reader: Reader, component: boolean): Decl[] {
  return reader.vec(() => {
    const kind = reader.byte()
    if (kind === 0x03 && component) return { kind: 'import', name: externName(reader), desc: externDesc(reader) }
    if (kind === 0x01) return { kind: 'type', def: typeDef(reader) }
    if (kind === 0x02) return alias(reader)
    if (kind === 0x04) return { kind: 'export', name: externName(reader), desc: externDesc(reader) }
    throw malformed(`unsupported declaration 0x${kind.toString(16)} (core types do not occur in WIT packages)`)
  })
}

function typeDef(reader: Reader): Def {
  const code = reader.byte()
  if (PRIMITIVES[code]) return { kind: 'prim', name: PRIMITIVES[code] }
  switch (code) {
    case 0x72:
      return { kind: 'record', fields: reader.vec(() => [reader.string(), valType(reader)] as [string, ValType]) }
    case 0x71:
      return {
        kind: 'variant',
        cases: reader.vec(() => {
          const name = reader.string()
          const type = reader.optional(() => valType(reader))
          // The retired "refines" slot: 0x00, or 0x01 and an index.
          if (reader.byte() === 0x01) reader.u32()
          return [name, type] as [string, ValType | undefined]
        }),
      }
    case 0x70:
      return { kind: 'list', element: valType(reader) }
    case 0x67:
      return { kind: 'list', element: valType(reader), length: reader.u32() }
    case 0x6f:
      return { kind: 'tuple', types: reader.vec(() => valType(reader)) }
    case 0x6e:
      return { kind: 'flags', names: reader.vec(() => reader.string()) }
    case 0x6d:
      return { kind: 'enum', names: reader.vec(() => reader.string()) }
    case 0x6b:
      return { kind: 'option', type: valType(reader) }
    case 0x6a:
      return { kind: 'result', ok: reader.optional(() => valType(reader)), err: reader.optional(() => valType(reader)) }
    case 0x69:
      return { kind: 'own', type: reader.u32() }
    case 0x68:
      return { kind: 'borrow', type: reader.u32() }
    case 0x66:
      return { kind: 'stream', type: reader.optional(() => valType(reader)) }
    case 0x65:
      return { kind: 'future', type: reader.optional(() => valType(reader)) }
    case 0x40:
    case 0x43: {
      const params = reader.vec(() => [reader.string(), valType(reader)] as [string, ValType])
      let result: ValType | undefined
      const results = reader.byte()
      if (results === 0x00) result = valType(reader)
      else if (results === 0x01) {
        const named = reader.vec(() => [reader.string(), valType(reader)] as const)
        if (named.length > 0) throw malformed('named function results are not WIT')
      } else throw malformed(`bad function results 0x${results.toString(16)}`)
      return { kind: 'func', async: code === 0x43, params, result }
    }
    case 0x41:
      return { kind: 'component', decls: decls(reader, true) }
    case 0x42:
      return { kind: 'instance', decls: decls(reader, false) }
    case 0x3f:
    case 0x3e: {
      reader.byte()
      reader.optional(() => reader.u32())
      if (code === 0x3e) reader.optional(() => reader.u32())
      return { kind: 'resource' }
    }
    default:
      throw malformed(`unsupported type 0x${code.toString(16)}`)
  }
}

/** The top-level type exports of a component binary: name → component type. */
function packageExports(bytes: Uint8Array): { name: string; def: Def }[] {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) throw malformed('no wasm header')
  if (bytes[6] !== 0x01 || bytes[7] !== 0x00) throw malformed('a core module, not a component')
  const reader = new Reader(bytes)
  reader.offset = 8
  const types: (Def | undefined)[] = []
  const exports: { name: string; def: Def }[] = []
  while (reader.offset < bytes.length) {
    const id = reader.byte()
    const size = reader.u32()
    const end = reader.offset + size
    if (end > bytes.length) throw malformed('section runs past the end')
    const section = new Reader(bytes, end)
    section.offset = reader.offset
    if (id === 7) {
      for (const def of section.vec(() => typeDef(section))) types.push(def)
    } else if (id === 11) {
      section.vec(() => {
        const name = externName(section)
        const exportSort = sort(section)
        const index = section.u32()
        section.optional(() => externDesc(section))
        if (exportSort === 'type') {
          const def = types[index]
          if (def) exports.push({ name, def })
          types.push(def)
        }
        return undefined
      })
    } else if (id !== 0) {
      throw malformed(`section ${id} does not occur in a WIT package (this looks like a component, not a package)`)
    }
    reader.offset = end
  }
  return exports
}

const KEYWORDS = new Set([
  'as', 'async', 'bool', 'borrow', 'char', 'constructor', 'enum', 'export', 'f32', 'f64', 'flags', 'float32', 'float64', 'func',
  'future', 'import', 'include', 'interface', 'list', 'option', 'own', 'package', 'record', 'resource', 'result', 's16', 's32',
  's64', 's8', 'static', 'stream', 'string', 'tuple', 'type', 'u16', 'u32', 'u64', 'u8', 'use', 'variant', 'with', 'world',
  'error-context', '_',
])

function id(name: string): string {
  return KEYWORDS.has(name) ? `%${name}` : name
}

interface QualifiedName {
  pkg: string
  version?: string
  item: string
}

function parseQualified(name: string): QualifiedName | undefined {
  const match = /^([a-z][a-z0-9-]*:[a-z][a-z0-9-]*)\/([a-z][a-z0-9-]*)(?:@(.+))?$/.exec(name)
  return match ? { pkg: match[1], item: match[2], version: match[3] } : undefined
}

/** A type in some scope: what a reference to it prints as. */
type TypeEntry =
  | { kind: 'def'; def: Def }
  | { kind: 'named'; name: string; eq?: number; scope: Scope }
  | { kind: 'used'; from: string; name: string }
  | { kind: 'resource'; name: string }

interface Scope {
  types: TypeEntry[]
  instances: string[]
  parent?: Scope
}

class Printer {
  readonly dependencies = new Set<string>()

  constructor(readonly pkg: string, readonly version: string | undefined) {}

  /** How an interface is referenced from this package: short name when it is one of ours. */
  interfaceRef(name: string): string {
    const qualified = parseQualified(name)
    if (!qualified) return id(name)
    if (qualified.pkg === this.pkg && qualified.version === this.version) return id(qualified.item)
    this.dependencies.add(qualified.version ? `${qualified.pkg}@${qualified.version}` : qualified.pkg)
    return name
  }

  typeRef(scope: Scope, type: ValType): string {
    if ('prim' in type) return type.prim
    const entry = this.lookup(scope, type.index)
    if (entry.kind === 'named' || entry.kind === 'resource' || entry.kind === 'used') return id(entry.name)
    return this.anonymous(scope, entry.def)
  }

  lookup(scope: Scope, index: number): TypeEntry {
    const entry = scope.types[index]
    if (!entry) throw malformed(`type index ${index} out of range`)
    return entry
  }

  anonymous(scope: Scope, def: Def): string {
    switch (def.kind) {
      case 'prim':
        return def.name
      case 'list':
        return def.length === undefined ? `list<${this.typeRef(scope, def.element)}>` : `list<${this.typeRef(scope, def.element)}, ${def.length}>`
      case 'tuple':
        return `tuple<${def.types.map((type) => this.typeRef(scope, type)).join(', ')}>`
      case 'option':
        return `option<${this.typeRef(scope, def.type)}>`
      case 'result':
        if (!def.ok && !def.err) return 'result'
        if (!def.err) return `result<${this.typeRef(scope, def.ok!)}>`
        return `result<${def.ok ? this.typeRef(scope, def.ok) : '_'}, ${this.typeRef(scope, def.err)}>`
      case 'own':
        return this.typeRef(scope, { index: def.type })
      case 'borrow':
        return `borrow<${this.typeRef(scope, { index: def.type })}>`
      case 'stream':
      case 'future':
        return def.type ? `${def.kind}<${this.typeRef(scope, def.type)}>` : def.kind
      default:
        throw malformed(`a ${def.kind} type used without a name`)
    }
  }

  signature(scope: Scope, def: Def, dropSelf = false): string {
    if (def.kind !== 'func') throw malformed('a function export without a function type')
    const params = (dropSelf ? def.params.slice(1) : def.params).map(([name, type]) => `${id(name)}: ${this.typeRef(scope, type)}`)
    const result = def.result ? ` -> ${this.typeRef(scope, def.result)}` : ''
    return `${def.async ? 'async ' : ''}func(${params.join(', ')})${result}`
  }

  /** `constructor(a: u32)`; a fallible one keeps its `-> result<r, e>` (a plain `own<r>` result is implied). */
  constructorSignature(scope: Scope, def: Def): string {
    if (def.kind !== 'func') throw malformed('a constructor without a function type')
    const params = def.params.map(([name, type]) => `${id(name)}: ${this.typeRef(scope, type)}`).join(', ')
    const result = def.result && 'index' in def.result ? this.lookup(scope, def.result.index) : undefined
    const implied = !def.result || (result?.kind === 'def' && result.def.kind === 'own')
    return `constructor(${params})${implied ? '' : ` -> ${this.typeRef(scope, def.result!)}`}`
  }

  /** Resolves an outer alias to the `use` it stands for. */
  outer(scope: Scope, count: number, index: number): TypeEntry {
    let target: Scope | undefined = scope
    for (let i = 0; i < count; i++) target = target?.parent
    if (!target) throw malformed('outer alias past the top')
    return this.lookup(target, index)
  }

  /** The items of an instance type (an interface body), one line each. */
  interfaceBody(decls: Decl[], parent: Scope): string[] {
    const scope: Scope = { types: [], instances: [], parent }
    const uses = new Map<string, string[]>()
    const lines: string[] = []
    const resources = new Map<string, string[]>()
    const functions: string[] = []
    for (const decl of decls) {
      if (decl.kind === 'type') {
        scope.types.push(decl.def.kind === 'resource' ? { kind: 'resource', name: '' } : { kind: 'def', def: decl.def })
      } else if (decl.kind === 'alias-outer') {
        if (decl.sort !== 'type') throw malformed(`outer alias of a ${decl.sort}`)
        scope.types.push(this.outer(scope, decl.count, decl.index))
      } else if (decl.kind === 'alias-export') {
        throw malformed('an export alias inside an interface')
      } else if (decl.kind === 'export') {
        const { name, desc } = decl
        if (desc.sort === 'type') {
          if (desc.eq === undefined) {
            scope.types.push({ kind: 'resource', name })
            resources.set(name, [])
            lines.push(`resource ${id(name)}`)
            continue
          }
          const target = this.lookup(scope, desc.eq)
          scope.types.push({ kind: 'named', name, eq: desc.eq, scope })
          if (target.kind === 'used') {
            const from = this.interfaceRef(target.from)
            const list = uses.get(from) ?? []
            list.push(target.name === name ? id(name) : `${id(target.name)} as ${id(name)}`)
            uses.set(from, list)
          } else if (target.kind === 'named' || target.kind === 'resource') {
            lines.push(`type ${id(name)} = ${id(target.name)};`)
          } else {
            lines.push(this.namedType(scope, name, target.def))
          }
        } else if (desc.sort === 'func') {
          const def = this.funcType(scope, desc.type)
          const method = /^\[(constructor|method|static)\]([^.]+)(?:\.(.+))?$/.exec(name)
          if (method && resources.has(method[2])) {
            const [, kind, resource, member] = method
            const body = resources.get(resource)!
            if (kind === 'constructor') body.push(`${this.constructorSignature(scope, def)};`)
            else if (kind === 'method') body.push(`${id(member)}: ${this.signature(scope, def, true)};`)
            else body.push(`${id(member)}: static ${this.signature(scope, def)};`)
          } else {
            functions.push(`${id(name)}: ${this.signature(scope, def)};`)
          }
        } else {
          throw malformed(`an interface exports a ${desc.sort}`)
        }
      }
    }
    const useLines = [...uses].map(([from, names]) => `use ${from}.{${names.join(', ')}};`)
    const body = lines.map((line) => {
      const resource = /^resource (%?[\w-]+)$/.exec(line)
      if (!resource) return line
      const members = resources.get(resource[1].replace(/^%/, '')) ?? []
      return members.length === 0 ? `${line};` : [`${line} {`, ...members.map((member) => `  ${member}`), '}'].join('\n')
    })
    return [...useLines, ...body, ...functions]
  }

  funcType(scope: Scope, index: number): Def {
    const entry = this.lookup(scope, index)
    if (entry.kind !== 'def' || entry.def.kind !== 'func') throw malformed('a function export without a function type')
    return entry.def
  }

  namedType(scope: Scope, name: string, def: Def): string {
    const block = (keyword: string, items: string[]) =>
      items.length === 0 ? `${keyword} ${id(name)} {}` : [`${keyword} ${id(name)} {`, ...items.map((item) => `  ${item},`), '}'].join('\n')
    switch (def.kind) {
      case 'record':
        return block('record', def.fields.map(([field, type]) => `${id(field)}: ${this.typeRef(scope, type)}`))
      case 'variant':
        return block('variant', def.cases.map(([label, type]) => (type ? `${id(label)}(${this.typeRef(scope, type)})` : id(label))))
      case 'enum':
        return block('enum', def.names.map(id))
      case 'flags':
        return block('flags', def.names.map(id))
      default:
        return `type ${id(name)} = ${this.anonymous(scope, def)};`
    }
  }

  /** A world: its component type's imports and exports. */
  worldBody(decls: Decl[], parent: Scope): string[] {
    const scope: Scope = { types: [], instances: [], parent }
    const lines: string[] = []
    for (const decl of decls) {
      if (decl.kind === 'type') {
        scope.types.push(decl.def.kind === 'resource' ? { kind: 'resource', name: '' } : { kind: 'def', def: decl.def })
      } else if (decl.kind === 'alias-export') {
        if (decl.sort !== 'type') throw malformed(`export alias of a ${decl.sort} in a world`)
        scope.types.push({ kind: 'used', from: scope.instances[decl.instance], name: decl.name })
      } else if (decl.kind === 'alias-outer') {
        scope.types.push(this.outer(scope, decl.count, decl.index))
      } else {
        const direction = decl.kind
        const { name, desc } = decl
        if (desc.sort === 'instance') {
          scope.instances.push(name)
          if (parseQualified(name)) {
            lines.push(`${direction} ${this.interfaceRef(name)};`)
          } else {
            const entry = this.lookup(scope, desc.type)
            if (entry.kind !== 'def' || entry.def.kind !== 'instance') throw malformed(`instance ${name} without an instance type`)
            const body = this.interfaceBody(entry.def.decls, scope)
            lines.push([`${direction} ${id(name)}: interface {`, ...body.flatMap((line) => line.split('\n').map((part) => `  ${part}`)), '}'].join('\n'))
          }
        } else if (desc.sort === 'func') {
          lines.push(`${direction} ${id(name)}: ${this.signature(scope, this.funcType(scope, desc.type))};`)
        } else if (desc.sort === 'type') {
          if (desc.eq === undefined) throw malformed('a world imports a resource without an interface')
          const target = this.lookup(scope, desc.eq)
          scope.types.push({ kind: 'named', name, eq: desc.eq, scope })
          if (target.kind === 'used') {
            const from = this.interfaceRef(target.from)
            lines.unshift(`use ${from}.{${target.name === name ? id(name) : `${id(target.name)} as ${id(name)}`}};`)
          } else if (target.kind === 'def') {
            lines.push(this.namedType(scope, name, target.def))
          }
        } else {
          throw malformed(`a world ${direction}s a ${desc.sort}`)
        }
      }
    }
    return lines
  }

  /** The wrapper component type of one interface or world: imports of used interfaces, then the export. */
  item(def: Def): { name: string; text: string } {
    if (def.kind !== 'component') throw malformed('a package item that is not a component type')
    const scope: Scope = { types: [], instances: [] }
    for (const decl of def.decls) {
      if (decl.kind === 'type') {
        scope.types.push({ kind: 'def', def: decl.def })
      } else if (decl.kind === 'import') {
        if (decl.desc.sort === 'instance') scope.instances.push(decl.name)
        else if (decl.desc.sort === 'type') scope.types.push({ kind: 'named', name: decl.name, scope })
      } else if (decl.kind === 'alias-export') {
        if (decl.sort === 'type') scope.types.push({ kind: 'used', from: scope.instances[decl.instance], name: decl.name })
      } else if (decl.kind === 'alias-outer') {
        throw malformed('outer alias at the top of a package item')
      } else {
        const qualified = parseQualified(decl.name)
        if (!qualified) throw malformed(`package item "${decl.name}" is not a qualified name`)
        const body = this.lookup(scope, 'type' in decl.desc ? decl.desc.type : -1)
        if (body.kind !== 'def') throw malformed(`package item ${decl.name} has no body`)
        const isWorld = decl.desc.sort === 'component'
        const lines = isWorld ? this.worldBody((body.def as { decls: Decl[] }).decls, scope) : this.interfaceBody((body.def as { decls: Decl[] }).decls, scope)
        const keyword = isWorld ? 'world' : 'interface'
        const text = lines.length === 0 ? `${keyword} ${id(qualified.item)} {}` : [`${keyword} ${id(qualified.item)} {`, ...lines.flatMap((line) => line.split('\n').map((part) => `  ${part}`)), '}'].join('\n')
        return { name: decl.name, text }
      }
    }
    throw malformed('a package item that exports nothing')
  }
}

/** WIT text of a wasm-encoded WIT package. */
export function printWitPackage(bytes: Uint8Array): PrintedPackage {
  const exports = packageExports(bytes)
  if (exports.length === 0) throw malformed('it exports no interface or world')
  let pkg: QualifiedName | undefined
  for (const { def } of exports) {
    if (def.kind !== 'component') continue
    const exported = def.decls.find((decl) => decl.kind === 'export')
    if (exported && exported.kind === 'export') pkg = parseQualified(exported.name)
    if (pkg) break
  }
  if (!pkg) throw malformed('no item carries a package name')
  const printer = new Printer(pkg.pkg, pkg.version)
  const items = exports.map(({ def }) => printer.item(def))
  const header = `package ${pkg.pkg}${pkg.version ? `@${pkg.version}` : ''};`
  const text = [header, '', ...items.map((item) => `${item.text}\n`)].join('\n')
  return { name: pkg.pkg, ...(pkg.version ? { version: pkg.version } : {}), text, dependencies: [...printer.dependencies].sort() }
}
