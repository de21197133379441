import { type BlobstoreBackend, BlobstoreError, SecretsError, type SecretStore } from '../capabilities/index.js'
import type { CallStreams, OutboundBody } from './pool.js'

/**
 * Main-thread side of wasi:blobstore (`blob.*`) and wasmcloud:secrets (`secret.*`) host calls
 * (guest side: src/host/wasi/blobstore.ts, secrets.ts). Replies are `{ ok }` or `{ err }` with the
 * WIT error; anything else thrown is a host failure the guest sees only as "backend failed".
 *
 * Object data streams: a read hands the backend's Readable to the worker as an inbound body (its
 * pump pauses the Readable while the worker holds a window), a write feeds the worker's outbound
 * body to the backend as an async iterable, acknowledging each chunk as the backend pulls it, so
 * the worker may only run a window ahead of what the backend has taken.
 */

/** What the host opened for the version serving (OpenCapabilities). */
export interface BlobCallCapabilities {
  blobstore?: BlobstoreBackend
  secrets: SecretStore
}

interface WriteState {
  writes: Map<number, Promise<{ ok: null } | { err: string }>>
  nextWrite: number
}

/** Writes in progress, per opened backend. */
const states = new WeakMap<object, WriteState>()

/** How long the outcome of a write whose guest never called `finish` is kept. */
const UNFINISHED_WRITE_MS = 60_000

function stateOf(backend: BlobstoreBackend): WriteState {
  let state = states.get(backend)
  if (!state) {
    state = { writes: new Map(), nextWrite: 1 }
    states.set(backend, state)
  }
  return state
}

/** Handles one `blob.*` or `secret.*` call with the capabilities of the version serving. */
export async function handleBlobCall(kind: string, payload: unknown, streams: CallStreams, opened: BlobCallCapabilities): Promise<unknown> {
  if (kind.startsWith('secret.')) return handleSecretCall(kind, payload as { key: string }, opened.secrets)
  const backend = opened.blobstore
  // The component's wasi:blobstore import is always bound (a folder by default); this is a guard.
  if (!backend) return { err: 'wasi:blobstore is not bound for this component' }
  try {
    return { ok: await blobCall(kind, payload as Record<string, any>, backend, streams, stateOf(backend)) }
  } catch (error) {
    if (error instanceof BlobstoreError) return { err: error.toWit() }
    throw error
  }
}

async function blobCall(kind: string, call: Record<string, any>, backend: BlobstoreBackend, streams: CallStreams, state: WriteState): Promise<unknown> {
  switch (kind) {
    case 'blob.createContainer':
      return backend.createContainer(call.container).then(() => null)
    case 'blob.getContainer':
      return backend.getContainer(call.container).then(() => null)
    case 'blob.deleteContainer':
      return backend.deleteContainer(call.container).then(() => null)
    case 'blob.containerExists':
      return backend.containerExists(call.container)
    case 'blob.copyObject':
      return backend.copyObject(call.src, call.dest).then(() => null)
    case 'blob.moveObject':
      return backend.moveObject(call.src, call.dest).then(() => null)
    case 'blob.containerInfo':
      return backend.containerInfo(call.container)
    case 'blob.objectInfo':
      return backend.objectInfo(call.container, call.name)
    case 'blob.hasObject':
      return backend.hasObject(call.container, call.name)
    case 'blob.deleteObject':
      return backend.deleteObject(call.container, call.name).then(() => null)
    case 'blob.deleteObjects':
      return backend.deleteObjects(call.container, call.names).then(() => null)
    case 'blob.clear':
      return backend.clearContainer(call.container).then(() => null)
    case 'blob.list': {
      // Names are small: the whole listing goes over, the guest's resource pages through it.
      const listing = await backend.listObjects(call.container)
      const names: string[] = []
      for (;;) {
        const page = await listing.read(1000n)
        names.push(...page.names)
        if (page.end || page.names.length === 0) return names
      }
    }
    case 'blob.read': {
      const incoming = await backend.readObject(call.container, call.name, call.start, call.end)
      return { size: incoming.size, stream: streams.openInbound(incoming.stream) }
    }
    case 'blob.write':
      return startWrite(call.container, call.name, streams.outbound(call.stream), backend, state)
    case 'blob.finish': {
      const outcome = state.writes.get(call.write)
      if (!outcome) throw new BlobstoreError('no such write (finish was already called)')
      state.writes.delete(call.write)
      const settled = await outcome
      if ('err' in settled) throw new BlobstoreError(settled.err)
      return null
    }
    default:
      throw new Error(`unknown host call ${kind}`)
  }
}

/** Starts writing `body` to the object; `finish` collects the outcome. */
async function startWrite(container: string, name: string, body: OutboundBody, backend: BlobstoreBackend, state: WriteState): Promise<number> {
  try {
    // A missing container is write-data's error, not finish's.
    await backend.getContainer(container)
  } catch (error) {
    drain(body)
    throw error
  }
  const chunks = bodyChunks(body)
  const outcome = backend.writeObject(container, name, chunks.iterable).then(
    () => ({ ok: null }) as const,
    (error: unknown) => {
      // The backend gave up before the end: take the rest so the guest's writes do not block.
      chunks.drainRest()
      return { err: error instanceof BlobstoreError ? error.toWit() : 'the blobstore backend failed' }
    },
  )
  const write = state.nextWrite++
  state.writes.set(write, outcome)
  // A guest that never calls finish: the outcome is dropped eventually.
  outcome.then(() => setTimeout(() => state.writes.delete(write), UNFINISHED_WRITE_MS).unref())
  return write
}

function drain(body: OutboundBody): void {
  body.consume({ chunk: (_bytes, written) => written(), end() {}, abort() {} })
}

/**
 * The outbound body as an async iterable. Each chunk is copied out of its pooled buffer (the
 * backend's writable may keep a chunk queued after pulling the next) and acknowledged when the
 * backend pulls it: the backend's pace is the worker's.
 */
function bodyChunks(body: OutboundBody): { iterable: AsyncIterable<Uint8Array>; drainRest(): void } {
  const queue: { bytes: Uint8Array; written: (done?: boolean) => void }[] = []
  let ended = false
  let failure: string | undefined
  let wake: (() => void) | undefined
  let draining = false
  const notify = () => {
    wake?.()
    wake = undefined
  }
  body.consume({
    chunk(bytes, written) {
      if (draining) return written(true)
      queue.push({ bytes, written })
      notify()
    },
    end() {
      ended = true
      notify()
    },
    abort(reason) {
      failure = reason
      notify()
    },
  })
  const iterable: AsyncIterable<Uint8Array> = {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const next = queue.shift()
        if (next) {
          const copy = Buffer.from(next.bytes)
          // Acknowledged as the backend pulls it: the copy is the backend's, the pooled buffer goes back to the worker.
          next.written(true)
          yield copy
          continue
        }
        if (failure !== undefined) throw new BlobstoreError(`the write was cut off: ${failure}`)
        if (ended) return
        await new Promise<void>((resolve) => (wake = resolve))
      }
    },
  }
  return {
    iterable,
    drainRest() {
      draining = true
      for (const next of queue.splice(0)) next.written(true)
    },
  }
}

function handleSecretCall(kind: string, payload: { key: string }, store: SecretStore): unknown {
  try {
    const handle = store.get(payload.key)
    if (kind === 'secret.get') return { ok: null }
    if (kind === 'secret.reveal') return { ok: store.reveal(handle) }
  } catch (error) {
    if (error instanceof SecretsError) return { err: error.toWit() }
    throw error
  }
  throw new Error(`unknown host call ${kind}`)
}
