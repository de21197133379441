import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

import { execa } from 'execa'
import { describe, expect, it } from 'vitest'

import { WasmctlError } from '../../../src/errors.js'
import { createExternalProject, type ExternalProjectOptions } from '../../../src/templates/external/generate.js'
import { tempDir } from '../../helpers/tmp.js'

/**
 * wash templates fetched with the real git from real repositories made here (file:// URLs and
 * paths; the network is never used), rendered to disk through the same atomic writer as the
 * bundled templates.
 */
const root = tempDir('wasmctl-git-templates-')
let made = 0

async function git(cwd: string, ...args: string[]): Promise<void> {
  await execa('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'init.defaultBranch=main', ...args], { cwd, stdin: 'ignore' })
}

/** A repository holding `files` on main, and `branches` (name -> files) each on its own branch. */
async function repository(files: Record<string, string | Buffer>, branches: Record<string, Record<string, string>> = {}): Promise<string> {
  const dir = path.join(root, `repo-${++made}`)
  mkdirSync(dir)
  await git(dir, 'init', '--quiet')
  write(dir, files)
  await git(dir, 'add', '-A')
  await git(dir, 'commit', '--quiet', '-m', 'template')
  for (const [branch, branchFiles] of Object.entries(branches)) {
    await git(dir, 'checkout', '--quiet', '-b', branch)
    write(dir, branchFiles)
    await git(dir, 'add', '-A')
    await git(dir, 'commit', '--quiet', '-m', branch)
    await git(dir, 'checkout', '--quiet', 'main')
  }
  return dir
}

function write(dir: string, files: Record<string, string | Buffer>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    writeFileSync(path.join(dir, name), content)
  }
}

function cwd(): string {
  const dir = path.join(root, `cwd-${++made}`)
  mkdirSync(dir)
  return dir
}

function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? (entry.name === '.git' ? [] : walk(path.join(dir, entry.name), base)) : [path.relative(base, path.join(dir, entry.name))]))
    .sort()
}

async function rejection(promise: Promise<unknown>): Promise<WasmctlError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(WasmctlError)
    return error as WasmctlError
  }
  throw new Error('did not fail')
}

const RUST_TEMPLATE = {
  'project-generate.toml': [
    '[template]',
    'exclude = ["target/", "*.log"]',
    'raw = ["assets/"]',
    'rename = [{ from = "README.template.md", to = "README.md" }]',
    '',
    '[[placeholders]]',
    'name = "vendor"',
    'type = "string"',
    'prompt = "Vendor?"',
    'default = "{{project-name}}-vendor"',
    '',
    '[[placeholders]]',
    'name = "keyvalue"',
    'type = "bool"',
    'prompt = "Use wasi:keyvalue?"',
    'default = false',
  ].join('\n'),
  'Cargo.toml': '[package]\nname = "{{project-name}}"\nversion = "0.1.0"\n',
  'wasmcloud.toml': 'name = "{{project-name}}"\nlanguage = "rust"\ntype = "component"\n',
  'src/lib.rs': '// by {{vendor}}\n{{#if keyvalue}}use keyvalue;{{else}}// no keyvalue{{/if}}\nfn f() { println!("{}", 1); }\n',
  'README.template.md': '# {{project-name}}\n',
  'assets/page.html': '<p>{{ left alone }}</p>\n',
  'assets/icon.bin': Buffer.from([0, 1, 2, 0xff, 0x7b, 0x7b]),
  'src/{{project-name}}.wit': 'package local:{{project-name}};\n',
  'target/debug/junk': 'x',
  'build.log': 'log',
}

