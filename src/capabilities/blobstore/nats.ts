import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'

import type { JetStreamClient } from '@nats-io/jetstream'

import { configInvalid, configValue, reasonOf } from '../errors.js'
import { connectNatsLink, type NatsLink, splitServers } from '../nats.js'
import { type BlobstoreBackend, BlobstoreError, clampRange, type ContainerMetadata, copyByStreaming, type IncomingObject, ListedNames, type ObjectId, type ObjectMetadata, type ObjectNameStream } from './types.js'

/** wasmCloud's blobstore-nats provider defaults. */
export const NATS_BLOBSTORE_DEFAULT_URI = 'nats://0.0.0.0:4222'
/** The provider writes 256 KiB chunks (NATS' own default is 128 KiB). */
const CHUNK_SIZE = 256 * 1024
/** Chunks asked of the server at a time when reading: bounds what a slow reader makes the host hold (2 MiB). */
const READ_BATCH = 8
/** How long a read waits for the next chunks before deciding the object changed under it. */
const READ_WAIT_MS = 5000
/** The provider's default for `max_write_wait` (seconds). */
const DEFAULT_MAX_WRITE_WAIT_S = 30

/*
 * @nats-io/obj is loaded by name at run time. The minimal shapes used here are declared below so
 * the module type-checks whether or not the package is installed.
 */
const OBJ_MODULE = '@nats-io/obj'
interface ObjInfo {
  name: string
  nuid: string
  digest: string
  chunks: number
  options?: { link?: unknown }
  size: number
  mtime: string
  deleted: boolean
  metadata?: Record<string, string>
}
interface ObjStore {
  info(name: string): Promise<ObjInfo | null>
  list(): Promise<ObjInfo[]>
  put(meta: { name: string; description?: string; options?: { max_chunk_size?: number }; metadata?: Record<string, string> }, rs: ReadableStream<Uint8Array>, opts?: { timeout?: number }): Promise<ObjInfo>
  delete(name: string): Promise<unknown>
  status(): Promise<{ streamInfo: { created: string } }>
  destroy(): Promise<boolean>
}
interface Objm {
  create(name: string, opts?: Record<string, unknown>): Promise<ObjStore>
  open(name: string, check?: boolean): Promise<ObjStore>
}

/**
 * wasi:blobstore on NATS JetStream object stores, as wasmCloud's blobstore-nats provider does it:
 * a container is an object store (bucket) of the same name, created with the link config's
 * storage settings (`max_age` seconds, `storage_type` file|memory, `num_replicas`, `compression`);
 * objects are written in 256 KiB chunks with a `created_at` metadata entry (seconds) that
 * object-info reads back. Connection keys: `cluster_uri`, `js_domain`, `client_jwt`/`client_seed`,
 * `tls_ca`/`tls_ca_file`, `max_write_wait` (seconds a write may take).
 */
export class NatsBlobstoreBackend implements BlobstoreBackend {
  readonly kind = 'nats' as const

  private constructor(
    private readonly link: NatsLink,
    private readonly js: JetStreamClient,
    private readonly objm: Objm,
    private readonly storeOptions: Record<string, unknown>,
    private readonly writeTimeoutMs: number,
  ) {}

  static async connect(linkConfig: Record<string, string>): Promise<NatsBlobstoreBackend> {
    const storeOptions = storageOptions(linkConfig)
    const wait = configValue(linkConfig, 'max_write_wait')
    if (wait !== undefined && !/^\d+$/.test(wait)) throw configInvalid('NATS object store: max_write_wait must be a whole number of seconds')
    const link = await connectNatsLink({
      servers: splitServers(configValue(linkConfig, 'cluster_uri'), NATS_BLOBSTORE_DEFAULT_URI),
      backend: 'NATS JetStream object store',
      addressHint: 'cluster_uri (--link wasi:blobstore=nats://HOST:PORT)',
      config: linkConfig,
    })
    try {
      const { jetstream } = await import('@nats-io/jetstream')
      let obj: { Objm: new (js: unknown) => Objm; setSha256Backend?: (backend: 'js' | 'native') => void }
      try {
        obj = (await import(OBJ_MODULE)) as typeof obj
      } catch (error) {
        throw configInvalid(`the NATS object store backend needs the package @nats-io/obj, which is not installed (${reasonOf(error)})`, ['reinstall wasmctl, or use the folder backend (--link wasi:blobstore=file:///PATH)'])
      }
      // The default pure-JS digest takes seconds per 100 MB; node's crypto is the native one.
      obj.setSha256Backend?.('native')
      const domain = configValue(linkConfig, 'js_domain')
      const js = jetstream(link.nc, { timeout: 5000, ...(domain ? { domain } : {}) })
      return new NatsBlobstoreBackend(link, js, new obj.Objm(js), storeOptions, Number(wait ?? DEFAULT_MAX_WRITE_WAIT_S) * 1000)
    } catch (error) {
      await link.close()
      throw error
    }
  }

