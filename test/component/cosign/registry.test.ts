import { createPublicKey, generateKeyPairSync } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { beforeAll, describe, expect, it } from 'vitest'

import { decryptPrivateKey } from '../../../src/cosign/keys.js'
import {
  CosignMediaTypes,
  SIGNATURE_ANNOTATION,
  type SignatureLayer,
  signatureManifest,
  signatureTag,
  simpleSigningPayload,
  sha256Digest,
} from '../../../src/cosign/layout.js'
import { listSignatures, signImage, verifyImage } from '../../../src/cosign/registry.js'
import { isWasmctlError, type WasmctlError } from '../../../src/errors.js'
import { RegistryClient } from '../../../src/oci/client.js'
import { pushComponent } from '../../../src/oci/push.js'
import { COMPONENT_HEADER, concatBytes, encodeCustomSection } from '../../../src/wasm/binary.js'
import { repoRoot } from '../../helpers/cli.js'
import { skopeo, useRegistry } from '../../helpers/registry.js'
import { tempDir } from '../../helpers/tmp.js'

// Sign, verify and tamper against a real docker-registry, with cosign's own test key.
const registry = useRegistry()
const dir = tempDir('wasmctl-cosign-')
const key = decryptPrivateKey(readFileSync(path.join(repoRoot, 'test', 'fixtures', 'cosign', 'sigstore-test.key'), 'utf8'), 'hello')
// The public half, as cosign.pub holds it.
const publicKey = createPublicKey(key)
let counter = 0

/** Pushes a distinct tiny component; returns its reference with digest. */
async function pushed(repository = 'demo/hello'): Promise<{ tagRef: string; digest: string; repository: string }> {
  const file = path.join(dir, `c${++counter}.wasm`)
  writeFileSync(file, concatBytes([COMPONENT_HEADER, encodeCustomSection('test', Buffer.from(`wasmctl-cosign-${counter}-${Date.now()}`))]))
  const tagRef = `${registry.host}/${repository}:v${counter}`
  const result = await pushComponent({ reference: tagRef, file, allowInvalidClaims: true })
  return { tagRef, digest: result.digest, repository }
}

async function failure(promise: Promise<unknown>): Promise<WasmctlError> {
  try {
    await promise
  } catch (error) {
    if (isWasmctlError(error)) return error
    throw error
  }
  throw new Error('expected a WasmctlError')
}

const client = () => new RegistryClient({ registry: registry.host, insecure: true })

async function sigManifest(repository: string, digest: string): Promise<{ raw: Buffer; layers: SignatureLayer[] }> {
  const { bytes } = await client().getManifest(repository, signatureTag(digest))
  return { raw: bytes, layers: JSON.parse(bytes.toString()).layers }
}

/** Replaces the .sig manifest with these layers (their blobs must be in the repository). */
async function rewriteSignatures(repository: string, digest: string, layers: SignatureLayer[]): Promise<void> {
  const { manifest, config } = signatureManifest(layers)
  await client().ensureBlob(repository, sha256Digest(config), config)
  await client().putManifest(repository, signatureTag(digest), manifest, CosignMediaTypes.manifest)
}

