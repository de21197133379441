import { HostCallError } from '../channel.js'
import { activeLinks, DEFAULT_LINK, type LinkSelection, selectedCapabilityLink } from './bus.js'
import type { HostCall } from './capabilities.js'
import { BodySink, type BodyTransport } from './http.js'
import { type ByteSource, InputStream, OutputStream, resourceCounter } from './io.js'
import { createSecrets } from './secrets.js'

/**
 * wasi:blobstore@0.2.0-draft (`blobstore`, `container`, `types`), guest side. Every operation is a
 * `blob.*` host call answered on the main thread by the configured backend (src/host/blob-calls.ts).
 * Object data never crosses as one message: `get-data` hands back an inbound body stream and
 * `write-data` an outbound one, the same credit-windowed streams HTTP bodies use, so neither
 * thread holds more than a window of an object.
 *
 * Links (wasmcloud:bus set-link-name): as a key-value bucket does, a container keeps the link it
 * was obtained on, and every call on it, on the values it reads and writes, names that link, so a
 * later selection does not move it. The blobstore/blobstore functions go to the link selected at
 * the time; copy-object and move-object name containers, not resources, so each name goes to the
 * link a container of that name was obtained on in this invocation (else the one selected now),
 * and a copy or move across two links is refused.
 *
 * jco conventions: a `result<T, error>` returns T or throws the error (here the WIT `error`, a string).
 */

/** The worker's body streams (its HostChannel). */
export interface BlobStreams {
  openOutbound(): BodyTransport & { readonly stream: number }
  inboundSource(stream: number): ByteSource
}

let streams: BlobStreams | undefined

/** The largest object incoming-value-consume-sync reads whole (256 MiB). */
const CONSUME_SYNC_MAX_BYTES = 256n * 1024n * 1024n

/** Set by the worker once its channel exists. */
export function setBlobStreams(channel: BlobStreams): void {
  streams = channel
}

function channel(): BlobStreams {
  if (!streams) throw 'wasi:blobstore is not available in this host'
  return streams
}

/** The reply of a `blob.*` call: the value, or the WIT error the backend gave. */
type Reply<T> = { ok: T } | { err: string }

export interface ObjectIdValue {
  container: string
  object: string
}

/** Per component (its selection): the link each container name was last obtained on, this invocation. */
const obtained = new WeakMap<LinkSelection, { invocation: number; links: Map<string, string> }>()

function obtainedLinks(): Map<string, string> | undefined {
  const selection = activeLinks.selection
  if (!selection) return undefined
  let record = obtained.get(selection)
  if (!record || record.invocation !== selection.invocation) {
    record = { invocation: selection.invocation, links: new Map() }
    obtained.set(selection, record)
  }
  return record.links
}

