import { existsSync } from 'node:fs'

import { isWasmctlError, WasmctlError } from '../errors.js'
import { looksLikeReference } from '../oci/reference.js'
import { readPublicKeyFile } from './keys.js'
import { type CosignTarget, verifyImage } from './registry.js'

/**
 * `pull --verify-key` / `up --verify-key`: the image must carry a signature that verifies with the
 * key before anything is fetched. Returns the verified manifest digest; the caller then pulls that
 * digest, so a tag moved between the check and the pull cannot slip another manifest in.
 */
export async function requireVerifiedImage(target: CosignTarget & { keyFile: string }): Promise<{ digest: string; reference: string }> {
  if (!looksLikeReference(target.reference)) {
    throw new WasmctlError('USAGE', `--verify-key checks signatures in a registry, and "${target.reference}" is not an OCI reference`, {
      hints: ['pass registry/repository:tag (or @sha256:<digest>), or leave out --verify-key for a local file'],
    })
  }
  const publicKey = readPublicKeyFile(target.keyFile)
  const result = await verifyImage({ ...target, publicKey })
  return { digest: result.digest, reference: result.reference }
}

/**
 * Whether `up` pulls this component from a registry: the rule `loadComponentSource` applies (an
 * existing file wins), so what is verified is exactly what would otherwise be pulled.
 */
export function isRegistryImage(input: string): boolean {
  return !existsSync(input) && looksLikeReference(input)
}

export interface ImageToVerify {
  /** The component's name in a manifest, for messages; a reference named on the command line needs none. */
  component?: string
  reference: string
}

export type VerifiedImage<T extends ImageToVerify = ImageToVerify> = T & {
  digest: string
  /** `registry/repository@sha256:…`: what must run instead of `reference`. */
  verifiedReference: string
}

/**
 * `up --verify-key` (a manifest, or several components): every image verifies with the key, or nothing runs. All are checked
 * at once; the first failure in the given order is reported (the same code and hints as
 * `requireVerifiedImage`), naming the component. The key is read once, before any request.
 */
export async function requireVerifiedImages<T extends ImageToVerify>(images: T[], access: Omit<CosignTarget, 'reference'> & { keyFile: string }): Promise<VerifiedImage<T>[]> {
  const publicKey = readPublicKeyFile(access.keyFile)
  const { keyFile: _keyFile, ...target } = access
  const settled = await Promise.allSettled(images.map((image) => verifyImage({ ...target, reference: image.reference, publicKey })))
  return settled.map((outcome, index) => {
    const image = images[index]
    if (outcome.status === 'fulfilled') return { ...image, digest: outcome.value.digest, verifiedReference: outcome.value.reference }
    const error: unknown = outcome.reason
    if (!isWasmctlError(error) || image.component === undefined) throw error
    throw new WasmctlError(error.code, `component ${image.component} (${image.reference}): ${error.message}`, {
      hints: error.hints,
      details: { component: image.component, ...error.details },
      exit: error.exit,
      cause: error,
    })
  })
}
