import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { createIgnoreMatcher } from '../../../src/dev/ignore.js'
import { readProject } from '../../../src/project/index.js'
import { makeProject, scratchDir } from '../../helpers/dev-project.js'

describe('dev ignore rules', () => {
  it('ignores VCS, dependencies, build outputs, wasmctl state and editor swap files', () => {
    const project = makeProject()
    const matcher = createIgnoreMatcher(project)
    const at = (relative: string) => path.join(project.dir, relative)
    expect(matcher.ignores(at('.git'), true)).toBe(true)
    expect(matcher.ignores(at('node_modules'), true)).toBe(true)
    expect(matcher.ignores(at('packages/x/node_modules'), true)).toBe(true)
    expect(matcher.ignores(at('target'), true)).toBe(true)
    expect(matcher.ignores(at('build'), true)).toBe(true)
    expect(matcher.ignores(at('build/demo_s.wasm'))).toBe(true)
    expect(matcher.ignores(at('.wasmctl/keyvalue.json'))).toBe(true)
    expect(matcher.ignores(at('src/.index.ts.swp'))).toBe(true)
    expect(matcher.ignores(at('src/index.ts~'))).toBe(true)
    expect(matcher.ignores(at('src/4913'))).toBe(true)
    expect(matcher.ignores(at('src/index.ts'))).toBe(false)
    expect(matcher.ignores(at('src/build/helpers.ts'))).toBe(false)
    expect(matcher.ignores(at('wit/world.wit'))).toBe(false)
    expect(matcher.ignores(project.dir, true)).toBe(false)
  })

  it('treats a name beginning with ".." (..cache) as inside the project, so its rules apply', () => {
    const project = makeProject()
    writeFileSync(path.join(project.dir, '.gitignore'), '..cache/\n')
    const matcher = createIgnoreMatcher(project)
    expect(matcher.ignores(path.join(project.dir, '..cache'), true)).toBe(true)
    expect(matcher.ignores(path.join(project.dir, '..cache/data.bin'))).toBe(true)
    expect(matcher.ignores(path.join(project.dir, '..config.ts'))).toBe(false)
    // and the built-in rules too: a swap file named ..x.swp inside the project
    expect(matcher.ignores(path.join(project.dir, '..x.swp'))).toBe(true)
  })

  it('ignores the outputs wherever wasmcloud.toml puts them', () => {
    const project = makeProject({}, 'build = "out"\n[component]\ndestination = "dist/signed.wasm"\nkey_directory = "./keys"\n')
    const matcher = createIgnoreMatcher(project)
    expect(matcher.ignores(path.join(project.dir, 'out'), true)).toBe(true)
    expect(matcher.ignores(path.join(project.dir, 'out/demo.wasm'))).toBe(true)
    expect(matcher.ignores(path.join(project.dir, 'dist/signed.wasm'))).toBe(true)
    expect(matcher.ignores(path.join(project.dir, 'dist/other.js'))).toBe(false)
    // Signing keys a first build generates inside the project.
    expect(matcher.ignores(path.join(project.dir, 'keys/demo_module.nk'))).toBe(true)
  })

  it("follows .gitignore files from the git root down, with git's precedence", () => {
    const project = makeProject({
      '.gitignore': 'coverage/\n*.log\n!keep.log\n',
    })
    // A git repository whose own .gitignore applies to the project in its app/ folder too.
    const repo = scratchDir('repo-')
    mkdirSync(path.join(repo, '.git', 'info'), { recursive: true })
    mkdirSync(path.join(repo, 'app', 'src'), { recursive: true })
    writeFileSync(path.join(repo, '.gitignore'), 'generated/\nsecret.txt\n')
    writeFileSync(path.join(repo, '.git', 'info', 'exclude'), 'scratch/\n')
    writeFileSync(path.join(repo, 'app', '.gitignore'), '!secret.txt\n')
    writeFileSync(path.join(repo, 'app', 'wasmcloud.toml'), 'name = "app"\nversion = "0.1.0"\n')

    const own = createIgnoreMatcher(project)
    expect(own.ignores(path.join(project.dir, 'coverage'), true)).toBe(true)
    expect(own.ignores(path.join(project.dir, 'src/debug.log'))).toBe(true)
    expect(own.ignores(path.join(project.dir, 'src/keep.log'))).toBe(false)

    const nested = createIgnoreMatcher(readProject(path.join(repo, 'app', 'wasmcloud.toml')))
    expect(nested.ignores(path.join(repo, 'app', 'generated'), true)).toBe(true)
    expect(nested.ignores(path.join(repo, 'app', 'scratch', 'x.ts'))).toBe(true)
    expect(nested.ignores(path.join(repo, 'app', 'secret.txt'))).toBe(false)
    expect(nested.ignores(path.join(repo, 'app', 'src', 'index.ts'))).toBe(false)
    expect(nested.ruleFiles).toEqual([path.join(repo, '.git', 'info', 'exclude'), path.join(repo, '.gitignore'), path.join(repo, 'app', '.gitignore')])
  })
})
