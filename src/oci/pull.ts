import path from 'node:path'

import { fsError, WasmctlError } from '../errors.js'
import { writeFileAtomic } from '../files.js'
import { WASM_MAGIC } from '../wasm/binary.js'
import { BlobCache, digestMismatch, digestOf } from './cache.js'
import type { RegistryClient } from './client.js'
import { MediaTypes, WASM_LAYER_TYPES } from './media-types.js'
import { formatReference, isDigest, resolveReference, type OciReference } from './reference.js'
import { connectRegistry, type RegistryAccessOptions } from './registry.js'

export interface PullComponentOptions extends RegistryAccessOptions {
  /** `registry/repository:tag` or `registry/repository@sha256:...` */
  reference: string
  /** Registry for references that do not name one (`--registry`); default docker.io. */
  registry?: string
  /** `--digest`: the manifest digest the pull must resolve to (`sha256:` may be left out). */
  digest?: string
  allowLatest?: boolean
  cacheRoot?: string
  /** Also write the component here (atomically); the cache holds it either way. */
  output?: string
}

export interface PulledDescriptor {
  mediaType: string
  digest: string
  size: number
}

export interface PullResult {
  /** `registry/repository[:tag]@sha256:...` */
  reference: string
  registry: string
  repository: string
  tag?: string
  /** Digest of the manifest. */
  digest: string
  manifestMediaType: string
  layer: PulledDescriptor
  config: PulledDescriptor
  annotations: Record<string, string>
  /** The verified component in the blob cache (read-only: copy it, do not edit it). */
  path: string
  bytes: Buffer
  size: number
  /** True when the layer came from the local cache instead of the registry. */
  cached: boolean
  /** Where the component was written, when `output` was given. */
  output?: string
}

interface Manifest {
  mediaType?: string
  config?: PulledDescriptor
  layers?: PulledDescriptor[]
  manifests?: (PulledDescriptor & { platform?: { architecture?: string; os?: string }; artifactType?: string })[]
  annotations?: Record<string, string>
}

const INDEX_TYPES = new Set<string>([MediaTypes.ociIndex, MediaTypes.dockerManifestList])

/** `--digest` as given by a person: `sha256:` is optional (wash adds it too). */
export function normalizeDigest(value: string): string {
  const text = value.trim().toLowerCase()
  const digest = /^[a-f0-9]{64}$/.test(text) ? `sha256:${text}` : text
  if (!isDigest(digest)) {
    throw new WasmctlError('INPUT_INVALID', `"${value}" is not a digest`, { hints: ['pass --digest sha256:<64 hex characters>'] })
  }
  return digest
}

/** wash's default output name: the last repository segment plus `.wasm`, in the current folder. */
export function defaultPullOutput(reference: string, registry?: string, cwd = process.cwd()): string {
  const ref = resolveReference(reference, registry)
  return path.join(cwd, `${ref.repository.split('/').pop()}.wasm`)
}

/**
 * Fetches a component artifact: manifest (by tag or digest), its single wasm layer, every byte
 * checked against its digest. Blobs and manifests are cached by digest, so pulling a digest a
 * second time needs no network at all. `inspect <ref>` and `up <ref>` use this too.
 */
export async function pullComponent(options: PullComponentOptions): Promise<PullResult> {
  const ref = resolveReference(options.reference, options.registry)
  const expected = options.digest === undefined ? undefined : normalizeDigest(options.digest)
  if (expected && ref.digest && expected !== ref.digest) throw digestMismatch('the reference', expected, ref.digest)
  if (!ref.digest && !expected && (ref.tag ?? 'latest') === 'latest' && !options.allowLatest) {
    throw new WasmctlError('OCI_LATEST_REFUSED', `refusing to pull ${formatReference({ ...ref, tag: 'latest' })}: ${ref.tag ? 'the tag is' : 'no tag given, which means'} "latest"`, {
      hints: ['pull a version tag or a digest (@sha256:...), or pass --allow-latest'],
    })
  }
  const cache = new BlobCache(options.cacheRoot)
  let client: Promise<RegistryClient> | undefined
  const registry = () => (client ??= connectRegistry(ref, options))

  // A tag with --digest is fetched by tag: the point is to check what the tag resolves to now.
  const { manifest, digest, mediaType } = await resolveManifest(ref, ref.digest ?? ref.tag ?? expected ?? 'latest', cache, registry)
  if (expected && digest !== expected) throw digestMismatch(`the manifest of ${formatReference(ref)}`, expected, digest)
  const layer = wasmLayer(manifest, formatReference(ref))

  let bytes = cache.read(layer.digest)
  const cached = bytes !== undefined
  if (bytes) {
    options.onEvent?.({ type: 'blob', action: 'cached', digest: layer.digest, size: layer.size })
  } else {
    const stored = await (await registry()).getBlob(ref.repository, layer.digest, (body) =>
      cache.writeStream(layer.digest, layer.size, body, (received) =>
        options.onEvent?.({ type: 'progress', phase: 'download', digest: layer.digest, bytes: received, total: layer.size }),
      ),
    )
    bytes = stored.bytes
    options.onEvent?.({ type: 'blob', action: 'downloaded', digest: layer.digest, size: layer.size })
  }
  if (bytes.length < 8 || !WASM_MAGIC.every((byte, index) => bytes[index] === byte)) {
    throw new WasmctlError('OCI_UNSUPPORTED_ARTIFACT', `the ${layer.mediaType} layer of ${formatReference(ref)} is not WebAssembly`, {
      hints: ['the artifact was pushed with a wasm media type but holds something else; push the component again'],
    })
  }
  cache.rememberRepository(ref.registry, [layer.digest, ...(manifest.config?.digest ? [manifest.config.digest] : [])], ref.repository)

  let output: string | undefined
  if (options.output) {
    output = path.resolve(options.output)
    try {
      await writeFileAtomic(output, bytes)
    } catch (error) {
      throw fsError(error, 'write', output)
    }
  }
  return {
    reference: `${formatReference({ ...ref, digest: undefined })}@${digest}`,
    registry: ref.registry,
    repository: ref.repository,
    ...(ref.tag ? { tag: ref.tag } : {}),
    digest,
    manifestMediaType: mediaType,
    layer,
    config: manifest.config ?? { mediaType: '', digest: '', size: 0 },
    annotations: manifest.annotations ?? {},
    path: cache.pathOf(layer.digest),
    bytes,
    size: bytes.length,
    cached,
    ...(output ? { output } : {}),
  }
}

