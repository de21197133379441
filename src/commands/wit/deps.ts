import path from 'node:path'

import { Flags } from '@oclif/core'

import { BaseCommand } from '../../base-command.js'
import { projectDirFlag } from '../../flags.js'
import { transferReporter } from '../../ui/progress.js'

export default class WitDeps extends BaseCommand {
  static override description =
    "Fetch the WIT packages the project's wit/ folder refers to into wit/deps (as `wash wit deps` and `wkg wit fetch`), recording them in wkg.lock or wasmcloud.lock. Does nothing, offline, when wit/deps already has them all."
  static override examples = [
    '<%= config.bin %> wit deps',
    '<%= config.bin %> wit deps --update',
    '<%= config.bin %> wit deps --json | jq -r ".result.packages[].reference"',
  ]

  static override flags = {
    update: Flags.boolean({ description: 'Fetch every package again, ignoring the lock, and rewrite wit/deps and the lock.' }),
    'wit-dir': Flags.string({ char: 'd', description: "The WIT folder (default: the project's `wit`, or ./wit outside a project)." }),
    'pkg-config': Flags.string({ description: 'The wkg registry config file (default: WKG_CONFIG_FILE, ~/.wash/package_config.toml, ~/.config/wasm-pkg/config.toml).', env: 'WASH_PACKAGE_CONFIG_FILE' }),
    'project-dir': projectDirFlag,
  }

  async run() {
    const { flags } = await this.parse(WitDeps)
    const { findProject } = await import('../../project/load.js')
    const { fetchWitDeps } = await import('../../wit/fetch.js')
    const found = findProject({ projectDir: flags['project-dir'] })
    const witDir = path.resolve(flags['wit-dir'] ?? found?.witDir ?? 'wit')
    // Outside a project the WIT folder's parent plays the project folder (lock file, wkg.toml).
    const project = found ? { ...found, witDir } : { file: path.join(path.dirname(witDir), 'wasmcloud.toml'), witDir, raw: {} }
    const spinner = await this.spinner()
    const reportTransfer = transferReporter(this.logger, spinner)
    try {
      const result = await fetchWitDeps(project, {
        update: flags.update,
        env: flags['pkg-config'] ? { ...process.env, WASH_PACKAGE_CONFIG_FILE: flags['pkg-config'] } : process.env,
        signal: this.signal,
        onEvent: (event) => {
          if (event.type === 'oci') reportTransfer(event.event)
          else if (event.type === 'skip') this.logger.info(event.message)
          else if (event.action === 'fetching') spinner.start(`Fetching ${event.package} from ${event.reference}`)
          else this.logger.info(`${event.package}: ${event.action}${event.reference ? ` (${event.reference})` : ''}`)
        },
      })
      spinner.stop()
      const relative = (file: string) => path.relative(process.cwd(), file) || '.'
      if (result.packages.length === 0) this.print('No WIT dependencies.')
      for (const pkg of result.packages) this.print(`${pkg.package.padEnd(32)} ${pkg.source.padEnd(8)} ${relative(pkg.path)}`)
      return result
    } finally {
      spinner.stop()
    }
  }
}
