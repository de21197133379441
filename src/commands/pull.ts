import { Args, Flags } from '@oclif/core'

import { BaseCommand } from '../base-command.js'
import { projectDirFlag, registryAccess, registryFlags } from '../flags.js'
import { transferReporter } from '../ui/progress.js'

export default class Pull extends BaseCommand {
  static override description = 'Pull a component from an OCI registry (verified, cached by digest).'
  static override examples = [
    '<%= config.bin %> pull ghcr.io/acme/hello:0.1.0',
    '<%= config.bin %> pull 127.0.0.1:5000/demo/hello@sha256:<digest> -o hello.wasm',
  ]
  static override args = {
    ref: Args.string({ description: 'registry/repository:tag or registry/repository@sha256:<digest>', required: true }),
  }
  static override flags = {
    ...registryFlags,
    output: Flags.string({ char: 'o', aliases: ['destination'], description: 'Where to write the component (default: <repository name>.wasm here).' }),
    digest: Flags.string({ description: 'The manifest digest the reference must resolve to.' }),
    'project-dir': projectDirFlag,
  }

  async run() {
    const { args, flags } = await this.parse(Pull)
    const { defaultPullOutput, pullComponent } = await import('../oci/pull.js')
    // The project only supplies [registry] credentials: read it when the registry asks for some.
    const projectCredentialsFile = async () => {
      const { locateProject } = await import('../project/locate.js')
      return (await locateProject({ projectDir: flags['project-dir'] }))?.registry.credentials
    }
    const spinner = await this.spinner()
    spinner.start(`Pulling ${args.ref}`)
    try {
      const result = await pullComponent({
        reference: args.ref,
        registry: flags.registry,
        digest: flags.digest,
        allowLatest: flags['allow-latest'],
        output: flags.output ?? defaultPullOutput(args.ref, flags.registry),
        projectCredentialsFile,
        ...(await registryAccess(flags)),
        signal: this.signal,
        onEvent: transferReporter(this.logger, spinner, (message) => this.warn(message)),
      })
      spinner.stop()
      const { bytes: _bytes, ...summary } = result
      this.print(`${result.output} (${result.reference}, ${result.size} bytes${result.cached ? ', from cache' : ''})`)
      return summary
    } finally {
      spinner.stop()
    }
  }
}
