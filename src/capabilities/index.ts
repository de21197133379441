import { type Binding, describeBinding, type ResolvedBindings } from './binding.js'
import { type BlobstoreBackend, openBlobstoreBackend, type OpenBlobstoreOptions } from './blobstore/index.js'
import { type CasSnapshot, KeyValueError, type KeyPage, type KeyValueBackend, openKeyValueBackend, type OpenKeyValueOptions } from './keyvalue/index.js'
import { type MessagingBackend, openMessagingBackend } from './messaging/index.js'
import { type SecretSpec, SecretStore } from './secrets/index.js'
import { unversioned } from '../wasm/world.js'

export * from './binding.js'
export { handleKeyValueCall, KeyValueError, type KeyValueBackend, openKeyValueBackend } from './keyvalue/index.js'
export { type BrokerMessage, type MessageHandler, type MessagingBackend, MessagingError, openMessagingBackend } from './messaging/index.js'
export { redactConfig, redactUrl } from './redact.js'
export {
  type BlobstoreBackend,
  BlobstoreError,
  DEFAULT_BLOBSTORE_DIR,
  type IncomingObject,
  type ObjectNameStream,
  openBlobstoreBackend,
} from './blobstore/index.js'
export {
  parseSecretFlag,
  resolveSecretSpecs,
  SecretHandle,
  SecretsError,
  type SecretSpec,
  SecretStore,
  type SecretValue,
} from './secrets/index.js'

/**
 * Everything a running component is bound to, connected: what the host holds between start-up and
 * shutdown. Open it before the server listens (an unreachable backend is a start-up error), call
 * `close()` on the way out.
 */
export interface OpenCapabilities {
  /** The component's key-value backend (every wasi:keyvalue bucket goes through it); undefined if it imports none. */
  keyvalue?: KeyValueBackend
  /** The component's wasi:blobstore backend; undefined if it imports none. */
  blobstore?: BlobstoreBackend
  /** wasmcloud:secrets values (empty when none are declared); print only its describe(). */
  secrets: SecretStore
  /** For wasmcloud:messaging/consumer imports. */
  consumer?: MessagingBackend
  /** For the wasmcloud:messaging/handler export: call `subscribe` once the component can take messages. */
  handler?: MessagingBackend
  /**
   * Backends of links named other than 'default' (a second key-value store `cache`, ...), which a
   * component selects with wasmcloud:bus/lattice set-link-name.
   */
  named: { keyvalue: Map<string, KeyValueBackend>; blobstore: Map<string, BlobstoreBackend>; consumer: Map<string, MessagingBackend> }
  /** The component's imports (unversioned) that have named links, with those names. */
  linkNames: Record<string, string[]>
  /** One line per binding for start-up output and `--json` events (credentials masked). */
  describe(): ReturnType<typeof describeBinding>[]
  close(): Promise<void>
}

export interface OpenCapabilitiesOptions extends OpenKeyValueOptions, OpenBlobstoreOptions {
  /** Declared secrets (resolveSecretSpecs): read now, so a missing one stops start-up. */
  secrets?: SecretSpec[]
  env?: Record<string, string | undefined>
}

