/**
 * wasmCloud's capability providers for the interfaces a component's world names, with the
 * images `wash dev` 0.43 deploys (`crates/wash/src/cli/cmd/dev/mod.rs`) and the link config keys
 * each provider reads (reference §6). keyvalue-redis is the image wasmCloud's own
 * http-keyvalue-counter example deploys.
 */
export const PROVIDER_IMAGES = {
  httpServer: 'ghcr.io/wasmcloud/http-server:0.24.0',
  httpClient: 'ghcr.io/wasmcloud/http-client:0.12.1',
  keyvalueNats: 'ghcr.io/wasmcloud/keyvalue-nats:0.3.1',
  keyvalueRedis: 'ghcr.io/wasmcloud/keyvalue-redis:0.29.0',
  blobstoreFs: 'ghcr.io/wasmcloud/blobstore-fs:0.10.1',
  messagingNats: 'ghcr.io/wasmcloud/messaging-nats:0.23.1',
} as const

export type ProviderKind = 'http-server' | 'http-client' | 'keyvalue-nats' | 'keyvalue-redis' | 'blobstore-fs' | 'messaging-nats'

export interface ProviderSpec {
  kind: ProviderKind
  /** The component name in the manifest. */
  name: string
  image: string
  /** Link config the provider reads, with wash dev's defaults. */
  defaultConfig: Record<string, string>
}

export const PROVIDERS: Record<ProviderKind, Omit<ProviderSpec, 'kind'>> = {
  'http-server': { name: 'httpserver', image: PROVIDER_IMAGES.httpServer, defaultConfig: { address: '0.0.0.0:8000' } },
  'http-client': { name: 'httpclient', image: PROVIDER_IMAGES.httpClient, defaultConfig: {} },
  'keyvalue-nats': { name: 'kvnats', image: PROVIDER_IMAGES.keyvalueNats, defaultConfig: { bucket: 'wasmcloud', enable_bucket_auto_create: 'true' } },
  'keyvalue-redis': { name: 'kvredis', image: PROVIDER_IMAGES.keyvalueRedis, defaultConfig: { url: 'redis://127.0.0.1:6379' } },
  'blobstore-fs': { name: 'blobstore', image: PROVIDER_IMAGES.blobstoreFs, defaultConfig: { root: '/tmp' } },
  'messaging-nats': { name: 'messaging', image: PROVIDER_IMAGES.messagingNats, defaultConfig: { subscriptions: 'wasmcloud.dev' } },
}

/** The repository's last path segment of an image reference (`ghcr.io/wasmcloud/keyvalue-redis:0.28.1` → `keyvalue-redis`), any registry, tag or digest. */
export function imageRepositoryName(image: string): string {
  const repository = image.replace(/^oci:\/\//, '').split('@')[0].replace(/:[^/:]*$/, '')
  return repository.split('/').pop() ?? ''
}

/** Which provider an `image_ref` names (by repository, any registry or tag), so its config keys apply. */
export function providerKindOfImage(image: string): ProviderKind | undefined {
  const repository = imageRepositoryName(image)
  return Object.hasOwn(PROVIDERS, repository) ? (repository as ProviderKind) : undefined
}

/** Interfaces the host provides itself: no provider, no link (wash dev's ignore list, deps.rs L49-62). */
export function isHostProvided(namespace: string, pkg: string, iface: string): boolean {
  if (namespace === 'wasi') {
    if (['cli', 'clocks', 'filesystem', 'io', 'logging', 'random', 'sockets', 'config'].includes(pkg)) return true
    if (pkg === 'http' && iface === 'types') return true
    if (pkg === 'blobstore' && (iface === 'container' || iface === 'types')) return true
  }
  if (namespace === 'wasmcloud' && pkg === 'messaging' && iface === 'types') return true
  return false
}

/** `wasi:keyvalue/store@0.2.0-draft` → parts; undefined for plain function names. */
export function parseInterfaceName(name: string): { namespace: string; package: string; interface: string; version?: string } | undefined {
  const match = /^([a-z][-a-z0-9]*):([a-z][-a-z0-9]*)\/([a-z][-a-z0-9]*)(?:@(.+))?$/.exec(name)
  if (!match) return undefined
  return { namespace: match[1], package: match[2], interface: match[3], ...(match[4] ? { version: match[4] } : {}) }
}

/**
 * wasmCloud providers (and the versions they serve) for interfaces the embedded host cannot give
 * a component, so the load error can say what would supply the import on a wasmCloud host.
 * From the provider crates in wasmCloud/wasmCloud (crates/provider-*, their wit/ worlds).
 */
const WASMCLOUD_PROVIDERS: Record<string, { providers: string; versions?: string }> = {
  'wasi:keyvalue': { providers: 'keyvalue-redis, keyvalue-nats or keyvalue-vault', versions: '0.2.0-draft and 0.2.0-draft2' },
  'wasi:blobstore': { providers: 'blobstore-fs, blobstore-s3, blobstore-azure or blobstore-nats', versions: '0.2.0-draft' },
  'wasmcloud:messaging': { providers: 'messaging-nats or messaging-kafka', versions: '0.2.0' },
  'wasmcloud:postgres': { providers: 'sqldb-postgres (ghcr.io/wasmcloud/sqldb-postgres)' },
  'wasi:http': { providers: 'http-server (incoming) and http-client (outgoing), both served by the embedded host', versions: '0.2.x' },
  'wasi:config': { providers: 'the host itself', versions: '0.2.0-draft (runtime) and 0.2.0-rc.1 (store)' },
  'wasi:logging': { providers: 'the host itself', versions: '0.1.0-draft' },
  'wasmcloud:secrets': { providers: 'the host itself, from a secrets backend', versions: '0.1.0-draft' },
}

/** One line per unprovided import saying what would supply it. */
export function unprovidedImportHint(name: string): string {
  const parsed = parseInterfaceName(name)
  if (!parsed) return `${name}: a plain function import; only interfaces can be provided or linked`
  const known = WASMCLOUD_PROVIDERS[`${parsed.namespace}:${parsed.package}`]
  if (known?.versions) return `${name}: wasmCloud's ${known.providers} ${known.providers.startsWith('the host') ? 'provides' : 'provide'} version ${known.versions}, as the embedded host does: rebuild against that version`
  if (known) return `${name}: on wasmCloud, the ${known.providers} provider supplies it; the embedded host has no backend for it yet`
  return `${name}: no wasmCloud provider offers it; another component must export it: \`wasmctl up app.wasm other.wasm\`, or a link trait to that component in a wadm manifest`
}
