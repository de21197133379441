import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

import { execa } from 'execa'
import { beforeAll, describe, expect, it } from 'vitest'

import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

/**
 * `wasmctl new component` as a wash user types it: --git/--branch/--subfolder, --path (a local
 * template folder), --values FILE, --silent, --template-name with wash's names, --favorites.
 * Repositories are made here with git; nothing leaves the machine.
 */
const root = tempDir('wasmctl-new-wash-')
let repoUrl = ''
let folders = 0

function freshCwd(): string {
  const dir = path.join(root, `cwd-${++folders}`)
  mkdirSync(dir)
  return dir
}

beforeAll(async () => {
  const repo = path.join(root, 'templates-repo')
  const files: Record<string, string> = {
    'components/hello/project-generate.toml': '[[placeholders]]\nname = "greeting"\nprompt = "Greeting?"\n\n[[placeholders]]\nname = "vendor"\nprompt = "Vendor?"\ndefault = "Acme"\n',
    'components/hello/wasmcloud.toml': 'name = "{{project-name}}"\nlanguage = "rust"\ntype = "component"\n',
    'components/hello/src/lib.rs': '// {{greeting}} from {{vendor}}\n',
  }
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(repo, name)), { recursive: true })
    writeFileSync(path.join(repo, name), content)
  }
  const git = (...args: string[]) => execa('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'init.defaultBranch=main', ...args], { cwd: repo, stdin: 'ignore' })
  await git('init', '--quiet')
  await git('add', '-A')
  await git('commit', '--quiet', '-m', 'templates')
  repoUrl = pathToFileURL(repo).href
})

