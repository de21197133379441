import { createHash, type KeyObject, verify as cryptoVerify } from 'node:crypto'

/**
 * cosign's classic signature layout (sigstore/cosign specs/SIGNATURE_SPEC.md): an OCI image
 * manifest tagged `sha256-<hex>.sig` beside the signed manifest, one `simplesigning` layer per
 * signature, the base64 signature in a layer annotation. Bytes are laid out as Go's
 * encoding/json writes cosign's and go-containerregistry's structs, so a wasmctl signature is
 * the same document cosign would have pushed.
 */
export const CosignMediaTypes = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  simpleSigning: 'application/vnd.dev.cosign.simplesigning.v1+json',
} as const

export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature'
export const SIGNATURE_TYPE = 'cosign container image signature'
/** cosign reads at most this many layers of a signature manifest (pkg/oci/remote/signatures.go). */
export const MAX_SIGNATURE_LAYERS = 1000
/** Tags cosign (and the OCI referrers fallback) use for attachments; listings and pulls skip them. */
export const ATTACHMENT_TAG = /^sha256-[0-9a-f]{64}(\.(sig|att|sbom))?$/

export interface SignatureLayer {
  mediaType: string
  size: number
  digest: string
  annotations?: Record<string, string>
}

export interface SignatureManifest {
  schemaVersion: 2
  mediaType: string
  config: { mediaType: string; size: number; digest: string }
  layers: SignatureLayer[]
  annotations?: Record<string, string>
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

/** `sha256:abc…` → `sha256-abc….sig` (cosign `SignatureTag`). */
export function signatureTag(manifestDigest: string): string {
  return `${manifestDigest.replace(':', '-')}.sig`
}

/**
 * Go's json.Marshal string escaping on top of JSON.stringify: it also escapes `<`, `>`, `&` and
 * U+2028/U+2029, so annotations holding them sign the same bytes cosign would.
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** Go marshals maps with sorted keys; structs keep field order (the object literals below). */
function sortedMap(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/**
 * The simplesigning payload (sigstore `payload.SimpleContainerImage`): `docker-reference` is the
 * repository without tag or digest; `optional` is null without annotations.
 */
export function simpleSigningPayload(options: { repository: string; manifestDigest: string; annotations?: Record<string, string> }): Buffer {
  const annotations = options.annotations && Object.keys(options.annotations).length > 0 ? sortedMap(options.annotations) : null
  return Buffer.from(
    goJson({
      critical: {
        identity: { 'docker-reference': options.repository },
        image: { 'docker-manifest-digest': options.manifestDigest },
        type: SIGNATURE_TYPE,
      },
      optional: annotations,
    }),
  )
}

/** go-containerregistry's config for an image of these layers (mutate.Append on empty.Image). */
export function signatureConfig(layerDigests: string[]): Buffer {
  return Buffer.from(
    goJson({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: layerDigests.map(() => ({ created: '0001-01-01T00:00:00Z' })),
      os: '',
      rootfs: { type: 'layers', diff_ids: layerDigests },
      config: {},
    }),
  )
}

export function signatureLayer(payload: Uint8Array, signatureBase64: string): SignatureLayer {
  return {
    mediaType: CosignMediaTypes.simpleSigning,
    size: payload.length,
    digest: sha256Digest(payload),
    annotations: { [SIGNATURE_ANNOTATION]: signatureBase64 },
  }
}

/** The `.sig` manifest for these layers, and the config blob it names. */
export function signatureManifest(layers: SignatureLayer[]): { manifest: Buffer; config: Buffer } {
  const config = signatureConfig(layers.map((layer) => layer.digest))
  const manifest = {
    schemaVersion: 2,
    mediaType: CosignMediaTypes.manifest,
    config: { mediaType: CosignMediaTypes.config, size: config.length, digest: sha256Digest(config) },
    layers: layers.map((layer) => ({
      mediaType: layer.mediaType,
      size: layer.size,
      digest: layer.digest,
      ...(layer.annotations && Object.keys(layer.annotations).length > 0 ? { annotations: sortedMap(layer.annotations) } : {}),
    })),
  }
  return { manifest: Buffer.from(goJson(manifest)), config }
}

/** A fetched `.sig` manifest, shape-checked; anything else is treated as no signature layers. */
export function parseSignatureManifest(bytes: Uint8Array): SignatureManifest | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'))
  } catch {
    return undefined
  }
  const manifest = parsed as Partial<SignatureManifest>
  if (!manifest || typeof manifest !== 'object' || !Array.isArray(manifest.layers) || !manifest.config) return undefined
  const layers = manifest.layers.filter(
    (layer): layer is SignatureLayer =>
      Boolean(layer) && typeof layer.mediaType === 'string' && typeof layer.digest === 'string' && Number.isSafeInteger(layer.size),
  )
  return { ...(manifest as SignatureManifest), layers: layers.slice(0, MAX_SIGNATURE_LAYERS) }
}

