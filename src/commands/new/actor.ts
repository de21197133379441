import path from 'node:path'

import { Args, Flags } from '@oclif/core'

import { BaseCommand } from '../../base-command.js'
import { WasmctlError } from '../../errors.js'
import type { PlaceholderQuestion, TemplateSource, TemplateVariables } from '../../templates/index.js'
import { promptConfirm, promptSelect, promptText, requireValue } from '../../ui/prompt.js'
import { isInteractive } from '../../ui/tty.js'

export default class NewActor extends BaseCommand {
  static override summary = 'Create a component project from a template.'
  static override description = `Renders a bundled template (see \`wasmctl templates list\`), a wash template from a git repository (--git URL [--branch B] [--subfolder D]) or a local wash template folder (--path DIR) into a new folder. wash's template names (hello-world-typescript, hello-world-rust, hello-world-tinygo) pick the matching bundled template. Prompts only on a TTY; --yes or --silent take every default.`
  static override aliases = ['new:component']
  static override examples = [
    '<%= config.bin %> new actor hello',
    '<%= config.bin %> new actor hello --template rust-http --yes --output-dir apps/hello',
    '<%= config.bin %> new component counter --template ts-kv-counter --value bucket=visits --json',
    '<%= config.bin %> new component kv --git https://github.com/wasmCloud/wasmCloud --subfolder examples/rust/components/http-keyvalue-counter',
    '<%= config.bin %> new component mine --path ../my-template --values values.toml --silent',
  ]

  static override args = {
    name: Args.string({ description: 'Project name (letters, digits, - and _); also the folder name unless --output-dir is given.' }),
  }

  static override flags = {
    template: Flags.string({ char: 't', aliases: ['template-name'], description: 'Bundled template, or one of wash\'s template names (default with --yes: ts-http).', env: 'WASMCTL_TEMPLATE' }),
    git: Flags.string({ description: 'Git repository of a wash template (URL, local path, or wash\'s owner/repo shorthand for GitHub).', exclusive: ['path', 'template', 'favorites'] }),
    subfolder: Flags.string({ aliases: ['subdir'], description: 'Folder of the template inside the --git repository or --path folder.' }),
    branch: Flags.string({ description: 'Branch or tag of the --git repository (default: its default branch).', dependsOn: ['git'] }),
    path: Flags.string({ char: 'p', description: 'Local wash template folder (as in wash). The new project\'s folder is --output-dir.', exclusive: ['favorites'] }),
    'output-dir': Flags.string({ description: 'Folder to create the project in (default: ./<name>; ./<kebab-name> for --git/--path templates, as wash).' }),
    values: Flags.string({ char: 'v', description: 'TOML file with a [values] table of template values (wash\'s values file).' }),
    value: Flags.string({ char: 'V', description: 'A template value, key=value (repeatable; wins over --values).', multiple: true }),
    silent: Flags.boolean({ description: 'Never prompt: values come from --value/--values and the template\'s defaults (as wash).' }),
    yes: Flags.boolean({ char: 'y', description: 'Take the default for every question.' }),
    favorites: Flags.string({ description: 'wash favorites file ([[component]] entries with git or path) to pick the template from.' }),
    'git-init': Flags.boolean({ description: 'Run git init in the new project (when git is installed).', default: true, allowNo: true }),
    force: Flags.boolean({ char: 'f', description: 'Write into an existing non-empty folder, replacing files of the same names.' }),
  }

