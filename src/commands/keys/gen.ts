import { Args, Flags } from '@oclif/core'

import { BaseCommand } from '../../base-command.js'
import { generateKey, KEY_TYPE_NAMES, KEYS_DIRECTORY_HELP, lookupKeyDirectory } from '../../claims/keystore.js'

export default class KeysGen extends BaseCommand {
  static override description = 'Generate an nkey pair: prints the public key and the seed, or saves the seed with --save.'
  static override examples = [
    '<%= config.bin %> keys gen account',
    '<%= config.bin %> keys gen module --save myapp_module',
    '<%= config.bin %> keys gen account --json',
  ]

  static override args = {
    type: Args.string({ description: 'Key type.', options: [...KEY_TYPE_NAMES], required: true }),
  }

  static override flags = {
    save: Flags.string({ description: 'Store the seed as <name>.nk (0600) in the key directory instead of printing it.', helpValue: '<name>' }),
    'show-seed': Flags.boolean({ description: 'With --save, print the seed as well.' }),
    'keys-directory': Flags.string({ description: KEYS_DIRECTORY_HELP, aliases: ['directory'] }),
  }

  async run() {
    const { args, flags } = await this.parse(KeysGen)
    const keysDirectory = flags.save === undefined ? undefined : await lookupKeyDirectory({ flag: flags['keys-directory'] })
    const key = await generateKey({ type: args.type as (typeof KEY_TYPE_NAMES)[number], save: flags.save, keysDirectory })
    const showSeed = flags.save === undefined || flags['show-seed']
    this.print(`Public Key: ${key.publicKey}`)
    if (showSeed) this.print(`Seed: ${key.seed}`)
    if (key.file) this.logger.info(`Saved the seed to ${key.file}`)
    return { type: key.type, publicKey: key.publicKey, ...(showSeed ? { seed: key.seed } : {}), ...(key.file ? { file: key.file } : {}) }
  }
}
