import { closeSync, constants as fsConstants, createReadStream, createWriteStream, fstatSync, lstatSync, mkdirSync, openSync, renameSync, rmdirSync, type Stats, unlinkSync } from 'node:fs'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

import { fsError } from '../../errors.js'
import { type ConfinedDir, ConfinedRoot, listFiles, removeContents, reopen, safeComponents, UnsafeNameError, walk } from './confined.js'
import { type BlobstoreBackend, BlobstoreError, clampRange, type ContainerMetadata, copyByStreaming, type IncomingObject, ListedNames, type ObjectId, type ObjectMetadata, type ObjectNameStream } from './types.js'

const O = fsConstants
/** Objects being written live under this name until they are renamed into place; never listed. */
const TEMP_MARK = '.wasmctl-blob-'
let tempCounter = 0

/**
 * wasi:blobstore on a folder, as wasmCloud's blobstore-fs provider lays it out: a container is a
 * directory directly under the link config's `root`, an object a file in it (an object name with
 * `/` is a file in subdirectories; listing gives every file, `/`-joined). Confined to the root:
 * see confined.ts. Writes go to a temp file beside the object, renamed into place when complete.
 */
export class FolderBlobstoreBackend implements BlobstoreBackend {
  readonly kind = 'folder' as const

  private constructor(private readonly root: ConfinedRoot) {}

  /** FS_ERROR when the root cannot be made or opened. */
  static open(root: string): FolderBlobstoreBackend {
    try {
      return new FolderBlobstoreBackend(ConfinedRoot.open(root))
    } catch (error) {
      // At start-up, not a guest call: the user's error to fix.
      throw fsError(error, 'open the blobstore folder', root)
    }
  }

  get rootPath(): string {
    return this.root.path
  }

  describe() {
    return { backend: this.kind, address: this.root.path }
  }

  /** Runs a filesystem step, turning errno failures into guest-facing errors that name only what the guest named. */
  private run<T>(subject: string, action: () => T): T {
    try {
      return action()
    } catch (error) {
      throw this.failure(subject, error)
    }
  }

  private failure(subject: string, error: unknown): BlobstoreError {
    if (error instanceof BlobstoreError) return error
    if (error instanceof UnsafeNameError) return new BlobstoreError(`invalid ${error.message}`)
    const code = (error as NodeJS.ErrnoException)?.code
    switch (code) {
      case 'ENOENT':
        return new BlobstoreError(`${subject} does not exist`, { missing: subject.startsWith('container') ? 'container' : 'object' })
      case 'ELOOP':
        return new BlobstoreError(`${subject}: a symbolic link is in the way (the folder blobstore does not follow links)`)
      case 'ENOTDIR':
        return new BlobstoreError(`${subject}: a part of the name is a file, not a directory`)
      case 'EISDIR':
        return new BlobstoreError(`${subject} is a directory, not an object`)
      case 'EEXIST':
        return new BlobstoreError(`${subject} already exists and is not a container`)
      default:
        return new BlobstoreError(`${subject}: ${code ?? (error as Error)?.message ?? String(error)}`, { cause: error })
    }
  }

  private containerParts(name: string): string[] {
    const parts = safeComponents(name, `container name "${printable(name)}"`)
    if (parts.length !== 1) throw new UnsafeNameError(`container name "${printable(name)}"`, '/ is not allowed')
    return parts
  }

  private objectParts(name: string): string[] {
    const parts = safeComponents(name, `object name "${printable(name)}"`)
    if (parts.some((part) => part.startsWith(TEMP_MARK))) throw new UnsafeNameError(`object name "${printable(name)}"`, `names starting ${TEMP_MARK} are reserved`)
    return parts
  }

  /** The container's directory (it must exist), open. */
  private container(name: string): ConfinedDir {
    const parts = this.containerParts(name)
    try {
      return this.root.enter(parts)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT') throw new BlobstoreError(`container "${printable(name)}" does not exist`, { missing: 'container' })
      if (code === 'ELOOP' || code === 'ENOTDIR') throw new BlobstoreError(`container "${printable(name)}" is not a directory (the folder blobstore does not follow links)`)
      throw error
    }
  }

