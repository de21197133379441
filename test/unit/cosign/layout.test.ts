import { generateKeyPairSync, sign } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { parsePublicKey } from '../../../src/cosign/keys.js'
import {
  checkSignature,
  CosignMediaTypes,
  goJson,
  SIGNATURE_ANNOTATION,
  signatureConfig,
  signatureLayer,
  signatureManifest,
  signatureTag,
  simpleSigningPayload,
  sha256Digest,
} from '../../../src/cosign/layout.js'
import { repoRoot } from '../../helpers/cli.js'

const dangerzone = path.join(repoRoot, 'test', 'fixtures', 'cosign', 'dangerzone')
const imageDigest = 'sha256:7396780b5862cf8b37527854a2a2331e5c746b6a71aa1f424258c3bfaf3a1bd7'

describe("cosign's classic layout, byte for byte", () => {
  it('names the signature tag after the manifest digest', () => {
    expect(signatureTag('sha256:d7b96b991245ae81ec246b55bc4c9f8a7eec61e985f2b5109d0d39e1cd7fc1f8')).toBe(
      'sha256-d7b96b991245ae81ec246b55bc4c9f8a7eec61e985f2b5109d0d39e1cd7fc1f8.sig',
    )
  })

  it('writes the simplesigning payload exactly as the reference quotes it (241 bytes) and as cosign signed it (252 bytes)', () => {
    const payload = simpleSigningPayload({
      repository: '127.0.0.1:5000/demo/hello',
      manifestDigest: 'sha256:d7b96b991245ae81ec246b55bc4c9f8a7eec61e985f2b5109d0d39e1cd7fc1f8',
    })
    expect(payload.toString()).toBe(
      '{"critical":{"identity":{"docker-reference":"127.0.0.1:5000/demo/hello"},"image":{"docker-manifest-digest":"sha256:d7b96b991245ae81ec246b55bc4c9f8a7eec61e985f2b5109d0d39e1cd7fc1f8"},"type":"cosign container image signature"},"optional":null}',
    )
    expect(payload).toHaveLength(241)
    const cosignMade = readFileSync(path.join(dangerzone, 'payload.json'))
    expect(simpleSigningPayload({ repository: 'ghcr.io/freedomofpress/dangerzone/v1', manifestDigest: imageDigest })).toEqual(cosignMade)
  })

  it('puts -a annotations in optional with sorted keys and Go escaping', () => {
    const payload = simpleSigningPayload({ repository: 'r/x', manifestDigest: imageDigest, annotations: { z: '1', a: '<b>&' } })
    expect(payload.toString()).toContain('"optional":{"a":"\\u003cb\\u003e\\u0026","z":"1"}}')
    expect(JSON.parse(payload.toString()).optional).toEqual({ a: '<b>&', z: '1' })
    expect(goJson('\u2028')).toBe('"\\u2028"')
  })

  it("gives the 233-byte config cosign pushed for the Dangerzone signature (same digest) and cosign's manifest", () => {
    const cosignManifest = JSON.parse(readFileSync(path.join(dangerzone, 'signature-manifest.json'), 'utf8'))
    const config = signatureConfig([cosignManifest.layers[0].digest])
    expect(config).toHaveLength(233)
    expect(config.toString()).toBe(
      `{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["${cosignManifest.layers[0].digest}"]},"config":{}}`,
    )
    expect(sha256Digest(config)).toBe(cosignManifest.config.digest)
    const payload = readFileSync(path.join(dangerzone, 'payload.json'))
    const layer = signatureLayer(payload, cosignManifest.layers[0].annotations[SIGNATURE_ANNOTATION])
    const { manifest } = signatureManifest([{ ...layer, annotations: cosignManifest.layers[0].annotations }])
    // cosign's own bytes (compacted from crane's output, key order kept) come out of wasmctl's writer unchanged.
    expect(manifest.toString()).toBe(readFileSync(path.join(dangerzone, 'signature-manifest.json'), 'utf8'))
    expect(JSON.parse(manifest.toString())).toMatchObject({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json' },
      layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json' }],
    })
    expect(CosignMediaTypes.simpleSigning).toBe('application/vnd.dev.cosign.simplesigning.v1+json')
  })

  it('lists one history entry and diff_id per signature layer', () => {
    const digests = ['sha256:' + 'a'.repeat(64), 'sha256:' + 'b'.repeat(64)]
    const config = JSON.parse(signatureConfig(digests).toString())
    expect(config.rootfs.diff_ids).toEqual(digests)
    expect(config.history).toHaveLength(2)
    // go-containerregistry's size for two layers, as seen on cosign-signed images.
    expect(signatureConfig(digests)).toHaveLength(342)
  })
})

describe('checking a signature as cosign does', () => {
  const publicKey = parsePublicKey(readFileSync(path.join(dangerzone, 'cosign.pub'), 'utf8'))
  const payload = readFileSync(path.join(dangerzone, 'payload.json'))
  const signature = JSON.parse(readFileSync(path.join(dangerzone, 'signature-manifest.json'), 'utf8')).layers[0].annotations[SIGNATURE_ANNOTATION]

  it('accepts the signature cosign made for the Dangerzone image', () => {
    expect(checkSignature({ payload, signature, publicKey, manifestDigest: imageDigest })).toBeUndefined()
  })

  it('catches another digest, a changed payload, a changed signature, a wrong key and a missing annotation', () => {
    expect(checkSignature({ payload, signature, publicKey, manifestDigest: 'sha256:' + '0'.repeat(64) })).toMatch(/signs sha256:7396.*not this manifest/)
    const tampered = Buffer.from(payload.toString().replace('dangerzone/v1', 'dangerzone/v2'))
    expect(checkSignature({ payload: tampered, signature, publicKey, manifestDigest: imageDigest })).toMatch(/does not verify/)
    const bytes = Buffer.from(signature, 'base64')
    bytes[bytes.length - 1] ^= 1
    expect(checkSignature({ payload, signature: bytes.toString('base64'), publicKey, manifestDigest: imageDigest })).toMatch(/does not verify/)
    expect(checkSignature({ payload, signature: 'not base64!', publicKey, manifestDigest: imageDigest })).toMatch(/not base64/)
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey
    expect(checkSignature({ payload, signature, publicKey: other, manifestDigest: imageDigest })).toMatch(/does not verify/)
    expect(checkSignature({ payload, signature, publicKey, manifestDigest: imageDigest, annotations: { ci: 'yes' } })).toMatch(/annotation ci=yes/)
  })

  it('requires the cosign payload type even when the signature is good', () => {
    const { privateKey, publicKey: key } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    const odd = Buffer.from(payload.toString().replace('cosign container image signature', 'something else'))
    const oddSignature = sign('sha256', odd, privateKey).toString('base64')
    expect(checkSignature({ payload: odd, signature: oddSignature, publicKey: key, manifestDigest: imageDigest })).toMatch(/payload type/)
  })
})
