import { existsSync } from 'node:fs'

import { isWasmctlError, WasmctlError } from '../errors.js'
import { readWasmFile } from '../wasm/read.js'
import type { PullComponentOptions, PullResult } from './pull.js'
import { looksLikeReference, parseReference } from './reference.js'

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
  if (!existsSync(argument) && !looksLikeReference(argument) && meantAsReference(argument)) {
    // Not a file, and a reference that does not parse: say why it does not (a port out of range...).
    try {
      parseReference(argument)
    } catch (error) {
      if (isWasmctlError(error)) throw new WasmctlError(error.code, error.message, { hints: [...error.hints, `if ${argument} is meant as a file: no such file`], cause: error })
      throw error
    }
  }
  if (existsSync(argument) || !looksLikeReference(argument)) return { bytes: readWasmFile(argument), path: argument }
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

/** `host:port/repo[:tag]`-shaped: a slash and a port, tag or digest separator, not a path. */
function meantAsReference(argument: string): boolean {
  const text = argument.trim()
  return !/\.wasm$/i.test(text) && text.includes('/') && /[:@]/.test(text) && !text.startsWith('.') && !text.startsWith('/')
}
