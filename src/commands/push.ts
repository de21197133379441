import { Args, Flags } from '@oclif/core'

import { BaseCommand } from '../base-command.js'
import { projectDirFlag, registryAccess, registryFlags } from '../flags.js'
import { transferReporter } from '../ui/progress.js'

export default class Push extends BaseCommand {
  static override description = 'Push a component to an OCI registry as a CNCF wasm artifact.'
  static override examples = ['<%= config.bin %> push ghcr.io/acme/hello:0.1.0', '<%= config.bin %> push 127.0.0.1:5000/demo/hello:0.1.0 build/hello_s.wasm --insecure']
  static override args = {
    ref: Args.string({ description: 'registry/repository:tag', required: true }),
    file: Args.string({ description: 'Component to push (default: the project\'s signed build output).' }),
  }
  static override flags = {
    ...registryFlags,
    annotation: Flags.string({ char: 'a', description: 'Manifest annotation key=value (repeatable).', multiple: true }),
    'allow-invalid-claims': Flags.boolean({ description: 'Push a signed file even when its claims no longer match it (hash or signature).' }),
    sign: Flags.boolean({ description: "After pushing, sign the manifest digest with a cosign key (cosign's classic .sig layout; see sign-image)." }),
    key: Flags.string({ description: 'With --sign: the cosign private key; password from COSIGN_PASSWORD or a TTY prompt.', default: 'cosign.key', env: 'WASMCTL_COSIGN_KEY' }),
    'project-dir': projectDirFlag,
  }

  /** wash push: `{"url": registry/repository:tag, "digest": ..., "tag": ...}`. */
  static override washJson = (result: { registry: string; repository: string; tag: string; digest: string }) => ({
    url: `${result.registry}/${result.repository}:${result.tag}`,
    digest: result.digest,
    tag: result.tag,
  })

  async run() {
    const { args, flags } = await this.parse(Push)
    const { locateProject } = await import('../project/locate.js')
    const { pushComponent } = await import('../oci/push.js')
    const { parseKeyValuePairs } = await import('../input.js')
    const project = await locateProject({ projectDir: flags['project-dir'] })
    // Before any upload: a wrong password or key fails the command with nothing pushed.
    const cosign = flags.sign ? await import('../cosign/index.js') : undefined
    const signingKey = cosign && (await cosign.loadSigningKey(flags.key, { ask: (await import('../ui/prompt.js')).passwordAsker({ json: this.json }) }))
    const access = await registryAccess(flags)
    const spinner = await this.spinner()
    spinner.start(`Pushing to ${args.ref}`)
    try {
      const result = await pushComponent({
        reference: args.ref,
        registry: flags.registry,
        file: args.file,
        project,
        annotations: parseKeyValuePairs(flags.annotation ?? [], 'annotation'),
        allowLatest: flags['allow-latest'],
        allowInvalidClaims: flags['allow-invalid-claims'],
        ...access,
        signal: this.signal,
        onEvent: transferReporter(this.logger, spinner, (message) => this.warn(message)),
      })
      spinner.stop()
      this.print(result.reference)
      if (!cosign || !signingKey) return result
      const signature = await cosign.signImage({
        reference: result.reference,
        key: signingKey,
        ...access,
        insecure: access.insecure ?? (project?.registry.pushInsecure || undefined),
        projectCredentialsFile: project?.registry.credentials,
        signal: this.signal,
      })
      this.print(`signed: ${signature.signatureReference}`)
      return { ...result, signature }
    } finally {
      spinner.stop()
    }
  }
}
