import { existsSync } from 'node:fs'

import { WasmctlError } from '../errors.js'
import type { LoadedManifest } from './io.js'

/** wash reads a manifest from a file, stdin or a URL within 5 s. */
const LOAD_TIMEOUT_MS = 5000

export type Resolved = { kind: 'manifest'; loaded: LoadedManifest } | { kind: 'name'; name: string }

export async function resolveSource(source: string): Promise<Resolved> {
  const io = await import('./io.js')
  const classified = io.classifySource(source, existsSync)
  switch (classified.kind) {
    case 'stdin':
      return { kind: 'manifest', loaded: await io.readManifestStdin() }
    case 'file':
      return { kind: 'manifest', loaded: await io.readManifestFile(classified.path) }
    case 'url': {
      let text: string
      try {
        const response = await fetch(classified.url, { signal: AbortSignal.timeout(LOAD_TIMEOUT_MS) })
        if (!response.ok) throw new Error(`HTTP ${response.status}`)
        text = await response.text()
      } catch (error) {
        throw new WasmctlError('APP_SOURCE_INVALID', `cannot load manifest from ${classified.url}: ${(error as Error).message}`, { exit: 1, cause: error })
      }
      return { kind: 'manifest', loaded: io.readManifest(text, classified.url) }
    }
    case 'name':
      return { kind: 'name', name: classified.name }
  }
}

/** A name, or the name (and version annotation) of a manifest file. */
export async function nameOf(source: string): Promise<{ name: string; version?: string }> {
  const resolved = await resolveSource(source)
  if (resolved.kind === 'name') return { name: resolved.name }
  const version = resolved.loaded.manifest.metadata.annotations.version
  return { name: resolved.loaded.manifest.metadata.name, ...(version ? { version } : {}) }
}
