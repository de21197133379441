import { Args, Flags } from '@oclif/core'

import { BaseCommand, fromEnv } from '../base-command.js'
import { KEYS_DIRECTORY_HELP, resolveKeyDirectory } from '../claims/keystore.js'
import { MAX_CLAIM_DAYS, signWasmFile } from '../claims/sign.js'
import { projectDirFlag } from '../flags.js'
import { locateProject } from '../project/locate.js'
import { isCI } from '../ui/tty.js'

export default class Sign extends BaseCommand {
  static override aliases = ['claims:sign']
  static override description =
    'Embed signed claims (a wascap JWT in a wasmcloud_jwt section) in a copy of a wasm file, as `wash claims sign` does. The input is never modified.'
  static override examples = [
    '<%= config.bin %> sign build/app.wasm --name app --ver 0.1.0 --rev 1',
    '<%= config.bin %> sign app.wasm --name app --ver 1.0.0 --rev 0 --issuer ./keys/me_account.nk --subject $MODULE_SEED -d dist/app_s.wasm',
    '<%= config.bin %> claims sign app.wasm -n app -v 1.0.0 -r 0 -o json',
  ]

  static override args = {
    wasm: Args.string({ description: 'The module or component to sign.', required: true }),
  }

  static override flags = {
    name: Flags.string({ char: 'n', description: 'Component name (default: name in wasmcloud.toml).' }),
    ver: Flags.string({ char: 'v', description: 'Version string (default: version in wasmcloud.toml).' }),
    rev: Flags.integer({ char: 'r', description: 'Revision number (default: revision in wasmcloud.toml).' }),
    tag: Flags.string({ char: 't', description: 'A tag to embed (repeatable).', multiple: true }),
    'call-alias': Flags.string({ char: 'a', description: 'Call alias: lower-case letters, digits, "_" and "/".' }),
    expires: Flags.integer({ char: 'x', description: 'Days until the claims expire (default: never).', min: 0, max: MAX_CLAIM_DAYS }),
    'not-before': Flags.integer({ char: 'b', description: 'Days until the claims become valid (default: now).', min: 0, max: MAX_CLAIM_DAYS, aliases: ['nbf'] }),
    issuer: Flags.string({ char: 'i', description: 'Account seed, or a file holding it (also WASH_ISSUER_KEY). Default: <user>_account.nk.', env: 'WASMCTL_ISSUER_KEY' }),
    subject: Flags.string({ char: 's', description: 'Module seed, or a file holding it (also WASH_SUBJECT_KEY). Default: <stem>_module.nk.', env: 'WASMCTL_SUBJECT_KEY' }),
    'keys-directory': Flags.string({ description: KEYS_DIRECTORY_HELP, aliases: ['directory'] }),
    'disable-keygen': Flags.boolean({ description: 'Fail instead of generating missing keys (always the case with CI set or --json).' }),
    destination: Flags.string({ char: 'd', description: 'Output file (default: <dir>/<stem>_s.wasm). Before wash parity this was -o/--output, now the output format.', aliases: ['output-file'] }),
    'deterministic-jti': Flags.boolean({
      description: 'Derive the token id (jti) from the hash and keys instead of a random one; with SOURCE_DATE_EPOCH (iat) re-signing gives the same bytes.',
      env: 'WASMCTL_DETERMINISTIC_JTI',
    }),
    'project-dir': projectDirFlag,
  }

  /** wash claims sign: `{"destination": ...}`. */
  static override washJson = (result: { output: string }) => ({ destination: result.output })

  async run() {
    const { args, flags } = await this.parse(Sign)
    const project = await locateProject({ projectDir: flags['project-dir'] })
    const result = await signWasmFile({
      input: args.wasm,
      output: flags.destination,
      name: flags.name,
      ver: flags.ver,
      rev: flags.rev,
      tags: flags.tag,
      callAlias: flags['call-alias'],
      expiresInDays: flags.expires,
      notBeforeDays: flags['not-before'],
      issuer: flags.issuer ?? fromEnv('WASH_ISSUER_KEY'),
      subject: flags.subject ?? fromEnv('WASH_SUBJECT_KEY'),
      keysDirectory: resolveKeyDirectory({ flag: flags['keys-directory'], project }),
      disableKeygen: flags['disable-keygen'] || isCI() || this.json,
      project,
      deterministicJti: flags['deterministic-jti'] || undefined,
      signal: this.signal,
      onEvent: (event) => {
        if (event.type === 'key-generated') this.logger.info(`Generated ${event.keyType} key ${event.name} (${event.publicKey}) at ${event.file}`)
      },
    })
    if (result.replacedClaims) this.warn(`${result.input} was already signed; its claims were replaced`)
    this.print(`Signed ${result.output}`)
    this.print(`  account    ${result.issuer}`)
    this.print(`  component  ${result.subject}`)
    this.print(`  hash       ${result.hash}`)
    const { input, output, jwt, claims, issuer, subject, hash, generatedKeys, size } = result
    return { input, output, issuer, subject, hash, size, generatedKeys, claims, jwt }
  }
}
