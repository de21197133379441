import { createHash, randomBytes } from 'node:crypto'
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { type BlobstoreBackend, BlobstoreError, openBlobstoreBackend } from '../../../src/capabilities/blobstore/index.js'
import { type NatsServer, startNats } from '../../helpers/nats.js'
import { tempDir } from '../../helpers/tmp.js'

/**
 * The same wasi:blobstore cases on both backends — a folder (wasmCloud blobstore-fs) and NATS
 * JetStream object store (blobstore-nats, against a real nats-server -js) — then attacks on the
 * folder backend's confinement. A 200 MB object goes through each backend with its sha256 checked
 * and the process's RSS growth bounded.
 */
const text = (value: string) => new TextEncoder().encode(value)
const U64_MAX = (1n << 64n) - 1n

async function* chunks(...parts: (string | Uint8Array)[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? text(part) : part
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const chunk of stream) parts.push(Buffer.from(chunk))
  return Buffer.concat(parts)
}

async function read(store: BlobstoreBackend, container: string, name: string, start = 0n, end = U64_MAX): Promise<string> {
  const incoming = await store.readObject(container, name, start, end)
  const data = await readAll(incoming.stream)
  expect(BigInt(data.length)).toBe(incoming.size)
  return data.toString('utf8')
}

async function listAll(store: BlobstoreBackend, container: string): Promise<string[]> {
  const names = await store.listObjects(container)
  const all: string[] = []
  for (;;) {
    const page = await names.read(7n)
    all.push(...page.names)
    if (page.end) return all.sort()
  }
}

async function failure(action: Promise<unknown>): Promise<BlobstoreError> {
  const error = await action.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(BlobstoreError)
  return error as BlobstoreError
}

let nats: NatsServer
const opened: BlobstoreBackend[] = []

beforeAll(async () => {
  nats = await startNats()
})

afterAll(async () => {
  await Promise.all(opened.map((backend) => backend.close().catch(() => {})))
  await nats?.dispose()
})

async function track(backend: Promise<BlobstoreBackend>): Promise<BlobstoreBackend> {
  const value = await backend
  opened.push(value)
  return value
}

const targets = [
  { name: 'folder', open: () => track(openBlobstoreBackend({ backend: 'folder', linkConfig: { root: tempDir('wasmctl-blobs-') } })) },
  { name: 'nats', open: () => track(openBlobstoreBackend({ backend: 'nats', linkConfig: { cluster_uri: nats.url, storage_type: 'file' } })) },
]

