import { Args, Flags } from '@oclif/core'

import { BaseCommand } from '../../base-command.js'
import { WasmctlError } from '../../errors.js'
import { latticeFlags, withWadm } from '../../lattice-flags.js'
import { nameOf } from '../../manifest/source.js'

export default class AppUndeploy extends BaseCommand {
  static override description = 'Stop an application (its versions stay stored in wadm).'
  static override examples = ['<%= config.bin %> app undeploy hello', '<%= config.bin %> app undeploy wadm.yaml', '<%= config.bin %> app undeploy --all']
  static override args = { source: Args.string({ description: 'Application name or manifest file.', ignoreStdin: true }) }
  static override flags = { ...latticeFlags, all: Flags.boolean({ description: 'Undeploy every deployed application in the lattice.' }) }

  async run() {
    const { args, flags } = await this.parse(AppUndeploy)
    if (flags.all) {
      if (args.source) throw new WasmctlError('USAGE', '--all undeploys every application; do not also name one')
      const { undeployAll } = await import('../../lattice/apps.js')
      const result = await withWadm(flags, (client) => undeployAll(client))
      this.print(result.undeployed.length ? result.undeployed.map((name) => `Undeployed application "${name}"`).join('\n') : 'No deployed applications')
      return result
    }
    if (!args.source) throw new WasmctlError('INPUT_REQUIRED', 'undeploy needs an application name, a manifest file, or --all', { hints: ['`wasmctl app undeploy NAME`, `wasmctl app undeploy app.yaml` or `wasmctl app undeploy --all`; `wasmctl app list` shows the names'] })
    const { name } = await nameOf(args.source)
    const reply = await withWadm(flags, (client) => client.undeploy(name))
    this.print(reply.message)
    return { name, message: reply.message }
  }
}
