import { Args, Flags } from '@oclif/core'

import { BaseCommand } from '../base-command.js'
import { projectDirFlag, registryAccess, registryFlags } from '../flags.js'
import { transferReporter } from '../ui/progress.js'

export default class Pull extends BaseCommand {
  static override description = 'Pull a component from an OCI registry (verified, cached by digest).'
  static override examples = [
    '<%= config.bin %> pull ghcr.io/acme/hello:0.1.0',
    '<%= config.bin %> pull 127.0.0.1:5000/demo/hello@sha256:<digest> --destination hello.wasm',
    'WASH_REG_URL=ghcr.io <%= config.bin %> pull acme/hello:0.1.0 -d sha256:<digest> -o json',
  ]
  static override args = {
    ref: Args.string({ description: 'registry/repository:tag or registry/repository@sha256:<digest>', required: true }),
  }
  static override flags = {
    ...registryFlags,
    // wash's --destination has no short form; -o is the output format (as in wash).
    destination: Flags.string({ aliases: ['output-file'], description: 'Where to write the component (default: <repository name>.wasm here). Before wash parity this was -o/--output.' }),
    digest: Flags.string({ char: 'd', description: 'The manifest digest the reference must resolve to.' }),
    'verify-key': Flags.string({ description: 'Refuse the image unless a cosign signature verifies with this public key (cosign.pub); then pull exactly the verified digest.', env: 'WASMCTL_VERIFY_KEY' }),
    'project-dir': projectDirFlag,
  }

  /** wash pull: `{"file": ...}`. */
  static override washJson = (result: { output?: string; path: string }) => ({ file: result.output ?? result.path })

  async run() {
    const { args, flags } = await this.parse(Pull)
    const { defaultPullOutput, pullComponent } = await import('../oci/pull.js')
    // The project only supplies [registry] credentials: read it when the registry asks for some.
    const projectCredentialsFile = async () => {
      const { locateProject } = await import('../project/locate.js')
      return (await locateProject({ projectDir: flags['project-dir'] }))?.registry.credentials
    }
    const access = await registryAccess(flags)
    const verified = flags['verify-key']
      ? await (await import('../cosign/gate.js')).requireVerifiedImage({ reference: args.ref, registry: flags.registry, keyFile: flags['verify-key'], projectCredentialsFile, ...access, signal: this.signal })
      : undefined
    const spinner = await this.spinner()
    spinner.start(`Pulling ${args.ref}`)
    try {
      const result = await pullComponent({
        reference: args.ref,
        registry: flags.registry,
        digest: verified?.digest ?? flags.digest,
        allowLatest: flags['allow-latest'],
        output: flags.destination ?? defaultPullOutput(args.ref, flags.registry),
        projectCredentialsFile,
        ...access,
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
