import { Args, Flags } from '@oclif/core'

import { BaseCommand } from '../../base-command.js'
import { writeStdout } from '../../ui/output.js'
import { latticeFlags, withWadm } from '../../lattice-flags.js'
import { describeStatus, followStatus } from '../../lattice/watch.js'

export default class AppStatus extends BaseCommand {
  static override description = 'Show an application\'s status and each scaler\'s; --watch follows it until deployed or failed.'
  static override examples = ['<%= config.bin %> app status hello', '<%= config.bin %> app status hello --watch --json']
  static override args = { name: Args.string({ description: 'Application name.', required: true, ignoreStdin: true }) }
  static override flags = { ...latticeFlags, watch: Flags.boolean({ description: 'Follow the status until deployed or failed (NDJSON with --json).' }) }

  private watching = false

  protected override formatJson(json: unknown): string {
    return this.watching ? JSON.stringify(json) : super.formatJson(json)
  }

  async run() {
    const { args, flags } = await this.parse(AppStatus)
    this.watching = flags.watch
    const status = await withWadm(flags, async (client) =>
      flags.watch
        ? followStatus(client, args.name, { json: this.json, spinner: await this.spinner(), signal: this.signal, writeLine: (line) => writeStdout(line) })
        : client.status(args.name),
    )
    this.print(describeStatus(args.name, status))
    return { name: args.name, ...status }
  }
}
