import { Flags } from '@oclif/core'

import type { TokenKind } from '../../../claims/token.js'
import ClaimsTokenComponent, { tokenCommonFlags } from './component.js'

export default class ClaimsTokenOperator extends ClaimsTokenComponent {
  static override description = 'Generate a signed JWT for an operator (self-signed with the operator key), as `wash claims token operator`.'
  static override examples = ['<%= config.bin %> claims token operator -n acme']

  static override flags = {
    ...tokenCommonFlags,
    'additional-key': Flags.string({ char: 'a', description: 'Another key allowed to sign in this one\'s name: a seed or a seed file (repeatable).', multiple: true }),
  }

  protected override readonly kind: TokenKind = 'operator'
}