describe('cosign signatures in a real registry', () => {
  let image: { tagRef: string; digest: string; repository: string }
  beforeAll(async () => {
    image = await pushed()
  })

  it('push → sign → verify round trip, in the classic layout byte for byte', async () => {
    const signed = await signImage({ reference: image.tagRef, key, annotations: { ci: 'test' } })
    expect(signed).toMatchObject({ digest: image.digest, signatures: 1, added: true })
    expect(signed.signatureReference).toBe(`${registry.host}/${image.repository}:${signatureTag(image.digest)}`)

    const { raw, layers } = await sigManifest(image.repository, image.digest)
    const payload = simpleSigningPayload({ repository: `${registry.host}/${image.repository}`, manifestDigest: image.digest, annotations: { ci: 'test' } })
    expect(layers).toHaveLength(1)
    expect(layers[0]).toMatchObject({ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', size: payload.length, digest: sha256Digest(payload) })
    expect(Object.keys(layers[0].annotations ?? {})).toEqual([SIGNATURE_ANNOTATION])
    expect(raw.equals(signatureManifest(layers).manifest)).toBe(true)
    const stored = await client().getBlob(image.repository, layers[0].digest, async (body) => {
      const chunks: Buffer[] = []
      for await (const chunk of body) chunks.push(Buffer.from(chunk))
      return Buffer.concat(chunks)
    })
    expect(stored.equals(payload)).toBe(true)

    const verified = await verifyImage({ reference: image.tagRef, publicKey, annotations: { ci: 'test' } })
    expect(verified.digest).toBe(image.digest)
    expect(verified.verified).toHaveLength(1)
    expect(verified.verified[0].payload).toEqual(JSON.parse(payload.toString()))
  })

  it('adds further signatures as layers, never overwriting', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    const second = await signImage({ reference: `${registry.host}/${image.repository}@${image.digest}`, key: other.privateKey })
    expect(second.signatures).toBe(2)
    const { layers } = await sigManifest(image.repository, image.digest)
    expect(layers).toHaveLength(2)
    // Both keys verify on their own; each sees the other's layer as rejected.
    const mine = await verifyImage({ reference: image.tagRef, publicKey })
    expect(mine.verified).toHaveLength(1)
    expect(mine.rejected).toHaveLength(1)
    const theirs = await verifyImage({ reference: image.tagRef, publicKey: other.publicKey })
    expect(theirs.verified).toHaveLength(1)
    const listed = await listSignatures({ reference: image.tagRef })
    expect(listed.signatures.map((entry) => entry.matches)).toEqual([true, true])
    expect(listed.signatures[0].annotations).toEqual({ ci: 'test' })
  })

  it('skopeo reads the .sig manifest', async () => {
    const { stdout } = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/${image.repository}:${signatureTag(image.digest)}`])
    expect(JSON.parse(stdout).layers[0].mediaType).toBe('application/vnd.dev.cosign.simplesigning.v1+json')
  })

  it('refuses a wrong key, a missing annotation, and an unsigned image', async () => {
    const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey
    const wrongKey = await failure(verifyImage({ reference: image.tagRef, publicKey: stranger }))
    expect(wrongKey.code).toBe('COSIGN_SIGNATURE_INVALID')
    expect(wrongKey.exit).toBe(1)
    expect(wrongKey.message).toContain('does not verify')
    expect((await failure(verifyImage({ reference: image.tagRef, publicKey, annotations: { ci: 'prod' } }))).code).toBe('COSIGN_SIGNATURE_INVALID')
    const unsigned = await pushed()
    const missing = await failure(verifyImage({ reference: unsigned.tagRef, publicKey }))
    expect(missing.code).toBe('COSIGN_SIGNATURE_MISSING')
    expect(missing.message).toContain(signatureTag(unsigned.digest))
  })

  it('catches a changed manifest: a re-pushed tag, and a .sig copied onto another image', async () => {
    const target = await pushed('demo/tamper')
    await signImage({ reference: target.tagRef, key })
    // The tag now points at other bytes: their digest has no signature.
    const file = path.join(dir, 'replacement.wasm')
    writeFileSync(file, concatBytes([COMPONENT_HEADER, encodeCustomSection('test', Buffer.from(`replacement-${Date.now()}`))]))
    await pushComponent({ reference: target.tagRef, file, allowInvalidClaims: true })
    expect((await failure(verifyImage({ reference: target.tagRef, publicKey }))).code).toBe('COSIGN_SIGNATURE_MISSING')
    // The old signature copied to the new digest's .sig tag: it signs another manifest.
    const { layers } = await sigManifest(target.repository, target.digest)
    const { bytes } = await client().getManifest(target.repository, target.tagRef.split(':').pop()!)
    const newDigest = sha256Digest(bytes)
    await rewriteSignatures(target.repository, newDigest, layers)
    const copied = await failure(verifyImage({ reference: target.tagRef, publicKey }))
    expect(copied.code).toBe('COSIGN_SIGNATURE_INVALID')
    expect(copied.message).toContain(`signs ${target.digest}`)
  })

  it('catches a changed payload and a changed signature', async () => {
    const target = await pushed('demo/tamper2')
    await signImage({ reference: target.tagRef, key })
    const { layers } = await sigManifest(target.repository, target.digest)

    // A payload with the same shape, uploaded under its own digest, keeping the old signature.
    const forged = simpleSigningPayload({ repository: `${registry.host}/${target.repository}`, manifestDigest: target.digest, annotations: { extra: 'x' } })
    await client().ensureBlob(target.repository, sha256Digest(forged), forged)
    await rewriteSignatures(target.repository, target.digest, [{ ...layers[0], digest: sha256Digest(forged), size: forged.length }])
    expect((await failure(verifyImage({ reference: target.tagRef, publicKey }))).message).toContain('does not verify')

    // The original payload, with one bit of the signature flipped.
    const signature = Buffer.from(layers[0].annotations![SIGNATURE_ANNOTATION], 'base64')
    signature[10] ^= 1
    await rewriteSignatures(target.repository, target.digest, [{ ...layers[0], annotations: { [SIGNATURE_ANNOTATION]: signature.toString('base64') } }])
    expect((await failure(verifyImage({ reference: target.tagRef, publicKey }))).code).toBe('COSIGN_SIGNATURE_INVALID')

    // A descriptor whose size does not match the blob it names is caught too.
    await rewriteSignatures(target.repository, target.digest, [{ ...layers[0], size: layers[0].size + 1 }])
    expect((await failure(verifyImage({ reference: target.tagRef, publicKey }))).code).toBe('COSIGN_SIGNATURE_INVALID')

    // Restored, it verifies again: the checks above failed for the tampering, not the setup.
    await rewriteSignatures(target.repository, target.digest, layers)
    expect((await verifyImage({ reference: target.tagRef, publicKey })).verified).toHaveLength(1)
  })
})
