import { existsSync, statSync } from 'node:fs'
import path from 'node:path'

import { inspectWasm } from '../claims/inspect.js'
import { trustRefusal } from '../claims/policy.js'
import { isWasmctlError, WasmctlError } from '../errors.js'
import { projectArtifacts } from '../project/artifacts.js'
import type { Project } from '../project/schema.js'
import { readWasmFile } from '../wasm/read.js'
import { componentWorld } from '../wasm/world.js'
import { BlobCache, digestOf } from './cache.js'
import { MediaTypes } from './media-types.js'
import { formatReference, resolveReference, type OciReference } from './reference.js'
import { connectRegistry, type RegistryAccessOptions } from './registry.js'

export interface PushComponentOptions extends RegistryAccessOptions {
  /** `registry/repository:tag`; without a registry, the project's `[registry] url` is used (as wash does). */
  reference: string
  /** Registry for references that do not name one (`--registry`); wins over `[registry] url`. */
  registry?: string
  /** The component to push; default: the project's signed build output. */
  file?: string
  project?: Project
  /** Extra manifest annotations (`--annotation k=v`); they win over the project's. */
  annotations?: Record<string, string>
  allowLatest?: boolean
  /** Publish a file whose embedded claims no longer match it (modified after signing, or a forged signature). */
  allowInvalidClaims?: boolean
  /** Config `created`; default SOURCE_DATE_EPOCH, else the file's modification time (see buildConfig). */
  created?: Date
  cacheRoot?: string
}

export interface PushResult {
  /** `registry/repository:tag@sha256:...` */
  reference: string
  registry: string
  repository: string
  tag: string
  /** Digest of the manifest: pull it with `...@<digest>`. */
  digest: string
  file: string
  size: number
  layerDigest: string
  configDigest: string
  mediaType: string
  annotations: Record<string, string>
  /** Blobs (and bytes) actually sent; 0 when the registry already had them. */
  uploaded: { blobs: number; bytes: number }
  mounted: number
  skipped: number
}

/** `org.opencontainers.image.*` annotations from the project file (title and version always; others when the file has them). */
export function projectAnnotations(project: Project | undefined): Record<string, string> {
  if (!project) return {}
  const annotations: Record<string, string> = {
    'org.opencontainers.image.title': project.name,
    'org.opencontainers.image.version': project.version,
  }
  const optional: Record<string, string[]> = {
    description: ['description'],
    licenses: ['license', 'licenses'],
    source: ['source', 'repository'],
    url: ['homepage', 'url'],
    authors: ['authors'],
  }
  for (const [key, names] of Object.entries(optional)) {
    for (const name of names) {
      const value = project.raw[name]
      const text = Array.isArray(value) ? value.filter((item) => typeof item === 'string').join(', ') : value
      if (typeof text === 'string' && text.trim() !== '') {
        annotations[`org.opencontainers.image.${key}`] = text.trim()
        break
      }
    }
  }
  return annotations
}

/** JSON with sorted keys and no whitespace, as wash (oci-client) sends manifests. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined)
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/**
 * The `application/vnd.wasm.config.v0+json` blob, byte for byte in wash's field order. `created`
 * defaults to the file's modification time rather than "now", so pushing the same build twice
 * yields the same config and manifest digests and uploads nothing the second time.
 */
export function buildConfig(layerDigest: string, world: { imports: string[]; exports: string[] }, created: Date): Uint8Array {
  const config = {
    created: created.toISOString(),
    author: null,
    architecture: 'wasm',
    os: 'wasip2',
    layerDigests: [layerDigest],
    component: { exports: world.exports, imports: world.imports, target: null },
  }
  return Buffer.from(JSON.stringify(config))
}

function defaultCreated(file: string): Date {
  const epoch = Number(process.env.SOURCE_DATE_EPOCH)
  if (process.env.SOURCE_DATE_EPOCH && Number.isFinite(epoch)) return new Date(epoch * 1000)
  return statSync(file).mtime
}

/**
 * A signed file that no longer matches its claims would be refused by every host that pulls it:
 * refuse to publish it (unless told to), rather than find out at deploy time. Expiry is only a
 * warning: the claims were right when made.
 */
function checkClaims(bytes: Uint8Array, file: string, options: PushComponentOptions): void {
  const force = 'to publish it anyway, pass --allow-invalid-claims'
  let inspection
  try {
    inspection = inspectWasm(bytes)
  } catch (error) {
    if (isWasmctlError(error) && error.code.startsWith('CLAIMS_')) {
      throw new WasmctlError(error.code, `refusing to push ${file}: ${error.message}`, { hints: [...error.hints, force], cause: error, details: error.details })
    }
    throw error
  }
  if (!inspection.signed) return
  const refusal = trustRefusal(inspection)
  if (refusal && (refusal.code === 'CLAIMS_HASH_MISMATCH' || refusal.code === 'CLAIMS_SIGNATURE_INVALID')) {
    throw new WasmctlError(refusal.code, `refusing to push ${file}: ${refusal.message}`, { hints: [...refusal.hints, force], details: refusal.details })
  }
  if (refusal) options.onEvent?.({ type: 'warning', message: `pushing ${file} anyway: ${refusal.message}` })
}

