import { Flags } from '@oclif/core'

import type { TokenKind } from '../../../claims/token.js'
import ClaimsTokenComponent, { tokenCommonFlags } from './component.js'

export default class ClaimsTokenProvider extends ClaimsTokenComponent {
  static override description = 'Generate a signed JWT for a capability provider (issuer: account key, subject: service key), as `wash claims token provider`.'
  static override examples = ['<%= config.bin %> claims token provider -n redis -v acme -e 0.1.0 -r 1']

  static override flags = {
    ...tokenCommonFlags,
    subject: Flags.string({ char: 's', description: 'Service seed, or a file holding it (also WASH_SUBJECT_KEY). Default: found or generated in the key directory.', env: 'WASMCTL_SUBJECT_KEY' }),
    vendor: Flags.string({ char: 'v', description: 'Who makes the provider (required).' }),
    revision: Flags.integer({ char: 'r', description: 'Revision number.' }),
    version: Flags.string({ char: 'e', description: 'Version string.' }),
  }

  protected override readonly kind: TokenKind = 'provider'
}
