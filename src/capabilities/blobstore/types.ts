import type { Readable } from 'node:stream'

/**
 * One interface for every wasi:blobstore@0.2.0-draft backend (`blobstore`, `container`, `types`).
 * The host turns each guest call into one of these methods; backends never know the host.
 *
 * Object data moves as streams in both directions (a write takes an async iterable of chunks, a
 * read gives a Node Readable), so an object of any size passes through without being held in
 * memory. Failures a guest should see are thrown as BlobstoreError, whose message is the WIT
 * `error` (a string). Anything else thrown is a bug.
 */
export class BlobstoreError extends Error {
  /** Set when the failure is that the container or object is not there. */
  readonly missing?: 'container' | 'object'

  constructor(message: string, options?: { cause?: unknown; missing?: 'container' | 'object' }) {
    super(message, options)
    this.name = 'BlobstoreError'
    if (options?.missing) this.missing = options.missing
  }

  /** The value a guest receives as the `err` of `result<_, error>`. */
  toWit(): string {
    return this.message
  }
}

/** `types.container-metadata`; `createdAt` is seconds since the Unix epoch (as wasmCloud's providers give it). */
export interface ContainerMetadata {
  name: string
  createdAt: bigint
}

/** `types.object-metadata`. */
export interface ObjectMetadata {
  name: string
  container: string
  createdAt: bigint
  size: bigint
}

/** `types.object-id`. */
export interface ObjectId {
  container: string
  object: string
}

/** What `container.get-data` hands back: the bytes asked for, as a stream, and how many there are. */
export interface IncomingObject {
  /** Bytes the stream will give (the clamped range), the `size` of the incoming-value. */
  size: bigint
  stream: Readable
}

/** `container.stream-object-names`: names read in batches, as the WIT resource reads them. */
export interface ObjectNameStream {
  /** Up to `len` names, and whether the end was reached. */
  read(len: bigint): Promise<{ names: string[]; end: boolean }>
  /** Skips up to `num` names: how many it skipped, and whether the end was reached. */
  skip(num: bigint): Promise<{ skipped: bigint; end: boolean }>
}

export type BlobstoreBackendKind = 'folder' | 'nats'

export interface BlobstoreBackend {
  readonly kind: BlobstoreBackendKind
  /** What to show the user: backend name and address (a folder or host:port), never credentials. */
  describe(): { backend: BlobstoreBackendKind; address: string }

  /** `blobstore.create-container`: an existing container is returned as it is (blobstore-fs does the same). */
  createContainer(name: string): Promise<void>
  /** `blobstore.get-container`: an error when the container does not exist. */
  getContainer(name: string): Promise<void>
  /** `blobstore.delete-container`, with every object in it. */
  deleteContainer(name: string): Promise<void>
  containerExists(name: string): Promise<boolean>
  /** `blobstore.copy-object`: the destination container must exist; the destination object is replaced. */
  copyObject(src: ObjectId, dest: ObjectId): Promise<void>
  /** `blobstore.move-object`: as copy, then the source is gone. */
  moveObject(src: ObjectId, dest: ObjectId): Promise<void>

  /** `container.info`. */
  containerInfo(container: string): Promise<ContainerMetadata>
  /**
   * `container.get-data`: bytes `start` to `end`, both inclusive as the WIT says (an `end` past the
   * object is clamped to its last byte; `start` past it gives no bytes). The data read is the
   * object as it was at this call, even if it is replaced or deleted while the stream is read.
   */
  readObject(container: string, name: string, start: bigint, end: bigint): Promise<IncomingObject>
  /**
   * `container.write-data`: creates or replaces the object with the chunks of `data`. Readers see
   * the old object or the new one, never part of one; a failed write leaves the old object.
   */
  writeObject(container: string, name: string, data: AsyncIterable<Uint8Array>): Promise<void>
  /** `container.list-objects`: every object name, in no promised order. */
  listObjects(container: string): Promise<ObjectNameStream>
  /** `container.delete-object`: not an error when the object is not there. */
  deleteObject(container: string, name: string): Promise<void>
  deleteObjects(container: string, names: string[]): Promise<void>
  hasObject(container: string, name: string): Promise<boolean>
  objectInfo(container: string, name: string): Promise<ObjectMetadata>
  /** `container.clear`: every object removed, the container kept. */
  clearContainer(container: string): Promise<void>

  close(): Promise<void>
}

/** A stream-object-names over a list already in hand (names are small, objects are not). */
export class ListedNames implements ObjectNameStream {
  private index = 0

  constructor(private readonly names: string[]) {}

  async read(len: bigint) {
    const count = Number(len > BigInt(this.names.length) ? BigInt(this.names.length) : len)
    const names = this.names.slice(this.index, this.index + count)
    this.index += names.length
    return { names, end: this.index >= this.names.length }
  }

  async skip(num: bigint) {
    const count = Number(num > BigInt(this.names.length) ? BigInt(this.names.length) : num)
    const skipped = Math.min(count, this.names.length - this.index)
    this.index += skipped
    return { skipped: BigInt(skipped), end: this.index >= this.names.length }
  }
}

/** The inclusive byte range `[start, end]` clamped to an object of `size` bytes: undefined when empty. */
export function clampRange(start: bigint, end: bigint, size: bigint): { start: bigint; end: bigint } | undefined {
  if (size === 0n || start >= size || end < start) return undefined
  return { start, end: end >= size ? size - 1n : end }
}

/**
 * copy-object for a backend with no server-side copy: the whole source read as a stream into a
 * write of the destination (which must be an existing container), never held in memory.
 */
export async function copyByStreaming(backend: BlobstoreBackend, src: ObjectId, dest: ObjectId): Promise<void> {
  await backend.getContainer(dest.container)
  const { stream } = await backend.readObject(src.container, src.object, 0n, (1n << 64n) - 1n)
  await backend.writeObject(dest.container, dest.object, stream)
}
