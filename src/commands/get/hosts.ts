import { BaseCommand } from '../../base-command.js'
import { latticeFlags, withConnection } from '../../lattice-flags.js'

export default class GetHosts extends BaseCommand {
  static override description = 'List the wasmCloud hosts in the lattice (every host that answers a ping within --timeout-ms).'
  static override examples = ['<%= config.bin %> get hosts', '<%= config.bin %> get hosts --lattice prod --json']
  static override flags = { ...latticeFlags }

  async run() {
    const { flags } = await this.parse(GetHosts)
    const { pingHosts } = await import('../../lattice/ctl.js')
    const hosts = await withConnection(flags, (nc, options) => pingHosts(nc, options.lattice, options.timeoutMs))
    if (hosts.length === 0) this.print(`No hosts answered on lattice ${flags.lattice}`)
    else {
      const rows = [['HOST ID', 'FRIENDLY NAME', 'UPTIME', 'VERSION'], ...hosts.map((host) => [host.id, host.friendly_name, host.uptime_human, host.version])]
      const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)))
      this.print(rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()).join('\n'))
    }
    return { hosts }
  }
}
