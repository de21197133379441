import { createHash, type KeyObject, sign as cryptoSign } from 'node:crypto'

import { isWasmctlError, WasmctlError } from '../errors.js'
import type { RegistryClient } from '../oci/client.js'
import { formatReference, type OciReference, resolveReference } from '../oci/reference.js'
import { connectRegistry, type RegistryAccessOptions } from '../oci/registry.js'
import {
  checkSignature,
  CosignMediaTypes,
  MAX_SIGNATURE_LAYERS,
  parsePayload,
  parseSignatureManifest,
  SIGNATURE_ANNOTATION,
  type SignatureLayer,
  signatureLayer,
  signatureManifest,
  signatureTag,
  simpleSigningPayload,
  sha256Digest,
} from './layout.js'

/**
 * Signing and verifying images in the registry, with cosign's semantics (sigstore/cosign
 * pkg/cosign/verify.go `verifyOCISignature`, `SimpleClaimVerifier`). Everything goes through the
 * project's OCI client; nothing here contacts Rekor, Fulcio or TUF, which is why cosign needs
 * `--insecure-ignore-tlog=true` to accept these signatures.
 */
export interface CosignTarget extends RegistryAccessOptions {
  /** `registry/repository:tag` or `…@sha256:…`. */
  reference: string
  /** Registry for references that do not name one (`--registry`). */
  registry?: string
}

/** A simplesigning payload is a few hundred bytes; anything far larger is not one. */
const MAX_PAYLOAD_BYTES = 128 * 1024

interface Resolved {
  ref: OciReference
  client: RegistryClient
  digest: string
}

async function resolveTarget(target: CosignTarget): Promise<Resolved> {
  const ref = resolveReference(target.reference, target.registry)
  const client = await connectRegistry(ref, target)
  const { bytes, headerDigest } = await client.getManifest(ref.repository, ref.digest ?? ref.tag ?? 'latest')
  const digest = sha256Digest(bytes)
  // By digest, the bytes must hash to it; by tag, the registry's header (when sent) must agree with the bytes.
  const claimed = ref.digest ?? headerDigest
  if (claimed && claimed.startsWith('sha256:') && claimed !== digest) {
    throw new WasmctlError('OCI_DIGEST_MISMATCH', `the manifest of ${formatReference(ref)} hashes to ${digest}, not ${claimed}`, {
      hints: ['the registry served different bytes than it names; do not trust this artifact'],
    })
  }
  return { ref, client, digest }
}

/** The `.sig` manifest's layers, or [] when the image has none (404). */
async function signatureLayers(client: RegistryClient, repository: string, digest: string): Promise<SignatureLayer[] | undefined> {
  try {
    const { bytes } = await client.getManifest(repository, signatureTag(digest))
    return parseSignatureManifest(bytes)?.layers ?? []
  } catch (error) {
    if (isWasmctlError(error) && error.code === 'OCI_NOT_FOUND') return undefined
    throw error
  }
}

async function fetchPayload(client: RegistryClient, repository: string, layer: SignatureLayer): Promise<Buffer> {
  if (layer.size > MAX_PAYLOAD_BYTES) throw new Error(`payload of ${layer.size} bytes is larger than a signature payload can be`)
  const bytes = await client.getBlob(repository, layer.digest, async (body) => {
    const chunks: Buffer[] = []
    let total = 0
    for await (const chunk of body) {
      total += chunk.length
      if (total > MAX_PAYLOAD_BYTES) throw new Error('payload larger than its descriptor says')
      chunks.push(Buffer.from(chunk))
    }
    return Buffer.concat(chunks)
  })
  // As go-containerregistry's verified reader: both the size and the digest must match the descriptor.
  if (bytes.length !== layer.size) throw new Error(`payload is ${bytes.length} bytes, its descriptor says ${layer.size}`)
  if (sha256Digest(bytes) !== layer.digest) throw new Error(`payload bytes do not match their digest ${layer.digest}`)
  return bytes
}

export interface SignImageOptions extends CosignTarget {
  key: KeyObject
  /** `-a key=value`: signed into the payload's `optional` map. */
  annotations?: Record<string, string>
}

