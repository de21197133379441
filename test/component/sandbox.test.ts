import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { adaptPreview1Module } from '../../src/build/adapter.js'
import { checkToolchain } from '../../src/build/toolchains.js'
import { runCommandComponent } from '../../src/host/command.js'
import { type LoadedComponent, loadComponent } from '../../src/host/load.js'
import { stopTranspiler } from '../../src/host/transpile.js'
import { repoRoot } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

/**
 * The filesystem sandbox under attack: a C guest (test/fixtures/sandbox/escape.c, built here by
 * clang for wasm32-wasi and adapted to a component as `wasmctl build` does) runs with one folder
 * granted as "/" and tries to reach the sentinel file and folder beside it: by links renamed so
 * they point out, O_NOFOLLOW opens, utimensat, hard links, ".." chains, absolute targets, dangling
 * links, a directory swapped for a link. After every case, nothing outside the grant may have been
 * created, changed (content, size, mtime) or listed, and the sentinel's content never appears.
 */
const source = path.join(repoRoot, 'test', 'fixtures', 'sandbox', 'escape.c')
const cacheDir = path.join(repoRoot, 'test', '.cache', 'sandbox')
const SECRET_CONTENT = 'TOPSECRET-CONTENT'
const OLD_TIME = 1_000_000_000
const onLinux = process.platform === 'linux'

async function buildGuest(): Promise<Uint8Array> {
  const clang = await checkToolchain('clang')
  if (!clang.present || !clang.path) throw new Error(`the sandbox tests need clang for wasm32-wasi with wasi-libc (missing: ${clang.missing?.join(', ')})`)
  const jcoPackage = readFileSync(path.join(repoRoot, 'node_modules', '@bytecodealliance', 'jco', 'package.json'))
  const key = createHash('sha256').update(`${clang.version}\0${clang.sysroot}\0`).update(jcoPackage).update('\0').update(readFileSync(source)).digest('hex').slice(0, 32)
  const cached = path.join(cacheDir, `escape-${key}.wasm`)
  if (existsSync(cached)) return readFileSync(cached)
  mkdirSync(cacheDir, { recursive: true })
  const core = path.join(cacheDir, `escape-${key}.core.wasm.${process.pid}`)
  const args = ['--target=wasm32-wasi', '-O2', '-Wall', '-Werror']
  if (clang.sysroot) args.push(`--sysroot=${clang.sysroot}`)
  if (clang.linker && path.basename(clang.linker) !== 'wasm-ld') args.push(`--ld-path=${clang.linker}`)
  execFileSync(clang.path, [...args, '-o', core, source], { stdio: ['ignore', 'inherit', 'inherit'] })
  const { component } = await adaptPreview1Module(readFileSync(core), { artifact: core })
  const temp = `${cached}.${process.pid}.tmp`
  writeFileSync(temp, component)
  renameSync(temp, cached)
  return component
}

interface World {
  work: string
  outer: string
  grant: string
}

/**
 * work/                      (PWNED would land here: "../../PWNED" from the grant's root)
 *   outer/
 *     OUTSIDE-SECRET.txt     sentinel file
 *     OUTSIDE-DIR/OUTSIDE-INNER.txt
 *     grant/                 granted as "/"; holds links planted by the host with absolute targets
 */
function makeWorld(): World {
  const work = tempDir('wasmctl-sandbox-')
  const outer = path.join(work, 'outer')
  const grant = path.join(outer, 'grant')
  mkdirSync(path.join(outer, 'OUTSIDE-DIR'), { recursive: true })
  mkdirSync(grant)
  writeFileSync(path.join(outer, 'OUTSIDE-SECRET.txt'), SECRET_CONTENT)
  writeFileSync(path.join(outer, 'OUTSIDE-DIR', 'OUTSIDE-INNER.txt'), SECRET_CONTENT)
  symlinkSync(path.join(outer, 'OUTSIDE-SECRET.txt'), path.join(grant, 'planted-abs'))
  symlinkSync(path.join(outer, 'OUTSIDE-DIR'), path.join(grant, 'planted-absdir'))
  // Old times: any change the guest makes to a sentinel shows.
  for (const file of ['OUTSIDE-SECRET.txt', 'OUTSIDE-DIR/OUTSIDE-INNER.txt', 'OUTSIDE-DIR', '.']) utimesSync(path.join(outer, file), OLD_TIME, OLD_TIME)
  utimesSync(work, OLD_TIME, OLD_TIME)
  return { work, outer, grant }
}

