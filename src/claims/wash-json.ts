import type { InspectResult } from './inspect.js'

/**
 * What `wash inspect -o json` prints for a signed component (wash 0.43 `lib/cli/inspect.rs`
 * `render_component_claims`), without the `success` field the base command adds. The keys are
 * named after the key types (`account`, `component`), and the values are wash's display strings:
 * tags comma-joined or "None", version "None" when unset, revision 0 when unset.
 */
export function washInspectJson(result: InspectResult): Record<string, unknown> {
  if (!result.signed || !result.issuer || !result.subject) return { signed: false, hash: result.hash }
  return {
    [washKeyLabel(result.issuer)]: result.issuer,
    [washKeyLabel(result.subject)]: result.subject,
    expires: result.expires?.human ?? 'never',
    can_be_used: result.notBefore?.human ?? 'immediately',
    version: result.ver ?? 'None',
    revision: result.rev ?? 0,
    tags: result.tags && result.tags.length > 0 ? result.tags.join(',') : 'None',
    name: result.name ?? 'Anonymous',
  }
}

/** wash's `token_label`, lower-cased: the JSON key a public key is shown under. */
export function washKeyLabel(publicKey: string): string {
  const labels: Record<string, string> = { A: 'account', M: 'component', O: 'operator', S: 'server', U: 'user' }
  return labels[publicKey[0]] ?? '<unknown>'
}
