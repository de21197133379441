import { Flags } from '@oclif/core'

import { BaseCommand, fromEnv } from '../base-command.js'
import { buildProject } from '../build/build.js'
import { describeBuildEvent, formatBuildResult } from '../build/report.js'
import { KEYS_DIRECTORY_HELP } from '../claims/keystore.js'
import { configPathFlag } from '../flags.js'
import { loadProject } from '../project/load.js'
import { stderrCanAnimate, stderrIsTTY } from '../ui/tty.js'

export default class Build extends BaseCommand {
  static override description =
    "Build the project's component with its language toolchain, check it, and sign it (like `wash build`). A build with no changes returns the previous artifact."
  static override examples = [
    '<%= config.bin %> build',
    '<%= config.bin %> build --json | jq -r .result.artifact',
    '<%= config.bin %> build --build-only',
    '<%= config.bin %> build --verify-reproducible --json',
  ]

  static override flags = {
    'build-only': Flags.boolean({ description: 'Build without signing.', exclusive: ['sign-only'] }),
    'sign-only': Flags.boolean({ description: 'Sign the last build without building again.', exclusive: ['build-only'] }),
    'no-cache': Flags.boolean({ description: 'Run the toolchain even when nothing changed since the last build.' }),
    'skip-fetch': Flags.boolean({ description: 'Do not fetch missing WIT dependencies into wit/deps before building (as wash).' }),
    issuer: Flags.string({ char: 'i', description: 'Account seed, or a file holding it (also WASH_ISSUER_KEY). Default: <user>_account.nk.', env: 'WASMCTL_ISSUER_KEY' }),
    subject: Flags.string({ char: 's', description: 'Module seed, or a file holding it (also WASH_SUBJECT_KEY). Default: <name>_module.nk.', env: 'WASMCTL_SUBJECT_KEY' }),
    'keys-directory': Flags.string({ description: KEYS_DIRECTORY_HELP }),
    'disable-keygen': Flags.boolean({ description: 'Fail instead of generating missing signing keys.' }),
    'verify-reproducible': Flags.boolean({
      description: 'Build again from a copy in a temporary folder and fail (BUILD_NOT_REPRODUCIBLE) unless the unsigned components are byte-identical.',
      exclusive: ['sign-only'],
    }),
    // wash build's -p/--config-path (a file or a folder); --project-dir as every other command.
    'project-dir': configPathFlag,
  }

  /** wash build: `{"component_path", "built", "signed"}`. */
  static override washJson = (result: { artifact: string; signed: boolean }, flags: { 'sign-only'?: boolean }) => ({
    component_path: result.artifact,
    built: !flags['sign-only'],
    signed: result.signed,
  })

  async run() {
    const { flags } = await this.parse(Build)
    const project = loadProject({ projectDir: flags['project-dir'] })
    for (const warning of project.warnings) this.warn(warning)
    const prefixOutput = stderrIsTTY()
    const showOutput = this.logger.level !== 'error'
    // At a terminal the build runs off the main thread with a live spinner (step, elapsed time);
    // JSON and CI logs keep plain lines from an in-process build.
    const live = stderrCanAnimate() && !this.json && this.logger.enabled('info') && !flags['sign-only']
    const progress = live ? (await import('../build/build-spinner.js')).createBuildSpinner(await this.spinner()) : undefined
    const runBuild = live ? (await import('../build/off-thread.js')).buildProjectOffThread : buildProject
    const result = await runBuild(project, {
      buildOnly: flags['build-only'],
      signOnly: flags['sign-only'],
      noCache: flags['no-cache'],
      skipFetch: flags['skip-fetch'],
      onWitDepsEvent: (event) => {
        if (event.type === 'package' && event.action !== 'fetching') this.logger.info(`WIT dependency ${event.package}: ${event.action}`)
        else if (event.type === 'oci' && event.event.type === 'notice') this.logger.info(event.event.message)
      },
      componentizeCache: fromEnv('WASMCTL_COMPONENTIZE_CACHE'),
      signing: {
        keysDirectory: flags['keys-directory'],
        issuer: flags.issuer ?? fromEnv('WASH_ISSUER_KEY'),
        subject: flags.subject ?? fromEnv('WASH_SUBJECT_KEY'),
        disableKeygen: flags['disable-keygen'],
      },
      signal: this.signal,
      onEvent: (event) => {
        if (progress?.event(event)) return
        const print = progress ? progress.print : (write: () => void) => write()
        // Toolchain output is the build log: always on stderr, so --json keeps stdout clean.
        if (event.type === 'output') {
          if (showOutput) print(() => process.stderr.write(`${prefixOutput ? `[${event.tool}] ` : ''}${event.line}\n`))
          return
        }
        const line = describeBuildEvent(event)
        if (line?.level === 'warn') print(() => this.warn(line.text))
        else if (line) print(() => this.logger[line.level](line.text))
      },
    }).finally(() => progress?.stop())
    if (flags['verify-reproducible']) {
      const { verifyReproducible } = await import('../build/reproducible-verify.js')
      const check = await verifyReproducible(project, { signal: this.signal })
      this.print(formatBuildResult(result))
      this.print(`  reproducible  yes (a rebuild in another folder gave sha256 ${check.rebuild.sha256})`)
      return { ...result, reproducible: check }
    }
    this.print(formatBuildResult(result))
    return result
  }
}
