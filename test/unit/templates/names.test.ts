import { describe, expect, it } from 'vitest'

import { WasmctlError } from '../../../src/errors.js'
import { MAX_NAME_LENGTH, projectNames, validateProjectName } from '../../../src/templates/names.js'

function failure(name: string, reserved: string[] = []): WasmctlError {
  try {
    projectNames(name, reserved)
  } catch (error) {
    expect(error).toBeInstanceOf(WasmctlError)
    return error as WasmctlError
  }
  throw new Error(`"${name}" was accepted`)
}

describe('projectNames', () => {
  it.each([
    ['hello', { kebab: 'hello', snake: 'hello', pascal: 'Hello' }],
    ['hello-world', { kebab: 'hello-world', snake: 'hello_world', pascal: 'HelloWorld' }],
    ['hello_world', { kebab: 'hello-world', snake: 'hello_world', pascal: 'HelloWorld' }],
    ['HelloWorld', { kebab: 'hello-world', snake: 'hello_world', pascal: 'HelloWorld' }],
    ['api2', { kebab: 'api2', snake: 'api2', pascal: 'Api2' }],
    ['HTTPServer', { kebab: 'http-server', snake: 'http_server', pascal: 'HttpServer' }],
  ])('derives the language forms of %s', (name, forms) => {
    expect(projectNames(name)).toEqual({ name, ...forms })
  })

  it('refuses an empty name', () => {
    const error = failure('')
    expect(error.code).toBe('NEW_NAME_INVALID')
    expect(error.exit).toBe(2)
    expect(error.message).toMatch(/must not be empty/)
    expect(failure('   ').message).toMatch(/must not be empty/)
  })

  it('refuses spaces and suggests the kebab form', () => {
    const error = failure('Hello World')
    expect(error.message).toMatch(/contains spaces/)
    expect(error.hints[0]).toBe('try "hello-world"')
  })

  it.each(['../x', 'a/b', 'a\\b', '.', '..'])('refuses the path %s and points at --output-dir', (name) => {
    const error = failure(name)
    expect(error.message).toMatch(/is a path, not a project name/)
    expect(error.hints.join(' ')).toMatch(/--output-dir/)
  })

  it.each(['-x', 'x-', 'a--b', '9lives', 'héllo', 'a.b', 'a@b'])('refuses %s with the rule in the hint', (name) => {
    const error = failure(name)
    expect(error.code).toBe('NEW_NAME_INVALID')
    expect(error.hints.join(' ')).toMatch(/letters, digits/)
  })

  it('refuses a word that starts with a digit, which WIT cannot name', () => {
    expect(failure('app-2').message).toMatch(/starting with a digit/)
  })

  it('refuses WIT keywords and suggests a longer name', () => {
    const error = failure('stream')
    expect(error.message).toMatch(/WIT keyword/)
    expect(error.hints).toContain('try "stream-component"')
  })

  it('refuses names longer than the limit', () => {
    expect(projectNames('a'.repeat(MAX_NAME_LENGTH)).name).toHaveLength(MAX_NAME_LENGTH)
    expect(failure('a'.repeat(MAX_NAME_LENGTH + 1)).message).toMatch(/at most 64/)
  })

  it('refuses names a template reserves, in either form', () => {
    expect(failure('test', ['test']).message).toMatch(/reserved/)
    expect(failure('proc-macro', ['proc_macro']).message).toMatch(/reserved/)
    expect(projectNames('tester', ['test']).name).toBe('tester')
  })
})

describe('validateProjectName', () => {
  it('answers true or the reason, for prompts', () => {
    expect(validateProjectName('hello')).toBe(true)
    expect(validateProjectName('Hello World')).toBe('the project name "Hello World" contains spaces')
  })
})
