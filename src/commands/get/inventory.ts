import { Args } from '@oclif/core'

import { BaseCommand } from '../../base-command.js'
import { latticeFlags, withConnection } from '../../lattice-flags.js'

export default class GetInventory extends BaseCommand {
  static override description = 'Show what runs on a host (components and providers, with the wadm application that placed them); without a host id, on every host.'
  static override examples = ['<%= config.bin %> get inventory', '<%= config.bin %> get inventory NAHOST... --json']
  static override args = { host: Args.string({ description: 'Host id (default: every host that answers a ping).', ignoreStdin: true }) }
  static override flags = { ...latticeFlags }

  async run() {
    const { args, flags } = await this.parse(GetInventory)
    const { hostInventory, pingHosts } = await import('../../lattice/ctl.js')
    const inventories = await withConnection(flags, async (nc, options) => {
      const ids = args.host ? [args.host] : (await pingHosts(nc, options.lattice, options.timeoutMs)).map((host) => host.id)
      const result = []
      for (const id of ids) result.push(await hostInventory(nc, options.lattice, id, options.timeoutMs))
      return result
    })
    const lines: string[] = []
    for (const inventory of inventories) {
      lines.push(`Host ${inventory.host_id} (${inventory.friendly_name})`)
      for (const component of inventory.components) lines.push(`  component ${component.id}  ${component.image_ref}${appOf(component.annotations)}`)
      for (const provider of inventory.providers) lines.push(`  provider  ${provider.id}  ${provider.image_ref ?? ''}${appOf(provider.annotations)}`)
      if (inventory.components.length + inventory.providers.length === 0) lines.push('  (nothing running)')
    }
    this.print(lines.length ? lines.join('\n') : `No hosts answered on lattice ${flags.lattice}`)
    return { inventories }
  }
}

function appOf(annotations: Record<string, string> | undefined): string {
  const app = annotations?.['wasmcloud.dev/appspec']
  return app ? `  (app ${app})` : ''
}
