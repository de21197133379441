import { describe, expect, it } from 'vitest'

import { WasmctlError } from '../../../src/errors.js'
import { projectNames } from '../../../src/templates/names.js'
import type { Template } from '../../../src/templates/schema.js'
import { checkValue, MAX_VALUE_LENGTH, parseValueFlags, resolveValues, valueQuestions } from '../../../src/templates/values.js'

const template: Template = {
  name: 'demo',
  description: 'demo',
  language: 'typescript',
  world: { exports: [], imports: [] },
  toolchain: 'componentize-js',
  witDeps: [],
  render: [],
  reservedNames: [],
  next: [],
  dir: '/nowhere',
  values: [
    { name: 'greeting', prompt: 'Greeting', default: 'Hello from {{NamePascal}}!' },
    { name: 'bucket', prompt: 'Bucket', default: 'default', pattern: '^[a-z]+$', patternHint: 'lower-case letters' },
    { name: 'owner', prompt: 'Owner' },
  ],
}
const names = projectNames('my-app')

function thrown(run: () => unknown): WasmctlError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(WasmctlError)
    return error as WasmctlError
  }
  throw new Error('did not throw')
}

describe('parseValueFlags', () => {
  it('splits on the first =, keeping = in values', () => {
    expect(parseValueFlags(['greeting=a=b', 'owner='])).toEqual({ greeting: 'a=b', owner: '' })
    expect(parseValueFlags(undefined)).toEqual({})
  })

  it('refuses a flag without a key', () => {
    expect(thrown(() => parseValueFlags(['greeting'])).code).toBe('INPUT_INVALID')
    expect(thrown(() => parseValueFlags(['=x'])).code).toBe('INPUT_INVALID')
  })
})

describe('resolveValues', () => {
  it('takes defaults, rendered with the name forms, for values not given', () => {
    expect(resolveValues(template, names, { owner: 'ada' })).toEqual({ greeting: 'Hello from MyApp!', bucket: 'default', owner: 'ada' })
  })

  it('requires a value that has no default, naming the flag (exit 1)', () => {
    const error = thrown(() => resolveValues(template, names, {}))
    expect(error.code).toBe('INPUT_REQUIRED')
    expect(error.exit).toBe(1)
    expect(error.message).toBe('Owner is required: pass --value owner=...')
  })

  it('refuses a key the template does not have, listing the ones it has', () => {
    const error = thrown(() => resolveValues(template, names, { owner: 'x', colour: 'red' }))
    expect(error.message).toMatch(/no value "colour"/)
    expect(error.hints[0]).toBe('its values are: greeting, bucket, owner')
  })

  it('refuses values that would break a string literal, and honours a template pattern', () => {
    expect(thrown(() => resolveValues(template, names, { owner: 'x', greeting: 'say "hi"' })).message).toMatch(/no double quotes/)
    expect(thrown(() => resolveValues(template, names, { owner: 'a\\b' })).code).toBe('INPUT_INVALID')
    expect(thrown(() => resolveValues(template, names, { owner: 'x', bucket: 'Big' })).message).toBe('bucket must have lower-case letters')
    expect(resolveValues(template, names, { owner: "it's fine" }).owner).toBe("it's fine")
  })
})

describe('checkValue and valueQuestions', () => {
  it('limits the length', () => {
    expect(checkValue(template.values[2], 'x'.repeat(MAX_VALUE_LENGTH))).toBeUndefined()
    expect(checkValue(template.values[2], 'x'.repeat(MAX_VALUE_LENGTH + 1))).toMatch(/at most 200/)
  })

  it('asks only for values not given, with rendered defaults and a validator', () => {
    const questions = valueQuestions(template, names, { bucket: 'x' })
    expect(questions.map((q) => [q.name, q.default])).toEqual([
      ['greeting', 'Hello from MyApp!'],
      ['owner', undefined],
    ])
    expect(questions[0].validate('ok')).toBe(true)
    expect(questions[0].validate('"')).toMatch(/double quotes/)
  })
})