describe.each(targets)('wasi:blobstore on $name', (target) => {
  let store: BlobstoreBackend
  beforeAll(async () => {
    store = await target.open()
  })

  it('creates, finds, describes and deletes containers', async () => {
    expect(await store.containerExists('photos')).toBe(false)
    expect((await failure(store.getContainer('photos'))).message).toContain('photos')
    await store.createContainer('photos')
    // Creating what exists gives the container back, as blobstore-fs does.
    await store.createContainer('photos')
    expect(await store.containerExists('photos')).toBe(true)
    await store.getContainer('photos')
    const info = await store.containerInfo('photos')
    expect(info.name).toBe('photos')
    expect(Number(info.createdAt)).toBeGreaterThan(Date.now() / 1000 - 3600)
    await store.writeObject('photos', 'a.jpg', chunks('jpeg'))
    await store.deleteContainer('photos')
    expect(await store.containerExists('photos')).toBe(false)
    await failure(store.deleteContainer('photos'))
    await failure(store.containerInfo('photos'))
  })

  it('writes, reads, checks, describes and deletes objects, in chunks and by inclusive ranges', async () => {
    await store.createContainer('objects')
    expect(await store.hasObject('objects', 'note.txt')).toBe(false)
    await store.writeObject('objects', 'note.txt', chunks('hello ', 'blob', 'store'))
    expect(await store.hasObject('objects', 'note.txt')).toBe(true)
    expect(await read(store, 'objects', 'note.txt')).toBe('hello blobstore')
    // start and end are both inclusive; an end past the object is clamped.
    expect(await read(store, 'objects', 'note.txt', 0n, 4n)).toBe('hello')
    expect(await read(store, 'objects', 'note.txt', 6n, 9n)).toBe('blob')
    expect(await read(store, 'objects', 'note.txt', 10n, 1000n)).toBe('store')
    expect(await read(store, 'objects', 'note.txt', 15n, 20n)).toBe('')
    const info = await store.objectInfo('objects', 'note.txt')
    expect(info).toMatchObject({ name: 'note.txt', container: 'objects', size: 15n })
    expect(Number(info.createdAt)).toBeGreaterThan(Date.now() / 1000 - 3600)

    const binary = Uint8Array.from({ length: 600_000 }, (_, i) => (i * 7) & 0xff)
    await store.writeObject('objects', 'binary', chunks(binary.subarray(0, 100_000), binary.subarray(100_000)))
    const whole = await readAll((await store.readObject('objects', 'binary', 0n, U64_MAX)).stream)
    expect(Buffer.compare(whole, Buffer.from(binary))).toBe(0)
    // A range across chunk boundaries (the NATS backend stores 256 KiB chunks).
    const middle = await readAll((await store.readObject('objects', 'binary', 262_000n, 300_000n)).stream)
    expect(Buffer.compare(middle, Buffer.from(binary.subarray(262_000, 300_001)))).toBe(0)

    await store.writeObject('objects', 'empty', chunks())
    expect(await store.objectInfo('objects', 'empty')).toMatchObject({ size: 0n })
    expect(await read(store, 'objects', 'empty')).toBe('')

    await store.writeObject('objects', 'note.txt', chunks('second'))
    expect(await read(store, 'objects', 'note.txt')).toBe('second')

    await store.deleteObject('objects', 'note.txt')
    expect(await store.hasObject('objects', 'note.txt')).toBe(false)
    expect((await failure(store.objectInfo('objects', 'note.txt'))).message).toContain('note.txt')
    await failure(store.readObject('objects', 'note.txt', 0n, 10n))
    // Deleting what is not there is not an error.
    await store.deleteObject('objects', 'note.txt')
    await failure(store.writeObject('no-such-container', 'x', chunks('x')))
    await failure(store.hasObject('no-such-container', 'x'))
  })

  it('keeps the old object when a write fails part-way', async () => {
    await store.createContainer('atomic')
    await store.writeObject('atomic', 'doc', chunks('version 1'))
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield text('version 2, first half')
      throw new Error('guest dropped the outgoing-value without finish')
    }
    await expect(store.writeObject('atomic', 'doc', broken())).rejects.toThrow()
    expect(await read(store, 'atomic', 'doc')).toBe('version 1')
    expect(await listAll(store, 'atomic')).toEqual(['doc'])
  })

  it('lists objects in batches (read and skip), including names with /', async () => {
    await store.createContainer('listing')
    const names = Array.from({ length: 25 }, (_, i) => `item-${String(i).padStart(2, '0')}`)
    for (const name of names) await store.writeObject('listing', name, chunks(name))
    await store.writeObject('listing', 'nested/deeper/leaf.txt', chunks('leaf'))
    expect(await read(store, 'listing', 'nested/deeper/leaf.txt')).toBe('leaf')
    expect(await listAll(store, 'listing')).toEqual([...names, 'nested/deeper/leaf.txt'].sort())

    const stream = await store.listObjects('listing')
    const first = await stream.read(10n)
    expect(first).toMatchObject({ end: false })
    expect(first.names).toHaveLength(10)
    expect(await stream.skip(10n)).toEqual({ skipped: 10n, end: false })
    const rest = await stream.read(100n)
    expect(rest.names).toHaveLength(6)
    expect(rest.end).toBe(true)
    expect(await stream.read(5n)).toEqual({ names: [], end: true })
    expect(await stream.skip(5n)).toEqual({ skipped: 0n, end: true })

    await store.deleteObjects('listing', names.slice(0, 20))
    expect(await listAll(store, 'listing')).toEqual([...names.slice(20), 'nested/deeper/leaf.txt'].sort())
    await store.clearContainer('listing')
    expect(await listAll(store, 'listing')).toEqual([])
    expect(await store.containerExists('listing')).toBe(true)
  })

  it('copies and moves objects within and across containers, replacing the destination', async () => {
    await store.createContainer('src')
    await store.createContainer('dst')
    await store.writeObject('src', 'a', chunks('alpha'))
    await store.writeObject('dst', 'b', chunks('old b'))
    await store.copyObject({ container: 'src', object: 'a' }, { container: 'dst', object: 'b' })
    expect(await read(store, 'dst', 'b')).toBe('alpha')
    expect(await read(store, 'src', 'a')).toBe('alpha')
    await store.copyObject({ container: 'src', object: 'a' }, { container: 'src', object: 'a-copy' })
    expect(await read(store, 'src', 'a-copy')).toBe('alpha')

    await store.moveObject({ container: 'src', object: 'a-copy' }, { container: 'dst', object: 'moved' })
    expect(await store.hasObject('src', 'a-copy')).toBe(false)
    expect(await read(store, 'dst', 'moved')).toBe('alpha')
    await store.moveObject({ container: 'dst', object: 'moved' }, { container: 'dst', object: 'renamed' })
    expect(await listAll(store, 'dst')).toEqual(['b', 'renamed'])

    // The destination container must exist; the source must exist.
    await failure(store.copyObject({ container: 'src', object: 'a' }, { container: 'missing', object: 'a' }))
    await failure(store.moveObject({ container: 'src', object: 'a' }, { container: 'missing', object: 'a' }))
    expect(await read(store, 'src', 'a')).toBe('alpha')
    await failure(store.copyObject({ container: 'src', object: 'nope' }, { container: 'dst', object: 'x' }))
    expect(await store.hasObject('dst', 'x')).toBe(false)
  })

  it('streams a 200 MB object in and out with its sha256 intact and RSS growth under 64 MB', async () => {
    await store.createContainer('big')
    const SIZE = 200 * 1024 * 1024
    const CHUNK = 1024 * 1024
    const block = randomBytes(CHUNK)
    const written = createHash('sha256')
    // RSS also counts garbage the collector has not reached yet (each 1 MB chunk is garbage once
    // written): collect before sampling, so the figure is what the host holds.
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    let peak = 0
    let samples = 0
    const sample = () => {
      if (++samples % 16 !== 0) return
      gc()
      peak = Math.max(peak, process.memoryUsage().rss)
    }
    gc()
    const before = process.memoryUsage().rss
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let offset = 0; offset < SIZE; offset += CHUNK) {
        // A fresh buffer each time, different from the last (a counter in the first bytes).
        const chunk = Buffer.from(block)
        chunk.writeUInt32BE(offset / CHUNK, 0)
        written.update(chunk)
        sample()
        yield chunk
      }
    }
    await store.writeObject('big', 'large.bin', source())
    sample()
    expect(await store.objectInfo('big', 'large.bin')).toMatchObject({ size: BigInt(SIZE) })
    const incoming = await store.readObject('big', 'large.bin', 0n, U64_MAX)
    expect(incoming.size).toBe(BigInt(SIZE))
    const readBack = createHash('sha256')
    let length = 0
    for await (const chunk of incoming.stream) {
      readBack.update(chunk as Buffer)
      length += (chunk as Buffer).length
      sample()
    }
    expect(length).toBe(SIZE)
    expect(readBack.digest('hex')).toBe(written.digest('hex'))
    const growthMb = (peak - before) / (1024 * 1024)
    console.log(`${target.name}: 200 MB through the blobstore, RSS growth ${growthMb.toFixed(1)} MB`)
    expect(growthMb).toBeLessThan(64)
    await store.deleteContainer('big')
  }, 180_000)
})

