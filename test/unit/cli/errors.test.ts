import { describe, expect, it } from 'vitest'

import { toWasmctlError } from '../../../src/base-command.js'
import { ErrorCodes, ExitStatus, WasmctlError, fsError } from '../../../src/errors.js'

describe('error mapping', () => {
  it('keeps WasmctlErrors as they are', () => {
    const error = new WasmctlError('OCI_NOT_FOUND', 'nope', { hints: ['push it first'] })
    expect(toWasmctlError(error)).toBe(error)
    expect(error.exit).toBe(ExitStatus.failed)
    expect(error.toJSON()).toEqual({ code: 'OCI_NOT_FOUND', message: 'nope', hints: ['push it first'] })
  })

  it('turns oclif parse errors into one-line usage errors (exit 2)', () => {
    const parseError = Object.assign(new Error('Missing 1 required arg:\nname  the name\nSee more help with --help'), { parse: {}, oclif: { exit: 2 } })
    const mapped = toWasmctlError(parseError)
    expect(mapped.code).toBe('USAGE')
    expect(mapped.exit).toBe(2)
    expect(mapped.message).toBe('Missing 1 required arg: name  the name')
  })

  it('treats anything unexpected as a bug (exit 10) with a hint to report it', () => {
    const mapped = toWasmctlError(new TypeError('x is undefined'))
    expect(mapped.code).toBe('INTERNAL')
    expect(mapped.exit).toBe(10)
    expect(mapped.hints[0]).toMatch(/--log-level debug/)
  })

  it('maps aborts to the interrupted status (130)', () => {
    const abort = new DOMException('aborted', 'AbortError')
    expect(toWasmctlError(abort).exit).toBe(130)
  })

  it('names the path and the reason for file system errors', () => {
    const error = fsError(Object.assign(new Error('x'), { code: 'EACCES' }), 'write', '/etc/x')
    expect(error.message).toBe('cannot write /etc/x: permission denied')
  })

  it('maps every code to a documented exit status', () => {
    for (const status of Object.values(ErrorCodes)) expect([1, 2, 10, 130]).toContain(status)
  })
})
