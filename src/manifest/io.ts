import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

import { parseDocument, stringify } from 'yaml'

import { fsError, WasmctlError } from '../errors.js'
import { type Manifest, MANIFEST_NAME_PATTERN, parseManifestValue } from './model.js'
import { toReport, validateManifest, type ValidationReport } from './validate.js'

/** Manifests are small; anything larger is not one (wash reads with a 5 s limit for the same reason). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024

/** YAML is a superset of JSON, so one reader serves both (as wash's serde_yaml does). */
export function parseManifestText(text: string, where = 'manifest'): unknown {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false })
  if (document.errors.length > 0) {
    throw new WasmctlError('APP_MANIFEST_INVALID', `Unable to parse manifest ${where}: ${document.errors[0].message.split('\n')[0]}`, {
      hints: ['fix the YAML syntax at that line and column'],
    })
  }
  return document.toJS({ maxAliasCount: 100 })
}

export interface LoadedManifest {
  manifest: Manifest
  /** The document as read (for wadm's raw-YAML checks and for sending what the user wrote). */
  raw: Record<string, unknown>
  file?: string
}

/** Reads a manifest as wadm would; a document wadm cannot deserialize is APP_MANIFEST_INVALID. */
export function readManifest(text: string, where = 'manifest', file?: string): LoadedManifest {
  const raw = parseManifestText(text, where)
  // Say what the file is before a field-by-field message about a document that is not a mapping at all.
  if (raw === null || raw === undefined || typeof raw !== 'object' || Array.isArray(raw)) {
    const what = raw === null || raw === undefined ? 'is empty' : Array.isArray(raw) ? 'is a list, not a mapping' : `is a ${typeof raw}, not a mapping`
    throw new WasmctlError('APP_MANIFEST_INVALID', `Unable to parse manifest ${where}: the document ${what}`, {
      hints: ['a wadm manifest is a mapping with apiVersion, kind, metadata and spec: see `wasmctl app manifest`'],
    })
  }
  const parsed = parseManifestValue(raw)
  if (!parsed.ok) {
    throw new WasmctlError('APP_MANIFEST_INVALID', `Unable to parse manifest ${where}: ${parsed.message}`, {
      hints: ['compare with `wasmctl app manifest` output or wadm\'s schema (apiVersion, kind, metadata.name, metadata.annotations, spec.components)'],
    })
  }
  return { manifest: parsed.manifest, raw: raw as Record<string, unknown>, file }
}

export async function readManifestFile(file: string): Promise<LoadedManifest> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw fsError(error, 'read manifest', file)
  }
  if (Buffer.byteLength(text) > MAX_MANIFEST_BYTES) throw new WasmctlError('FS_FILE_TOO_LARGE', `${file} is larger than ${MAX_MANIFEST_BYTES} bytes; it is not a manifest`)
  return readManifest(text, file, path.resolve(file))
}

export async function readManifestStdin(stream: NodeJS.ReadableStream = process.stdin): Promise<LoadedManifest> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string)
    size += buffer.length
    if (size > MAX_MANIFEST_BYTES) throw new WasmctlError('FS_FILE_TOO_LARGE', `stdin holds more than ${MAX_MANIFEST_BYTES} bytes; it is not a manifest`)
    chunks.push(buffer)
  }
  return readManifest(Buffer.concat(chunks).toString('utf8'), '(stdin)')
}

export function validateLoaded(loaded: LoadedManifest): ValidationReport {
  return toReport(validateManifest(loaded.manifest, loaded.raw))
}

/** What `app deploy SRC` names, in wash's order: stdin, a manifest file, a URL, else a model name. */
export type ManifestSource = { kind: 'stdin' } | { kind: 'file'; path: string } | { kind: 'url'; url: string } | { kind: 'name'; name: string }

export function classifySource(source: string, exists: (file: string) => boolean): ManifestSource {
  if (source === '-') return { kind: 'stdin' }
  if (/\.(ya?ml|json)$/i.test(source) && exists(source)) return { kind: 'file', path: source }
  if (/^https?:\/\//i.test(source)) return { kind: 'url', url: source }
  if (MANIFEST_NAME_PATTERN.test(source)) return { kind: 'name', name: source }
  if (/\.(ya?ml|json)$/i.test(source)) {
    throw new WasmctlError('FS_ERROR', `cannot read manifest ${source}: no such file or directory`, { hints: ['check the path'] })
  }
  throw new WasmctlError('APP_SOURCE_INVALID', `"${source}" is neither a manifest file (.yaml, .yml, .json), a URL, "-" (stdin) nor an application name`, {
    hints: ['application names contain only letters, digits, "-" and "_"'],
  })
}

/**
 * Relative `file://` images become absolute `file:///…` URLs resolved against the manifest's
 * folder, as wash does before sending (a host elsewhere cannot know the user's working folder).
 */
export function absolutizeFileImages<T>(raw: T, baseDir: string): T {
  const copy = structuredClone(raw) as { spec?: { components?: { properties?: { image?: unknown } }[] } }
  for (const component of copy.spec?.components ?? []) {
    const image = component?.properties?.image
    if (typeof image !== 'string' || !image.startsWith('file://')) continue
    const rest = image.slice('file://'.length)
    if (rest.startsWith('/')) continue
    component.properties!.image = pathToFileURL(path.resolve(baseDir, rest)).href
  }
  return copy as T
}

/** The body wadm receives: compact JSON of the document (wash re-serializes; wadm reads it semantically). */
export function manifestToJson(raw: unknown): string {
  return JSON.stringify(raw)
}

export function manifestToYaml(raw: unknown): string {
  return stringify(raw, { lineWidth: 0, aliasDuplicateObjects: false })
}