describe('wasi:blobstore folder specifics', () => {
  it('lays objects out as blobstore-fs does, under <baseDir>/.wasmctl/blobstore by default or the root link config', async () => {
    const project = tempDir()
    const byDefault = await track(openBlobstoreBackend({ backend: 'folder', linkConfig: {} }, { baseDir: project }))
    await byDefault.createContainer('docs')
    await byDefault.writeObject('docs', 'sub/readme.md', chunks('# hi'))
    expect(readFileSync(path.join(project, '.wasmctl', 'blobstore', 'docs', 'sub', 'readme.md'), 'utf8')).toBe('# hi')
    expect(byDefault.describe()).toEqual({ backend: 'folder', address: path.join(project, '.wasmctl', 'blobstore') })

    // A file put there by hand (as with blobstore-fs) is an object.
    const root = tempDir()
    mkdirSync(path.join(root, 'seeded'))
    writeFileSync(path.join(root, 'seeded', 'hello.txt'), 'from disk')
    const seeded = await track(openBlobstoreBackend({ backend: 'folder', linkConfig: { root: path.relative(project, root) } }, { baseDir: project }))
    expect(await read(seeded, 'seeded', 'hello.txt')).toBe('from disk')
  })

  it('serves the bytes of the object as it was when get-data was called, even if it is deleted meanwhile', async () => {
    const store = await track(openBlobstoreBackend({ backend: 'folder', linkConfig: { root: tempDir() } }))
    await store.createContainer('c')
    await store.writeObject('c', 'x', chunks('original'))
    const incoming = await store.readObject('c', 'x', 0n, U64_MAX)
    await store.deleteObject('c', 'x')
    expect((await readAll(incoming.stream)).toString()).toBe('original')
  })
})

