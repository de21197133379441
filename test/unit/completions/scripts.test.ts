import { describe, expect, it } from 'vitest'

import { buildCompletionModel, type CommandLike } from '../../../src/completions/model.js'
import { completionFileName, completionScript } from '../../../src/completions/scripts.js'

const commands: CommandLike[] = [
  {
    id: 'build',
    summary: 'Build the project.\nMore text.',
    flags: {
      json: { name: 'json', type: 'boolean', description: 'Format output as json.' },
      'log-level': { name: 'log-level', type: 'option', options: ['error', 'debug'] },
      'config-path': { name: 'config-path', char: 'p', type: 'option', summary: "The project's file" },
      secret: { name: 'secret', type: 'boolean', hidden: true },
    },
  },
  { id: 'keys:gen', summary: 'Generate a key.', args: { type: { options: ['account', 'module'] } }, flags: { save: { name: 'save', type: 'option' } } },
  { id: 'keys:list', summary: 'List keys.' },
  { id: 'sign', aliases: ['claims:sign'], summary: 'Sign.', flags: { cache: { name: 'cache', type: 'boolean', allowNo: true }, ver: { name: 'ver', type: 'option', aliases: ['version-string'] } } },
  { id: 'internal', hidden: true },
  { id: 'bad;rm -rf', summary: 'unsafe id' },
  { id: 'new:actor', aliases: ['new:component'], flags: { template: { name: 'template', char: 't', type: 'option' } } },
]

const model = buildCompletionModel('wasmctl', commands, { keys: 'Manage keys.', claims: 'Claims.' }, { 'new:actor': { template: ['ts-http', 'rust-http'] } })

describe('buildCompletionModel', () => {
  it('lists visible commands and aliases as word paths, with topics in between', () => {
    expect(model.commands.map((command) => command.path)).toEqual(['build', 'claims sign', 'keys gen', 'keys list', 'new actor', 'new component', 'sign'])
    expect(model.children.get('')).toEqual([
      { word: 'build', description: 'Build the project.' },
      { word: 'claims', description: 'Claims.' },
      { word: 'keys', description: 'Manage keys.' },
      { word: 'new', description: '' },
      { word: 'sign', description: 'Sign.' },
    ])
    expect(model.children.get('keys')?.map((entry) => entry.word)).toEqual(['gen', 'list'])
  })

  it('keeps each command\'s visible flags with short names, value choices, aliases, --no- forms and --help', () => {
    const build = model.commands.find((command) => command.path === 'build')!
    expect(build.flags).toEqual([
      { name: 'config-path', char: 'p', description: "The project's file", takesValue: true },
      { name: 'help', char: 'h', description: 'Show help for this command.', takesValue: false },
      { name: 'json', description: 'Format output as json.', takesValue: false },
      { name: 'log-level', takesValue: true, options: ['error', 'debug'] },
    ])
    const sign = model.commands.find((command) => command.path === 'claims sign')!
    expect(sign.flags.map((flag) => flag.name)).toEqual(['cache', 'help', 'no-cache', 'ver', 'version-string'])
    expect(model.commands.find((command) => command.path === 'keys gen')!.argOptions).toEqual(['account', 'module'])
    expect(model.commands.find((command) => command.path === 'new component')!.flags.find((flag) => flag.name === 'template')!.options).toEqual(['ts-http', 'rust-http'])
  })
})

describe('completionScript', () => {
  it('bash: tables of words, flags, flag values and argument choices, and one complete -F', () => {
    const script = completionScript('bash', model)
    expect(script).toContain(`    '') echo 'build claims keys new sign' ;;`)
    expect(script).toContain(`    'keys') echo 'gen list' ;;`)
    expect(script).toContain(`    'build') echo '--config-path -p --help -h --json --log-level' ;;`)
    expect(script).toContain(`    'build --config-path'|'build -p') echo '' ;;`)
    expect(script).toContain(`    'build --log-level') echo 'error debug' ;;`)
    expect(script).toContain(`    'keys gen') echo 'account module' ;;`)
    expect(script.trimEnd().split('\n').at(-1)).toBe('complete -F _wasmctl wasmctl')
    expect(script).not.toContain('internal')
    expect(script).not.toContain('rm -rf')
  })

  it('zsh: a #compdef file that registers itself when sourced, with descriptions quoted for the shell', () => {
    const script = completionScript('zsh', model)
    expect(script.startsWith('#compdef wasmctl\n')).toBe(true)
    expect(script).toContain(`'--config-path:The project'\\''s file'`)
    expect(script).toContain('  compdef _wasmctl wasmctl')
  })

  it('fish: complete lines per word and flag, conditioned on the command path', () => {
    const script = completionScript('fish', model)
    expect(script).toContain(`complete -c wasmctl -n '__wasmctl_at \\'keys\\'' -a 'gen' -d 'Generate a key.'`)
    expect(script).toContain(`complete -c wasmctl -n '__wasmctl_at \\'build\\'' -l config-path -s p -r -F -d 'The project\\'s file'`)
    expect(script).toContain(`complete -c wasmctl -n '__wasmctl_at \\'build\\'' -l log-level -x -a 'error debug'`)
    expect(script).toContain(`complete -c wasmctl -n '__wasmctl_at \\'keys gen\\'' -a 'account module'`)
  })

  it('names files as wash (clap_complete) does', () => {
    expect(['bash', 'zsh', 'fish'].map((shell) => completionFileName(shell as 'bash', 'wasmctl'))).toEqual(['wasmctl.bash', '_wasmctl', 'wasmctl.fish'])
  })
})