  async run() {
    const { args, flags } = await this.parse(NewActor)
    const templates = await import('../../templates/index.js')
    const context = { json: this.json }
    const quiet = flags.yes || flags.silent
    const ask = isInteractive(context) && !quiet
    if (flags.path !== undefined && flags.template !== undefined) {
      throw new WasmctlError('USAGE', '--path names a wash template folder (as in wash), so it cannot be combined with --template', {
        hints: [`to choose the project's folder, pass --output-dir ${flags.path}`],
      })
    }
    const values: TemplateVariables = { ...(flags.values === undefined ? {} : templates.readValuesFile(flags.values)), ...templates.parseValueFlags(flags.value) }
    const given = args.name ?? (typeof values['project-name'] === 'string' ? values['project-name'] : undefined)
    const nameFlag = 'NAME (the first argument)'
    const name =
      given ??
      (flags.silent
        ? requireValue<string>(undefined, context, nameFlag, 'Project name')
        : await promptText(context, { flag: nameFlag, message: 'Project name', validate: templates.validateProjectName }))
    delete values['project-name']
    // Fetching a template can take a while, so its steps show; bundled templates' only at debug level.
    const onEvent = (event: { type: string; message: string }) => (event.type === 'warning' ? this.warn(event.message) : this.logger.info(event.message))
    const onBundledEvent = (event: { type: string; message: string }) => (event.type === 'warning' ? this.warn(event.message) : this.logger.debug(event.message))

    const source = await chooseExternalSource(flags, templates, context, quiet)
    if (!source) templates.projectNames(name)
    if (source) {
      const project = await templates.createExternalProject({
        name, source, values, path: flags['output-dir'], force: flags.force, gitInit: flags['git-init'], signal: this.signal, onEvent,
        ask: ask ? (question) => askPlaceholder(context, question) : undefined,
      })
      this.print(created(`project ${project.name} from ${project.template}`, project.path, flags['output-dir'] ?? (path.relative(process.cwd(), project.path) || '.'), project.next))
      return project
    }

    const wanted = flags.template ?? (quiet ? templates.DEFAULT_TEMPLATE : await promptSelect(context, {
      flag: '--template', message: 'Template', default: templates.DEFAULT_TEMPLATE,
      choices: templates.listTemplates().map((t) => ({ value: t.name, name: `${t.name} (${t.language})`, description: t.description })),
    }))
    const template = templates.bundledForWashName(wanted) ?? wanted
    if (template !== wanted) this.logger.info(`wash's template ${wanted} is bundled as ${template}`)
    const plan = templates.planProject({ name, template, path: flags['output-dir'], force: flags.force })
    const strings = Object.fromEntries(Object.entries(values).map(([key, value]) => [key, String(value)]))
    if (ask) {
      for (const question of templates.valueQuestions(plan.template, plan.names, strings)) {
        strings[question.name] = await promptText(context, { flag: `--value ${question.name}=...`, message: question.prompt, default: question.default, validate: question.validate })
      }
    }
    const project = await templates.createProject(plan, { values: strings, gitInit: flags['git-init'], signal: this.signal, onEvent: onBundledEvent })
    this.print(created(`${project.template} project ${project.name}`, project.path, flags['output-dir'] ?? project.name, project.next))
    return project
  }
}

function created(what: string, projectPath: string, cd: string, next: string[]): string {
  return `Created ${what} in ${projectPath}\n\nNext:\n  cd ${cd}${next.map((line) => `\n  ${line}`).join('')}`
}

type Templates = typeof import('../../templates/index.js')

/** --git, --path, or an entry of a --favorites file; undefined means a bundled template. */
async function chooseExternalSource(
  flags: { git?: string; branch?: string; subfolder?: string; path?: string; favorites?: string; template?: string },
  templates: Templates,
  context: { json: boolean },
  quiet: boolean,
): Promise<TemplateSource | undefined> {
  if (flags.git !== undefined) return { kind: 'git', url: flags.git, branch: flags.branch, subfolder: flags.subfolder }
  if (flags.path !== undefined) return { kind: 'path', path: flags.path, subfolder: flags.subfolder }
  if (flags.favorites !== undefined) {
    const choose = (entries: { name: string; description: string }[]) =>
      promptSelect(context, { flag: '--template-name', message: 'Template', choices: entries.map((entry) => ({ value: entry.name, name: `${entry.name}: ${entry.description}` })) })
    return templates.pickFavorite(flags.favorites, flags.template, quiet ? undefined : choose)
  }
  if (flags.subfolder !== undefined) throw new WasmctlError('USAGE', '--subfolder needs --git or --path', { hints: ['pass --git URL or --path DIR with it'] })
  return undefined
}

async function askPlaceholder(context: { json: boolean }, question: PlaceholderQuestion): Promise<string | boolean> {
  const flag = `--value ${question.name}=...`
  if (question.type === 'bool') return promptConfirm(context, { flag, message: question.prompt, default: question.default as boolean | undefined })
  if (question.choices) {
    return promptSelect(context, { flag, message: question.prompt, default: question.default as string | undefined, choices: question.choices.map((value) => ({ value })) })
  }
  return promptText(context, { flag, message: question.prompt, default: question.default as string | undefined, validate: question.validate })
}
