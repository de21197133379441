import type { InspectResult, TimeClaim } from './inspect.js'

/** The human report of `wasmctl inspect`, in wash's order and labels (Account, Component, Expires, Can Be Used...). */
export function describeInspection(result: InspectResult, wit?: string): string {
  const lines: string[] = []
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(14)}${value}`)
  const when = (time: TimeClaim | undefined, human: string) => (time ? `${human} (${time.iso}, ${time.unix})` : human)
  if (!result.signed) {
    lines.push(`No claims: this ${result.encoding} is not signed`)
    row('Hash', result.hash)
  } else {
    lines.push(`${result.name ?? 'Anonymous'} - ${result.encoding === 'component' ? 'Component' : 'Module'}`)
    row('Account', result.issuer ?? '')
    row('Component', result.subject ?? '')
    if (result.issuedAt) row('Issued', `${result.issuedAt.iso} (${result.issuedAt.unix})`)
    row('Expires', when(result.expires, result.expires?.human ?? 'never'))
    row('Can Be Used', when(result.notBefore, result.notBefore?.human ?? 'immediately'))
    row('Version', result.ver ?? 'None')
    row('Revision', result.rev === undefined ? 'None' : String(result.rev))
    row('Tags', result.tags && result.tags.length > 0 ? result.tags.join(', ') : 'None')
    if (result.callAlias) row('Call Alias', result.callAlias)
    if (result.caps && result.caps.length > 0) row('Capabilities', result.caps.join(', '))
    const hashState = result.hashMatches ? 'matches the file' : result.hashChecked ? 'DOES NOT MATCH the file' : `differs (not checked for wascap revision ${result.wascapRevision ?? 'none'})`
    row('Hash', `${result.embeddedHash} (${hashState})`)
    row('Signature', result.signatureValid ? 'valid' : 'INVALID')
    row('Claims', `section ${result.section}, wascap revision ${result.wascapRevision ?? 'none'}`)
    if (result.toolchain) row('Toolchain', Object.entries(result.toolchain).map(([name, version]) => `${name} ${version}`).join(', '))
    row('Verdict', result.valid ? 'valid' : `INVALID: ${result.problems.join('; ')}`)
  }
  row('Size', `${result.size} bytes`)
  if (wit !== undefined) {
    lines.push('', wit.trimEnd())
  } else if (result.world) {
    lines.push('World')
    for (const name of result.world.imports) lines.push(`  import  ${name}`)
    for (const name of result.world.exports) lines.push(`  export  ${name}`)
  }
  return lines.join('\n')
}
