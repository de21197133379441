import { Args, Flags } from '@oclif/core'

import { BaseCommand } from '../base-command.js'
import { registryAccess, registryFlags } from '../flags.js'

export default class Verify extends BaseCommand {
  static override description =
    "Verify an image's cosign signatures with a public key, as `cosign verify --key <pub> --insecure-ignore-tlog=true` does: a signature must verify over its payload, name this exact manifest digest and carry every -a annotation. Exit 1 (COSIGN_SIGNATURE_MISSING / COSIGN_SIGNATURE_INVALID) otherwise."
  static override examples = [
    '<%= config.bin %> verify ghcr.io/acme/hello:0.1.0 --key cosign.pub',
    '<%= config.bin %> verify 127.0.0.1:5000/demo/hello:0.1.0 --key cosign.pub -a ci=github --json',
  ]
  static override args = {
    ref: Args.string({ description: 'registry/repository:tag or registry/repository@sha256:<digest>', required: true }),
  }
  static override flags = {
    ...registryFlags,
    key: Flags.string({ description: 'cosign public key (cosign.pub, a PEM PUBLIC KEY).', required: true, env: 'WASMCTL_COSIGN_PUBLIC_KEY' }),
    annotation: Flags.string({ char: 'a', description: 'Annotation key=value the signed payload must carry (repeatable).', multiple: true }),
  }

  async run() {
    const { args, flags } = await this.parse(Verify)
    const { readPublicKeyFile, verifyImage } = await import('../cosign/index.js')
    const { parseKeyValuePairs } = await import('../input.js')
    const result = await verifyImage({
      reference: args.ref,
      registry: flags.registry,
      publicKey: readPublicKeyFile(flags.key),
      annotations: parseKeyValuePairs(flags.annotation ?? [], 'annotation'),
      ...(await registryAccess(flags)),
      signal: this.signal,
      onEvent: (event) => {
        if (event.type === 'notice') this.logger.info(event.message)
        else if (event.type === 'warning') this.warn(event.message)
      },
    })
    this.logger.info(`Verification for ${result.reference}: ${result.verified.length} signature${result.verified.length === 1 ? '' : 's'} verified with ${flags.key}`)
    // As cosign: the verified payloads as one JSON array on stdout.
    this.print(JSON.stringify(result.verified.map((signature) => signature.payload)))
    return result
  }
}