export interface SignImageResult {
  /** `registry/repository@sha256:…` that was signed. */
  reference: string
  digest: string
  /** `registry/repository:sha256-<hex>.sig` */
  signatureReference: string
  /** Digest of the `.sig` manifest after this signature. */
  signatureManifestDigest: string
  payloadDigest: string
  /** How many signatures the `.sig` manifest now holds. */
  signatures: number
  /** False when this exact signature layer was already there. */
  added: boolean
}

/** The signature algorithm cosign uses for this key: SHA-256 with ECDSA (ASN.1 DER) or RSA PKCS#1 v1.5. */
function signPayload(payload: Buffer, key: KeyObject): string {
  if (key.type !== 'private') throw new WasmctlError('COSIGN_KEY_INVALID', 'signing needs the private key (cosign.key)')
  if (key.asymmetricKeyType !== 'ec' && key.asymmetricKeyType !== 'rsa') {
    // cosign signs Ed25519 keys as Ed25519ph but verifies pure Ed25519: such signatures do not round-trip.
    throw new WasmctlError('COSIGN_KEY_INVALID', `${key.asymmetricKeyType} keys cannot make signatures cosign verifies`, {
      hints: ['use an ECDSA P-256 key: `wasmctl keys gen cosign` or `cosign generate-key-pair`'],
    })
  }
  return cryptoSign('sha256', payload, key).toString('base64')
}

/**
 * `cosign sign --key` (classic layout): appends one simplesigning layer to the image's `.sig`
 * manifest (read-modify-write, as cosign does) after uploading the payload and config blobs.
 */
export async function signImage(options: SignImageOptions): Promise<SignImageResult> {
  const { ref, client, digest } = await resolveTarget(options)
  const payload = simpleSigningPayload({ repository: `${ref.registry}/${ref.repository}`, manifestDigest: digest, annotations: options.annotations })
  const layer = signatureLayer(payload, signPayload(payload, options.key))
  const existing = (await signatureLayers(client, ref.repository, digest)) ?? []
  const duplicate = existing.some(
    (other) => other.digest === layer.digest && other.annotations?.[SIGNATURE_ANNOTATION] === layer.annotations?.[SIGNATURE_ANNOTATION],
  )
  const layers = duplicate ? existing : [...existing, layer].slice(-MAX_SIGNATURE_LAYERS)
  const { manifest, config } = signatureManifest(layers)
  await client.ensureBlob(ref.repository, layer.digest, payload)
  await client.ensureBlob(ref.repository, sha256Digest(config), config)
  const tag = signatureTag(digest)
  await client.putManifest(ref.repository, tag, manifest, CosignMediaTypes.manifest)
  return {
    reference: formatReference({ registry: ref.registry, repository: ref.repository, digest }),
    digest,
    signatureReference: formatReference({ registry: ref.registry, repository: ref.repository, tag }),
    signatureManifestDigest: sha256Digest(manifest),
    payloadDigest: layer.digest,
    signatures: layers.length,
    added: !duplicate,
  }
}

export interface VerifiedSignature {
  /** Digest of the payload layer. */
  layerDigest: string
  /** The payload as cosign prints it. */
  payload: unknown
}

export interface VerifyImageOptions extends CosignTarget {
  publicKey: KeyObject
  /** `-a key=value`: each must appear in the payload's `optional` map. */
  annotations?: Record<string, string>
}

export interface VerifyImageResult {
  reference: string
  digest: string
  signatureReference: string
  verified: VerifiedSignature[]
  /** Signature layers that did not verify, with the reason (wrong key, tampered payload...). */
  rejected: { layerDigest: string; reason: string }[]
}

/**
 * `cosign verify --key <pub> --insecure-ignore-tlog=true`: passes when at least one signature
 * layer verifies with the key over its payload, the payload names this exact manifest digest, and
 * it carries the requested annotations.
 */
