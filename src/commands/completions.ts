import path from 'node:path'

import { Args, Flags } from '@oclif/core'

import { BaseCommand } from '../base-command.js'
import { fsError, WasmctlError } from '../errors.js'

export default class Completions extends BaseCommand {
  static override summary = 'Print a shell completion script for bash, zsh or fish.'
  static override description =
    'Completes command names, flag names and flag values. Without --dir the script goes to stdout; with -d/--dir it is written to a file there, named as wash names it (wasmctl.bash, _wasmctl, wasmctl.fish).'
  static override examples = [
    'source <(<%= config.bin %> completions bash)            # bash, this shell',
    '<%= config.bin %> completions bash > ~/.local/share/bash-completion/completions/<%= config.bin %>',
    '<%= config.bin %> completions zsh -d ~/.zfunc             # then: fpath+=(~/.zfunc); autoload -U compinit; compinit',
    '<%= config.bin %> completions fish > ~/.config/fish/completions/<%= config.bin %>.fish',
  ]

  static override args = {
    shell: Args.string({ description: 'The shell.', required: true, options: ['bash', 'zsh', 'fish', 'power-shell'] }),
  }

  static override flags = {
    dir: Flags.string({ char: 'd', description: 'Write the script into this folder instead of printing it.' }),
  }

  async run() {
    const { args, flags } = await this.parse(Completions)
    if (args.shell === 'power-shell') {
      throw new WasmctlError('INPUT_INVALID', 'wasmctl has no PowerShell completion yet', { hints: ['use bash, zsh or fish'] })
    }
    const shell = args.shell as 'bash' | 'zsh' | 'fish'
    const { buildCompletionModel } = await import('../completions/model.js')
    const { completionFileName, completionScript } = await import('../completions/scripts.js')
    const { templateNames, WASH_COMPONENT_FAVORITES } = await import('../templates/index.js')
    const templates = [...templateNames(), ...WASH_COMPONENT_FAVORITES.filter((favorite) => favorite.bundled).map((favorite) => favorite.name)]
    const topics = Object.fromEntries(this.config.topics.map((topic) => [topic.name, topic.description]))
    const suggestions = { 'new:actor': { template: templates, 'template-name': templates } }
    const script = completionScript(shell, buildCompletionModel(this.config.bin, this.config.commands, topics, suggestions))
    if (flags.dir === undefined) {
      if (!this.json) process.stdout.write(script)
      return { shell, script }
    }
    const file = path.resolve(flags.dir, completionFileName(shell, this.config.bin))
    const { writeFileAtomic } = await import('../files.js')
    try {
      await writeFileAtomic(file, script, { mode: 0o644 })
    } catch (error) {
      throw fsError(error, 'write', file)
    }
    this.print(`Generated completion file: ${file}`)
    return { shell, path: file }
  }
}