export interface ParsedPayload {
  dockerReference: string
  manifestDigest: string
  type: string
  optional: Record<string, unknown> | null
}

/** The simplesigning payload's fields, or undefined for anything that is not one. */
export function parsePayload(bytes: Uint8Array): ParsedPayload | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
      critical?: { identity?: { 'docker-reference'?: unknown }; image?: { 'docker-manifest-digest'?: unknown }; type?: unknown }
      optional?: unknown
    }
    const critical = parsed?.critical
    const digest = critical?.image?.['docker-manifest-digest']
    if (typeof digest !== 'string' || typeof critical?.type !== 'string') return undefined
    const optional = parsed.optional && typeof parsed.optional === 'object' && !Array.isArray(parsed.optional) ? (parsed.optional as Record<string, unknown>) : null
    return {
      dockerReference: typeof critical.identity?.['docker-reference'] === 'string' ? critical.identity['docker-reference'] : '',
      manifestDigest: digest,
      type: critical.type,
      optional,
    }
  } catch {
    return undefined
  }
}

/** Human-readable lines for `inspect`: one per signature, digest match and signed annotations. */
export function describeSignatures(listed: {
  signatureReference: string
  signatures: { signedDigest?: string; matches: boolean; annotations: Record<string, unknown> | null; signatureSha256?: string }[]
}): string {
  if (listed.signatures.length === 0) return 'OCI signatures: none (no cosign signature found)'
  const lines = [`OCI signatures: ${listed.signatures.length} at ${listed.signatureReference} (not verified; use \`wasmctl verify --key\`)`]
  for (const signature of listed.signatures) {
    const subject = signature.matches ? 'signs this digest' : `signs ${signature.signedDigest ?? 'an unreadable payload'}, NOT this digest`
    const annotations = signature.annotations ? ` ${Object.entries(signature.annotations).map(([key, value]) => `${key}=${String(value)}`).join(' ')}` : ''
    lines.push(`  cosign  ${signature.signatureSha256?.slice(0, 16) ?? '?'}…  ${subject}${annotations}`)
  }
  return lines.join('\n')
}

/**
 * cosign's checks of one signature layer, once its payload bytes are known to match the layer
 * digest: the signature verifies over the exact payload bytes with the key (SHA-256; ECDSA DER,
 * RSA PKCS#1 v1.5, or pure Ed25519), the payload is a simplesigning document naming this
 * manifest digest, and it carries every required annotation. Returns the problem, or undefined.
 */
export function checkSignature(options: {
  payload: Uint8Array
  signature: string
  publicKey: KeyObject
  manifestDigest: string
  annotations?: Record<string, string>
}): string | undefined {
  const { payload, signature, publicKey } = options
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(signature) || signature.length % 4 !== 0) return 'the signature is not base64'
  let valid = false
  try {
    valid = cryptoVerify(publicKey.asymmetricKeyType === 'ed25519' ? null : 'sha256', payload, publicKey, Buffer.from(signature, 'base64'))
  } catch {
    valid = false
  }
  if (!valid) return 'the signature does not verify with this key over the payload (wrong key, or payload or signature changed)'
  const parsed = parsePayload(payload)
  if (!parsed) return 'the payload is not a simplesigning document'
  if (parsed.type !== SIGNATURE_TYPE) return `the payload type is "${parsed.type}", not "${SIGNATURE_TYPE}"`
  if (parsed.manifestDigest !== options.manifestDigest) return `the payload signs ${parsed.manifestDigest}, not this manifest ${options.manifestDigest}`
  for (const [key, value] of Object.entries(options.annotations ?? {})) {
    const actual = parsed.optional?.[key]
    if (actual === undefined || String(actual) !== value) return `annotation ${key}=${value} is not in the signed payload`
  }
  return undefined
}