export async function openCapabilities(resolved: ResolvedBindings, options: OpenCapabilitiesOptions = {}): Promise<OpenCapabilities> {
  const secrets = SecretStore.load(options.secrets ?? [], { env: options.env, baseDir: options.baseDir })
  const opened: { binding: Binding; backend: KeyValueBackend | MessagingBackend | BlobstoreBackend }[] = []
  const closeAll = () => Promise.all(opened.map(({ backend }) => backend.close().catch(() => {}))).then(() => {})
  try {
    for (const binding of resolved.bindings) {
      const backend =
        binding.capability === 'keyvalue'
          ? await openKeyValueBackend(binding, options)
          : binding.capability === 'blobstore'
            ? await openBlobstoreBackend(binding, options)
            : await openMessagingBackend(binding)
      opened.push({ binding, backend })
    }
  } catch (error) {
    await closeAll()
    throw error
  }
  const keyvalue = opened.filter(({ binding }) => binding.capability === 'keyvalue') as { binding: Binding; backend: KeyValueBackend }[]
  const first = (capability: Binding['capability']) => opened.find(({ binding }) => binding.capability === capability)?.backend as MessagingBackend | undefined
  const namedLinks = opened.filter(({ binding }) => binding.linkName !== 'default')
  const named = <T>(capability: Binding['capability']) => new Map(namedLinks.filter(({ binding }) => binding.capability === capability).map(({ binding, backend }) => [binding.linkName, backend as T]))
  const linkNames: Record<string, string[]> = {}
  for (const { binding } of namedLinks) {
    for (const iface of binding.interfaces) {
      const names = (linkNames[unversioned(iface)] ??= [])
      if (!names.includes(binding.linkName)) names.push(binding.linkName)
    }
  }
  return {
    named: { keyvalue: named<KeyValueBackend>('keyvalue'), blobstore: named<BlobstoreBackend>('blobstore'), consumer: named<MessagingBackend>('messaging-consumer') },
    linkNames,
    // One blobstore link: wasi:blobstore has no identifier to route several by (the default link wins).
    blobstore: (opened.find(({ binding }) => binding.capability === 'blobstore' && binding.linkName === 'default') ?? opened.find(({ binding }) => binding.capability === 'blobstore'))?.backend as
      | BlobstoreBackend
      | undefined,
    secrets,
    keyvalue: keyvalue.length === 0 ? undefined : keyvalue.length === 1 ? keyvalue[0].backend : new KeyValueRouter(keyvalue),
    consumer: first('messaging-consumer'),
    handler: first('messaging-handler'),
    describe: () => resolved.bindings.map(describeBinding),
    close: closeAll,
  }
}

/**
 * Several key-value links (wash overrides with different `link_name`s): a bucket identifier equal
 * to a link name goes to that link, any other to the `default` link, as wasmCloud routes them.
 */
class KeyValueRouter implements KeyValueBackend {
  readonly kind
  private readonly byName: Map<string, KeyValueBackend>
  private readonly fallback?: KeyValueBackend

  constructor(links: { binding: Binding; backend: KeyValueBackend }[]) {
    this.byName = new Map(links.map(({ binding, backend }) => [binding.linkName, backend]))
    this.fallback = this.byName.get('default')
    this.kind = (this.fallback ?? links[0].backend).kind
  }

  private route(bucket: string): KeyValueBackend {
    const backend = this.byName.get(bucket) ?? this.fallback
    if (!backend) throw new KeyValueError({ tag: 'no-such-store' })
    return backend
  }

  describe() {
    return (this.fallback ?? [...this.byName.values()][0]).describe()
  }

  open(bucket: string) {
    return this.route(bucket).open(bucket)
  }
  get(bucket: string, key: string) {
    return this.route(bucket).get(bucket, key)
  }
  set(bucket: string, key: string, value: Uint8Array) {
    return this.route(bucket).set(bucket, key, value)
  }
  delete(bucket: string, key: string) {
    return this.route(bucket).delete(bucket, key)
  }
  exists(bucket: string, key: string) {
    return this.route(bucket).exists(bucket, key)
  }
  listKeys(bucket: string, cursor?: bigint): Promise<KeyPage> {
    return this.route(bucket).listKeys(bucket, cursor)
  }
  increment(bucket: string, key: string, delta: bigint) {
    return this.route(bucket).increment(bucket, key, delta)
  }
  casNew(bucket: string, key: string) {
    return this.route(bucket).casNew(bucket, key)
  }
  swap(bucket: string, key: string, expected: CasSnapshot, value: Uint8Array) {
    return this.route(bucket).swap(bucket, key, expected, value)
  }
  getMany(bucket: string, keys: string[]) {
    return this.route(bucket).getMany(bucket, keys)
  }
  setMany(bucket: string, entries: [string, Uint8Array][]) {
    return this.route(bucket).setMany(bucket, entries)
  }
  deleteMany(bucket: string, keys: string[]) {
    return this.route(bucket).deleteMany(bucket, keys)
  }
  async close() {
    await Promise.all([...this.byName.values()].map((backend) => backend.close()))
  }
}
