import { Args, Flags } from '@oclif/core'

import { BaseCommand } from '../../base-command.js'
import { WasmctlError } from '../../errors.js'
import { latticeFlags, withWadm } from '../../lattice-flags.js'
import { nameOf } from '../../manifest/source.js'

export default class AppDelete extends BaseCommand {
  static override description = 'Delete an application\'s stored versions from wadm (one version, or all of them), undeploying it if needed.'
  static override examples = ['<%= config.bin %> app delete hello', '<%= config.bin %> app delete hello v0.0.1', '<%= config.bin %> app delete wadm.yaml', '<%= config.bin %> app delete --all-undeployed']
  static override args = {
    source: Args.string({ description: 'Application name or manifest file (whose version annotation names the version).', ignoreStdin: true }),
    version: Args.string({ description: 'Version to delete (default: all versions).', ignoreStdin: true }),
  }
  static override flags = { ...latticeFlags, 'all-undeployed': Flags.boolean({ description: 'Delete every application that is not deployed.' }) }

  async run() {
    const { args, flags } = await this.parse(AppDelete)
    if (flags['all-undeployed']) {
      if (args.source) throw new WasmctlError('USAGE', '--all-undeployed deletes every undeployed application; do not also name one')
      const { deleteAllUndeployed } = await import('../../lattice/apps.js')
      const result = await withWadm(flags, (client) => deleteAllUndeployed(client))
      this.print(result.deleted.length ? result.deleted.map((name) => `Deleted application "${name}"`).join('\n') : 'No undeployed applications')
      return result
    }
    if (!args.source) throw new WasmctlError('INPUT_REQUIRED', 'delete needs an application name, a manifest file, or --all-undeployed', { hints: ['`wasmctl app delete NAME`, `wasmctl app delete app.yaml` or `wasmctl app delete --all-undeployed`; `wasmctl app list` shows the names'] })
    const target = await nameOf(args.source)
    const version = args.version ?? target.version
    const reply = await withWadm(flags, (client) => client.delete(target.name, version))
    this.print(reply.message)
    return { name: target.name, ...(version ? { version } : {}), ...reply }
  }
}