describe('wasi:blobstore NATS object store specifics', () => {
  it('reads what @nats-io/obj (the ADR-20 layout blobstore-nats writes) stored, and writes what it reads back with a valid digest', async () => {
    const store = await track(openBlobstoreBackend({ backend: 'nats', linkConfig: { cluster_uri: nats.url } }))
    await store.createContainer('interop')
    const { connect } = await import('@nats-io/transport-node')
    const { jetstream } = await import('@nats-io/jetstream')
    const objName = '@nats-io/obj'
    const { Objm } = (await import(objName)) as { Objm: new (js: unknown) => any }
    const nc = await connect({ servers: nats.url })
    try {
      const os = await new Objm(jetstream(nc)).open('interop')
      const payload = randomBytes(700_000)
      await os.putBlob({ name: 'from-library', options: { max_chunk_size: 100_000 } }, payload)
      const back = await readAll((await store.readObject('interop', 'from-library', 0n, U64_MAX)).stream)
      expect(Buffer.compare(back, payload)).toBe(0)
      await store.writeObject('interop', 'from-wasmctl', chunks(payload))
      // getBlob checks the SHA-256 digest the writer recorded.
      expect(Buffer.compare(Buffer.from(await os.getBlob('from-wasmctl')), payload)).toBe(0)
    } finally {
      await nc.close()
    }
  })

  it('pulls chunks as the reader takes them: a reader that stops leaves at most a few chunks delivered', async () => {
    const store = await track(openBlobstoreBackend({ backend: 'nats', linkConfig: { cluster_uri: nats.url } }))
    await store.createContainer('slow')
    const block = randomBytes(1024 * 1024)
    async function* forty(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 40; i++) yield Buffer.from(block)
    }
    await store.writeObject('slow', 'large', forty())
    const incoming = await store.readObject('slow', 'large', 0n, U64_MAX)
    const iterator = incoming.stream[Symbol.asyncIterator]()
    await iterator.next()
    // Give a push-everything reader the time it would need to run ahead.
    await new Promise((resolve) => setTimeout(resolve, 500))
    const { connect } = await import('@nats-io/transport-node')
    const { jetstreamManager } = await import('@nats-io/jetstream')
    const nc = await connect({ servers: nats.url })
    try {
      const jsm = await jetstreamManager(nc)
      const consumers = await jsm.consumers.list('OBJ_slow').next()
      expect(consumers).toHaveLength(1)
      // 160 chunks of 256 KiB in the object; a handful pulled.
      expect(consumers[0].delivered.consumer_seq).toBeLessThanOrEqual(24)
    } finally {
      await nc.close()
    }
    await iterator.return?.()
    incoming.stream.destroy()
  })

  it('refuses container names NATS cannot hold as a bucket, and an unreachable server at open', async () => {
    const store = await track(openBlobstoreBackend({ backend: 'nats', linkConfig: { cluster_uri: nats.url } }))
    for (const name of ['..', 'a/b', 'a.b', '', 'x y', '*', '>']) await failure(store.createContainer(name))
    await expect(openBlobstoreBackend({ backend: 'nats', linkConfig: { cluster_uri: 'nats://127.0.0.1:1' } })).rejects.toMatchObject({
      code: 'CAPABILITY_BACKEND_UNREACHABLE',
      message: expect.stringContaining('NATS JetStream object store at 127.0.0.1:1'),
    })
    await expect(openBlobstoreBackend({ backend: 'nats', linkConfig: { cluster_uri: nats.url, storage_type: 'tape' } })).rejects.toMatchObject({ code: 'CAPABILITY_CONFIG_INVALID' })
  })
})

