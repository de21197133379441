import { Args, Flags } from '@oclif/core'

import { BaseCommand } from '../../base-command.js'
import { promptSelect, promptText } from '../../ui/prompt.js'
import { isInteractive } from '../../ui/tty.js'

export default class NewActor extends BaseCommand {
  static override summary = 'Create a component project from a template.'
  static override description = 'Renders a bundled template (see `wasmctl templates list`) into a new folder. Prompts for the template and its values only on a TTY; --yes takes every default.'
  static override aliases = ['new:component']
  static override examples = [
    '<%= config.bin %> new actor hello',
    '<%= config.bin %> new actor hello --template rust-http --yes',
    '<%= config.bin %> new component counter --template ts-kv-counter --value bucket=visits --json',
  ]

  static override args = {
    name: Args.string({ description: 'Project name (letters, digits, - and _); also the folder name unless --path is given.' }),
  }

  static override flags = {
    template: Flags.string({ char: 't', description: 'Template to use (default with --yes: ts-http).', env: 'WASMCTL_TEMPLATE' }),
    path: Flags.string({ char: 'p', description: 'Project folder (default: ./<name>).' }),
    yes: Flags.boolean({ char: 'y', description: 'Take the default for every question.' }),
    value: Flags.string({ char: 'V', description: 'A template value, key=value (repeatable).', multiple: true }),
    'git-init': Flags.boolean({ description: 'Run git init in the new project (when git is installed).', default: true, allowNo: true }),
    force: Flags.boolean({ char: 'f', description: 'Write into an existing non-empty folder, replacing files of the same names.' }),
  }

  async run() {
    const { args, flags } = await this.parse(NewActor)
    const templates = await import('../../templates/index.js')
    const context = { json: this.json }
    const name = args.name ?? (await promptText(context, { flag: 'NAME (the first argument)', message: 'Project name', validate: templates.validateProjectName }))
    templates.projectNames(name)
    const template =
      flags.template ??
      (flags.yes
        ? templates.DEFAULT_TEMPLATE
        : await promptSelect(context, {
            flag: '--template',
            message: 'Template',
            default: templates.DEFAULT_TEMPLATE,
            choices: templates.listTemplates().map((t) => ({ value: t.name, name: `${t.name} (${t.language})`, description: t.description })),
          }))
    const plan = templates.planProject({ name, template, path: flags.path, force: flags.force })
    const values = templates.parseValueFlags(flags.value)
    if (isInteractive(context) && !flags.yes) {
      for (const question of templates.valueQuestions(plan.template, plan.names, values)) {
        values[question.name] = await promptText(context, { flag: `--value ${question.name}=...`, message: question.prompt, default: question.default, validate: question.validate })
      }
    }
    const project = await templates.createProject(plan, {
      values,
      gitInit: flags['git-init'],
      signal: this.signal,
      onEvent: (event) => (event.type === 'warning' ? this.warn(event.message) : this.logger.debug(event.message)),
    })
    this.print(`Created ${project.template} project ${project.name} in ${project.path}\n\nNext:\n  cd ${flags.path ?? project.name}\n${project.next.map((line) => `  ${line}`).join('\n')}`)
    return project
  }
}
