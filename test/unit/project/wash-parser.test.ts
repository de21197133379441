import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from 'vitest'

import { WasmctlError } from '../../../src/errors.js'
import { findProject, loadProject, parseProject, projectArtifacts, readProject, type Project } from '../../../src/project/index.js'
import { tempDir } from '../../helpers/tmp.js'

/**
 * wash 0.43's parser tests (crates/wash/tests/parser), replayed: every input file gets wash's
 * verdict, and the values wash's tests assert are the values wasmctl reads. Inputs are in
 * test/fixtures/wash-parser (see its README for their origin).
 */
const files = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/wash-parser')
const noEnv = {}

type Verdict = { accept: true; check?: (project: Project) => void } | { accept: false; code: string; message?: RegExp }

const core = 'wasm32-unknown-unknown'
const keys = path.join(files, 'keys')
const rustWithPaths = (project: Project, dir = files) => {
  expect(project.language).toBe('rust')
  expect(project.rust).toMatchObject({ cargoPath: './cargo', targetPath: path.join(dir, 'target'), debug: false })
}
const common = (project: Project, revision = 0) => {
  expect(project).toMatchObject({ name: 'testcomponent', version: '0.1.0', revision, dir: files, buildDir: path.join(files, 'build'), witDir: path.join(files, 'wit'), type: 'component' })
}