/** Everything outside the grant: path → type, size, mtime and content. */
function outsideSnapshot(world: World): Record<string, string> {
  const snapshot: Record<string, string> = {}
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const full = path.join(dir, entry)
      if (full === world.grant) continue
      const stats = lstatSync(full, { bigint: true })
      const content = stats.isFile() ? readFileSync(full, 'utf8') : ''
      snapshot[path.relative(world.work, full)] = `${stats.isDirectory() ? 'dir' : stats.isSymbolicLink() ? 'link' : 'file'} ${stats.size} ${stats.mtimeNs} ${content}`
      if (stats.isDirectory()) walk(full)
    }
  }
  snapshot['.'] = String(lstatSync(world.work, { bigint: true }).mtimeNs)
  walk(world.work)
  return snapshot
}

/** Every name that exists inside the grant (the only names a listing may show). */
function namesInside(dir: string, names = new Set(['.', '..'])): Set<string> {
  for (const entry of readdirSync(dir)) {
    names.add(entry)
    const full = path.join(dir, entry)
    if (lstatSync(full).isDirectory()) namesInside(full, names)
  }
  return names
}

let guest: LoadedComponent

beforeAll(async () => {
  const bytes = await buildGuest()
  guest = await loadComponent({ bytes, name: 'escape', origin: 'escape.wasm' }, { cacheRoot: path.join(cacheDir, 'host'), trust: {} })
})

afterAll(async () => {
  await stopTranspiler()
})

interface CaseRun {
  stdout: string
  /** label → "ok" or the errno name. */
  results: Record<string, string>
  listed: string[]
}

/** Runs one case of the guest and checks what every case must hold: nothing outside touched or revealed. */
async function attack(caseName: string, world = makeWorld()): Promise<CaseRun & World> {
  const before = outsideSnapshot(world)
  const stdoutPath = path.join(world.work, '..', `${path.basename(world.work)}.stdout`)
  const stdoutFd = openSync(stdoutPath, 'w')
  let exitCode: number
  try {
    ;({ exitCode } = await runCommandComponent(guest, { args: [caseName], preopens: [{ host: world.grant, guest: '/' }], stdoutFd }))
  } finally {
    closeSync(stdoutFd)
  }
  const stdout = readFileSync(stdoutPath, 'utf8')
  expect(exitCode, stdout).toBe(0)
  expect(outsideSnapshot(world), `nothing outside the grant changes\n${stdout}`).toEqual(before)
  expect(stdout).not.toContain(SECRET_CONTENT)
  const results: Record<string, string> = {}
  const listed: string[] = []
  for (const line of stdout.split('\n')) {
    const entry = /^ {2}.* entry (.*)$/.exec(line)
    if (entry) listed.push(entry[1])
    const result = /^([^ ].*?): (ok|E[A-Z]+)/.exec(line)
    if (result) results[result[1]] = result[2]
  }
  const inside = namesInside(world.grant)
  expect(listed.filter((name) => !inside.has(name)), `listings show only names inside the grant\n${stdout}`).toEqual([])
  return { stdout, results, listed, ...world }
}

function expectResults(run: CaseRun, ok: string[], refused: string[]): void {
  for (const label of ok) expect(run.results[label], `${label} should succeed\n${run.stdout}`).toBe('ok')
  for (const label of refused) {
    expect(run.results[label], `${label} ran\n${run.stdout}`).toBeDefined()
    expect(run.results[label], `${label} should be refused\n${run.stdout}`).not.toBe('ok')
  }
}

