export { readPasswordFrom, resolveCredentials, dockerConfigPath, type ResolveCredentialsOptions, type ResolvedCredentials } from './auth.js'
export { BlobCache, defaultCacheRoot, digestOf } from './cache.js'
export { RegistryClient, type OciEvent, type RegistryClientOptions, type RegistryCredentials } from './client.js'
export { MediaTypes, WASM_LAYER_TYPES } from './media-types.js'
export { defaultPullOutput, normalizeDigest, pullComponent, type PullComponentOptions, type PullResult } from './pull.js'
export { buildConfig, canonicalJson, projectAnnotations, pushComponent, type PushComponentOptions, type PushResult } from './push.js'
export {
  formatReference,
  isLoopbackRegistry,
  looksLikeReference,
  parseReference,
  resolveReference,
  type OciReference,
} from './reference.js'
export { connectRegistry, type RegistryAccessOptions } from './registry.js'
export { loadComponentSource, type ComponentSource } from './source.js'