/** wash's verdict for each input, keyed by its path under the folder. */
const VERDICTS: Record<string, Verdict> = {
  'folder/wasmcloud.toml': { accept: true, check: (project) => rustWithPaths(project, path.join(files, 'folder')) },
  'minimal_rust_component.toml': {
    accept: true,
    check: (project) => {
      common(project)
      // wash fills in ~/.wash/keys; wasmctl leaves the default to the keystore, which picks the same folder.
      expect(project.component).toMatchObject({ keyDirectory: undefined, destination: undefined, wasip1AdapterPath: undefined })
      expect(project.rust).toMatchObject({ cargoPath: undefined, targetPath: undefined, debug: false })
    },
  },
  'minimal_rust_component_core_module.toml': { accept: true, check: (project) => expect(project.component.wasmTarget).toBe(core) },
  'minimal_rust_component_wasip1.toml': { accept: true, check: (project) => expect(project.component.wasmTarget).toBe('wasm32-wasip1') },
  'minimal_rust_component_wasip2.toml': {
    accept: true,
    check: (project) => expect(project.component).toMatchObject({ wasmTarget: 'wasm32-wasip2', witWorld: 'test-world', keyDirectory: undefined }),
  },
  'no_component.toml': { accept: true, check: (project) => expect(project.type).toBe('component') },
  // wash's parser accepts a provider project; wasmctl reads it too and refuses to build it (below).
  'no_provider.toml': { accept: true, check: (project) => expect(project.type).toBe('provider') },
  'noconfig/.gitkeep': { accept: false, code: 'PROJECT_NOT_FOUND', message: /no wasmcloud\.toml in/ },
  'random.txt': { accept: false, code: 'PROJECT_INVALID', message: /invalid TOML/ },
  'rust_component.toml': {
    accept: true,
    check: (project) => {
      common(project)
      rustWithPaths(project)
      expect(project.component).toMatchObject({ keyDirectory: keys, destination: path.join(files, 'build/testcomponent.wasm'), wasmTarget: core, wasip1AdapterPath: undefined })
    },
  },
  'rust_component_claims_metadata.toml': {
    accept: true,
    check: (project) => {
      common(project, 666)
      expect(new Set(project.component.tags)).toEqual(new Set(['test', 'wasmcloud.com/experimental']))
      expect(project.component.tags).toHaveLength(2)
    },
  },
  'rust_component_with_revision.toml': {
    accept: true,
    check: (project) => {
      common(project, 666)
      rustWithPaths(project)
      expect(project.component).toMatchObject({ keyDirectory: keys, wasmTarget: core, witWorld: undefined })
    },
  },
  'separate_project_paths.toml': {
    accept: true,
    check: (project) => {
      const projectDir = path.dirname(files)
      expect(project.dir).toBe(projectDir)
      expect(project.buildDir).toBe('/tmp/some/other/build')
      expect(project.witDir).toBe('/tmp/nested/wit')
      expect(projectArtifacts(project)).toEqual({ unsigned: path.join(projectDir, 'build/testcomponent_raw.wasm'), signed: path.join(projectDir, 'build/testcomponent.wasm') })
      expect(project.rust).toMatchObject({ cargoPath: '../cargo', targetPath: path.join(projectDir, 'target') })
    },
  },
  'tags.toml': {
    accept: true,
    check: (project) => {
      expect(new Set(project.component.tags)).toEqual(new Set(['test', 'wasmcloud.com/experimental']))
      expect(project.component).toMatchObject({ wasmTarget: 'wasm32-wasip2', witWorld: 'test-world' })
    },
  },
  'tinygo_component.toml': {
    accept: true,
    check: (project) => {
      expect(project.component).toMatchObject({ keyDirectory: keys, destination: path.join(files, 'build/testcomponent.wasm'), wasmTarget: 'wasm32-wasip2' })
      expect(project.tinygo.tinygoPath).toBe('path/to/tinygo')
    },
  },
  'tinygo_component_module.toml': {
    accept: true,
    check: (project) => {
      common(project)
      expect(project.language).toBe('tinygo')
      expect(project.tinygo).toEqual({ tinygoPath: 'path/to/tinygo', disableGoGenerate: false, scheduler: undefined, garbageCollector: undefined })
      // "wasm" is not a wash target name: wash warns and reads a core module, and so does wasmctl.
      expect(project.component.wasmTarget).toBe(core)
      expect(project.warnings).toEqual([expect.stringMatching(/wasm_target = "wasm".*core module/)])
    },
  },
  'tinygo_component_scheduler_gc.toml': {
    accept: true,
    check: (project) => expect(project.tinygo).toEqual({ tinygoPath: undefined, disableGoGenerate: false, scheduler: 'none', garbageCollector: 'leaking' }),
  },
  // A Cargo.toml is not a wasmcloud.toml: wash refuses it (no language, no type).
  'withcargotoml/Cargo.toml': { accept: false, code: 'PROJECT_INVALID', message: /not a wasmcloud\.toml/ },
  'withcargotoml/minimal_rust_component_with_cargo.toml': {
    accept: true,
    check: (project) => {
      const dir = path.join(files, 'withcargotoml')
      expect(project).toMatchObject({ name: 'withcargotoml', version: '0.200.0', revision: 0, dir, buildDir: path.join(dir, 'build'), witDir: path.join(dir, 'wit'), identitySource: 'Cargo.toml' })
      expect(project.component.keyDirectory).toBeUndefined()
    },
  },
}

/** Every file under wash's parser folder (not wasmctl's own cases or the examples). */
function washInputs(): string[] {
  const found: string[] = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry)
      const relative = path.relative(files, full)
      if (statSync(full).isDirectory()) {
        if (relative !== 'wasmcloud-examples' && relative !== 'wasmctl-cases') walk(full)
      } else if (relative !== 'README.md') found.push(relative)
    }
  }
  walk(files)
  return found.sort()
}

function load(relative: string): Project {
  // wash's tests pass the file itself, or the folder holding wasmcloud.toml; so does this one.
  const full = path.join(files, relative)
  const target = relative.endsWith('/wasmcloud.toml') || relative.endsWith('/.gitkeep') ? path.dirname(full) : full
  return findProject({ projectDir: target, env: noEnv })!
}

