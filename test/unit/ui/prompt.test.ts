import { afterEach, describe, expect, it, vi } from 'vitest'

import { WasmctlError } from '../../../src/errors.js'
import { promptConfirm, promptSelect, promptText, requireValue } from '../../../src/ui/prompt.js'
import { createSpinner } from '../../../src/ui/spinner.js'
import { isCI, isInteractive } from '../../../src/ui/tty.js'

// When wasmctl may talk to a person, and what it does when it may not: never prompt, never hang.
const streams = [process.stdin, process.stdout, process.stderr] as const
const original = streams.map((stream) => Object.getOwnPropertyDescriptor(stream, 'isTTY'))
const originalCI = process.env.CI

function terminal(isTTY: boolean): void {
  for (const stream of streams) Object.defineProperty(stream, 'isTTY', { value: isTTY, configurable: true })
}

afterEach(() => {
  streams.forEach((stream, index) => {
    const descriptor = original[index]
    if (descriptor) Object.defineProperty(stream, 'isTTY', descriptor)
    else delete (stream as { isTTY?: boolean }).isTTY
  })
  if (originalCI === undefined) delete process.env.CI
  else process.env.CI = originalCI
  vi.restoreAllMocks()
})

async function refusal(promise: Promise<unknown>): Promise<WasmctlError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(WasmctlError)
    return error as WasmctlError
  }
  throw new Error('it prompted')
}

describe('isCI / isInteractive', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['0', false],
    ['false', false],
    ['FALSE', false],
    ['true', true],
    ['1', true],
  ])('CI=%j means CI: %s', (value, expected) => {
    expect(isCI(value === undefined ? {} : { CI: value })).toBe(expected)
  })

  it('is interactive only with both ends a TTY, CI unset and no --json', () => {
    delete process.env.CI
    terminal(true)
    expect(isInteractive()).toBe(true)
    expect(isInteractive({ json: true })).toBe(false)
    process.env.CI = 'true'
    expect(isInteractive()).toBe(false)
    delete process.env.CI
    terminal(false)
    expect(isInteractive()).toBe(false)
  })
})

describe('prompts that cannot ask', () => {
  it.each([
    ['text', () => promptText({}, { flag: '--name', message: 'Project name' })],
    ['select', () => promptSelect({}, { flag: '--template', message: 'Template', choices: [{ value: 'a' }] })],
    ['confirm', () => promptConfirm({}, { flag: '--force', message: 'Overwrite' })],
  ])('%s: without a TTY, INPUT_REQUIRED naming the flag', async (_, ask) => {
    terminal(false)
    const error = await refusal(ask())
    expect(error.code).toBe('INPUT_REQUIRED')
    expect(error.exit).toBe(1)
    expect(error.details).toEqual({ flag: expect.stringMatching(/^--/) })
    expect(error.message).toMatch(new RegExp(`pass ${error.details!.flag}`))
  })

  it('with --json or in CI even on a terminal', async () => {
    terminal(true)
    delete process.env.CI
    expect((await refusal(promptText({ json: true }, { flag: '--name', message: 'Name' }))).code).toBe('INPUT_REQUIRED')
    process.env.CI = '1'
    expect((await refusal(promptText({}, { flag: '--name', message: 'Name' }))).hints[0]).toMatch(/non-interactive runs .* must pass --name/)
  })

  it('requireValue refuses a missing or empty value up front', () => {
    expect(requireValue('x', {}, '--name', 'a name')).toBe('x')
    expect(() => requireValue('', {}, '--name', 'a name')).toThrow(/a name is required: pass --name/)
    expect(() => requireValue(undefined, {}, '--name', 'a name')).toThrow(WasmctlError)
  })
})

describe('spinner', () => {
  it.each([
    ['in JSON mode', true, { json: true }],
    ['when stderr is not a TTY', false, {}],
    ['when quiet', true, { quiet: true }],
  ])('writes nothing %s', async (_, stderrIsTTY, options) => {
    terminal(stderrIsTTY)
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    const spinner = await createSpinner(options)
    spinner.start('working')
    spinner.update('still working')
    spinner.succeed('done')
    spinner.fail('failed')
    spinner.stop()
    expect(write).not.toHaveBeenCalled()
  })
})
