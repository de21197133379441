import { Flags, type Interfaces } from '@oclif/core'

import { BaseCommand, fromEnv } from '../../../base-command.js'
import { KEYS_DIRECTORY_HELP, resolveKeyDirectory } from '../../../claims/keystore.js'
import { MAX_CLAIM_DAYS } from '../../../claims/sign.js'
import { generateToken, type TokenKind } from '../../../claims/token.js'
import { locateProject } from '../../../project/locate.js'
import { isCI } from '../../../ui/tty.js'

/** Flags every `claims token` kind takes (wash's `GenerateCommon` plus the issuer). */
export const tokenCommonFlags = {
  name: Flags.string({ char: 'n', description: 'A descriptive name for the token.' }),
  issuer: Flags.string({ char: 'i', description: 'Issuer seed, or a file holding it (also WASH_ISSUER_KEY). Default: found or generated in the key directory.', env: 'WASMCTL_ISSUER_KEY' }),
  'keys-directory': Flags.string({ description: KEYS_DIRECTORY_HELP, aliases: ['directory'] }),
  expires: Flags.integer({ char: 'x', description: 'Days until the token expires (default: never).', min: 0, max: MAX_CLAIM_DAYS }),
  'not-before': Flags.integer({ char: 'b', description: 'Days until the token becomes valid (default: now).', min: 0, max: MAX_CLAIM_DAYS, aliases: ['nbf'] }),
  'disable-keygen': Flags.boolean({ description: 'Fail instead of generating missing keys (always the case with CI set or --json).' }),
}

const subjectFlag = Flags.string({ char: 's', description: 'Subject seed, or a file holding it (also WASH_SUBJECT_KEY). Default: found or generated in the key directory.', env: 'WASMCTL_SUBJECT_KEY' })

type TokenFlags = Record<string, unknown> & { name?: string; issuer?: string; subject?: string; 'keys-directory'?: string; expires?: number; 'not-before'?: number; 'disable-keygen'?: boolean }

export default class ClaimsTokenComponent extends BaseCommand {
  static override description = 'Generate a signed JWT for a component (issuer: account key, subject: module key), as `wash claims token component`.'
  static override examples = ['<%= config.bin %> claims token component -n echo -v 0.1.0 -r 1', '<%= config.bin %> claims token component -n echo -v 0.1.0 -r 1 -o json | jq -r .token']

  // Typed loosely so the other kinds (provider, account, operator) can subclass with their own flags.
  static override flags: Interfaces.FlagInput = {
    ...tokenCommonFlags,
    subject: subjectFlag,
    tag: Flags.string({ char: 't', description: 'A tag to embed (repeatable).', multiple: true }),
    rev: Flags.integer({ char: 'r', description: 'Revision number (default: revision in wasmcloud.toml).' }),
    ver: Flags.string({ char: 'v', description: 'Version string (default: version in wasmcloud.toml).' }),
    'call-alias': Flags.string({ char: 'a', description: 'Call alias: lower-case letters, digits, "_" and "/".' }),
  }

  /** wash claims token: `{"token": jwt}`. */
  static override washJson = (result: { token: string }) => ({ token: result.token })

  protected readonly kind: TokenKind = 'component'

  async run() {
    const { flags } = (await this.parse(this.constructor as typeof ClaimsTokenComponent)) as unknown as { flags: TokenFlags }
    // Component and provider tokens take name/version/revision from wasmcloud.toml when run in a project (as wash).
    const project = this.kind === 'component' || this.kind === 'provider' ? await locateProject({}) : undefined
    const text = (key: string) => (typeof flags[key] === 'string' ? (flags[key] as string) : undefined)
    const integer = (key: string) => (typeof flags[key] === 'number' ? (flags[key] as number) : undefined)
    const result = await generateToken({
      kind: this.kind,
      name: flags.name ?? project?.name,
      tags: [...new Set([...(project?.component.tags ?? []), ...((flags.tag as string[] | undefined) ?? [])])].sort(),
      callAlias: text('call-alias'),
      rev: integer('rev') ?? integer('revision') ?? project?.revision,
      ver: text('ver') ?? text('version') ?? project?.version,
      vendor: text('vendor'),
      additionalKeys: flags['additional-key'] as string[] | undefined,
      expiresInDays: flags.expires,
      notBeforeDays: flags['not-before'],
      issuer: flags.issuer ?? fromEnv('WASH_ISSUER_KEY'),
      subject: flags.subject ?? fromEnv('WASH_SUBJECT_KEY'),
      keysDirectory: resolveKeyDirectory({ flag: flags['keys-directory'], project }),
      disableKeygen: Boolean(flags['disable-keygen']) || isCI() || this.json,
      onEvent: (event) => {
        if (event.type === 'key-generated') this.logger.info(`Generated ${event.keyType} key ${event.name} (${event.publicKey}) at ${event.file}`)
      },
    })
    this.print(result.token)
    const { generatedKeys, ...rest } = result
    return { ...rest, generatedKeys }
  }
}