  /** The directory an object lives in (made when `create`) and its last name component. */
  private withParent<T>(id: ObjectId, create: boolean, action: (parent: ConfinedDir, base: string) => T): T {
    const subject = `object "${printable(id.object)}" in container "${printable(id.container)}"`
    return this.run(subject, () => {
      const parts = this.objectParts(id.object)
      const container = this.container(id.container)
      let parent: ConfinedDir
      try {
        parent = parts.length === 1 ? container : this.enterFrom(container, parts.slice(0, -1), create)
      } finally {
        if (parts.length !== 1) container.close()
      }
      try {
        return action(parent, parts[parts.length - 1])
      } finally {
        parent.close()
      }
    })
  }

  private enterFrom(dir: ConfinedDir, parts: string[], create: boolean): ConfinedDir {
    return walk(reopen(dir), parts, create)
  }

  async createContainer(name: string): Promise<void> {
    this.run(`container "${printable(name)}"`, () => {
      const [part] = this.containerParts(name)
      try {
        mkdirSync(`${this.root.dir.prefix}/${part}`)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
        this.container(name).close()
      }
    })
  }

  async getContainer(name: string): Promise<void> {
    this.run(`container "${printable(name)}"`, () => this.container(name).close())
  }

  async containerExists(name: string): Promise<boolean> {
    return this.run(`container "${printable(name)}"`, () => {
      const [part] = this.containerParts(name)
      try {
        return lstatSync(`${this.root.dir.prefix}/${part}`).isDirectory()
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
        throw error
      }
    })
  }

  async deleteContainer(name: string): Promise<void> {
    this.run(`container "${printable(name)}"`, () => {
      const dir = this.container(name)
      try {
        removeContents(dir)
      } finally {
        dir.close()
      }
      rmdirSync(`${this.root.dir.prefix}/${this.containerParts(name)[0]}`)
    })
  }

  async containerInfo(name: string): Promise<ContainerMetadata> {
    return this.run(`container "${printable(name)}"`, () => {
      const dir = this.container(name)
      try {
        return { name, createdAt: createdSeconds(lstatSync(`${dir.prefix}/.`)) }
      } finally {
        dir.close()
      }
    })
  }

  async readObject(container: string, name: string, start: bigint, end: bigint): Promise<IncomingObject> {
    return this.withParent({ container, object: name }, false, (parent, base) => {
      // O_NONBLOCK: a FIFO planted in the root must not hang the host; a regular file ignores it.
      const fd = openSync(`${parent.prefix}/${base}`, O.O_RDONLY | O.O_NOFOLLOW | O.O_NONBLOCK)
      try {
        const stats = fstatSync(fd)
        if (!stats.isFile()) throw Object.assign(new Error('not a file'), { code: stats.isDirectory() ? 'EISDIR' : 'EINVAL' })
        const range = clampRange(start, end, BigInt(stats.size))
        if (!range) {
          closeSync(fd)
          return { size: 0n, stream: Readable.from([]) }
        }
        // The open fd keeps these bytes readable even if the object is replaced or deleted now.
        const stream = createReadStream('', { fd, start: Number(range.start), end: Number(range.end), autoClose: true, highWaterMark: 256 * 1024 })
        return { size: range.end - range.start + 1n, stream }
      } catch (error) {
        closeSync(fd)
        throw error
      }
    })
  }

