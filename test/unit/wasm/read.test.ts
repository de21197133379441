import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { DEFAULT_MAX_WASM_BYTES, maxWasmBytes, readWasmFile } from '../../../src/wasm/read.js'
import { tempDir } from '../../helpers/tmp.js'
import { caught } from './caught.js'

describe('readWasmFile', () => {
  it('reads a regular file', () => {
    const file = path.join(tempDir(), 'a.wasm')
    writeFileSync(file, Buffer.from('\0asm\x01\0\0\0'))
    expect([...readWasmFile(file)]).toEqual([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])
  })

  it('refuses a character device instead of reading it without end (/dev/zero)', () => {
    expect(caught(() => readWasmFile('/dev/zero'))).toEqual({ code: 'FS_NOT_A_FILE', message: 'cannot read /dev/zero: it is a character device, not a regular file', reason: undefined })
  })

  it('refuses a directory as FS_ERROR "is a directory"', () => {
    const dir = path.join(tempDir(), 'd.wasm')
    mkdirSync(dir)
    expect(caught(() => readWasmFile(dir))).toMatchObject({ code: 'FS_ERROR', message: `cannot read ${dir}: is a directory` })
  })

  it('names a missing file', () => {
    expect(caught(() => readWasmFile('/nonexistent/x.wasm'))).toMatchObject({ code: 'FS_ERROR', message: 'cannot read /nonexistent/x.wasm: no such file or directory' })
  })

  it('refuses a file over the limit, naming the limit and the variable that raises it', () => {
    const file = path.join(tempDir(), 'big.wasm')
    writeFileSync(file, Buffer.alloc(2048))
    const error = caught(() => readWasmFile(file, { maxBytes: 1024 }))
    expect(error?.code).toBe('FS_FILE_TOO_LARGE')
    expect(error?.message).toBe(`cannot read ${file}: it is larger than the 1 KiB limit for wasm files (WASMCTL_MAX_WASM_SIZE)`)
    expect(readWasmFile(file, { maxBytes: 2048 }).length).toBe(2048)
  })

  it('takes the limit from WASMCTL_MAX_WASM_SIZE', () => {
    const file = path.join(tempDir(), 'big.wasm')
    writeFileSync(file, Buffer.alloc(3000))
    expect(caught(() => readWasmFile(file, { env: { WASMCTL_MAX_WASM_SIZE: '2KiB' } }))?.code).toBe('FS_FILE_TOO_LARGE')
    expect(readWasmFile(file, { env: { WASMCTL_MAX_WASM_SIZE: '3000' } }).length).toBe(3000)
  })
})

describe('maxWasmBytes', () => {
  it.each([
    [undefined, DEFAULT_MAX_WASM_BYTES],
    ['', DEFAULT_MAX_WASM_BYTES],
    ['1000', 1000],
    ['64k', 64 * 1024],
    ['1GiB', 1024 ** 3],
    ['2 MiB', 2 * 1024 ** 2],
  ])('%j -> %d', (value, expected) => {
    expect(maxWasmBytes({ WASMCTL_MAX_WASM_SIZE: value })).toBe(expected)
  })

  it.each(['0', '-5', 'lots', '1.5G', '99999999999999999999'])('refuses %j, naming the variable', (value) => {
    const error = caught(() => maxWasmBytes({ WASMCTL_MAX_WASM_SIZE: value }))
    expect(error?.code).toBe('INPUT_INVALID')
    expect(error?.message).toContain('WASMCTL_MAX_WASM_SIZE')
  })

  it('says 512 MiB by default', () => {
    expect(DEFAULT_MAX_WASM_BYTES).toBe(512 * 1024 * 1024)
  })
})
