import { Args, Flags } from '@oclif/core'

import { BaseCommand } from '../../base-command.js'
import { WasmctlError } from '../../errors.js'
import { generateKey, KEY_TYPE_NAMES, KEYS_DIRECTORY_HELP, lookupKeyDirectory } from '../../claims/keystore.js'

export default class KeysGen extends BaseCommand {
  static override description = 'Generate an nkey pair: prints the public key and the seed, or saves the seed with --save.'
  static override examples = [
    '<%= config.bin %> keys gen account',
    '<%= config.bin %> keys gen module --save myapp_module',
    '<%= config.bin %> keys gen account --json',
    '<%= config.bin %> keys gen Curve -o json',
    'COSIGN_PASSWORD=... <%= config.bin %> keys gen cosign',
  ]

  static override args = {
    type: Args.string({
      description: `Key type, in any letter case as wash: ${KEY_TYPE_NAMES.join(', ')}; \`cosign\` writes an ECDSA P-256 pair cosign.key (encrypted with COSIGN_PASSWORD) and cosign.pub, as \`cosign generate-key-pair\`.`,
      // Checked here rather than with `options`, which oclif compares case-sensitively.
      parse: async (input) => {
        const name = input.toLowerCase()
        if (name === 'cosign' || (KEY_TYPE_NAMES as readonly string[]).includes(name)) return name
        throw new WasmctlError('USAGE', `unknown key type "${input}"`, { hints: [`use one of ${[...KEY_TYPE_NAMES, 'cosign'].join(', ')}`] })
      },
      required: true,
    }),
  }

  static override flags = {
    save: Flags.string({ description: 'Store the seed as <name>.nk (0600) in the key directory instead of printing it.', helpValue: '<name>' }),
    'show-seed': Flags.boolean({ description: 'With --save, print the seed as well.' }),
    'keys-directory': Flags.string({ description: KEYS_DIRECTORY_HELP, aliases: ['directory'] }),
    'output-key-prefix': Flags.string({ description: 'cosign: file name prefix (cosign\'s flag), written in the current folder.', default: 'cosign' }),
    force: Flags.boolean({ description: 'cosign: replace an existing key pair.' }),
  }

  /** wash keys gen: `{"public_key", "seed"}`. */
  static override washJson = (result: { publicKey: string; seed?: string; privateKeyFile?: string; publicKeyFile?: string }) =>
    result.privateKeyFile ? result : { public_key: result.publicKey, ...(result.seed === undefined ? {} : { seed: result.seed }) }

  async run() {
    const { args, flags } = await this.parse(KeysGen)
    if (args.type === 'cosign') {
      const { cosignPassword, generateCosignKeyPair } = await import('../../cosign/index.js')
      const { passwordAsker } = await import('../../ui/prompt.js')
      const password = await cosignPassword({ ask: passwordAsker({ json: this.json }), confirm: true })
      const keys = await generateCosignKeyPair({ dir: process.cwd(), prefix: flags['output-key-prefix'], password, force: flags.force })
      this.print(`Private key written to ${keys.privateKeyFile}`)
      this.print(`Public key written to ${keys.publicKeyFile}`)
      return { type: 'cosign', privateKeyFile: keys.privateKeyFile, publicKeyFile: keys.publicKeyFile, publicKey: keys.publicKey }
    }
    const keysDirectory = flags.save === undefined ? undefined : await lookupKeyDirectory({ flag: flags['keys-directory'] })
    const key = await generateKey({ type: args.type as (typeof KEY_TYPE_NAMES)[number], save: flags.save, keysDirectory })
    const showSeed = flags.save === undefined || flags['show-seed']
    this.print(`Public Key: ${key.publicKey}`)
    if (showSeed) this.print(`Seed: ${key.seed}`)
    if (key.file) this.logger.info(`Saved the seed to ${key.file}`)
    return { type: key.type, publicKey: key.publicKey, ...(showSeed ? { seed: key.seed } : {}), ...(key.file ? { file: key.file } : {}) }
  }
}