  describe() {
    return { backend: this.kind, address: this.link.address }
  }

  private async run<T>(subject: string, action: () => Promise<T>): Promise<T> {
    if (!this.link.connected()) throw new BlobstoreError(this.link.unavailable())
    try {
      return await action()
    } catch (error) {
      if (error instanceof BlobstoreError) throw error
      throw new BlobstoreError(`${subject}: ${reasonOf(error)}`, { cause: error })
    }
  }

  /** The object store of a container; an error naming the container when there is none. */
  private async store(container: string): Promise<ObjStore> {
    checkContainerName(container)
    try {
      return await this.objm.open(container)
    } catch (error) {
      if (/not found|no such|stream not found/i.test(reasonOf(error))) throw new BlobstoreError(`container "${container}" does not exist`, { missing: 'container' })
      throw error
    }
  }

  async createContainer(name: string): Promise<void> {
    await this.run(`creating container "${name}"`, async () => {
      checkContainerName(name)
      if (await this.containerExists(name)) return
      await this.objm.create(name, { description: 'NATS Blobstore', ...this.storeOptions })
    })
  }

  async getContainer(name: string): Promise<void> {
    await this.run(`container "${name}"`, () => this.store(name))
  }

  async containerExists(name: string): Promise<boolean> {
    return this.run(`container "${name}"`, async () => {
      try {
        await this.store(name)
        return true
      } catch (error) {
        if (error instanceof BlobstoreError && error.missing === 'container') return false
        throw error
      }
    })
  }

  async deleteContainer(name: string): Promise<void> {
    await this.run(`deleting container "${name}"`, async () => {
      await (await this.store(name)).destroy()
    })
  }

  async containerInfo(name: string): Promise<ContainerMetadata> {
    return this.run(`container "${name}"`, async () => {
      const status = await (await this.store(name)).status()
      return { name, createdAt: secondsOf(status.streamInfo?.created) }
    })
  }

  private async liveInfo(store: ObjStore, container: string, name: string): Promise<ObjInfo> {
    const info = await store.info(name)
    if (!info || info.deleted) throw new BlobstoreError(`object "${name}" in container "${container}" does not exist`, { missing: 'object' })
    return info
  }

  async readObject(container: string, name: string, start: bigint, end: bigint): Promise<IncomingObject> {
    return this.run(`reading object "${name}" in container "${container}"`, async () => {
      const info = await this.liveInfo(await this.store(container), container, name)
      if (info.options?.link) throw new BlobstoreError(`object "${name}" in container "${container}" is a NATS link to another object, which wasi:blobstore cannot read`)
      const range = clampRange(start, end, BigInt(info.size))
      if (!range) return { size: 0n, stream: Readable.from([]) }
      return { size: range.end - range.start + 1n, stream: Readable.from(this.chunks(container, info, range.start, range.end), { objectMode: false, highWaterMark: CHUNK_SIZE }) }
    })
  }

  async writeObject(container: string, name: string, data: AsyncIterable<Uint8Array>): Promise<void> {
    await this.run(`writing object "${name}" in container "${container}"`, async () => {
      checkObjectName(name)
      const store = await this.store(container)
      await store.put(
        { name, description: 'NATS WASI Blobstore Object', options: { max_chunk_size: CHUNK_SIZE }, metadata: { created_at: String(Math.floor(Date.now() / 1000)) } },
        webStreamOf(data),
        { timeout: this.writeTimeoutMs },
      )
    })
  }

  async listObjects(container: string): Promise<ObjectNameStream> {
    return this.run(`listing container "${container}"`, async () => {
      const infos = await (await this.store(container)).list()
      return new ListedNames(infos.filter((info) => !info.deleted).map((info) => info.name).sort())
    })
  }

  async deleteObject(container: string, name: string): Promise<void> {
    await this.run(`deleting object "${name}" in container "${container}"`, async () => {
      const store = await this.store(container)
      const info = await store.info(name)
      if (info && !info.deleted) await store.delete(name)
    })
  }

  async deleteObjects(container: string, names: string[]): Promise<void> {
    for (const name of names) await this.deleteObject(container, name)
  }

  async hasObject(container: string, name: string): Promise<boolean> {
    return this.run(`object "${name}" in container "${container}"`, async () => {
      const info = await (await this.store(container)).info(name)
      return Boolean(info && !info.deleted)
    })
  }

  async objectInfo(container: string, name: string): Promise<ObjectMetadata> {
    return this.run(`object "${name}" in container "${container}"`, async () => {
      const info = await this.liveInfo(await this.store(container), container, name)
      const created = info.metadata?.created_at
      return { name, container, createdAt: created && /^\d+$/.test(created) ? BigInt(created) : secondsOf(info.mtime), size: BigInt(info.size) }
    })
  }

  async clearContainer(container: string): Promise<void> {
    await this.run(`clearing container "${container}"`, async () => {
      const store = await this.store(container)
      for (const info of await store.list()) if (!info.deleted) await store.delete(info.name)
    })
  }

