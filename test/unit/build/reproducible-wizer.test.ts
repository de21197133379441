import { describe, expect, it } from 'vitest'

import {
  applySnapshot,
  dataRanges,
  globalExport,
  instrument,
  memoryExport,
  parseWizerArgs,
  randomStream,
  rewriteRuntimeArgs,
  SOURCES_GUEST_DIR,
} from '../../../src/build/reproducible-wizer.js'
import { concatBytes, encodeU32, MODULE_HEADER, sections } from '../../../src/wasm/binary.js'

const section = (id: number, content: number[] | Uint8Array) => concatBytes([Uint8Array.of(id), encodeU32(content.length), Uint8Array.from(content)])
const name = (text: string) => [text.length, ...Buffer.from(text)]

/** A module with one memory (1 page), one mutable i32 global, an init export and a start function. */
function tinyModule(): Uint8Array {
  return concatBytes([
    MODULE_HEADER,
    section(1, [1, 0x60, 0, 0]), // type: () -> ()
    section(3, [2, 0, 0]), // two functions of type 0
    section(5, [1, 0x00, 1]), // memory min 1
    section(6, [1, 0x7f, 1, 0x41, 5, 0x0b]), // global mut i32 = 5
    section(7, [3, ...name('memory'), 2, 0, ...name('init'), 0, 0, ...name('_initialize'), 0, 1]),
    section(8, [1]), // start: function 1
    section(10, [2, 2, 0, 0x0b, 2, 0, 0x0b]),
    section(11, [1, 0, 0x41, 0, 0x0b, 1, 7]), // one active segment
  ])
}

describe('the reproducible wizer', () => {
  it("reads componentize-js's wizer arguments", () => {
    const args = parseWizerArgs(['--allow-wasi', '--init-func', 'componentize.wizer', '--dir=/tmp/ab12/sources', '--mapdir=/::/work/app', '--wasm-bulk-memory=true', '--inherit-env=true', '-o=/tmp/ab12/out.wasm', '/tmp/ab12/in.wasm'])
    expect(args).toEqual({ initFunc: 'componentize.wizer', input: '/tmp/ab12/in.wasm', output: '/tmp/ab12/out.wasm', dirs: ['/tmp/ab12/sources'], mapdirs: [{ guest: '/', host: '/work/app' }], inheritEnv: true })
  })

  it('takes every host path out of the guest arguments', () => {
    const rewritten = rewriteRuntimeArgs('--initializer-script-path /tmp/ab12/sources/initializer.js --strip-path-prefix /work/main/ ../tmp/wasmctl-js-x/index.js\n', '/tmp/ab12/sources', '/work/main')
    expect(rewritten.args).toBe(`--initializer-script-path ${SOURCES_GUEST_DIR}/initializer.js --strip-path-prefix /__wasmctl_reproducible__/ index.js`)
    expect(rewritten.scriptDir).toBe('/work/tmp/wasmctl-js-x')
  })

  it('draws the same random bytes for the same seed, however they are asked for', () => {
    const a = randomStream('seed')
    const b = randomStream('seed')
    expect(Buffer.concat([a(5), a(40), a(3)])).toEqual(Buffer.from(b(48)))
    expect(Buffer.from(randomStream('other')(48))).not.toEqual(Buffer.from(randomStream('seed')(48)))
  })

  it('merges zero gaps of up to 4 bytes and caps the segment count at the smallest gaps first', () => {
    const memory = new Uint8Array(64)
    memory.set([1, 1], 2)
    memory.set([1], 8) // gap 4: merged
    memory.set([1], 20) // gap 11
    memory.set([1], 40) // gap 19
    expect(dataRanges(memory)).toEqual([{ start: 2, end: 9 }, { start: 20, end: 21 }, { start: 40, end: 41 }])
    expect(dataRanges(memory, 2)).toEqual([{ start: 2, end: 21 }, { start: 40, end: 41 }])
  })

  it('exports globals and memories for the snapshot, and writes the snapshot back as wizer does', () => {
    const module = tinyModule()
    const instrumented = instrument(module)
    const exportsSection = [...sections(instrumented)].find((s) => s.id === 7)!
    const text = Buffer.from(instrumented.subarray(exportsSection.contentStart, exportsSection.end)).toString('latin1')
    expect(text).toContain(globalExport(0))
    expect(text).toContain(memoryExport(0))

    const memory = new Uint8Array(2 * 65536)
    memory.set([9, 9, 9], 70000)
    const out = applySnapshot(module, { memories: [memory], globals: [1234] }, 'init')
    const ids = [...sections(out)].map((s) => s.id)
    expect(ids).toEqual([1, 3, 5, 6, 7, 10, 11]) // start section gone, order kept
    const bytes = (id: number) => {
      const s = [...sections(out)].find((entry) => entry.id === id)!
      return [...out.subarray(s.contentStart, s.end)]
    }
    expect(bytes(5)).toEqual([1, 0x00, 2]) // memory grown to the snapshot's 2 pages
    expect(bytes(6)).toEqual([1, 0x7f, 1, 0x41, 0xd2, 0x09, 0x0b]) // i32.const 1234
    expect(Buffer.from(bytes(7)).toString('latin1')).not.toContain('init') // init and _initialize dropped
    expect(bytes(11)).toEqual([1, 0, 0x41, ...[0xf0, 0xa2, 0x04], 0x0b, 3, 9, 9, 9]) // one segment at 70000
    // The same snapshot always gives the same bytes.
    expect(applySnapshot(module, { memories: [memory], globals: [1234] }, 'init')).toEqual(out)
  })
})