describe('filesystem sandbox (hostile C guest, grant mapped as /)', () => {
  it("the audit's repro: a link renamed so it points above the root cannot create a file there", async () => {
    const run = await attack('audit-repro')
    expectResults(run, ['mkdir /a', 'mkdir /a/b', 'symlink', 'rename'], ['fopen /l', 'open /l creat', 'open /l excl'])
    expect(existsSync(path.join(run.work, 'PWNED'))).toBe(false)
  })

  it('O_DIRECTORY|O_NOFOLLOW + fdopendir on links that lead out lists nothing outside', async () => {
    const run = await attack('fdopendir-escape')
    expectResults(
      run,
      ['symlink up', 'symlink outdir', 'symlink deep'],
      ['list up nofollow', 'list up follow', 'list outdir nofollow', 'list outdir follow', 'list deep follow', 'list deep/etc', 'list outdir/.'],
    )
    expect(run.listed).toEqual([])
  })

  it('utimensat changes only links inside, never what an escaping link points to', async () => {
    const run = await attack('utimensat-escape')
    expectResults(
      run,
      ['symlink secret', 'symlink outdir', 'touch nofollow link', 'mkdir /x', 'symlink x/up', 'rename x/up', 'touch renamed nofollow'],
      ['touch follow link', 'touch follow dirlink', 'touch through dirlink', 'touch dotdot', 'touch renamed follow'],
    )
    // The link itself did get the time (AT_SYMLINK_NOFOLLOW works; it is inside).
    expect(lstatSync(path.join(run.grant, 't')).mtimeMs).toBe(1_000_000_000)
  })

  it('hard links: of an escaping link stay a link, follow is refused, names above the root are refused, "..cache" is a name', async () => {
    const run = await attack('hard-links')
    expectResults(
      run,
      ['symlink secret', 'link to link', 'create ..cache', 'link ..cache', 'open ...x', 'list root'],
      ['open hardlinked link', 'write hardlinked link', 'linkat follow', 'open h2', 'link from above', 'link to above'],
    )
    expect(lstatSync(path.join(run.grant, 'h')).isSymbolicLink()).toBe(true)
    expect(existsSync(path.join(run.grant, '..cache'))).toBe(true)
    expect(run.listed).toContain('..cache')
  })

  it('".." chains never climb above the root, directly or through links', async () => {
    const run = await attack('dotdot')
    expectResults(
      run,
      ['mkdir /a', 'mkdir /a/b', 'symlink dd', 'mkdir ..cache', 'create ..cache/file', 'list ..cache'],
      [
        'open ../secret',
        'open a/../../secret',
        'open a/b/../../../secret',
        'create a/b/../../../PWNED',
        'mkdir ../PWNED-DIR',
        'open a/dd/OUTSIDE-SECRET.txt',
        'list a/dd',
        'list ..',
        'list a/b/../../..',
        'stat ../secret',
        'rename out',
        'rmdir above',
        'unlink above',
      ],
    )
    expect(existsSync(path.join(run.grant, '..cache', 'file'))).toBe(true)
  })

  it('absolute link targets: refused when made, never followed or revealed when planted', async () => {
    const run = await attack('absolute-targets')
    expectResults(
      run,
      ['lstat planted'],
      ['symlink /etc/passwd', 'symlink /', 'open planted', 'write planted', 'stat planted', 'readlink planted', 'list planted-absdir', 'list planted-absdir nofollow', 'touch planted'],
    )
    expect(run.stdout).not.toContain(run.outer)
  })

  it('dangling links: following one creates its target inside, never outside', async () => {
    const run = await attack('dangling')
    expectResults(
      run,
      ['symlink inside', 'create through dangling inside', 'symlink outside', 'mkdir /m', 'symlink m/x', 'rename m/x'],
      ['create through dangling outside', 'excl through dangling outside', 'mkdir through dangling outside', 'create x'],
    )
    expect(existsSync(path.join(run.grant, 'made-by-link'))).toBe(true)
  })

  it('a directory swapped for a link that leads out: paths through it are refused, a held fd keeps its own root', async () => {
    const run = await attack('swapped-directory')
    expectResults(
      run,
      // Without /proc/self/fd (not Linux) the host tracks directories by path and refuses a held
      // directory once it has moved; on Linux the fd keeps working wherever it went.
      ['mkdir /sub', 'create sub/inner', 'symlink ln', 'open ln/inner', 'hold ln', 'rename sub', 'swap sub', ...(onLinux ? ['openat held inner', 'list held'] : [])],
      [
        'open ln/OUTSIDE-INNER.txt',
        'write ln/OUTSIDE-INNER.txt',
        'create ln/PWNED',
        'list ln',
        'stat ln/OUTSIDE-INNER.txt',
        'openat held ..',
        'openat held ../..',
      ],
    )
    if (onLinux) expect(run.listed).toContain('inner')
  })

  it('stat, readdir and readlink through links that lead out describe nothing outside', async () => {
    const run = await attack('inspect')
    expectResults(
      run,
      ['symlink secret', 'symlink outdir', 'lstat t', 'list root', 'readlink t'],
      ['stat t', 'stat td', 'stat td/inner', 'list td', 'fstat td nofollow', 'readlink through td', 'read t'],
    )
  })
})
