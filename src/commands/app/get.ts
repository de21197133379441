import { Args } from '@oclif/core'

import { BaseCommand } from '../../base-command.js'
import { latticeFlags, withWadm } from '../../lattice-flags.js'
import { renderTable } from './list.js'

export default class AppGet extends BaseCommand {
  static override description = 'Print a stored manifest (the latest version, or VERSION); without a name, list the applications.'
  static override examples = ['<%= config.bin %> app get hello', '<%= config.bin %> app get hello v0.0.1 --json']
  static override args = { name: Args.string({ description: 'Application name.' }), version: Args.string({ description: 'Version (default: the latest).', ignoreStdin: true }) }
  static override flags = { ...latticeFlags }

  async run() {
    const { args, flags } = await this.parse(AppGet)
    if (!args.name) {
      const models = await withWadm(flags, (client) => client.list())
      this.print(renderTable(models))
      return { applications: models }
    }
    const manifest = await withWadm(flags, (client) => client.get(args.name!, args.version))
    const { manifestToYaml } = await import('../../manifest/io.js')
    this.print(manifestToYaml(manifest).trimEnd())
    return { name: args.name, manifest }
  }
}
