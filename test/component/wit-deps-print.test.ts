import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { componentEmbed, componentNew, componentWit, parse } from '@bytecodealliance/jco'
import { describe, expect, it } from 'vitest'

import { printWitPackage } from '../../src/wit/binary.js'
import { formatPackage, scanWitFolder } from '../../src/wit/refs.js'
import { tempDir } from '../helpers/tmp.js'

/**
 * The WIT printer for wasm-encoded packages, checked against wasm-tools (inside jco): a world
 * resolved from the printed text must be the world resolved from the package's original source.
 * The binaries are the encodings of test/fixtures/wit-deps/*.wit, written in WAT beside them.
 */
const fixtures = path.join(import.meta.dirname, '..', 'fixtures', 'wit-deps')
const read = (name: string) => readFileSync(path.join(fixtures, name), 'utf8')

/** The world as wasm-tools sees it after resolving `source`: a dummy component's WIT. */
async function resolvedWorld(source: string, world: string): Promise<string> {
  return componentWit(await componentNew(await componentEmbed({ witSource: source, dummy: true, world })))
}

/** The payload of the first custom section of a core module whose name starts with `prefix`. */
function customSection(module: Uint8Array, prefix: string): Uint8Array {
  let offset = 8
  const leb = () => {
    let value = 0
    for (let shift = 0; ; shift += 7) {
      const byte = module[offset++]
      value += (byte & 0x7f) * 2 ** shift
      if (!(byte & 0x80)) return value
    }
  }
  while (offset < module.length) {
    const id = module[offset++]
    const size = leb()
    const end = offset + size
    if (id === 0) {
      const nameLength = leb()
      const name = Buffer.from(module.subarray(offset, offset + nameLength)).toString('utf8')
      if (name.startsWith(prefix)) return module.subarray(offset + nameLength, end)
    }
    offset = end
  }
  throw new Error(`no custom section ${prefix}*`)
}

describe('printWitPackage', () => {
  for (const [name, world] of [
    ['wasi-example-0.1.0', 'wasi:example/imports@0.1.0'],
    ['acme-kitchen-1.0.0', 'acme:kitchen/kitchen@1.0.0'],
  ]) {
    it(`prints ${name} as WIT that resolves to the same world as its source`, async () => {
      const printed = printWitPackage(await parse(read(`${name}.wat`)))
      expect(printed.text.startsWith(`package ${name.replace(/-(\d)/, '@$1').replace('-', ':')};\n`)).toBe(true)
      expect(await resolvedWorld(printed.text, world)).toBe(await resolvedWorld(read(`${name}.wit`), world))
    })
  }

  it('prints every construct of the kitchen package the way WIT writes it', async () => {
    const { text, dependencies } = printWitPackage(await parse(read('acme-kitchen-1.0.0.wat')))
    for (const line of [
      'variant shape {\n    circle(f32),\n    point,\n  }',
      'flags perms {\n    read,\n    write,\n  }',
      'type id = u64;',
      'resource pot {\n    boil: static func(p: borrow<pot>) -> option<id>;\n  }',
      'record %type {\n    %list: list<string>,\n  }',
      'use types.{shape as form, pot};',
      'cook: func(s: form, p: borrow<pot>) -> result<_, string>;',
      'use types.{perms};',
      'import timer: interface {\n    wait: func(ms: u32);\n  }',
      'import now: func() -> u64;',
      'export serve: func(p: perms) -> string;',
    ]) {
      expect(text).toContain(line)
    }
    expect(dependencies).toEqual([])
  })

  it('names the packages a package uses, fully qualified', async () => {
    const { text, dependencies } = printWitPackage(await parse(read('acme-greeter-0.2.0.wat')))
    expect(text).toContain('use wasi:example/types@0.1.0.{greeting};')
    expect(dependencies).toEqual(['wasi:example@0.1.0'])
  })

  it('decodes the real WASI 0.2.10 type tree: the world wasm-tools embeds for a wasi:http proxy', async () => {
    // The `component-type` section componentize tools embed uses the package encoding for one world.
    const wasi = path.join(import.meta.dirname, '..', '..', 'templates', '_wit', 'wasi-0.2.10')
    const deps = readdirSync(wasi).map((folder) => {
      const text = readdirSync(path.join(wasi, folder))
        .filter((file) => file.endsWith('.wit'))
        .map((file) => readFileSync(path.join(wasi, folder, file), 'utf8'))
        .join('\n')
      const header = /package ([^;]+);/.exec(text)!
      return `package ${header[1]} {\n${text.replaceAll(header[0], '')}\n}\n`
    })
    const root = 'package acme:app@0.1.0;\nworld app {\n  import wasi:cli/environment@0.2.10;\n  include wasi:http/proxy@0.2.10;\n}\n'
    const core = await componentEmbed({ witSource: [root, ...deps].join('\n'), dummy: true, world: 'acme:app/app@0.1.0' })
    const { text, dependencies } = printWitPackage(customSection(core, 'component-type'))
    expect(text).toContain('world app {\n  import wasi:cli/environment@0.2.10;')
    expect(text).toContain('import wasi:http/outgoing-handler@0.2.10;')
    expect(text).toContain('export wasi:http/incoming-handler@0.2.10;')
    expect(dependencies).toEqual(['wasi:cli@0.2.10', 'wasi:clocks@0.2.10', 'wasi:http@0.2.10', 'wasi:io@0.2.10', 'wasi:random@0.2.10'])
  })

  it('counts wasm-encoded packages in wit/deps (wkg --type wasm) as present, with what they use', async () => {
    const wit = path.join(tempDir('wasmctl-wit-wasm-deps-'), 'wit')
    mkdirSync(path.join(wit, 'deps'), { recursive: true })
    writeFileSync(path.join(wit, 'world.wit'), 'package test:app;\nworld app { import acme:greeter/hello@0.2.0; }\n')
    writeFileSync(path.join(wit, 'deps', 'acme-greeter-0.2.0.wasm'), await parse(read('acme-greeter-0.2.0.wat')))
    expect(scanWitFolder(wit).missing.map(formatPackage)).toEqual(['wasi:example@0.1.0'])
    writeFileSync(path.join(wit, 'deps', 'wasi-example-0.1.0.wasm'), await parse(read('wasi-example-0.1.0.wat')))
    expect(scanWitFolder(wit).missing).toEqual([])
  })

  it('refuses what is not a WIT package with WIT_DEPS_MALFORMED', async () => {
    const component = await componentNew(await componentEmbed({ witSource: 'package acme:c;\nworld w { export run: func(); }\n', dummy: true, world: 'acme:c/w' }))
    expect(() => printWitPackage(component)).toThrow(expect.objectContaining({ code: 'WIT_DEPS_MALFORMED' }))
    expect(() => printWitPackage(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))).toThrow(/core module/)
    expect(() => printWitPackage(new Uint8Array([1, 2, 3]))).toThrow(expect.objectContaining({ code: 'WIT_DEPS_MALFORMED' }))
    const truncated = (await parse(read('wasi-example-0.1.0.wat'))).subarray(0, 60)
    expect(() => printWitPackage(truncated)).toThrow(expect.objectContaining({ code: 'WIT_DEPS_MALFORMED' }))
  })
})