function resolvePushReference(options: PushComponentOptions): OciReference & { tag: string } {
  const ref = resolveReference(options.reference, options.registry ?? options.project?.registry.url)
  if (ref.digest) {
    throw new WasmctlError('OCI_REFERENCE_INVALID', `push needs a tag, not a digest: ${options.reference}`, {
      hints: ['push to registry/repository:tag; the digest is computed from the content and printed afterwards'],
    })
  }
  const tag = ref.tag ?? 'latest'
  if (tag === 'latest' && !options.allowLatest) {
    throw new WasmctlError('OCI_LATEST_REFUSED', `refusing to push ${formatReference({ ...ref, tag })}: ${ref.tag ? 'the tag is' : 'no tag given, which means'} "latest"`, {
      hints: ['push a version tag such as :0.1.0, or pass --allow-latest'],
    })
  }
  return { ...ref, tag }
}

export async function pushComponent(options: PushComponentOptions): Promise<PushResult> {
  const ref = resolvePushReference(options)
  const file = path.resolve(options.file ?? defaultPushFile(options.project))
  if (!options.file && !existsSync(file)) {
    throw new WasmctlError('BUILD_ARTIFACT_MISSING', `the project's signed component ${file} does not exist`, {
      hints: ['run `wasmctl build` first, or name the file: wasmctl push <ref> <file.wasm>'],
    })
  }
  const bytes = readWasmFile(file)
  const world = componentWorld(bytes)
  if (!options.allowInvalidClaims) checkClaims(bytes, file, options)
  const layerDigest = digestOf(bytes)
  const config = buildConfig(layerDigest, world, options.created ?? defaultCreated(file))
  const configDigest = digestOf(config)
  // Project metadata describes the project's own build, not any file pushed from inside it.
  const artifacts = options.project ? projectArtifacts(options.project) : undefined
  const isProjectBuild = artifacts !== undefined && (file === artifacts.signed || file === artifacts.unsigned)
  const annotations = { ...(isProjectBuild ? projectAnnotations(options.project) : {}), ...options.annotations }
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.wasmConfig, digest: configDigest, size: config.length },
    layers: [
      {
        mediaType: MediaTypes.wasmLayer,
        digest: layerDigest,
        size: bytes.length,
        annotations: { 'org.opencontainers.image.title': path.basename(file) },
      },
    ],
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  }
  const manifestBytes = Buffer.from(canonicalJson(manifest))
  const digest = digestOf(manifestBytes)

  const client = await connectRegistry(ref, {
    ...options,
    insecure: options.insecure ?? (options.project?.registry.pushInsecure || undefined),
    projectCredentialsFile: options.projectCredentialsFile ?? options.project?.registry.credentials,
  })
  const cache = new BlobCache(options.cacheRoot)
  // Kept locally too, so a later pull (or `up`) of this digest needs no download; overlaps the upload.
  const cached = Promise.all([cache.writeTrusted(layerDigest, bytes), cache.writeTrusted(configDigest, config)])
  cached.catch(() => {})
  const uploaded = { blobs: 0, bytes: 0 }
  let mounted = 0
  let skipped = 0
  await Promise.all(
    ([[layerDigest, bytes], [configDigest, config]] as const).map(async ([blobDigest, blob]) => {
      const outcome = await client.ensureBlob(ref.repository, blobDigest, blob, cache.knownRepository(ref.registry, blobDigest))
      if (outcome === 'uploaded') {
        uploaded.blobs++
        uploaded.bytes += blob.length
      } else if (outcome === 'mounted') mounted++
      else skipped++
    }),
  )
  const reported = await client.putManifest(ref.repository, ref.tag, manifestBytes, MediaTypes.ociManifest)
  if (reported && reported !== digest) {
    throw new WasmctlError('OCI_REGISTRY_ERROR', `the registry stored the manifest under ${reported}, not ${digest}`, {
      hints: ['the registry rewrote the manifest; pull by tag instead of digest'],
    })
  }
  cache.rememberRepository(ref.registry, [layerDigest, configDigest], ref.repository)
  await cached
  await cache.writeTrusted(digest, manifestBytes)
  return {
    reference: `${formatReference(ref)}@${digest}`,
    registry: ref.registry,
    repository: ref.repository,
    tag: ref.tag,
    digest,
    file,
    size: bytes.length,
    layerDigest,
    configDigest,
    mediaType: MediaTypes.ociManifest,
    annotations,
    uploaded,
    mounted,
    skipped,
  }
}

function defaultPushFile(project: Project | undefined): string {
  if (!project) {
    throw new WasmctlError('INPUT_REQUIRED', 'no component file given and no wasmcloud.toml found', {
      hints: ['name the file: wasmctl push <ref> <file.wasm>, or run inside a project after `wasmctl build`'],
      details: { flag: 'file' },
    })
  }
  return projectArtifacts(project).signed
}
