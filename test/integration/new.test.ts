import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { execa } from 'execa'
import { describe, expect, it } from 'vitest'

import { checkToolchain } from '../../src/build/toolchains.js'
import { readProject } from '../../src/project/index.js'
import { templateNames } from '../../src/templates/registry.js'
import { findPlaceholders } from '../../src/templates/render.js'
import { runCli, repoRoot } from '../helpers/cli.js'
import { buildJsComponent } from '../helpers/components.js'
import { tempDir } from '../helpers/tmp.js'

const TEMPLATES = templateNames()
const root = tempDir('wasmctl-new-it-')
// A hang must fail the test quickly instead of waiting for the helper's four minutes.
const quick = { timeout: 30_000 }

let folders = 0
/** An empty working folder of its own for each run. */
function freshCwd(): string {
  const dir = path.join(root, `cwd-${++folders}`)
  mkdirSync(dir)
  return dir
}

function expectCompleteProject(projectPath: string, files: string[], name: string): void {
  for (const file of files) {
    expect(existsSync(path.join(projectPath, file)), file).toBe(true)
    expect(findPlaceholders(file), file).toEqual([])
    expect(findPlaceholders(readFileSync(path.join(projectPath, file), 'utf8')), file).toEqual([])
  }
  for (const required of ['wasmcloud.toml', 'README.md', '.gitignore']) expect(files).toContain(required)
  expect(readProject(path.join(projectPath, 'wasmcloud.toml')).name).toBe(name)
}

describe.concurrent('wasmctl new actor', () => {
  it('creates hello from ts-http in an empty folder (the done-when command)', async () => {
    const cwd = freshCwd()
    const { exitCode, json, stderr } = await runCli(['new', 'actor', 'hello', '--template', 'ts-http', '--yes', '--json'], { cwd })
    expect(stderr).toBe('')
    expect(exitCode).toBe(0)
    expect(json).toMatchObject({ status: 0, warnings: [], result: { path: path.join(cwd, 'hello'), template: 'ts-http', name: 'hello' } })
    expectCompleteProject(json.result.path, json.result.files, 'hello')
    expect(readFileSync(path.join(cwd, 'hello', 'wasmcloud.toml'), 'utf8')).toMatch(/^name = "hello"$/m)
    // git is installed here and a temp folder is not inside a repository.
    expect(json.result.git).toBe('initialized')
    expect(existsSync(path.join(cwd, 'hello', '.git'))).toBe(true)
  })

  it.each(TEMPLATES)('new actor x --template %s --yes --json creates a complete project', async (template) => {
    const cwd = freshCwd()
    const { exitCode, json } = await runCli(['new', 'actor', 'x', '--template', template, '--yes', '--json', '--no-git-init'], { cwd })
    expect(exitCode).toBe(0)
    const { result } = json
    expect(Object.keys(result).sort()).toEqual(['files', 'git', 'language', 'name', 'next', 'path', 'template', 'toolchain', 'values', 'world'])
    expect(result).toMatchObject({ path: path.join(cwd, 'x'), name: 'x', template, git: 'skipped' })
    expect(result.next).toContain('wasmctl build')
    expect(readdirSync(cwd)).toEqual(['x'])
    expect(existsSync(path.join(cwd, 'x', '.git'))).toBe(false)
    expectCompleteProject(result.path, result.files, 'x')
  })

  it('answers to the alias new component, and takes --output-dir and --value', async () => {
    const cwd = freshCwd()
    const { exitCode, json } = await runCli(
      ['new', 'component', 'counter', '--template', 'ts-kv-counter', '--output-dir', 'apps/counter', '--value', 'bucket=visits', '--yes', '--json', '--no-git-init'],
      { cwd },
    )
    expect(exitCode).toBe(0)
    expect(json.result.path).toBe(path.join(cwd, 'apps', 'counter'))
    expect(json.result.values.bucket).toBe('visits')
    expect(readFileSync(path.join(cwd, 'apps', 'counter', 'src', 'index.ts'), 'utf8')).toContain('const BUCKET = "visits"')
  })

  it('says what it made and what to run next in human mode', async () => {
    const cwd = freshCwd()
    const { exitCode, stdout } = await runCli(['new', 'actor', 'tool', '--template', 'c-cli', '--yes', '--no-git-init'], { cwd })
    expect(exitCode).toBe(0)
    expect(stdout).toBe(`Created c-cli project tool in ${path.join(cwd, 'tool')}\n\nNext:\n  cd tool\n  wasmctl build\n  wasmctl up`)
  })

  it('takes ts-http when --yes leaves the template open', async () => {
    const cwd = freshCwd()
    const { exitCode, json } = await runCli(['new', 'actor', 'picked', '--yes', '--json', '--no-git-init'], { cwd })
    expect(exitCode).toBe(0)
    expect(json.result.template).toBe('ts-http')
  })

  it('writes into a non-empty folder only with --force, keeping the other files', async () => {
    const cwd = freshCwd()
    mkdirSync(path.join(cwd, 'busy'))
    writeFileSync(path.join(cwd, 'busy', 'notes.txt'), 'mine')
    const refused = await runCli(['new', 'actor', 'busy', '--template', 'js-http', '--yes', '--json'], { cwd })
    expect(refused.exitCode).toBe(1)
    expect(refused.json.error.code).toBe('NEW_TARGET_EXISTS')
    expect(refused.json.error.hints.join(' ')).toMatch(/--force/)
    expect(readdirSync(path.join(cwd, 'busy'))).toEqual(['notes.txt'])

    const forced = await runCli(['new', 'actor', 'busy', '--template', 'js-http', '--yes', '--json', '--force', '--no-git-init'], { cwd })
    expect(forced.exitCode).toBe(0)
    expect(readFileSync(path.join(cwd, 'busy', 'notes.txt'), 'utf8')).toBe('mine')
    expectCompleteProject(path.join(cwd, 'busy'), forced.json.result.files, 'busy')
  })
})

