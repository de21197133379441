import { Args, Flags } from '@oclif/core'

import { BaseCommand } from '../base-command.js'
import { registryAccess, registryFlags } from '../flags.js'

export default class SignImage extends BaseCommand {
  static override description =
    "Sign an image in a registry with a local cosign key, in cosign's classic layout (tag sha256-<digest>.sig): `cosign verify --key cosign.pub --insecure-ignore-tlog=true <ref>` accepts it. Offline: no Rekor, Fulcio or TUF."
  static override examples = [
    'COSIGN_PASSWORD=... <%= config.bin %> sign-image ghcr.io/acme/hello:0.1.0 --key cosign.key',
    '<%= config.bin %> sign-image 127.0.0.1:5000/demo/hello@sha256:<digest> --key cosign.key -a ci=github --json',
  ]
  static override args = {
    ref: Args.string({ description: 'registry/repository:tag or registry/repository@sha256:<digest> (a tag is resolved to its digest first).', required: true }),
  }
  static override flags = {
    ...registryFlags,
    key: Flags.string({ description: 'cosign private key (cosign.key); its password comes from COSIGN_PASSWORD or a prompt on a TTY.', default: 'cosign.key', env: 'WASMCTL_COSIGN_KEY' }),
    annotation: Flags.string({ char: 'a', description: 'Signed annotation key=value in the payload (repeatable); `verify -a` checks it.', multiple: true }),
  }

  async run() {
    const { args, flags } = await this.parse(SignImage)
    const { loadSigningKey, signImage } = await import('../cosign/index.js')
    const { parseKeyValuePairs } = await import('../input.js')
    const { passwordAsker } = await import('../ui/prompt.js')
    const annotations = parseKeyValuePairs(flags.annotation ?? [], 'annotation')
    const key = await loadSigningKey(flags.key, { ask: passwordAsker({ json: this.json }) })
    const result = await signImage({
      reference: args.ref,
      registry: flags.registry,
      key,
      annotations,
      ...(await registryAccess(flags)),
      signal: this.signal,
      onEvent: (event) => {
        if (event.type === 'notice') this.logger.info(event.message)
        else if (event.type === 'warning') this.warn(event.message)
      },
    })
    if (!result.added) this.logger.info('this exact signature was already there')
    this.print(`Signed ${result.reference}`)
    this.print(`  signatures  ${result.signatureReference} (${result.signatures} signature${result.signatures === 1 ? '' : 's'})`)
    return result
  }
}
