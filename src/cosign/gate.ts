import { WasmctlError } from '../errors.js'
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