describe('new component from a wash template in a git repository', () => {
  it('clones, renders placeholders, raw files, renames, excludes and file names, and git-inits the project', async () => {
    const repo = await repository(RUST_TEMPLATE)
    const dir = cwd()
    const events: string[] = []
    const project = await createExternalProject({
      name: 'my_app',
      source: { kind: 'git', url: pathToFileURL(repo).href },
      cwd: dir,
      values: { keyvalue: 'true' },
      onEvent: (event) => events.push(`${event.type}: ${event.message}`),
    })
    // wash names the folder in kebab case and keeps the name as typed in project-name.
    expect(project.path).toBe(path.join(dir, 'my-app'))
    expect(project).toMatchObject({ name: 'my_app', values: { vendor: 'my_app-vendor', keyvalue: true }, git: 'initialized', next: ['wasmctl build', 'wasmctl dev'] })
    expect(project.files).toEqual(['Cargo.toml', 'README.md', 'assets/icon.bin', 'assets/page.html', 'src/lib.rs', 'src/my_app.wit', 'wasmcloud.toml'])
    expect(walk(project.path)).toEqual(project.files.map((file) => file.split('/').join(path.sep)))
    const read = (file: string) => readFileSync(path.join(project.path, file), 'utf8')
    expect(read('Cargo.toml')).toBe('[package]\nname = "my_app"\nversion = "0.1.0"\n')
    expect(read('src/lib.rs')).toBe('// by my_app-vendor\nuse keyvalue;\nfn f() { println!("{}", 1); }\n')
    expect(read('README.md')).toBe('# my_app\n')
    expect(read('assets/page.html')).toBe('<p>{{ left alone }}</p>\n')
    expect(readFileSync(path.join(project.path, 'assets/icon.bin'))).toEqual(Buffer.from([0, 1, 2, 0xff, 0x7b, 0x7b]))
    expect(read('src/my_app.wit')).toBe('package local:my_app;\n')
    expect(existsSync(path.join(project.path, '.git'))).toBe(true)
    expect(events.some((event) => event.startsWith('step: cloning file://'))).toBe(true)
    // Nothing is left beside the project: no staging folder, no clone.
    expect(readdirSync(dir)).toEqual(['my-app'])
  })

  it('takes --branch and --subfolder, finding project-generate.toml in a parent folder as wash does', async () => {
    const repo = await repository(
      { 'README.md': 'main', 'project-generate.toml': '[template]\nexclude = ["*.tmp"]\n', 'templates/hello/hello.txt': 'main {{project-name}}' },
      { v2: { 'templates/hello/hello.txt': 'v2 {{project-name}}', 'templates/hello/skip.tmp': 'x' } },
    )
    const dir = cwd()
    const project = await createExternalProject({
      name: 'hello',
      source: { kind: 'git', url: repo, branch: 'v2', subfolder: 'templates/hello' },
      cwd: dir,
      gitInit: false,
    })
    expect(project.files).toEqual(['hello.txt'])
    expect(readFileSync(path.join(project.path, 'hello.txt'), 'utf8')).toBe('v2 hello')
    expect(project.source).toEqual({ git: repo, branch: 'v2', subfolder: 'templates/hello' })
    expect(project.git).toBe('skipped')
  })

  it('renders a local template folder (--path) in place, leaving it untouched', async () => {
    const template = path.join(root, `local-${++made}`)
    write(template, { 'project-generate.toml': '', 'main.go': 'package {{project-name}}\n' })
    chmodSync(path.join(template, 'main.go'), 0o755)
    const dir = cwd()
    const project = await createExternalProject({ name: 'tool', source: { kind: 'path', path: template }, cwd: dir, path: 'out/tool', gitInit: false })
    expect(project.path).toBe(path.join(dir, 'out', 'tool'))
    expect(readFileSync(path.join(project.path, 'main.go'), 'utf8')).toBe('package tool\n')
    expect(statSync(path.join(project.path, 'main.go')).mode & 0o777).toBe(0o755)
    expect(readdirSync(template).sort()).toEqual(['main.go', 'project-generate.toml'])
  })

  it('skips symbolic links, so a template cannot copy a file of this machine into the project', async () => {
    const template = path.join(root, `links-${++made}`)
    const secret = path.join(root, `secret-${made}.txt`)
    writeFileSync(secret, 'do not copy')
    write(template, { 'project-generate.toml': '', 'ok.txt': 'ok' })
    symlinkSync(secret, path.join(template, 'stolen.txt'))
    symlinkSync(root, path.join(template, 'dir-link'))
    const warnings: string[] = []
    const project = await createExternalProject({
      name: 'safe',
      source: { kind: 'path', path: template },
      cwd: cwd(),
      gitInit: false,
      onEvent: (event) => event.type === 'warning' && warnings.push(event.message),
    })
    expect(project.files).toEqual(['ok.txt'])
    expect(warnings).toEqual(['skipped dir-link: symbolic links in templates are not copied', 'skipped stolen.txt: symbolic links in templates are not copied'])
  })

  it.each([
    ['a rename to ../', { 'project-generate.toml': '[template]\nrename = [{ from = "a.txt", to = "../escaped.txt" }]\n', 'a.txt': 'a' }],
    ['an absolute rename', { 'project-generate.toml': '[template]\nrename = [{ from = "a.txt", to = "/tmp/escaped.txt" }]\n', 'a.txt': 'a' }],
    ['a file name rendered to ..', { 'project-generate.toml': '[[placeholders]]\nname = "up"\nprompt = "?"\ndefault = ".."\n', '{{up}}/x.txt': 'x' }],
  ])('refuses %s: every file stays inside the project, and nothing is written', async (_label, files) => {
    const repo = await repository(files)
    const dir = cwd()
    const error = await rejection(createExternalProject({ name: 'esc', source: { kind: 'git', url: repo }, cwd: dir, gitInit: false }))
    expect(error.code).toBe('TEMPLATE_INVALID')
    expect(error.message).toMatch(/outside the project folder/)
    expect(readdirSync(dir)).toEqual([])
    expect(existsSync(path.join(root, 'escaped.txt'))).toBe(false)
  })

  it('refuses a --subfolder that leaves the repository, or does not exist', async () => {
    const repo = await repository({ 'project-generate.toml': '', 'a.txt': 'a' })
    const outside = await rejection(createExternalProject({ name: 'x', source: { kind: 'git', url: repo, subfolder: '../..' }, cwd: cwd(), gitInit: false }))
    expect(outside.message).toBe('--subfolder ../.. leads outside the template')
    const missing = await rejection(createExternalProject({ name: 'x', source: { kind: 'git', url: repo, subfolder: 'nope' }, cwd: cwd(), gitInit: false }))
    expect(missing.message).toBe('--subfolder nope does not exist in the template')
  })

  it('fails clearly on a missing repository, a missing branch, and a folder that is not a template', async () => {
    const gone = await rejection(createExternalProject({ name: 'x', source: { kind: 'git', url: path.join(root, 'no-such-repo') }, cwd: cwd(), gitInit: false }))
    expect(gone.code).toBe('TEMPLATE_FETCH_FAILED')
    expect(gone.message).toMatch(/^cannot clone .*no-such-repo: /)

    const repo = await repository({ 'a.txt': 'a' })
    const branch = await rejection(createExternalProject({ name: 'x', source: { kind: 'git', url: repo, branch: 'nope' }, cwd: cwd(), gitInit: false }))
    expect(branch.code).toBe('TEMPLATE_FETCH_FAILED')
    expect(branch.hints[0]).toBe('the repository has no branch or tag "nope": check --branch')

    const notTemplate = await rejection(createExternalProject({ name: 'x', source: { kind: 'git', url: repo }, cwd: cwd(), gitInit: false }))
    expect(notTemplate.code).toBe('TEMPLATE_INVALID')
    expect(notTemplate.message).toMatch(/has no project-generate.toml/)
  })

  it('leaves no project behind when a file fails to render, and names the file', async () => {
    const repo = await repository({ 'project-generate.toml': '', 'a.txt': '{{project-name}}', 'z.rs': 'let s = format!("{{}}");' })
    const dir = cwd()
    const error = await rejection(createExternalProject({ name: 'broken', source: { kind: 'git', url: repo }, cwd: dir, gitInit: false }))
    expect(error.code).toBe('TEMPLATE_INVALID')
    expect(error.message).toMatch(/^cannot render z.rs: /)
    expect(readdirSync(dir)).toEqual([])
  })

  it('refuses an existing non-empty folder unless forced, and an invalid name, before cloning', async () => {
    const repo = await repository({ 'project-generate.toml': '', 'a.txt': '{{project-name}}' })
    const dir = cwd()
    mkdirSync(path.join(dir, 'busy'))
    writeFileSync(path.join(dir, 'busy', 'mine.txt'), 'mine')
    const options: ExternalProjectOptions = { name: 'busy', source: { kind: 'git', url: repo }, cwd: dir, gitInit: false }
    expect((await rejection(createExternalProject(options))).code).toBe('NEW_TARGET_EXISTS')
    const forced = await createExternalProject({ ...options, force: true })
    expect(walk(forced.path)).toEqual(['a.txt', 'mine.txt'])
    expect((await rejection(createExternalProject({ ...options, name: '1abc' }))).code).toBe('NEW_NAME_INVALID')
  })

  it('asks for values without defaults through the caller, and requires them when nobody can be asked', async () => {
    const repo = await repository({ 'project-generate.toml': '[[placeholders]]\nname = "owner"\nprompt = "Owner?"\n', 'o.txt': '{{owner}}' })
    const required = await rejection(createExternalProject({ name: 'x', source: { kind: 'git', url: repo }, cwd: cwd(), gitInit: false }))
    expect(required.code).toBe('INPUT_REQUIRED')
    expect(required.details).toMatchObject({ flag: '--value owner=...' })
    const asked = await createExternalProject({ name: 'x', source: { kind: 'git', url: repo }, cwd: cwd(), gitInit: false, ask: async () => 'Ann' })
    expect(readFileSync(path.join(asked.path, 'o.txt'), 'utf8')).toBe('Ann')
  })
})
