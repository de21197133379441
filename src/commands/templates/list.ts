import { BaseCommand } from '../../base-command.js'

export default class TemplatesList extends BaseCommand {
  static override summary = 'List the bundled project templates.'
  static override description = 'Shows each template with its language, the WIT world it implements, and whether the toolchain it needs is installed here.'
  static override examples = ['<%= config.bin %> templates list', '<%= config.bin %> templates list --json']

  async run() {
    await this.parse(TemplatesList)
    const { templateCatalog } = await import('../../templates/catalog.js')
    const templates = await templateCatalog()
    const rows = templates.map((t) => [
      t.name,
      t.language,
      t.toolchain.present ? `${t.toolchain.name}${t.toolchain.version ? ` ${t.toolchain.version}` : ''}` : `${t.toolchain.name} (missing)`,
      t.world,
    ])
    const header = ['TEMPLATE', 'LANGUAGE', 'TOOLCHAIN', 'WORLD']
    const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)))
    const line = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ')
    const missing = templates.filter((t) => !t.toolchain.present)
    this.print(
      [
        line(header),
        ...rows.map(line),
        '',
        ...templates.map((t) => `${t.name.padEnd(widths[0])}  ${t.description}`),
        ...(missing.length > 0 ? ['', 'Missing toolchains:', ...missing.map((t) => `  ${t.name}: ${t.toolchain.install}`)] : []),
      ].join('\n'),
    )
    return { templates }
  }
}
