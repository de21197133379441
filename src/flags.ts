import { Flags } from '@oclif/core'

import { fromEnv } from './base-command.js'

/** Flags several commands share, so they are spelled and documented the same everywhere. */
export const projectDirFlag = Flags.string({
  description: 'Folder holding wasmcloud.toml (default: the nearest one at or above the current folder).',
  env: 'WASMCTL_PROJECT_DIR',
})

/** Registry flags push and pull share (wash's names; the WASH_REG_* variables are read in `registryAccess`). */
export const registryFlags = {
  user: Flags.string({ char: 'u', description: 'Registry user name.', env: 'WASMCTL_REG_USER' }),
  password: Flags.string({ char: 'p', description: 'Registry password or token.', env: 'WASMCTL_REG_PASSWORD' }),
  'password-stdin': Flags.boolean({ description: 'Read the password from stdin.' }),
  insecure: Flags.boolean({ description: 'Use plain HTTP (default for localhost and 127.0.0.1).' }),
  'insecure-skip-tls-verify': Flags.boolean({ description: "Use HTTPS but accept any certificate the registry presents (wash's name). Only for a registry you reach over a network you trust." }),
  'allow-latest': Flags.boolean({ description: 'Allow the tag "latest".' }),
  registry: Flags.string({
    char: 'r',
    description: 'Registry for references that do not name one (also WASH_REG_URL).',
    env: 'WASMCTL_REGISTRY',
    // wash's variable, read after wasmctl's own (oclif reads `env` first, then the default).
    default: async () => fromEnv('WASH_REG_URL'),
  }),
}

/** `-p/--config-path`, wash build's name for the project: wasmcloud.toml itself or the folder holding it. */
export const configPathFlag = Flags.string({
  char: 'p',
  aliases: ['config-path'],
  description: 'wasmcloud.toml, or the folder holding it (wash: -p/--config-path; default: the nearest one at or above the current folder).',
  env: 'WASMCTL_PROJECT_DIR',
})

export async function registryAccess(flags: { user?: string; password?: string; 'password-stdin'?: boolean; insecure?: boolean; 'insecure-skip-tls-verify'?: boolean }) {
  const { readPasswordFrom } = await import('./oci/auth.js')
  const password = flags['password-stdin'] ? await readPasswordFrom(process.stdin) : (flags.password ?? fromEnv('WASH_REG_PASSWORD'))
  const user = flags.user ?? fromEnv('WASH_REG_USER')
  // Named in "credentials rejected" errors, so the user knows which ones to fix.
  const userSource = flags.user === undefined ? 'WASH_REG_USER/WASH_REG_PASSWORD' : flags.user === process.env.WASMCTL_REG_USER ? 'WASMCTL_REG_USER/WASMCTL_REG_PASSWORD' : '--user/--password'
  return {
    user,
    password,
    userSource: user === undefined ? undefined : userSource,
    insecure: flags.insecure || undefined,
    insecureSkipTlsVerify: flags['insecure-skip-tls-verify'] || undefined,
  }
}