  async writeObject(container: string, name: string, data: AsyncIterable<Uint8Array>): Promise<void> {
    const subject = `object "${printable(name)}" in container "${printable(container)}"`
    // The parent stays open (by fd) for the whole write, so the rename lands where the write began.
    const { parent, base } = this.withParent({ container, object: name }, true, (dir, last) => {
      // Reopen the parent: withParent closes its handle when the callback returns.
      return { parent: reopen(dir), base: last }
    })
    const temp = `${TEMP_MARK}${process.pid}-${++tempCounter}`
    try {
      const fd = this.run(subject, () => openSync(`${parent.prefix}/${temp}`, O.O_WRONLY | O.O_CREAT | O.O_EXCL | O.O_NOFOLLOW, 0o666))
      try {
        await pipeline(data, createWriteStream('', { fd, autoClose: true }))
      } catch (error) {
        throw new BlobstoreError(`writing ${subject} failed: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error })
      }
      this.run(subject, () => renameSync(`${parent.prefix}/${temp}`, `${parent.prefix}/${base}`))
    } catch (error) {
      try {
        unlinkSync(`${parent.prefix}/${temp}`)
      } catch {
        // never created, or already renamed
      }
      throw error
    } finally {
      parent.close()
    }
  }

  async listObjects(container: string): Promise<ObjectNameStream> {
    return this.run(`container "${printable(container)}"`, () => {
      const dir = this.container(container)
      try {
        return new ListedNames(listFiles(dir, (name) => name.startsWith(TEMP_MARK)).sort())
      } finally {
        dir.close()
      }
    })
  }

  async deleteObject(container: string, name: string): Promise<void> {
    try {
      this.withParent({ container, object: name }, false, (parent, base) => {
        try {
          unlinkSync(`${parent.prefix}/${base}`)
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
        }
      })
    } catch (error) {
      // A missing directory on the way means the object is not there either.
      if (error instanceof BlobstoreError && error.missing === 'object') return
      throw error
    }
  }

  async deleteObjects(container: string, names: string[]): Promise<void> {
    for (const name of names) await this.deleteObject(container, name)
  }

  async hasObject(container: string, name: string): Promise<boolean> {
    try {
      return this.withParent({ container, object: name }, false, (parent, base) => {
        try {
          return lstatSync(`${parent.prefix}/${base}`).isFile()
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
          throw error
        }
      })
    } catch (error) {
      if (error instanceof BlobstoreError && error.missing === 'object') return false
      throw error
    }
  }

  async objectInfo(container: string, name: string): Promise<ObjectMetadata> {
    return this.withParent({ container, object: name }, false, (parent, base) => {
      const stats = lstatSync(`${parent.prefix}/${base}`)
      if (!stats.isFile()) throw Object.assign(new Error('not a file'), { code: stats.isSymbolicLink() ? 'ELOOP' : stats.isDirectory() ? 'EISDIR' : 'EINVAL' })
      return { name, container, createdAt: createdSeconds(stats), size: BigInt(stats.size) }
    })
  }

  async clearContainer(container: string): Promise<void> {
    this.run(`container "${printable(container)}"`, () => {
      const dir = this.container(container)
      try {
        removeContents(dir)
      } finally {
        dir.close()
      }
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
    await this.getContainer(dest.container)
    const source = this.withParent(src, false, (parent, base) => {
      if (!lstatSync(`${parent.prefix}/${base}`).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' })
      return { parent: reopen(parent), base }
    })
    try {
      this.withParent(dest, true, (parent, base) => renameSync(`${source.parent.prefix}/${source.base}`, `${parent.prefix}/${base}`))
    } finally {
      source.parent.close()
    }
  }

  async close(): Promise<void> {
    this.root.close()
  }
}

/** Seconds since the epoch a file was made (its birth time where the filesystem keeps one). */
function createdSeconds(stats: Stats): bigint {
  const ms = stats.birthtimeMs > 0 ? stats.birthtimeMs : stats.mtimeMs
  return BigInt(Math.floor(ms / 1000))
}

/** A guest-supplied name for an error message: control characters escaped, long names cut. */
function printable(name: string): string {
  const escaped = JSON.stringify(name).slice(1, -1)
  return escaped.length > 200 ? `${escaped.slice(0, 200)}…` : escaped
}
