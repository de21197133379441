import { HostCallError } from '../channel.js'
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
 * jco conventions: a `result<T, error>` returns T or throws the error (here the WIT `error`, a string).
 */

/** The worker's body streams (its HostChannel). */
export interface BlobStreams {
  openOutbound(): BodyTransport & { readonly stream: number }
  inboundSource(stream: number): ByteSource
}

let streams: BlobStreams | undefined

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
    /** The main thread's write, once `write-data` started one. */
    write?: number

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
      run('blob.finish', { write })
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
      // A list in the guest's memory cannot be larger than that memory (4 GiB): the stream form is for big objects.
      if (value.bytes > 0xffff_ffffn) throw 'the object is too large to read whole: use incoming-value-consume-async'
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
    readonly #name: string

    constructor(name: string) {
      this.#name = name
      resourceCounter.created++
    }

    name(): string {
      return this.#name
    }

    info(): { name: string; createdAt: bigint } {
      return run('blob.containerInfo', { container: this.#name })
    }

    getData(name: string, start: bigint, end: bigint): IncomingValue {
      const { size, stream } = run<{ size: bigint; stream: number }>('blob.read', { container: this.#name, name, start, end })
      return new IncomingValue(size, stream)
    }

    writeData(name: string, data: OutgoingValue): void {
      if (data.write !== undefined || data.sink.closed) throw 'the outgoing value is already being written'
      const transport = channel().openOutbound()
      data.write = run<number>('blob.write', { container: this.#name, name, stream: transport.stream })
      data.sink.attach(transport)
    }

    listObjects(): StreamObjectNames {
      return new StreamObjectNames(run<string[]>('blob.list', { container: this.#name }))
    }

    deleteObject(name: string): void {
      run('blob.deleteObject', { container: this.#name, name })
    }

    deleteObjects(names: string[]): void {
      run('blob.deleteObjects', { container: this.#name, names })
    }

    hasObject(name: string): boolean {
      return run('blob.hasObject', { container: this.#name, name })
    }

    objectInfo(name: string): { name: string; container: string; createdAt: bigint; size: bigint } {
      return run('blob.objectInfo', { container: this.#name, name })
    }

    clear(): void {
      run('blob.clear', { container: this.#name })
    }

    [Symbol.dispose](): void {}
  }

  return {
    blobstore: {
      createContainer(name: string): Container {
        run('blob.createContainer', { container: name })
        return new Container(name)
      },
      getContainer(name: string): Container {
        run('blob.getContainer', { container: name })
        return new Container(name)
      },
      deleteContainer: (name: string): void => void run('blob.deleteContainer', { container: name }),
      containerExists: (name: string): boolean => run('blob.containerExists', { container: name }),
      copyObject: (src: ObjectIdValue, dest: ObjectIdValue): void => void run('blob.copyObject', { src, dest }),
      moveObject: (src: ObjectIdValue, dest: ObjectIdValue): void => void run('blob.moveObject', { src, dest }),
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