describe.concurrent('wasmctl new component with wash templates', () => {
  it('--git --subfolder --values FILE --silent renders the template (wash\'s values file format)', async () => {
    const cwd = freshCwd()
    writeFileSync(path.join(cwd, 'values.toml'), '[values]\ngreeting = "Hi"\n"project-name" = "from-values"\n')
    const { exitCode, json, stderr } = await runCli(
      ['new', 'component', '--git', repoUrl, '--subfolder', 'components/hello', '--values', 'values.toml', '--silent', '--no-git-init', '--json'],
      { cwd },
    )
    expect(stderr).toBe('')
    expect(exitCode).toBe(0)
    expect(json.result).toMatchObject({ name: 'from-values', path: path.join(cwd, 'from-values'), values: { greeting: 'Hi', vendor: 'Acme' }, git: 'skipped' })
    expect(readFileSync(path.join(cwd, 'from-values', 'src', 'lib.rs'), 'utf8')).toBe('// Hi from Acme\n')
    expect(readFileSync(path.join(cwd, 'from-values', 'wasmcloud.toml'), 'utf8')).toMatch(/^name = "from-values"$/m)
  })

  it('a missing value in CI is INPUT_REQUIRED naming the flag, and nothing is created', async () => {
    const cwd = freshCwd()
    const { exitCode, json } = await runCli(['new', 'component', 'app', '--git', repoUrl, '--subfolder', 'components/hello', '--json'], { cwd })
    expect(exitCode).toBe(1)
    expect(json.error).toMatchObject({ code: 'INPUT_REQUIRED', message: 'Greeting? (greeting) is required: pass --value greeting=...' })
    expect(readdirSync(cwd)).toEqual([])
  })

  it('-v FILE and -V key=value (which wins) in human mode, with the next steps', async () => {
    const cwd = freshCwd()
    writeFileSync(path.join(cwd, 'v.toml'), '[values]\ngreeting = "Hello"\nvendor = "FromFile"\n')
    const { exitCode, stdout } = await runCli(
      ['new', 'component', 'My_App', '--git', repoUrl, '--subfolder', 'components/hello', '-v', 'v.toml', '-V', 'vendor=FromFlag', '--no-git-init'],
      { cwd },
    )
    expect(exitCode).toBe(0)
    expect(stdout).toBe(`Created project My_App from ${repoUrl} (components/hello) in ${path.join(cwd, 'my-app')}\n\nNext:\n  cd my-app\n  wasmctl build\n  wasmctl dev`)
    expect(readFileSync(path.join(cwd, 'my-app', 'src', 'lib.rs'), 'utf8')).toBe('// Hello from FromFlag\n')
  })

  it('--path is a local template folder (wash\'s meaning); the project folder is --output-dir', async () => {
    const cwd = freshCwd()
    const template = path.join(cwd, 'tpl')
    mkdirSync(template)
    writeFileSync(path.join(template, 'project-generate.toml'), '')
    writeFileSync(path.join(template, 'hello.txt'), 'hello {{project-name}}')
    const { exitCode, json } = await runCli(['new', 'component', 'local', '-p', 'tpl', '--output-dir', 'apps/local', '--no-git-init', '--json'], { cwd })
    expect(exitCode).toBe(0)
    expect(json.result).toMatchObject({ path: path.join(cwd, 'apps', 'local'), source: { path: template }, files: ['hello.txt'] })
    expect(readFileSync(path.join(cwd, 'apps', 'local', 'hello.txt'), 'utf8')).toBe('hello local')
  })

  it('an old `--path DIR` with --template is a usage error pointing at --output-dir', async () => {
    const cwd = freshCwd()
    const { exitCode, json } = await runCli(['new', 'actor', 'x', '--template', 'ts-http', '--path', 'out/x', '--yes', '--json'], { cwd })
    expect(exitCode).toBe(2)
    expect(json.error.code).toBe('USAGE')
    expect(json.error.hints).toEqual(['to choose the project\'s folder, pass --output-dir out/x'])
    expect(readdirSync(cwd)).toEqual([])
  })

  it('wash\'s --template-name hello-world-typescript creates the bundled ts-http project', async () => {
    const cwd = freshCwd()
    const { exitCode, json } = await runCli(['new', 'component', 'hello', '--template-name', 'hello-world-typescript', '--silent', '--no-git-init', '--json'], { cwd })
    expect(exitCode).toBe(0)
    expect(json.result).toMatchObject({ template: 'ts-http', language: 'typescript', path: path.join(cwd, 'hello') })
    const missing = await runCli(['new', 'component', 'dog', '-t', 'rust-dog-fetcher', '--silent', '--json'], { cwd })
    expect(missing.exitCode).toBe(2)
    expect(missing.json.error.code).toBe('TEMPLATE_UNKNOWN')
    expect(missing.json.error.hints[0]).toMatch(/--git wasmCloud\/wasmCloud --subfolder examples\/rust\/components\/dog-fetcher$/)
  })

  it('--favorites FILE picks by --template-name, or the first entry with --silent, as wash', async () => {
    const cwd = freshCwd()
    writeFileSync(
      path.join(cwd, 'favorites.toml'),
      `[[component]]\nname = "first"\ndescription = "1"\ngit = "${repoUrl}"\nsubfolder = "components/hello"\n\n[[component]]\nname = "broken"\ndescription = "2"\npath = "./missing"\n`,
    )
    const first = await runCli(['new', 'component', 'fav', '--favorites', 'favorites.toml', '--silent', '-V', 'greeting=Yo', '--no-git-init', '--json'], { cwd })
    expect(first.exitCode).toBe(0)
    expect(first.json.result.source).toEqual({ git: repoUrl, subfolder: 'components/hello' })
    const broken = await runCli(['new', 'component', 'fav2', '--favorites', 'favorites.toml', '-t', 'broken', '--json'], { cwd })
    expect(broken.json.error).toMatchObject({ code: 'INPUT_INVALID', message: '--path ./missing is not an existing folder' })
    expect(existsSync(path.join(cwd, 'fav2'))).toBe(false)
    const unchosen = await runCli(['new', 'component', 'fav3', '--favorites', 'favorites.toml', '--json'], { cwd })
    expect(unchosen.exitCode).toBe(1)
    expect(unchosen.json.error).toMatchObject({ code: 'INPUT_REQUIRED', details: { flag: '--template-name' } })
  })

  it('--silent never prompts, not even for the name', async () => {
    const { exitCode, json } = await runCli(['new', 'component', '--silent', '--json'], { cwd: freshCwd() })
    expect(exitCode).toBe(1)
    expect(json.error).toMatchObject({ code: 'INPUT_REQUIRED', details: { flag: 'NAME (the first argument)' } })
  })
})
