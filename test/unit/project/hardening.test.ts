import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { KeyPair } from '../../../src/claims/nkeys.js'
import { WasmctlError } from '../../../src/errors.js'
import { isInside, leavesDir, parseProject, projectArtifacts } from '../../../src/project/index.js'

function problemsOf(text: string): { key: string; message: string }[] {
  try {
    parseProject(text, '/p/wasmcloud.toml', {})
  } catch (error) {
    expect((error as WasmctlError).code).toBe('PROJECT_INVALID')
    return ((error as WasmctlError).details?.problems ?? []) as { key: string; message: string }[]
  }
  throw new Error('expected the project to be rejected')
}

describe('project name', () => {
  it.each([
    ['../../evil', /must not contain "\/" or "\\"/],
    ['a/b', /must not contain "\/"/],
    ['a\\\\b', /must not contain "\/" or "\\"/],
    ['..', /must not be "\.\."/],
    ['.', /must not be "\."/],
    ['a\\u0000b', /control characters such as NUL/],
  ])('refuses %j, naming the key', (name, message) => {
    const problems = problemsOf(`name = "${name}"\nversion = "0.1.0"`)
    expect(problems).toEqual([{ key: 'name', message: expect.stringMatching(message) }])
  })

  it('takes names with dots that stay in the build folder', () => {
    expect(parseProject('name = "my..app.v2"\nversion = "0.1.0"', '/p/wasmcloud.toml', {}).name).toBe('my..app.v2')
  })

  it('keeps the artifact paths in the build folder even for a project not made by validation', () => {
    const project = parseProject('name = "ok"\nversion = "0.1.0"', '/p/wasmcloud.toml', {})
    for (const name of ['../../evil', 'a/b', `a${path.sep}..${path.sep}..${path.sep}x`, 'x\0y']) {
      let error: WasmctlError | undefined
      try {
        projectArtifacts({ ...project, name })
      } catch (caught) {
        error = caught as WasmctlError
      }
      expect(error?.code, name).toBe('PROJECT_INVALID')
      expect(error?.details).toEqual({ key: 'name' })
    }
    expect(projectArtifacts({ ...project, name: '..cache' })).toEqual({ unsigned: '/p/build/..cache.wasm', signed: '/p/build/..cache_s.wasm' })
  })
})

describe('[dev] allowed_issuers', () => {
  it('takes account public keys', () => {
    const account = KeyPair.generate('account').publicKey
    expect(parseProject(`name = "x"\nversion = "0.1.0"\n[dev]\nallowed_issuers = ["${account}"]`, '/p/wasmcloud.toml', {}).dev.allowedIssuers).toEqual([account])
  })

  it('refuses anything else, and never repeats a seed back', () => {
    const module = KeyPair.generate('module').publicKey
    const seed = KeyPair.generate('account').seed
    const problems = problemsOf(`name = "x"\nversion = "0.1.0"\n[dev]\nallowed_issuers = ["notakey", "${module}", "${seed}"]`)
    expect(problems).toEqual([
      { key: 'dev.allowed_issuers.0', message: expect.stringMatching(/"notakey" is not an account public key/) },
      { key: 'dev.allowed_issuers.1', message: expect.stringMatching(/is a module key; an issuer is an account key/) },
      { key: 'dev.allowed_issuers.2', message: 'is a seed (a secret), not a public key' },
    ])
    expect(JSON.stringify(problems)).not.toContain(seed)
  })
})

describe('isInside', () => {
  it.each([
    ['/p/..cache', '/p', true],
    ['/p/..cache/x', '/p', true],
    ['/p/a/../b', '/p', true],
    ['/p', '/p', false],
    ['/p/..', '/p', false],
    ['/x', '/p', false],
    ['/p2/a', '/p', false],
  ])('%s inside %s: %s', (target, dir, expected) => {
    expect(isInside(target, dir)).toBe(expected)
  })

  it('treats only a first segment of exactly ".." as leaving', () => {
    expect(leavesDir('..')).toBe(true)
    expect(leavesDir(`..${path.sep}x`)).toBe(true)
    expect(leavesDir('..cache')).toBe(false)
    expect(leavesDir('...')).toBe(false)
  })
})
