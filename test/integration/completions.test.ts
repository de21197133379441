import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { execa } from 'execa'
import which from 'which'
import { beforeAll, describe, expect, it } from 'vitest'

import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

/**
 * `wasmctl completions SHELL` proven in the real shells: bash runs the completion function as
 * readline would (COMP_WORDS/COMP_CWORD), fish answers `complete -C`, and zsh runs the function
 * with its completion builtins stood in for (they only exist inside the line editor).
 * zsh and fish are optional on a developer machine; CI installs them (apt-get install zsh fish).
 */
const dir = tempDir('wasmctl-completions-')
const zsh = which.sync('zsh', { nothrow: true })
const fish = which.sync('fish', { nothrow: true })
const scripts: Record<string, string> = {}

beforeAll(async () => {
  for (const shell of ['bash', 'zsh', 'fish']) {
    const { exitCode, stdout, stderr } = await runCli(['completions', shell])
    expect(stderr).toBe('')
    expect(exitCode).toBe(0)
    scripts[shell] = path.join(dir, `script.${shell}`)
    writeFileSync(scripts[shell], stdout + '\n')
  }
})

async function bashComplete(...words: string[]): Promise<string[]> {
  const program = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); _wasmctl; printf '%s\\n' "\${COMPREPLY[@]}"`
  const { stdout } = await execa('bash', ['--norc', '--noprofile', '-c', program, 'bash', scripts.bash, 'wasmctl', ...words], { cwd: dir, stdin: 'ignore' })
  return stdout.split('\n').filter(Boolean)
}

describe('wasmctl completions', () => {
  it('bash: completes commands, topics, flags, flag choices, argument choices and file names', async () => {
    expect(await bashComplete('pu')).toEqual(['pull', 'push'])
    expect(await bashComplete('')).toEqual(expect.arrayContaining(['build', 'claims', 'completions', 'dev', 'keys', 'new', 'push', 'templates']))
    expect(await bashComplete('keys', '')).toEqual(['gen', 'get', 'list'])
    expect(await bashComplete('claims', 's')).toEqual(['sign'])
    expect(await bashComplete('new', 'component', '--sub')).toEqual(['--subdir', '--subfolder'])
    expect(await bashComplete('new', 'component', 'x', '--template', 'hello-world-t')).toEqual(['hello-world-tinygo', 'hello-world-typescript'])
    expect(await bashComplete('build', '--log-level', 'd')).toEqual(['debug'])
    expect(await bashComplete('completions', '')).toEqual(['bash', 'zsh', 'fish', 'power-shell'])
    writeFileSync(path.join(dir, 'values.toml'), '')
    expect(await bashComplete('new', 'component', 'x', '--values', 'val')).toEqual(['values.toml'])
  })

  it.skipIf(!zsh)('zsh: the script parses, and its function completes commands, flags and values', async () => {
    await execa(zsh!, ['-n', scripts.zsh])
    // _describe and compadd filter by the typed prefix, as the line editor's do.
    const program = [
      'compdef() { : }',
      '_describe() { local name=${@[-1]} entry; for entry in ${(P)name}; do [[ ${entry%%:*} == ${words[CURRENT]}* ]] && print -r -- ${entry%%:*}; done }',
      'compadd() { local entry; for entry in ${(P)2}; do [[ $entry == ${words[CURRENT]}* ]] && print -r -- $entry; done }',
      '_files() { print -r -- FILES }',
      'source "$1"',
      'words=("${@[2,-1]}"); CURRENT=${#words}; _wasmctl; :',
    ].join('\n')
    const complete = async (...words: string[]) => (await execa(zsh!, ['-f', '-c', program, 'zsh', scripts.zsh, 'wasmctl', ...words], { stdin: 'ignore' })).stdout.split('\n').filter(Boolean)
    expect(await complete('pu')).toEqual(['pull', 'push'])
    expect(await complete('keys', 'g')).toEqual(['gen', 'get'])
    expect(await complete('keys', 'gen', '--sa')).toEqual(['--save'])
    expect(await complete('build', '--log-level', '')).toEqual(['error', 'warn', 'info', 'debug'])
    expect(await complete('pull', '--destination', '')).toEqual(['FILES'])
  })

  it.skipIf(!fish)('fish: the script parses, and complete -C answers with it', async () => {
    await execa(fish!, ['-n', scripts.fish])
    const complete = async (line: string) =>
      (await execa(fish!, ['--no-config', '-c', `source $argv[1]; complete -C '${line}'`, scripts.fish], { stdin: 'ignore' })).stdout
        .split('\n')
        .filter(Boolean)
        .map((entry) => entry.split('\t')[0])
    expect(await complete('wasmctl pu')).toEqual(['pull', 'push'])
    expect(await complete('wasmctl keys ')).toEqual(['gen', 'get', 'list'])
    expect(await complete('wasmctl new component --git')).toEqual(['--git', '--git-init'])
    expect(await complete('wasmctl build --log-level ')).toEqual(['debug', 'error', 'info', 'warn'])
  })

  it('-d DIR writes the file wash would name, --json reports it, power-shell says what to use', async () => {
    const out = tempDir('wasmctl-completions-dir-')
    for (const shell of ['bash', 'zsh', 'fish']) {
      const { exitCode, json } = await runCli(['completions', shell, '-d', out, '--json'])
      expect(exitCode).toBe(0)
      expect(json.result).toEqual({ shell, path: path.join(out, { bash: 'wasmctl.bash', zsh: '_wasmctl', fish: 'wasmctl.fish' }[shell]!) })
      expect(readFileSync(json.result.path, 'utf8')).toBe(readFileSync(scripts[shell], 'utf8'))
    }
    expect(readdirSync(out).sort()).toEqual(['_wasmctl', 'wasmctl.bash', 'wasmctl.fish'])
    const human = await runCli(['completions', 'bash', '--dir', out])
    expect(human.stdout).toBe(`Generated completion file: ${path.join(out, 'wasmctl.bash')}`)
    const ps = await runCli(['completions', 'power-shell', '--json'])
    expect(ps.exitCode).toBe(2)
    expect(ps.json.error).toMatchObject({ code: 'INPUT_INVALID', hints: ['use bash, zsh or fish'] })
  })
})
