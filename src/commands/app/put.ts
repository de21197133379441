import { Args } from '@oclif/core'

import { BaseCommand } from '../../base-command.js'
import { WasmctlError } from '../../errors.js'
import { latticeFlags, withWadm } from '../../lattice-flags.js'
import { resolveSource } from '../../manifest/source.js'

export default class AppPut extends BaseCommand {
  static override description = 'Store a manifest in wadm as a new version, without deploying it.'
  static override examples = ['<%= config.bin %> app put wadm.yaml', 'cat wadm.yaml | <%= config.bin %> app put -']
  static override args = { source: Args.string({ description: 'Manifest file (.yaml, .yml, .json), URL, or - for stdin.', required: true, ignoreStdin: true }) }
  static override flags = { ...latticeFlags }

  async run() {
    const { args, flags } = await this.parse(AppPut)
    const { putManifest } = await import('../../lattice/apps.js')
    const resolved = await resolveSource(args.source)
    if (resolved.kind === 'name') throw new WasmctlError('APP_SOURCE_INVALID', `put needs a manifest, not a name: ${args.source}`, { hints: ['pass a manifest file or - for stdin'] })
    const result = await withWadm(flags, (client) => putManifest(client, resolved.loaded))
    this.print(`Put application "${result.name}", version "${result.version}"`)
    return result
  }
}