  copyObject(src: ObjectId, dest: ObjectId): Promise<void> {
    return copyByStreaming(this, src, dest)
  }

  async moveObject(src: ObjectId, dest: ObjectId): Promise<void> {
    if (src.container === dest.container && src.object === dest.object) {
      await this.objectInfo(src.container, src.object)
      return
    }
    await this.copyObject(src, dest)
    await this.deleteObject(src.container, src.object)
  }

  /**
   * The object's chunks, `start`..`end` (inclusive), pulled a few at a time from an ordered
   * consumer: unlike @nats-io/obj's get(), which has the server push every chunk at once, a slow
   * reader here makes the host hold at most READ_BATCH chunks. The digest is checked when the whole
   * object was read. Chunks that stop coming (the object was replaced or deleted, and its chunks
   * purged) end the stream with an error instead of a hang.
   */
  private async *chunks(container: string, info: ObjInfo, start: bigint, end: bigint): AsyncGenerator<Uint8Array> {
    const consumer = await this.js.consumers.get(`OBJ_${container}`, { filter_subjects: `$O.${container}.C.${info.nuid}` })
    const hash = createHash('sha256')
    let offset = 0n
    let received = 0
    try {
      while (received < info.chunks) {
        const batch = await consumer.fetch({ max_messages: Math.min(READ_BATCH, info.chunks - received), expires: READ_WAIT_MS })
        let got = 0
        for await (const message of batch) {
          got++
          received++
          const data = message.data
          hash.update(data)
          const chunkStart = offset
          offset += BigInt(data.length)
          if (offset <= start || chunkStart > end) continue
          const from = start > chunkStart ? Number(start - chunkStart) : 0
          const to = end < offset - 1n ? Number(end - chunkStart) + 1 : data.length
          yield from === 0 && to === data.length ? data : data.subarray(from, to)
          if (offset > end && end < BigInt(info.size) - 1n) return // the range is done; no digest for a part
        }
        if (got === 0) throw new BlobstoreError(`object "${info.name}" in container "${container}" changed or was deleted while it was being read`)
      }
      const expected = info.digest.replace(/^SHA-256=/i, '').replace(/=+$/, '')
      if (hash.digest('base64url') !== expected) throw new BlobstoreError(`object "${info.name}" in container "${container}" is corrupt: its SHA-256 digest does not match`)
    } finally {
      await consumer.delete().catch(() => {})
    }
  }

  close() {
    return this.link.close()
  }
}

/** Object store names become stream names (OBJ_<name>): NATS allows letters, digits, `-` and `_`. */
function checkContainerName(name: string): void {
  if (!/^[-\w]+$/.test(name)) throw new BlobstoreError(`invalid container name "${JSON.stringify(name).slice(1, -1)}": a NATS object store name is letters, digits, '-' and '_'`)
}

function checkObjectName(name: string): void {
  if (name.length === 0) throw new BlobstoreError('invalid object name: empty')
}

/** The provider's storage keys as @nats-io/obj options (a bad value is a configuration error, as in the provider). */
export function storageOptions(config: Record<string, string>): Record<string, unknown> {
  const options: Record<string, unknown> = {}
  const maxAge = configValue(config, 'max_age')
  if (maxAge !== undefined) {
    if (!/^\d+$/.test(maxAge)) throw configInvalid('NATS object store: max_age must be a whole number of seconds')
    if (maxAge !== '0') options.ttl = Number(maxAge) * 1_000_000_000
  }
  const storage = configValue(config, 'storage_type')?.toLowerCase()
  if (storage !== undefined) {
    if (storage === 'file' || storage === '0') options.storage = 'file'
    else if (storage === 'memory' || storage === '1') options.storage = 'memory'
    else throw configInvalid('NATS object store: storage_type must be file or memory')
  }
  const replicas = configValue(config, 'num_replicas')
  if (replicas !== undefined) {
    if (!/^[1-5]$/.test(replicas)) throw configInvalid('NATS object store: num_replicas must be 1 to 5')
    options.replicas = Number(replicas)
  }
  const compression = configValue(config, 'compression')?.toLowerCase()
  if (compression !== undefined) {
    if (compression !== 'true' && compression !== 'false') throw configInvalid('NATS object store: compression must be true or false')
    options.compression = compression === 'true'
  }
  return options
}

function secondsOf(time: string | undefined): bigint {
  const ms = time ? Date.parse(time) : NaN
  return Number.isFinite(ms) ? BigInt(Math.floor(ms / 1000)) : 0n
}

/** A pull-based web stream over the chunks: the next chunk is asked for only when NATS wants it. */
function webStreamOf(data: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = data[Symbol.asyncIterator]()
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { value, done } = await iterator.next()
        if (done) controller.close()
        else controller.enqueue(value instanceof Uint8Array ? value : new Uint8Array(value))
      },
      async cancel() {
        await iterator.return?.()
      },
    },
    { highWaterMark: 1 },
  )
}
