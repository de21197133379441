import { WasmctlError } from '../errors.js'
import { type InspectResult, inspectWasm } from './inspect.js'

export interface TrustPolicy {
  /** Refuse components without claims (the wasmCloud host accepts them by default). */
  requireSigned?: boolean
  /** Account public keys allowed to issue; empty or absent allows any issuer. */
  allowedIssuers?: string[]
  /** Unix milliseconds, for tests. */
  now?: number
}

/**
 * Refuses a component the way the wasmCloud host does (claims optional; when present: hash
 * checked for revision >= 3, signature, expiry, not-before), plus the local policy: required
 * signature and allowed issuers. An issuer allow-list also refuses unsigned components, since
 * their issuer cannot be checked. Returns the inspection when the component is trusted.
 */
export function assertTrusted(bytes: Uint8Array, policy: TrustPolicy = {}): InspectResult {
  const result = inspectWasm(bytes, { now: policy.now })
  const refusal = trustRefusal(result, policy)
  if (refusal) throw refusal
  return result
}

/** Why an inspected file is refused under a policy, as the error to throw; undefined when trusted. */
export function trustRefusal(result: InspectResult, policy: Omit<TrustPolicy, 'now'> = {}): WasmctlError | undefined {
  const allowList = policy.allowedIssuers ?? []
  if (!result.signed) {
    if (policy.requireSigned || allowList.length > 0) {
      return new WasmctlError('CLAIMS_UNSIGNED', 'the file is not signed (no claims), and signed components are required', {
        hints: ['sign it with `wasmctl sign <file>` (or `wasmctl build`)', 'for `wasmctl up`/`dev`: or drop require_signed / allowed_issuers from [dev] in wasmcloud.toml'],
      })
    }
    return undefined
  }
  if (result.hashChecked && !result.hashMatches) {
    return new WasmctlError('CLAIMS_HASH_MISMATCH', 'Invalid module hash: the component was modified after it was signed', {
      hints: ['rebuild or re-sign it with `wasmctl sign`; never edit a signed file'],
      details: { embedded: result.embeddedHash, actual: result.hash },
    })
  }
  if (!result.signatureValid) {
    return new WasmctlError('CLAIMS_SIGNATURE_INVALID', `the claims signature does not verify against the issuer ${result.issuer}`, {
      hints: ['the token was altered or signed by another key: re-sign the component with `wasmctl sign`'],
    })
  }
  if (result.expired) {
    return new WasmctlError('CLAIMS_EXPIRED', `the component's claims expired ${result.expires?.human} (${result.expires?.iso})`, {
      hints: ['re-sign it with a later --expires (or without one)'],
    })
  }
  if (result.notYetValid) {
    return new WasmctlError('CLAIMS_NOT_YET_VALID', `the component's claims are not valid until ${result.notBefore?.iso} (${result.notBefore?.human})`, {
      hints: ['wait until then, or re-sign it without --not-before'],
    })
  }
  if (allowList.length > 0 && !allowList.includes(result.issuer!)) {
    return new WasmctlError('CLAIMS_ISSUER_NOT_ALLOWED', `the component was signed by ${result.issuer}, which is not an allowed issuer`, {
      hints: ['add that account key to allowed_issuers in [dev] of wasmcloud.toml, or sign with an allowed account key (--issuer)'],
      details: { issuer: result.issuer, allowedIssuers: allowList },
    })
  }
  return undefined
}
