import path from 'node:path'

import { configValue } from '../errors.js'
import type { BlobstoreBackend } from './types.js'

export { FolderBlobstoreBackend } from './folder.js'
export { UnsafeNameError } from './confined.js'
export * from './types.js'

/** Where the folder backend keeps containers when the link config names no `root`. */
export const DEFAULT_BLOBSTORE_DIR = path.join('.wasmctl', 'blobstore')

export interface OpenBlobstoreOptions {
  /** The project (or working) directory: the default root is `<dir>/.wasmctl/blobstore`, and a relative `root` is taken from it. */
  baseDir?: string
}

/**
 * The backend a blobstore binding names, ready to use. The folder backend makes its root when
 * missing; the NATS one connects (CAPABILITY_BACKEND_UNREACHABLE when the server is not there) and
 * is imported on demand, with its client.
 */
export async function openBlobstoreBackend(binding: { backend: string; linkConfig: Record<string, string> }, options: OpenBlobstoreOptions = {}): Promise<BlobstoreBackend> {
  const baseDir = options.baseDir ?? process.cwd()
  switch (binding.backend) {
    case 'folder': {
      const { FolderBlobstoreBackend } = await import('./folder.js')
      const root = configValue(binding.linkConfig, 'root')
      return FolderBlobstoreBackend.open(root ? path.resolve(baseDir, root) : path.join(baseDir, DEFAULT_BLOBSTORE_DIR))
    }
    case 'nats': {
      const { NatsBlobstoreBackend } = await import('./nats.js')
      return NatsBlobstoreBackend.connect(binding.linkConfig)
    }
    default:
      throw new Error(`no blobstore backend named ${binding.backend}`)
  }
}