function createBlobstore(call: HostCall) {
  const run = <T>(kind: string, payload: Record<string, unknown>): T => {
    let reply: Reply<T>
    try {
      reply = call(kind, payload) as Reply<T>
    } catch (error) {
      // Not a backend answer (a bug, or the backend's connection failing): no host detail for the guest.
      if (error instanceof HostCallError) throw 'the blobstore backend failed'
      throw error
    }
    // A host mode that does not serve these calls (a command) answers nothing.
    if (typeof reply !== 'object' || reply === null) throw 'wasi:blobstore is not available here'
    if ('err' in reply) throw reply.err
    return reply.ok
  }

  class OutgoingValue {
    readonly sink = new BodySink()
    private bodyTaken = false
    /** The main thread's write, once `write-data` started one, and the link of its container (its backend holds the write). */
    write?: number
    writeLink = DEFAULT_LINK

    private constructor() {
      resourceCounter.created++
    }

    static newOutgoingValue(): OutgoingValue {
      return new OutgoingValue()
    }

    outgoingValueWriteBody(): OutputStream {
      if (this.bodyTaken) throw undefined
      this.bodyTaken = true
      return new OutputStream(this.sink)
    }

    static finish(value: OutgoingValue): void {
      if (!value.sink.closed) value.sink.finish()
      // Nothing written anywhere: write-data was never called (as in wasmCloud, not an error).
      if (value.write === undefined) return
      const write = value.write
      value.write = undefined
      run('blob.finish', { write, link: value.writeLink })
    }

    [Symbol.dispose](): void {}
  }

  class IncomingValue {
    private consumed = false

    constructor(
      private readonly bytes: bigint,
      private readonly stream: number,
    ) {
      resourceCounter.created++
    }

    static incomingValueConsumeSync(value: IncomingValue): Uint8Array {
      // Read whole, the object is held twice (here, then in the guest's memory) outside any heap
      // limit: past a bound, a guest must stream it (one object must not exhaust the host).
      if (value.bytes > CONSUME_SYNC_MAX_BYTES) throw `the object is ${value.bytes} bytes, more than incoming-value-consume-sync reads whole (${CONSUME_SYNC_MAX_BYTES}): use incoming-value-consume-async`
      const source = value.take()
      const out = new Uint8Array(Number(value.bytes))
      let offset = 0
      for (let chunk = source.read(64 * 1024, true); chunk !== undefined; chunk = source.read(64 * 1024, true)) {
        // The chunk is a view of a buffer the channel reuses: copied at once.
        if (offset + chunk.length > out.length) throw 'the object changed size while it was read'
        out.set(chunk, offset)
        offset += chunk.length
      }
      return offset === out.length ? out : out.subarray(0, offset)
    }

    static incomingValueConsumeAsync(value: IncomingValue): InputStream {
      return new InputStream(value.take())
    }

    size(): bigint {
      return this.bytes
    }

    private take(): ByteSource {
      if (this.consumed) throw 'the incoming value was already consumed'
      this.consumed = true
      return channel().inboundSource(this.stream)
    }

    [Symbol.dispose](): void {}
  }

  class StreamObjectNames {
    private index = 0

    constructor(private readonly names: string[]) {
      resourceCounter.created++
    }

    readStreamObjectNames(len: bigint): [string[], boolean] {
      const count = len > BigInt(this.names.length) ? this.names.length : Number(len)
      const names = this.names.slice(this.index, this.index + count)
      this.index += names.length
      return [names, this.index >= this.names.length]
    }

    skipStreamObjectNames(num: bigint): [bigint, boolean] {
      const count = num > BigInt(this.names.length) ? this.names.length : Number(num)
      const skipped = Math.min(count, this.names.length - this.index)
      this.index += skipped
      return [BigInt(skipped), this.index >= this.names.length]
    }

    [Symbol.dispose](): void {}
  }

  class Container {
    /** Where every call on this container goes: its name, and the link it was obtained on. */
    readonly #at: { container: string; link: string }

    constructor(name: string, link = DEFAULT_LINK) {
      this.#at = { container: name, link }
      obtainedLinks()?.set(name, link)
      resourceCounter.created++
    }

    name(): string {
      return this.#at.container
    }

    info(): { name: string; createdAt: bigint } {
      return run('blob.containerInfo', this.#at)
    }

    getData(name: string, start: bigint, end: bigint): IncomingValue {
      const { size, stream } = run<{ size: bigint; stream: number }>('blob.read', { ...this.#at, name, start, end })
      return new IncomingValue(size, stream)
    }

    writeData(name: string, data: OutgoingValue): void {
      if (data.write !== undefined || data.sink.closed) throw 'the outgoing value is already being written'
      const transport = channel().openOutbound()
      data.write = run<number>('blob.write', { ...this.#at, name, stream: transport.stream })
      data.writeLink = this.#at.link
      data.sink.attach(transport)
    }

    listObjects(): StreamObjectNames {
      return new StreamObjectNames(run<string[]>('blob.list', this.#at))
    }

    deleteObject(name: string): void {
      run('blob.deleteObject', { ...this.#at, name })
    }

    deleteObjects(names: string[]): void {
      run('blob.deleteObjects', { ...this.#at, names })
    }

    hasObject(name: string): boolean {
      return run('blob.hasObject', { ...this.#at, name })
    }

    objectInfo(name: string): { name: string; container: string; createdAt: bigint; size: bigint } {
      return run('blob.objectInfo', { ...this.#at, name })
    }

    clear(): void {
      run('blob.clear', this.#at)
    }

    [Symbol.dispose](): void {}
  }

  /** Opens a container on the link selected now (the host's call wrapper names it in the request); the container keeps it. */
  const obtain = (kind: string, name: string): Container => {
    const request: { container: string; link?: string } = { container: name }
    run(kind, request)
    return new Container(name, request.link)
  }

  /** copy-object / move-object: both containers must be on one link (a backend cannot reach another link's store). */
  const transfer = (kind: 'blob.copyObject' | 'blob.moveObject', src: ObjectIdValue, dest: ObjectIdValue): void => {
    const links = obtainedLinks()
    const fromLink = links?.get(src.container)
    const toLink = links?.get(dest.container)
    // Neither container obtained in this invocation: both go where the selection says (the call wrapper decides).
    if (fromLink === undefined && toLink === undefined) return void run(kind, { src, dest })
    const from = fromLink ?? selectedCapabilityLink('wasi:blobstore/blobstore')
    const to = toLink ?? selectedCapabilityLink('wasi:blobstore/blobstore')
    if (from !== to) {
      const verb = kind === 'blob.copyObject' ? 'copy-object' : 'move-object'
      throw `${verb}: container "${src.container}" is on link "${from}" and container "${dest.container}" on link "${to}" (wasmcloud:bus set-link-name); objects cannot be copied or moved between links: read it with get-data and write it with write-data`
    }
    run(kind, { src, dest, link: from })
  }

  return {
    blobstore: {
      createContainer: (name: string): Container => obtain('blob.createContainer', name),
      getContainer: (name: string): Container => obtain('blob.getContainer', name),
      deleteContainer: (name: string): void => void run('blob.deleteContainer', { container: name }),
      containerExists: (name: string): boolean => run('blob.containerExists', { container: name }),
      copyObject: (src: ObjectIdValue, dest: ObjectIdValue): void => transfer('blob.copyObject', src, dest),
      moveObject: (src: ObjectIdValue, dest: ObjectIdValue): void => transfer('blob.moveObject', src, dest),
    },
    container: { Container, StreamObjectNames },
    types: { OutgoingValue, IncomingValue },
  }
}

/** The interfaces `blobAndSecretImports` provides (unversioned, as PROVIDED_INTERFACES lists them). */
export const BLOBSTORE_AND_SECRETS_INTERFACES = ['wasi:blobstore/blobstore', 'wasi:blobstore/container', 'wasi:blobstore/types', 'wasmcloud:secrets/store', 'wasmcloud:secrets/reveal']

/** wasi:blobstore and wasmcloud:secrets, keyed as the import object wants them. */
export function blobAndSecretImports(call: HostCall): Record<string, Record<string, unknown>> {
  const blob = createBlobstore(call)
  const secrets = createSecrets(call)
  return {
    'wasi:blobstore/blobstore': blob.blobstore,
    'wasi:blobstore/container': blob.container,
    'wasi:blobstore/types': blob.types,
    'wasmcloud:secrets/store': secrets.store,
    'wasmcloud:secrets/reveal': secrets.reveal,
  }
}
