import { describe, expect, it } from 'vitest'

import { REDACTED, redactText, secretsIn } from '../../../src/ui/redact.js'

const seed = `SA${'B'.repeat(56)}`

describe('secretsIn', () => {
  it('finds registry passwords and signing seeds in every spelling', () => {
    expect(secretsIn(['push', 'r/x:1', '-p', 'pw1', '--password', 'pw2', '--password=pw3', '-ppw4'], {})).toEqual(['pw1', 'pw2', 'pw3', 'pw4'])
    expect(secretsIn(['sign', 'a.wasm', '--issuer', 'iss', '-s', 'sub', '--subject=sub2', '-iiss2'], {}).sort()).toEqual(['iss', 'iss2', 'sub', 'sub2'])
  })

  it('keeps the key of --env/--config and hides the value', () => {
    expect(secretsIn(['up', 'a.wasm', '--env', 'TOKEN=abc', '--config=db=postgres://u:p@h'], {})).toEqual(['postgres://u:p@h', 'abc'])
  })

  it('reads secrets given through the environment, wash names included', () => {
    expect(secretsIn([], { WASH_REG_PASSWORD: 'envpw', WASMCTL_ISSUER_KEY: 'envseed' })).toEqual(['envseed', 'envpw'])
  })

  it('stops at --, whose arguments belong to the component', () => {
    expect(secretsIn(['up', 'a.wasm', '--', '-p', 'x'], {})).toEqual([])
  })
})

describe('redactText', () => {
  it('replaces every occurrence, and anything shaped like a seed', () => {
    const line = `argv: [ 'push', '-p', 'hunter2', 'x' ] again hunter2 and ${seed}`
    expect(redactText(line, ['hunter2'])).toBe(`argv: [ 'push', '-p', '${REDACTED}', 'x' ] again ${REDACTED} and ${REDACTED}`)
  })
})
