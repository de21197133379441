import { Args } from '@oclif/core'

import { BaseCommand } from '../../base-command.js'
import { WasmctlError } from '../../errors.js'

export default class AppValidate extends BaseCommand {
  static override description = 'Check a wadm manifest with wadm\'s own rules (errors and warnings, as `wash app validate`); exits 1 on errors.'
  static override examples = ['<%= config.bin %> app validate wadm.yaml', '<%= config.bin %> app validate wadm.yaml --json']
  static override args = { file: Args.string({ description: 'Manifest file (YAML or JSON), or - for stdin.', required: true, ignoreStdin: true }) }

  async run() {
    const { args } = await this.parse(AppValidate)
    const { readManifestFile, readManifestStdin, validateLoaded } = await import('../../manifest/io.js')
    const loaded = args.file === '-' ? await readManifestStdin() : await readManifestFile(args.file)
    const report = validateLoaded(loaded)
    if (!this.json) {
      for (const failure of [...report.errors, ...report.warnings]) process.stderr.write(`${failure.level === 'Error' ? 'error' : 'warning'}: ${failure.msg}\n`)
    }
    if (!report.valid) {
      throw new WasmctlError('APP_MANIFEST_INVALID', `${args.file}: ${report.errors.length} error${report.errors.length === 1 ? '' : 's'}: ${report.errors[0].msg}`, {
        hints: ['fix the errors listed; wadm refuses a manifest that has any'],
        details: { ...report },
      })
    }
    this.print('manifest is valid')
    return report
  }
}
