import { Flags } from '@oclif/core'

import type { TokenKind } from '../../../claims/token.js'
import ClaimsTokenComponent, { tokenCommonFlags } from './component.js'

export default class ClaimsTokenAccount extends ClaimsTokenComponent {
  static override description = 'Generate a signed JWT for an account (issuer: operator key, subject: account key), as `wash claims token account`.'
  static override examples = ['<%= config.bin %> claims token account -n acme']

  static override flags = {
    ...tokenCommonFlags,
    subject: Flags.string({ char: 's', description: 'Account seed, or a file holding it (also WASH_SUBJECT_KEY). Default: found or generated in the key directory.', env: 'WASMCTL_SUBJECT_KEY' }),
    'additional-key': Flags.string({ char: 'a', description: 'Another key allowed to sign in this one\'s name: a seed or a seed file (repeatable).', multiple: true }),
  }

  protected override readonly kind: TokenKind = 'account'
}