/** The image manifest for the reference, following one level of index; from the cache when pinned by digest. */
async function resolveManifest(
  ref: OciReference,
  reference: string,
  cache: BlobCache,
  registry: () => Promise<RegistryClient>,
): Promise<{ manifest: Manifest; digest: string; mediaType: string }> {
  let fetched = await fetchManifest(ref, reference, cache, registry)
  if (INDEX_TYPES.has(fetched.mediaType)) {
    const entries = fetched.manifest.manifests ?? []
    const pick =
      entries.find((entry) => entry.platform?.architecture === 'wasm') ??
      entries.find((entry) => entry.artifactType === MediaTypes.wasmConfig) ??
      (entries.length === 1 ? entries[0] : undefined)
    if (!pick) {
      throw new WasmctlError('OCI_UNSUPPORTED_ARTIFACT', `${formatReference(ref)} is an index without a wasm manifest`, {
        hints: ['pull the digest of the wasm manifest itself (registry/repository@sha256:...)'],
      })
    }
    fetched = await fetchManifest(ref, pick.digest, cache, registry)
  }
  return fetched
}

async function fetchManifest(
  ref: OciReference,
  reference: string,
  cache: BlobCache,
  registry: () => Promise<RegistryClient>,
): Promise<{ manifest: Manifest; digest: string; mediaType: string }> {
  const pinned = isDigest(reference)
  let bytes = pinned ? cache.read(reference) : undefined
  let headerType = ''
  if (!bytes) {
    const response = await (await registry()).getManifest(ref.repository, reference)
    bytes = response.bytes
    headerType = response.mediaType
    const algorithm = pinned ? reference.split(':')[0] : 'sha256'
    const actual = digestOf(bytes, algorithm)
    if (pinned && actual !== reference) throw digestMismatch(`the manifest of ${formatReference(ref)}`, reference, actual)
    if (response.headerDigest && response.headerDigest.startsWith(`${algorithm}:`) && response.headerDigest !== actual) {
      throw digestMismatch(`the manifest of ${formatReference(ref)}`, response.headerDigest, actual)
    }
    cache.write(actual, bytes)
  }
  let manifest: Manifest
  try {
    manifest = JSON.parse(bytes.toString('utf8'))
  } catch {
    throw new WasmctlError('OCI_UNSUPPORTED_ARTIFACT', `the manifest of ${formatReference(ref)} is not JSON`, {
      hints: ['this does not look like an OCI artifact'],
    })
  }
  const digest = pinned ? reference : digestOf(bytes)
  return { manifest, digest, mediaType: manifest.mediaType ?? headerType }
}

/** The one wasm layer of an image manifest; anything else is refused, as wasmCloud's host does. */
function wasmLayer(manifest: Manifest, name: string): PulledDescriptor {
  const layers = manifest.layers ?? []
  const types = layers.map((layer) => layer.mediaType)
  const wasm = layers.filter((layer) => WASM_LAYER_TYPES.includes(layer.mediaType))
  if (wasm.length !== 1 || layers.length !== 1) {
    const found = types.length === 0 ? 'no layers' : `layers of type ${types.join(', ')}`
    throw new WasmctlError('OCI_UNSUPPORTED_ARTIFACT', `${name} is not a wasm component artifact: it has ${found}`, {
      hints: [`wasmctl pulls artifacts with exactly one ${WASM_LAYER_TYPES.join(' or ')} layer; push the component with \`wasmctl push\``],
      details: { layerTypes: types },
    })
  }
  const layer = wasm[0]
  if (typeof layer.digest !== 'string' || !isDigest(layer.digest) || !Number.isSafeInteger(layer.size) || layer.size < 0) {
    throw new WasmctlError('OCI_UNSUPPORTED_ARTIFACT', `the layer descriptor of ${name} is malformed`, {
      hints: ['push the artifact again with a conforming client'],
    })
  }
  return layer
}
