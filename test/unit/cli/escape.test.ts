import { describe, expect, it } from 'vitest'

import { escapeControlCharacters, toWasmctlError } from '../../../src/base-command.js'
import { WasmctlError } from '../../../src/errors.js'

describe('escapeControlCharacters', () => {
  it('shows NUL, escape sequences and bidi overrides as escapes', () => {
    expect(escapeControlCharacters('a\0b')).toBe('a\\x00b')
    expect(escapeControlCharacters('\x1b[2J\x07')).toBe('\\x1b[2J\\x07')
    expect(escapeControlCharacters('x\u202ey\u0085')).toBe('x\\u202ey\\x85')
    expect(escapeControlCharacters('line\nnext\ttab\r')).toBe('line\\nnext\\ttab\\r')
  })

  it('leaves ordinary text, Unicode included, alone', () => {
    expect(escapeControlCharacters('cannot read /tmp/ünï cödé ✓.wasm')).toBe('cannot read /tmp/ünï cödé ✓.wasm')
  })

  it('is what the JSON error envelope carries', async () => {
    const { BaseCommand } = await import('../../../src/base-command.js')
    const error = new WasmctlError('FS_ERROR', 'cannot read a\0b', { hints: ['check \x1b[31m'] })
    const envelope = BaseCommand.prototype.toErrorJson.call({}, error) as { status: number; error: { code: string; message: string; hints: string[] } }
    expect(envelope).toEqual({ status: 1, error: { code: 'FS_ERROR', message: 'cannot read a\\x00b', hints: ['check \\x1b[31m'] } })
    expect(toWasmctlError(error)).toBe(error)
  })
})
