import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { hashBuildInputs, signingFingerprint } from '../../../src/build/cache.js'
import { readProject } from '../../../src/project/index.js'
import { tempDir } from '../../helpers/tmp.js'
import { writeProject } from '../../helpers/build-fixtures.js'

function project() {
  const dir = writeProject(tempDir('wasmctl-cache-'), {
    'wasmcloud.toml': 'name = "app"\nversion = "0.1.0"\nlanguage = "c"\n',
    'src/main.c': 'int main(void) { return 0; }\n',
    'wit/world.wit': 'package acme:app;\nworld app { export run: func(); }\n',
  })
  return readProject(path.join(dir, 'wasmcloud.toml'))
}

describe('hashBuildInputs', () => {
  const toolchain = { name: 'clang', path: '/usr/bin/clang', version: '14.0.6' }

  it('is stable, and changes with a source, the WIT, the project file or the toolchain', () => {
    const p = project()
    const inputs = { project: p, driver: 'clang', toolchain, outputs: [] }
    const first = hashBuildInputs(inputs)
    expect(hashBuildInputs(inputs)).toBe(first)
    expect(hashBuildInputs({ ...inputs, toolchain: { ...toolchain, version: '15.0.0' } })).not.toBe(first)

    const changes: [string, string][] = [
      ['src/main.c', 'int main(void) { return 1; }\n'],
      ['wit/world.wit', 'package acme:app;\nworld app { export run2: func(); }\n'],
      ['wasmcloud.toml', 'name = "app"\nversion = "0.1.1"\nlanguage = "c"\n'],
      ['src/new.c', 'int x;\n'],
    ]
    let previous = first
    for (const [file, contents] of changes) {
      writeFileSync(path.join(p.dir, file), contents)
      const next = hashBuildInputs(inputs)
      expect(next, file).not.toBe(previous)
      previous = next
    }
  })

  it('ignores build outputs, dependencies and VCS folders', () => {
    const p = project()
    const inputs = { project: p, driver: 'clang', toolchain, outputs: [path.join(p.dir, 'app.wasm')] }
    const first = hashBuildInputs(inputs)
    writeProject(p.dir, {
      'build/app_s.wasm': 'signed',
      'build/.wasmctl-build.json': '{}',
      'node_modules/dep/index.js': 'export {}',
      'target/wasm32-wasip2/release/app.wasm': 'x',
      '.git/HEAD': 'ref: refs/heads/main',
      'app.wasm': 'declared output',
    })
    expect(hashBuildInputs(inputs)).toBe(first)
  })
})

describe('signingFingerprint', () => {
  it('changes when a key file or the tags change, without reading the seeds', () => {
    const keys = tempDir('wasmctl-keys-')
    const base = { keysDirectory: keys, tags: ['a'] }
    const empty = signingFingerprint(base)
    mkdirSync(keys, { recursive: true })
    writeFileSync(path.join(keys, 'user_account.nk'), 'SAAXXX')
    const withKey = signingFingerprint(base)
    expect(withKey).not.toBe(empty)
    expect(signingFingerprint({ ...base, tags: ['b'] })).not.toBe(withKey)
    expect(signingFingerprint({ ...base, issuer: 'SAAOTHER' })).not.toBe(withKey)
    expect(signingFingerprint(base)).toBe(withKey)
  })
})