describe('wasi:blobstore folder confinement (attacker)', () => {
  let base: string
  let root: string
  let outside: string
  let store: BlobstoreBackend
  const SECRET = 'TOP-SECRET-OUTSIDE-CONTENT'

  /** Everything under a folder: names and contents, to prove nothing outside changed. */
  const snapshot = (dir: string): Record<string, string> => {
    const out: Record<string, string> = {}
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: false }) as string[]) {
      const full = path.join(dir, entry)
      const stats = lstatSync(full)
      out[entry] = stats.isFile() ? readFileSync(full, 'utf8') : stats.isSymbolicLink() ? 'link' : 'dir'
    }
    return out
  }

  beforeAll(async () => {
    base = tempDir('wasmctl-blob-attack-')
    root = path.join(base, 'root')
    outside = path.join(base, 'outside')
    mkdirSync(path.join(outside, 'dir'), { recursive: true })
    writeFileSync(path.join(outside, 'secret.txt'), SECRET)
    writeFileSync(path.join(outside, 'dir', 'inner.txt'), SECRET)
    store = await track(openBlobstoreBackend({ backend: 'folder', linkConfig: { root } }))
    await store.createContainer('box')
    await store.writeObject('box', 'legit', chunks('inside'))
    // Links planted inside the root by someone else, pointing out.
    symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'box', 'link-to-secret'))
    symlinkSync(path.join(outside, 'dir'), path.join(root, 'box', 'linked-dir'))
    symlinkSync(outside, path.join(root, 'linked-container'))
    symlinkSync('../../outside/secret.txt', path.join(root, 'box', 'relative-link'))
  })

  const guard = async (run: () => Promise<void>) => {
    const before = snapshot(outside)
    await run()
    expect(snapshot(outside)).toEqual(before)
    expect(existsSync(path.join(base, 'escaped'))).toBe(false)
  }

  const badContainers = ['..', '.', '', '../outside', 'a/b', '/etc', `${'x'}\0y`, '../root/box']
  const badObjects = ['../secret.txt', '../../outside/secret.txt', '/etc/passwd', 'a/../../escaped', 'x\0y', '', 'a//b', 'dir/', '.', '..', '../escaped']

  it('refuses container names that are not one plain component, for every operation', async () => {
    await guard(async () => {
      for (const name of badContainers) {
        for (const action of [
          store.createContainer(name),
          store.getContainer(name),
          store.deleteContainer(name),
          store.containerExists(name),
          store.containerInfo(name),
          store.listObjects(name),
          store.clearContainer(name),
          store.writeObject(name, 'escaped', chunks('x')),
          store.readObject(name, 'secret.txt', 0n, U64_MAX),
          store.hasObject(name, 'secret.txt'),
          store.objectInfo(name, 'secret.txt'),
          store.deleteObject(name, 'secret.txt'),
        ]) {
          const error = await failure(action)
          expect(error.message).not.toContain(SECRET)
          expect(error.message).not.toContain(outside)
        }
      }
    })
    expect(readdirSync(root).sort()).toEqual(['box', 'linked-container'])
  })

  it('refuses object names with .., /-tricks, absolute paths or NUL, for every operation', async () => {
    await guard(async () => {
      for (const name of badObjects) {
        for (const action of [
          store.writeObject('box', name, chunks('escaped')),
          store.readObject('box', name, 0n, U64_MAX),
          store.objectInfo('box', name),
          store.hasObject('box', name),
          store.deleteObject('box', name),
          store.copyObject({ container: 'box', object: 'legit' }, { container: 'box', object: name }),
          store.copyObject({ container: 'box', object: name }, { container: 'box', object: 'copied' }),
          store.moveObject({ container: 'box', object: name }, { container: 'box', object: 'moved' }),
        ]) {
          const error = await failure(action)
          expect(error.message).not.toContain(SECRET)
        }
      }
    })
    expect(await store.hasObject('box', 'copied')).toBe(false)
    expect(await read(store, 'box', 'legit')).toBe('inside')
  })

  it('never follows a link planted inside the root, for reads, info, copies or writes through it', async () => {
    await guard(async () => {
      for (const name of ['link-to-secret', 'relative-link', 'linked-dir/inner.txt']) {
        expect((await failure(store.readObject('box', name, 0n, U64_MAX))).message).not.toContain(SECRET)
        await failure(store.objectInfo('box', name))
        expect(await store.hasObject('box', name).catch(() => false)).toBe(false)
        await failure(store.copyObject({ container: 'box', object: name }, { container: 'box', object: 'stolen' }))
        await failure(store.moveObject({ container: 'box', object: name }, { container: 'box', object: 'stolen' }))
      }
      // Writing under a linked directory is refused; nothing lands outside.
      await failure(store.writeObject('box', 'linked-dir/escaped', chunks('x')))
      await failure(store.writeObject('box', 'linked-dir/inner.txt', chunks('overwritten')))
      // Listing does not descend into the linked directory, nor list links as objects.
      expect(await listAll(store, 'box')).toEqual(['legit'])
    })
    expect(await store.hasObject('box', 'stolen')).toBe(false)
  })

  it('replaces a planted link by writing or deleting the name, leaving its target alone', async () => {
    await guard(async () => {
      await store.writeObject('box', 'link-to-secret', chunks('replaced inside'))
      expect(lstatSync(path.join(root, 'box', 'link-to-secret')).isFile()).toBe(true)
      expect(await read(store, 'box', 'link-to-secret')).toBe('replaced inside')
      await store.deleteObject('box', 'relative-link')
      expect(existsSync(path.join(root, 'box', 'relative-link'))).toBe(false)
    })
  })

  it('treats a container that is a link (or was swapped for one) as not a container, and deleting or clearing it touches nothing outside', async () => {
    await guard(async () => {
      expect(await store.containerExists('linked-container')).toBe(false)
      for (const action of [
        store.getContainer('linked-container'),
        store.listObjects('linked-container'),
        store.clearContainer('linked-container'),
        store.deleteContainer('linked-container'),
        store.containerInfo('linked-container'),
        store.readObject('linked-container', 'secret.txt', 0n, U64_MAX),
        store.writeObject('linked-container', 'escaped', chunks('x')),
        store.deleteObject('linked-container', 'secret.txt'),
        store.createContainer('linked-container'),
      ]) {
        expect((await failure(action)).message).not.toContain(SECRET)
      }
      // A real container swapped for a link between two calls.
      await store.createContainer('swapped')
      await store.writeObject('swapped', 'mine', chunks('mine'))
      renameSync(path.join(root, 'swapped'), path.join(base, 'swapped-away'))
      symlinkSync(outside, path.join(root, 'swapped'))
      await failure(store.listObjects('swapped'))
      await failure(store.readObject('swapped', 'secret.txt', 0n, U64_MAX))
      await failure(store.clearContainer('swapped'))
      await failure(store.deleteContainer('swapped'))
      await failure(store.writeObject('swapped', 'escaped', chunks('x')))
      await failure(store.copyObject({ container: 'box', object: 'legit' }, { container: 'swapped', object: 'escaped' }))
      await failure(store.moveObject({ container: 'box', object: 'legit' }, { container: 'swapped', object: 'escaped' }))
    })
    expect(await read(store, 'box', 'legit')).toBe('inside')
  })

  it('does not hang on a FIFO planted in a container', async () => {
    const fifo = path.join(root, 'box', 'pipe')
    const made = await execa('mkfifo', [fifo], { reject: false })
    if (made.exitCode !== 0) throw new Error(`mkfifo failed: ${made.stderr}`)
    await failure(store.readObject('box', 'pipe', 0n, U64_MAX))
    expect(await store.hasObject('box', 'pipe')).toBe(false)
  })
})