describe("wash 0.43's parser test files", () => {
  it('has a verdict for every file in the folder', () => {
    expect(washInputs()).toEqual(Object.keys(VERDICTS).sort())
  })

  for (const [relative, verdict] of Object.entries(VERDICTS)) {
    it(`${verdict.accept ? 'accepts' : 'rejects'} ${relative}`, () => {
      if (verdict.accept) {
        const project = load(relative)
        verdict.check?.(project)
        return
      }
      let caught: unknown
      try {
        load(relative)
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(WasmctlError)
      expect((caught as WasmctlError).code).toBe(verdict.code)
      if (verdict.message) expect((caught as WasmctlError).message).toMatch(verdict.message)
    })
  }

  it('rejects the folder without a wasmcloud.toml and a path that does not exist, as wash does', () => {
    expect(() => loadProject({ projectDir: path.join(files, 'noconfig'), env: noEnv })).toThrow(/no wasmcloud\.toml in/)
    expect(() => loadProject({ projectDir: path.join(files, 'nonexistent.toml'), env: noEnv })).toThrow(/does not exist/)
    expect(() => loadProject({ projectDir: path.join(files, 'nonexistent/'), env: noEnv })).toThrow(/does not exist/)
  })

  it('reads the provider project but refuses to build it', () => {
    try {
      loadProject({ projectDir: path.join(files, 'no_provider.toml'), env: noEnv })
      expect.unreachable()
    } catch (error) {
      expect(error).toMatchObject({ code: 'PROJECT_PROVIDER_UNSUPPORTED', exit: 1 })
      expect((error as Error).message).toMatch(/providers are not built by wasmctl/)
      expect((error as WasmctlError).hints.join(' ')).toMatch(/wash build/)
    }
  })
})

describe("wasmCloud's Rust example with no version in wasmcloud.toml", () => {
  it('loads, with the version from Cargo.toml', () => {
    const project = loadProject({ projectDir: path.join(files, 'wasmcloud-examples/messaging-image-processor-worker'), env: noEnv })
    expect(project).toMatchObject({ name: 'messaging-image-processor-worker', version: '0.1.0', language: 'rust', type: 'component', identitySource: 'Cargo.toml' })
    expect(project.component.wasmTarget).toBe('wasm32-wasip1')
    expect(project.warnings).toEqual([])
  })
})

describe('rules wash applies in code', () => {
  const cases = path.join(files, 'wasmctl-cases')
  const problemsOf = (file: string) => {
    try {
      readProject(path.join(cases, file), noEnv)
    } catch (error) {
      expect((error as WasmctlError).code).toBe('PROJECT_INVALID')
      return (error as WasmctlError).details?.problems as { key: string; message: string }[]
    }
    throw new Error(`expected ${file} to be rejected`)
  }

  it('reads [[registry.pull.sources]] with the schemes wash accepts', () => {
    const project = readProject(path.join(cases, 'registry_pull_sources.toml'), noEnv)
    expect(project.registry.pull).toEqual([
      { target: 'wasmcloud:bus', source: 'oci://ghcr.io/wasmcloud/targets' },
      { target: 'test-components:testing', source: 'file://extra-wit/pingpong.wit' },
      { target: 'wasi:http', source: 'builtin' },
    ])
  })

  it('rejects a pull source with no scheme and one without a target, naming the key', () => {
    expect(problemsOf('registry_pull_bad_source.toml')).toEqual([
      { key: 'registry.pull.sources.0.source', message: expect.stringMatching(/unrecognized registry pull source "ghcr\.io\/wasmcloud\/targets"/) },
    ])
    expect(problemsOf('registry_pull_missing_target.toml')).toEqual([{ key: 'registry.pull.sources.0.target', message: expect.stringMatching(/expected string/) }])
  })

  it('reads [overrides] with paths relative to the file, and ignores malformed ones with a warning as wash does', () => {
    const project = readProject(path.join(cases, 'overrides.toml'), noEnv)
    expect(project.overrides).toEqual({ 'my:custom': { path: path.join(files, 'wit') }, 'wasi:http': { version: '^0.2.0' } })
    const malformed = readProject(path.join(cases, 'overrides_malformed.toml'), noEnv)
    expect(malformed.overrides).toBeUndefined()
    expect(malformed.warnings).toEqual([expect.stringMatching(/\[overrides\].*ignored.*overrides\."my:custom"\.path must be a string/)])
  })

  it('reads type = "actor" and [actor] as a component, with deprecation warnings', () => {
    const project = readProject(path.join(cases, 'legacy_actor.toml'), noEnv)
    expect(project.type).toBe('component')
    expect(project.component).toMatchObject({ witWorld: 'hello', wasmTarget: 'wasm32-wasip2' })
    expect(project.warnings).toEqual([expect.stringMatching(/type = "actor" is deprecated/), expect.stringMatching(/\[actor\] is deprecated/)])
  })

  it('checks the tables wash types even when wasmctl does not use them, all at once', () => {
    const problems = (() => {
      try {
        parseProject(
          [
            'name = "x"',
            'version = "v1.0.0"',
            '[provider]',
            'vendor = 3',
            '[go]',
            'disable_go_generate = "no"',
            '[[dev.manifests]]',
            'component_name = "x"',
            '[[dev.overrides.imports]]',
            'image_ref = "ghcr.io/x:1"',
          ].join('\n'),
          '/p/wasmcloud.toml',
          noEnv,
        )
      } catch (error) {
        return ((error as WasmctlError).details?.problems as { key: string }[]).map((problem) => problem.key).sort()
      }
      return []
    })()
    expect(problems).toEqual(['dev.manifests.0.path', 'dev.overrides.imports.0', 'go.disable_go_generate', 'provider.vendor', 'version'])
  })
})

describe('name and version from the package manifest', () => {
  const project = (files: Record<string, string>) => {
    const dir = tempDir('wasmctl-identity-')
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
      writeFileSync(path.join(dir, name), content)
    }
    return dir
  }
  const problems = (dir: string) => {
    try {
      readProject(path.join(dir, 'wasmcloud.toml'), noEnv)
    } catch (error) {
      return (error as WasmctlError).details?.problems as { key: string; message: string }[]
    }
    throw new Error('expected a rejection')
  }

  it('takes both from Cargo.toml for a Rust project, and keeps what the file sets', () => {
    const dir = project({ 'wasmcloud.toml': 'language = "rust"\ntype = "component"\n', 'Cargo.toml': '[package]\nname = "from-cargo"\nversion = "1.2.3"\n' })
    expect(readProject(path.join(dir, 'wasmcloud.toml'), noEnv)).toMatchObject({ name: 'from-cargo', version: '1.2.3', identitySource: 'Cargo.toml' })
    writeFileSync(path.join(dir, 'wasmcloud.toml'), 'name = "mine"\nlanguage = "rust"\ntype = "component"\n')
    expect(readProject(path.join(dir, 'wasmcloud.toml'), noEnv)).toMatchObject({ name: 'mine', version: '1.2.3' })
  })

  it('reads Cargo.toml in the folder `path` names, and a version inherited from the workspace', () => {
    const dir = project({
      'wasmcloud.toml': 'language = "rust"\ntype = "component"\npath = "crates/app"\n',
      'Cargo.toml': '[workspace]\nmembers = ["crates/app"]\n[workspace.package]\nversion = "2.0.0"\n',
      'crates/app/Cargo.toml': '[package]\nname = "app"\nversion.workspace = true\n',
    })
    expect(readProject(path.join(dir, 'wasmcloud.toml'), noEnv)).toMatchObject({ name: 'app', version: '2.0.0', dir: path.join(dir, 'crates/app') })
  })

  it('takes both from package.json for a JS/TS project, dropping an npm scope', () => {
    const dir = project({ 'wasmcloud.toml': 'language = "typescript"\ntype = "component"\n', 'package.json': JSON.stringify({ name: '@acme/hello-ts', version: '0.3.0' }) })
    expect(readProject(path.join(dir, 'wasmcloud.toml'), noEnv)).toMatchObject({ name: 'hello-ts', version: '0.3.0', identitySource: 'package.json' })
  })

  it('says which manifest was missing or wrong, per key', () => {
    const none = project({ 'wasmcloud.toml': 'language = "rust"\ntype = "component"\n' })
    expect(problems(none)).toEqual([
      { key: 'name', message: expect.stringMatching(/not in wasmcloud\.toml nor Cargo\.toml \(no Cargo\.toml in /) },
      { key: 'version', message: expect.stringMatching(/not in wasmcloud\.toml nor Cargo\.toml/) },
    ])
    const badVersion = project({ 'wasmcloud.toml': 'name = "x"\nlanguage = "javascript"\n', 'package.json': '{"name":"x","version":"latest"}' })
    expect(problems(badVersion)).toEqual([{ key: 'version', message: '"latest" read from package.json is not a semantic version such as "0.1.0"' }])
    const tinygo = project({ 'wasmcloud.toml': 'language = "tinygo"\ntype = "component"\n', 'Cargo.toml': '[package]\nname = "x"\nversion = "1.0.0"\n' })
    expect(problems(tinygo).map((problem) => problem.key)).toEqual(['name', 'version'])
  })

  it('refuses a project folder that does not exist, as wash does', () => {
    const dir = project({ 'wasmcloud.toml': 'name = "x"\nversion = "0.1.0"\npath = "missing"\n' })
    expect(problems(dir)).toEqual([{ key: 'path', message: expect.stringMatching(/folder .*missing does not exist/) }])
  })
})

describe('WASMCLOUD_* environment overrides', () => {
  const toml = 'name = "from-file"\nversion = "0.1.0"\nlanguage = "rust"\ntype = "component"\n'

  it('override the top-level settings wash lets the environment set', () => {
    const project = parseProject(toml, '/p/wasmcloud.toml', { WASMCLOUD_NAME: 'from-env', WASMCLOUD_VERSION: '2.0.0', wasmcloud_revision: '7', WASMCLOUD_BUILD: 'out' })
    expect(project).toMatchObject({ name: 'from-env', version: '2.0.0', revision: 7, buildDir: '/p/out' })
    expect(project.raw.name).toBe('from-env')
  })

  it('fill in a key the file leaves out', () => {
    expect(parseProject('language = "rust"\ntype = "component"\n', '/p/wasmcloud.toml', { WASMCLOUD_NAME: 'env-only', WASMCLOUD_VERSION: '0.9.0' })).toMatchObject({ name: 'env-only', version: '0.9.0' })
  })

  it('ignore variables that name no top-level key, as wash (nested keys cannot be set this way)', () => {
    const project = parseProject(toml, '/p/wasmcloud.toml', { WASMCLOUD_RUST_CARGO_PATH: '/x/cargo', WASMCLOUD_LATTICE: 'default', WASMCLOUD_CTL_HOST: '127.0.0.1' })
    expect(project.rust.cargoPath).toBeUndefined()
    expect(project.name).toBe('from-file')
  })

  it('name the variable in a problem, and refuse one that would replace a table', () => {
    try {
      parseProject(toml, '/p/wasmcloud.toml', { WASMCLOUD_VERSION: 'one', WASMCLOUD_COMPONENT: 'x' })
      expect.unreachable()
    } catch (error) {
      expect((error as WasmctlError).details?.problems).toEqual([
        { key: 'component', message: expect.stringMatching(/WASMCLOUD_COMPONENT would replace the \[component\] table/) },
        { key: 'version', message: expect.stringMatching(/semantic version.*\(set by WASMCLOUD_VERSION\)/) },
      ])
    }
  })

  it('read process.env by default', () => {
    const dir = tempDir('wasmctl-env-')
    writeFileSync(path.join(dir, 'wasmcloud.toml'), toml)
    const before = process.env.WASMCLOUD_VERSION
    process.env.WASMCLOUD_VERSION = '3.1.4'
    try {
      expect(loadProject({ projectDir: dir }).version).toBe('3.1.4')
    } finally {
      if (before === undefined) delete process.env.WASMCLOUD_VERSION
      else process.env.WASMCLOUD_VERSION = before
    }
  })
})
