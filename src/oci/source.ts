import { readFile } from 'node:fs/promises'

import { fsError } from '../errors.js'
import type { PullComponentOptions, PullResult } from './pull.js'
import { looksLikeReference } from './reference.js'

export interface ComponentSource {
  bytes: Buffer
  /** The file read, or the verified blob in the cache for a reference. */
  path: string
  /** Set when the argument was a registry reference. */
  pulled?: Omit<PullResult, 'bytes'>
}

/**
 * For commands that take "a file or a reference" (`inspect`, `up`): an existing file wins; an
 * argument that is not a file but reads as `registry/repository:tag` or `...@sha256:` is pulled
 * through the blob cache (no output file written). `:latest` is allowed here since nothing is
 * published. Credentials come from the environment and Docker's config, as for `pull`.
 */
export async function loadComponentSource(argument: string, options: Omit<PullComponentOptions, 'reference' | 'output'> = {}): Promise<ComponentSource> {
  try {
    return { bytes: await readFile(argument), path: argument }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !looksLikeReference(argument)) throw fsError(error, 'read', argument)
  }
  // The registry client loads only for a reference: inspecting a local file does not pay for it.
  const { pullComponent } = await import('./pull.js')
  const env = options.env ?? process.env
  const { bytes, ...pulled } = await pullComponent({
    user: env.WASMCTL_REG_USER || env.WASH_REG_USER || undefined,
    password: env.WASMCTL_REG_PASSWORD || env.WASH_REG_PASSWORD || undefined,
    allowLatest: true,
    ...options,
    reference: argument,
  })
  return { bytes, path: pulled.path, pulled }
}
