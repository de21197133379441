import { Flags } from '@oclif/core'

import { BaseCommand } from '../../base-command.js'
import { listKeys, KEYS_DIRECTORY_HELP, lookupKeyDirectory } from '../../claims/keystore.js'

export default class KeysList extends BaseCommand {
  static override description = 'List the keys in the key directory: names, types and public keys (never seeds).'

  static override flags = {
    'keys-directory': Flags.string({ char: 'd', description: KEYS_DIRECTORY_HELP, aliases: ['directory'] }),
  }

  /** wash keys list: `{"keys": [names]}`. */
  static override washJson = (result: { keys: { name: string }[] }) => ({ keys: result.keys.map((key) => key.name) })

  async run() {
    const { flags } = await this.parse(KeysList)
    const directory = await lookupKeyDirectory({ flag: flags['keys-directory'] })
    const keys = listKeys(directory)
    if (keys.length === 0) {
      this.print(`No keys in ${directory}`)
    } else {
      const width = Math.max(...keys.map((key) => key.name.length))
      this.print(`Keys in ${directory}:`)
      for (const key of keys) this.print(`  ${key.name.padEnd(width)}  ${key.publicKey ?? `(unreadable: ${key.error})`}`)
    }
    return { directory, keys: keys.map(({ name, type, publicKey, error }) => ({ name, type, publicKey, ...(error ? { error } : {}) })) }
  }
}
