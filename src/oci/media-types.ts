/**
 * Media types of the CNCF wasm OCI artifact (TAG runtime "wasm-oci-artifact") and the ones older
 * wasmCloud tools wrote, which pull still accepts.
 */
export const MediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  wasmConfig: 'application/vnd.wasm.config.v0+json',
  wasmLayer: 'application/wasm',
  /** wash-lib before 0.22 pushed components with this layer type. */
  legacyWasmLayer: 'application/vnd.module.wasm.content.layer.v1+wasm',
  legacyActorConfig: 'application/vnd.wasmcloud.actor.archive.config',
} as const

/** Layer types pull turns into a .wasm file. */
export const WASM_LAYER_TYPES: readonly string[] = [MediaTypes.wasmLayer, MediaTypes.legacyWasmLayer]

/**
 * The Accept header of a manifest GET. The distribution registry answers 404 for an OCI manifest
 * unless its type is listed here (`*\/*` is not enough), so every type is named explicitly.
 */
export const MANIFEST_ACCEPT = [
  MediaTypes.ociManifest,
  MediaTypes.ociIndex,
  MediaTypes.dockerManifest,
  MediaTypes.dockerManifestList,
].join(', ')
