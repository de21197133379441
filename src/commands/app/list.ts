import { BaseCommand } from '../../base-command.js'
import { latticeFlags, withWadm } from '../../lattice-flags.js'

export default class AppList extends BaseCommand {
  static override description = 'List the applications wadm knows, with their latest and deployed versions and status.'
  static override examples = ['<%= config.bin %> app list', '<%= config.bin %> app list --lattice prod --json']
  static override flags = { ...latticeFlags }

  async run() {
    const { flags } = await this.parse(AppList)
    const models = await withWadm(flags, (client) => client.list())
    this.print(renderTable(models))
    return { applications: models }
  }
}

export function renderTable(models: { name: string; version: string; deployed_version: string | null; detailed_status: { status: { type: string; message?: string } }; description: string | null }[]): string {
  if (models.length === 0) return 'No applications'
  const rows = [['NAME', 'LATEST', 'DEPLOYED', 'STATUS', 'DESCRIPTION'], ...models.map((model) => [model.name, model.version, model.deployed_version ?? 'N/A', model.detailed_status.status.type, model.description ?? ''])]
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)))
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ').trimEnd()).join('\n')
}