describe.concurrent('wasmctl new actor refuses bad input without leaving anything behind', () => {
  it('an unknown template is a usage error listing the templates', async () => {
    const cwd = freshCwd()
    const { exitCode, json } = await runCli(['new', 'actor', 'x', '--template', 'cobol-http', '--yes', '--json'], { cwd })
    expect(exitCode).toBe(2)
    expect(json.error.code).toBe('TEMPLATE_UNKNOWN')
    expect(json.error.hints.at(-1)).toMatch(/^available templates: c-cli, go-http, js-http, rust-http, ts-http, ts-kv-counter/)
    expect(readdirSync(cwd)).toEqual([])
  })

  it.each([
    ['Hello World', /contains spaces/, 'try "hello-world"'],
    ['../x', /is a path, not a project name/, 'try "x"'],
    ['', /must not be empty/, undefined],
  ])('the name %j is refused with a clear error', async (name, message, hint) => {
    const cwd = freshCwd()
    const { exitCode, json } = await runCli(['new', 'actor', name, '--template', 'ts-http', '--yes', '--json'], { cwd })
    expect(exitCode).toBe(2)
    expect(json.error.code).toBe('NEW_NAME_INVALID')
    expect(json.error.message).toMatch(message)
    if (hint) expect(json.error.hints[0]).toBe(hint)
    expect(readdirSync(cwd)).toEqual([])
    expect(existsSync(path.join(root, 'x'))).toBe(false)
  })

  it('prints one line and its hints in human mode, never a stack trace', async () => {
    const { exitCode, stdout, stderr } = await runCli(['new', 'actor', 'Hello World', '--yes'], { cwd: freshCwd() })
    expect(exitCode).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toBe('Error: the project name "Hello World" contains spaces (NEW_NAME_INVALID)\n  hint: try "hello-world"\n  hint: use letters, digits, "-" and "_", starting with a letter (for example hello-world)')
  })

  it('--json without a name and without a TTY exits 1 with INPUT_REQUIRED instead of prompting', async () => {
    const cwd = freshCwd()
    const { exitCode, json } = await runCli(['new', 'actor', '--json'], { cwd, ...quick })
    expect(exitCode).toBe(1)
    expect(json.error.code).toBe('INPUT_REQUIRED')
    expect(json.error.message).toMatch(/pass NAME/)
    expect(readdirSync(cwd)).toEqual([])
  })

  it('echo | wasmctl new actor exits 1 with INPUT_REQUIRED', async () => {
    const { exitCode, stdout, stderr } = await runCli(['new', 'actor'], { cwd: freshCwd(), stdin: 'pipe', input: '\n', ...quick })
    expect(exitCode).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toMatch(/^Error: Project name is required: pass NAME \(the first argument\) \(INPUT_REQUIRED\)\n/)
  })

  it('without --template or --yes and no TTY, names the --template flag', async () => {
    const cwd = freshCwd()
    const { exitCode, json } = await runCli(['new', 'actor', 'x', '--json'], { cwd, ...quick })
    expect(exitCode).toBe(1)
    expect(json.error).toMatchObject({ code: 'INPUT_REQUIRED', details: { flag: '--template' } })
    expect(readdirSync(cwd)).toEqual([])
  })

  it('a value that would break the sources is refused before anything is written', async () => {
    const cwd = freshCwd()
    const { exitCode, json } = await runCli(['new', 'actor', 'x', '--template', 'ts-http', '--value', 'greeting=say "hi"', '--json'], { cwd })
    expect(exitCode).toBe(2)
    expect(json.error.code).toBe('INPUT_INVALID')
    expect(readdirSync(cwd)).toEqual([])
  })
})

