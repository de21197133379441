import { Args } from '@oclif/core'

import { BaseCommand } from '../../base-command.js'
import { latticeFlags, withWadm } from '../../lattice-flags.js'

export default class AppHistory extends BaseCommand {
  static override description = 'List the stored versions of an application, oldest first, marking the deployed one.'
  static override examples = ['<%= config.bin %> app history hello']
  static override args = { name: Args.string({ description: 'Application name.', required: true, ignoreStdin: true }) }
  static override flags = { ...latticeFlags }

  async run() {
    const { args, flags } = await this.parse(AppHistory)
    const versions = await withWadm(flags, (client) => client.versions(args.name))
    this.print(['VERSION  DEPLOYED', ...versions.map((item) => `${item.version}  ${item.deployed ? 'yes' : 'no'}`)].join('\n'))
    return { name: args.name, versions }
  }
}
