import { Args, Flags } from '@oclif/core'

import { BaseCommand } from '../../base-command.js'
import { keyFilePath, loadKey, KEYS_DIRECTORY_HELP, lookupKeyDirectory } from '../../claims/keystore.js'

export default class KeysGet extends BaseCommand {
  static override description = 'Print the public key of a stored key; the seed only with --show-seed.'
  static override examples = ['<%= config.bin %> keys get myapp_module', '<%= config.bin %> keys get alice_account --show-seed']

  static override args = {
    name: Args.string({ description: 'Key name (the file <name>.nk in the key directory).', required: true }),
  }

  static override flags = {
    'show-seed': Flags.boolean({ description: 'Also print the seed (a secret: anyone holding it can sign as this key).' }),
    'keys-directory': Flags.string({ char: 'd', description: KEYS_DIRECTORY_HELP, aliases: ['directory'] }),
  }

  /** wash keys get prints the seed (`{"seed"}`); wasmctl does so only with --show-seed, else `{"public_key"}`. */
  static override washJson = (result: { publicKey: string; seed?: string }) => (result.seed === undefined ? { public_key: result.publicKey } : { seed: result.seed })

  async run() {
    const { args, flags } = await this.parse(KeysGet)
    const directory = await lookupKeyDirectory({ flag: flags['keys-directory'] })
    const key = loadKey(directory, args.name)
    this.print(key.publicKey)
    if (flags['show-seed']) this.print(key.seed)
    return {
      name: args.name,
      file: keyFilePath(directory, args.name),
      type: key.type,
      publicKey: key.publicKey,
      ...(flags['show-seed'] ? { seed: key.seed } : {}),
    }
  }
}