/**
 * The generated projects are real: the JavaScript ones componentize (esbuild + componentize-js,
 * cached by content hash), the TypeScript ones type-check, and the C one compiles with clang and
 * wasi-libc, becomes a command component with jco's adapter and runs.
 */
describe('generated projects build into components', () => {
  async function newProject(template: string, name: string): Promise<string> {
    const cwd = freshCwd()
    const { exitCode } = await runCli(['new', 'actor', name, '--template', template, '--yes', '--json', '--no-git-init'], { cwd })
    expect(exitCode).toBe(0)
    return path.join(cwd, name)
  }

  async function worldOf(bytes: Uint8Array): Promise<string[]> {
    const { componentWit } = await import('@bytecodealliance/jco')
    return (await componentWit(bytes))
      .split('\n')
      .map((line) => line.trim().replace(/;$/, ''))
      .filter((line) => /^(import|export) /.test(line))
  }

  async function componentizeProject(dir: string, entry: string, world: string): Promise<{ wasm: string; world: string[] }> {
    const { build } = await import('esbuild')
    const bundlePath = path.join(dir, 'build', 'bundle.js')
    await build({
      // Relative to the project, so the bundle (and the cache key) does not depend on the temp folder.
      absWorkingDir: dir,
      entryPoints: [entry],
      outfile: bundlePath,
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      external: ['wasi:*'],
      logLevel: 'silent',
    })
    const wasm = await buildJsComponent({ sourcePath: bundlePath, witPath: path.join(dir, 'wit'), worldName: world })
    return { wasm, world: await worldOf(readFileSync(wasm)) }
  }

  it.each([
    ['ts-http', 'src/index.ts'],
    ['js-http', 'src/index.js'],
  ])('%s componentizes into a wasi:http component that answers with its greeting', async (template, entry) => {
    const dir = await newProject(template, 'probe-http')
    const { wasm, world } = await componentizeProject(dir, entry, 'probe-http')
    expect(world).toContain('export wasi:http/incoming-handler@0.2.10')
    expect(await serve(wasm, path.join(dir, 'build', 'js'), {}, ['/'])).toEqual(['200 Hello from probe-http!'])
  })

  it('ts-kv-counter componentizes, imports wasi:keyvalue store and atomics, and counts per path', async () => {
    const dir = await newProject('ts-kv-counter', 'probe-kv')
    const { wasm, world } = await componentizeProject(dir, 'src/index.ts', 'probe-kv')
    expect(world).toContain('export wasi:http/incoming-handler@0.2.10')
    expect(world).toContain('import wasi:keyvalue/store@0.2.0-draft')
    expect(world).toContain('import wasi:keyvalue/atomics@0.2.0-draft')

    // Served through jco's glue and preview2-shim, with an in-memory store standing in for the host's.
    const counts = new Map<string, bigint>()
    class Bucket {}
    const keyvalue = {
      'wasi:keyvalue/store': {
        Bucket,
        open: (identifier: string) => {
          if (identifier !== 'default') throw { tag: 'no-such-store' }
          return new Bucket()
        },
      },
      'wasi:keyvalue/atomics': {
        increment: (_bucket: Bucket, key: string, delta: bigint) => {
          counts.set(key, (counts.get(key) ?? 0n) + delta)
          return counts.get(key)
        },
      },
    }
    const answers = await serve(wasm, path.join(dir, 'build', 'js'), keyvalue, ['/a', '/a', '/b'])
    expect(answers).toEqual([
      '200 {"path":"/a","count":1}',
      '200 {"path":"/a","count":2}',
      '200 {"path":"/b","count":1}',
    ])
  })

  /** Transpiles a wasi:http component and answers each path with a fresh instance, as a host does. */
  async function serve(wasm: string, outDir: string, imports: Record<string, unknown>, paths: string[]): Promise<string[]> {
    const { transpile } = await import('@bytecodealliance/jco')
    const { WASIShim } = await import('@bytecodealliance/preview2-shim/instantiation')
    const { HTTPServer } = await import('@bytecodealliance/preview2-shim/http')
    const { files } = await transpile(readFileSync(wasm), { name: 'component', instantiation: { tag: 'sync' } })
    mkdirSync(outDir, { recursive: true })
    const modules = new Map<string, WebAssembly.Module>()
    for (const [name, bytes] of Object.entries(files)) {
      if (name.endsWith('.d.ts')) continue
      writeFileSync(path.join(outDir, name), bytes)
      if (name.endsWith('.wasm')) modules.set(name, new WebAssembly.Module(bytes))
    }
    const glue = await import(path.join(outDir, 'component.js'))
    const server = new HTTPServer({
      handle: (request: unknown, response: unknown) =>
        glue.instantiate((name: string) => modules.get(name), { ...new WASIShim().getImportObject(), ...imports }).incomingHandler.handle(request, response),
    })
    server.listen(0, '127.0.0.1')
    try {
      const { port } = server.address() as { port: number }
      const answers: string[] = []
      for (const urlPath of paths) {
        const response = await fetch(`http://127.0.0.1:${port}${urlPath}`)
        answers.push(`${response.status} ${(await response.text()).trim()}`)
      }
      return answers
    } finally {
      server.stop()
    }
  }

  it.each(['ts-http', 'ts-kv-counter'])('%s type-checks with its own tsconfig', async (template) => {
    const dir = await newProject(template, 'probe-types')
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc')
    const result = await execa('node', [tsc, '-p', path.join(dir, 'tsconfig.json')], { reject: false })
    expect(result.stdout + result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
  })

  it('c-cli compiles with clang and wasi-libc into a command component that greets its arguments', async () => {
    const clang = await checkToolchain('clang')
    if (!clang.present) throw new Error(`c-cli needs ${clang.missing?.join(', ')}: ${clang.install}`)
    const dir = await newProject('c-cli', 'probe-cli')
    const core = path.join(dir, 'build', 'core.wasm')
    mkdirSync(path.dirname(core))
    await execa(clang.path!, ['--target=wasm32-wasi', `--sysroot=${clang.sysroot}`, '-O2', '-o', core, path.join(dir, 'src', 'probe_cli.c')])

    const jco = await import('@bytecodealliance/jco')
    const adapter = readFileSync(jco.preview1AdapterCommandPath())
    const component = await jco.componentNew(readFileSync(core), [['wasi_snapshot_preview1', adapter]])
    expect(await worldOf(component)).toContain('export wasi:cli/run@0.2.12')

    const file = path.join(dir, 'build', 'probe-cli.wasm')
    writeFileSync(file, component)
    const jcoBin = path.join(repoRoot, 'node_modules', '@bytecodealliance', 'jco', 'dist', 'jco.js')
    const greeted = await execa('node', [jcoBin, 'run', file, 'Ada', 'Grace'], { reject: false })
    expect(greeted.stdout).toBe('Hello from probe-cli!\nHello, Ada!\nHello, Grace!')
    expect(greeted.exitCode).toBe(0)
    const refused = await execa('node', [jcoBin, 'run', file, '--bogus'], { reject: false })
    // WASI 0.2's wasi:cli/exit reports success or failure, not the number.
    expect(refused.exitCode).toBe(1)
    expect(refused.stderr).toMatch(/unknown option --bogus\nusage: /)
  })
})