export async function verifyImage(options: VerifyImageOptions): Promise<VerifyImageResult> {
  const { ref, client, digest } = await resolveTarget(options)
  const tag = signatureTag(digest)
  const signatureReference = formatReference({ registry: ref.registry, repository: ref.repository, tag })
  const reference = formatReference({ registry: ref.registry, repository: ref.repository, digest })
  const layers = await signatureLayers(client, ref.repository, digest)
  if (!layers || layers.length === 0) {
    throw new WasmctlError('COSIGN_SIGNATURE_MISSING', `no signatures found for ${reference} (no ${tag})`, {
      hints: ['sign it with `wasmctl sign-image <ref> --key cosign.key` (or push with --sign)'],
      details: { reference, signatureReference },
    })
  }
  const verified: VerifiedSignature[] = []
  const rejected: { layerDigest: string; reason: string }[] = []
  for (const layer of layers) {
    const reason = await checkLayer(client, ref.repository, layer, digest, options)
    if (typeof reason === 'string') rejected.push({ layerDigest: layer.digest, reason })
    else verified.push({ layerDigest: layer.digest, payload: reason.payload })
  }
  if (verified.length === 0) {
    throw new WasmctlError('COSIGN_SIGNATURE_INVALID', `no signature of ${reference} verifies with this key: ${rejected[0]?.reason ?? 'no signature layers'}`, {
      hints: ['check that --key is the public half of the key that signed it', 'sign the image again if it was pushed after signing'],
      details: { reference, signatureReference, rejected },
    })
  }
  return { reference, digest, signatureReference, verified, rejected }
}

async function checkLayer(
  client: RegistryClient,
  repository: string,
  layer: SignatureLayer,
  digest: string,
  options: VerifyImageOptions,
): Promise<string | { payload: unknown }> {
  if (layer.mediaType !== CosignMediaTypes.simpleSigning) return `layer type ${layer.mediaType} is not a simplesigning payload`
  const signature = layer.annotations?.[SIGNATURE_ANNOTATION]
  if (typeof signature !== 'string' || signature === '') return 'the layer has no signature annotation'
  let payload: Buffer
  try {
    payload = await fetchPayload(client, repository, layer)
  } catch (error) {
    if (isWasmctlError(error) && error.code !== 'OCI_NOT_FOUND') throw error
    return `payload unavailable: ${(error as Error).message}`
  }
  const problem = checkSignature({ payload, signature, publicKey: options.publicKey, manifestDigest: digest, annotations: options.annotations })
  return problem ?? { payload: JSON.parse(payload.toString('utf8')) as unknown }
}

export interface ListedSignature {
  layerDigest: string
  size: number
  /** The digest the payload says it signs; `matches` is whether that is this manifest. */
  signedDigest?: string
  matches: boolean
  dockerReference?: string
  annotations: Record<string, unknown> | null
  /** Hex sha256 of the signature bytes, to tell signatures apart without printing them whole. */
  signatureSha256?: string
}

/** The signatures beside an image, read but not verified (no key): for `inspect`. */
export async function listSignatures(target: CosignTarget): Promise<{ reference: string; digest: string; signatureReference: string; signatures: ListedSignature[] }> {
  const { ref, client, digest } = await resolveTarget(target)
  const tag = signatureTag(digest)
  const layers = (await signatureLayers(client, ref.repository, digest)) ?? []
  const signatures: ListedSignature[] = []
  for (const layer of layers.filter((entry) => entry.mediaType === CosignMediaTypes.simpleSigning)) {
    const signature = layer.annotations?.[SIGNATURE_ANNOTATION]
    let parsed
    try {
      parsed = parsePayload(await fetchPayload(client, ref.repository, layer))
    } catch {
      parsed = undefined
    }
    signatures.push({
      layerDigest: layer.digest,
      size: layer.size,
      signedDigest: parsed?.manifestDigest,
      matches: parsed?.manifestDigest === digest,
      dockerReference: parsed?.dockerReference,
      annotations: parsed?.optional ?? null,
      signatureSha256: signature ? createHash('sha256').update(Buffer.from(signature, 'base64')).digest('hex') : undefined,
    })
  }
  return {
    reference: formatReference({ registry: ref.registry, repository: ref.repository, digest }),
    digest,
    signatureReference: formatReference({ registry: ref.registry, repository: ref.repository, tag }),
    signatures,
  }
}
