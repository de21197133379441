import {
  closeSync,
  fstatSync,
  ftruncateSync,
  futimesSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  realpathSync,
  renameSync,
  rmdirSync,
  type Stats,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeSync,
  constants as fsConstants,
} from 'node:fs'
import path from 'node:path'

import { InputStream, IoError, OutputStream, resourceCounter } from './io.js'

/**
 * wasi:filesystem (types, preopens) over node:fs, synchronous, confined to the directories the
 * user mapped with `--dir host::guest`. No mapping, no filesystem: `get-directories` is empty.
 * Every path is resolved against its descriptor and refused (`not-permitted`) when it, or a
 * symbolic link on the way, leads outside the mapped directory.
 */
export interface Preopen {
  /** Absolute host directory. */
  host: string
  /** The name the guest sees (e.g. `/data`). */
  guest: string
}

type ErrorCodeName = string

const ERRNO_CODES: Record<string, ErrorCodeName> = {
  EACCES: 'access',
  EAGAIN: 'would-block',
  EALREADY: 'already',
  EBADF: 'bad-descriptor',
  EBUSY: 'busy',
  EDQUOT: 'quota',
  EEXIST: 'exist',
  EFBIG: 'file-too-large',
  EINVAL: 'invalid',
  EIO: 'io',
  EISDIR: 'is-directory',
  ELOOP: 'loop',
  EMLINK: 'too-many-links',
  ENAMETOOLONG: 'name-too-long',
  ENOENT: 'no-entry',
  ENOMEM: 'insufficient-memory',
  ENOSPC: 'insufficient-space',
  ENOTDIR: 'not-directory',
  ENOTEMPTY: 'not-empty',
  ENOTSUP: 'unsupported',
  EPERM: 'not-permitted',
  EPIPE: 'pipe',
  EROFS: 'read-only',
  ESPIPE: 'invalid-seek',
  ETXTBSY: 'text-file-busy',
  EXDEV: 'cross-device',
}

class FsFailure {
  constructor(readonly code: ErrorCodeName) {}
}

/** Runs a node:fs call and rethrows its failure as a wasi:filesystem error-code (thrown as a plain string). */
function fsCall<T>(fn: () => T): T {
  try {
    return fn()
  } catch (error) {
    if (error instanceof FsFailure) throw error.code
    throw ERRNO_CODES[(error as NodeJS.ErrnoException).code ?? ''] ?? 'io'
  }
}

function descriptorType(stats: Stats): string {
  if (stats.isFile()) return 'regular-file'
  if (stats.isDirectory()) return 'directory'
  if (stats.isSymbolicLink()) return 'symbolic-link'
  if (stats.isCharacterDevice()) return 'character-device'
  if (stats.isBlockDevice()) return 'block-device'
  if (stats.isFIFO()) return 'fifo'
  if (stats.isSocket()) return 'socket'
  return 'unknown'
}

function datetime(ms: number, ns?: bigint): { seconds: bigint; nanoseconds: number } {
  const total = ns ?? BigInt(Math.round(ms * 1e6))
  return { seconds: total / 1_000_000_000n, nanoseconds: Number(total % 1_000_000_000n) }
}

function describeStats(stats: Stats) {
  return {
    type: descriptorType(stats),
    linkCount: BigInt(stats.nlink),
    size: BigInt(stats.size),
    dataAccessTimestamp: datetime(stats.atimeMs),
    dataModificationTimestamp: datetime(stats.mtimeMs),
    statusChangeTimestamp: datetime(stats.ctimeMs),
  }
}

type NewTimestamp = { tag: 'no-change' } | { tag: 'now' } | { tag: 'timestamp'; val: { seconds: bigint; nanoseconds: number } }

function timestampSeconds(value: NewTimestamp, current: number): number {
  if (value.tag === 'no-change') return current / 1000
  if (value.tag === 'now') return Date.now() / 1000
  return Number(value.val.seconds) + value.val.nanoseconds / 1e9
}

class FileStreamError extends IoError {
  constructor(readonly code: ErrorCodeName) {
    super(`filesystem error: ${code}`)
  }
}

interface PathFlags {
  symlinkFollow?: boolean
}

interface DescriptorFlags {
  read?: boolean
  write?: boolean
  mutateDirectory?: boolean
}

class DirectoryEntryStream {
  private index = 0

  constructor(private readonly entries: { type: string; name: string }[]) {
    resourceCounter.created++
  }

  readDirectoryEntry(): { type: string; name: string } | undefined {
    return this.entries[this.index++]
  }

  [Symbol.dispose](): void {}
}

export class Descriptor {
  private fd?: number

  constructor(
    private readonly root: string,
    private readonly hostPath: string,
    private readonly flags: DescriptorFlags,
    fd?: number,
  ) {
    resourceCounter.created++
    this.fd = fd
  }

  readViaStream(offset: bigint): InputStream {
    const fd = this.fileFd()
    let position = Number(offset)
    return new InputStream({
      read: (max) => {
        const buffer = new Uint8Array(max)
        let read: number
        try {
          read = readSync(fd, buffer, 0, max, position)
        } catch (error) {
          throw { tag: 'last-operation-failed', val: new FileStreamError(ERRNO_CODES[(error as NodeJS.ErrnoException).code ?? ''] ?? 'io') }
        }
        if (read === 0) return undefined
        position += read
        return buffer.subarray(0, read)
      },
    })
  }

  writeViaStream(offset: bigint): OutputStream {
    const fd = this.fileFd()
    let position = Number(offset)
    return new OutputStream({
      write: (bytes) => {
        position += writeSync(fd, bytes, 0, bytes.length, position)
      },
    })
  }

  appendViaStream(): OutputStream {
    const fd = this.fileFd()
    return new OutputStream({ write: (bytes) => void writeSync(fd, bytes, 0, bytes.length, fstatSync(fd).size) })
  }

  advise(): void {}

  syncData(): void {}

  sync(): void {}

  getFlags(): DescriptorFlags {
    return { read: this.flags.read, write: this.flags.write, mutateDirectory: this.flags.mutateDirectory }
  }

  getType(): string {
    return fsCall(() => descriptorType(this.ownStats()))
  }

  setSize(size: bigint): void {
    fsCall(() => ftruncateSync(this.fileFd(), Number(size)))
  }

  setTimes(access: NewTimestamp, modification: NewTimestamp): void {
    fsCall(() => {
      const stats = this.ownStats()
      const atime = timestampSeconds(access, stats.atimeMs)
      const mtime = timestampSeconds(modification, stats.mtimeMs)
      if (this.fd === undefined) utimesSync(this.hostPath, atime, mtime)
      else futimesSync(this.fd, atime, mtime)
    })
  }

  read(length: bigint, offset: bigint): [Uint8Array, boolean] {
    const fd = this.fileFd()
    return fsCall(() => {
      const buffer = new Uint8Array(Number(length))
      const read = readSync(fd, buffer, 0, buffer.length, Number(offset))
      return [buffer.subarray(0, read), read === 0 && buffer.length > 0]
    })
  }

  write(buffer: Uint8Array, offset: bigint): bigint {
    const fd = this.fileFd()
    return fsCall(() => BigInt(writeSync(fd, buffer, 0, buffer.length, Number(offset))))
  }

  readDirectory(): DirectoryEntryStream {
    return fsCall(() => {
      const entries = readdirSync(this.hostPath, { withFileTypes: true }).map((entry) => ({
        name: entry.name,
        type: entry.isFile()
          ? 'regular-file'
          : entry.isDirectory()
            ? 'directory'
            : entry.isSymbolicLink()
              ? 'symbolic-link'
              : 'unknown',
      }))
      return new DirectoryEntryStream(entries)
    })
  }

  createDirectoryAt(guestPath: string): void {
    fsCall(() => mkdirSync(this.resolve(guestPath, false)))
  }

  stat() {
    return fsCall(() => describeStats(this.ownStats()))
  }

  statAt(pathFlags: PathFlags, guestPath: string) {
    return fsCall(() => describeStats(this.statsAt(pathFlags, guestPath)))
  }

  setTimesAt(pathFlags: PathFlags, guestPath: string, access: NewTimestamp, modification: NewTimestamp): void {
    fsCall(() => {
      const target = this.resolve(guestPath, !!pathFlags.symlinkFollow)
      const stats = statSync(target)
      utimesSync(target, timestampSeconds(access, stats.atimeMs), timestampSeconds(modification, stats.mtimeMs))
    })
  }

  linkAt(_oldFlags: unknown, oldPath: string, newDescriptor: Descriptor, newPath: string): void {
    fsCall(() => linkSync(this.resolve(oldPath, false), newDescriptor.resolve(newPath, false)))
  }

  openAt(
    pathFlags: PathFlags,
    guestPath: string,
    openFlags: { create?: boolean; directory?: boolean; exclusive?: boolean; truncate?: boolean },
    flags: DescriptorFlags,
  ): Descriptor {
    return fsCall(() => {
      const target = this.resolve(guestPath, !!pathFlags.symlinkFollow)
      if (flags.write || flags.mutateDirectory) {
        if (!this.flags.write && !this.flags.mutateDirectory) throw new FsFailure('read-only')
      }
      let stats: Stats | undefined
      try {
        stats = statSync(target)
      } catch {
        stats = undefined
      }
      if (stats?.isDirectory()) {
        if (openFlags.create && openFlags.exclusive) throw new FsFailure('exist')
        if (flags.write) throw new FsFailure('is-directory')
        return new Descriptor(this.root, target, flags)
      }
      if (openFlags.directory) throw new FsFailure(stats ? 'not-directory' : 'no-entry')
      let mode = flags.write ? (flags.read ? fsConstants.O_RDWR : fsConstants.O_WRONLY) : fsConstants.O_RDONLY
      if (openFlags.create) mode |= fsConstants.O_CREAT
      if (openFlags.exclusive) mode |= fsConstants.O_EXCL
      if (openFlags.truncate) mode |= fsConstants.O_TRUNC
      if (!pathFlags.symlinkFollow) mode |= fsConstants.O_NOFOLLOW
      return new Descriptor(this.root, target, flags, openSync(target, mode))
    })
  }

  readlinkAt(guestPath: string): string {
    return fsCall(() => {
      const link = readlinkSync(this.resolve(guestPath, false))
      if (path.isAbsolute(link)) throw new FsFailure('not-permitted')
      return link
    })
  }

  removeDirectoryAt(guestPath: string): void {
    fsCall(() => rmdirSync(this.resolve(guestPath, false)))
  }

  renameAt(oldPath: string, newDescriptor: Descriptor, newPath: string): void {
    fsCall(() => renameSync(this.resolve(oldPath, false), newDescriptor.resolve(newPath, false)))
  }

  symlinkAt(oldPath: string, newPath: string): void {
    fsCall(() => {
      if (path.isAbsolute(oldPath)) throw new FsFailure('not-permitted')
      const link = this.resolve(newPath, false)
      this.confine(path.resolve(path.dirname(link), oldPath))
      symlinkSync(oldPath, link)
    })
  }

  unlinkFileAt(guestPath: string): void {
    fsCall(() => unlinkSync(this.resolve(guestPath, false)))
  }

  isSameObject(other: Descriptor): boolean {
    return fsCall(() => {
      const a = this.stat()
      const b = other.stat()
      return a.type === b.type && realpathSync(this.hostPath) === realpathSync(other.hostPath)
    })
  }

  metadataHash() {
    return fsCall(() => hashOf(this.ownStats()))
  }

  metadataHashAt(pathFlags: PathFlags, guestPath: string) {
    return fsCall(() => hashOf(this.statsAt(pathFlags, guestPath)))
  }

  [Symbol.dispose](): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd)
      } catch {
        // already closed
      }
      this.fd = undefined
    }
  }

  private ownStats(): Stats {
    return this.fd === undefined ? statSync(this.hostPath) : fstatSync(this.fd)
  }

  private statsAt(pathFlags: PathFlags, guestPath: string): Stats {
    const target = this.resolve(guestPath, !!pathFlags.symlinkFollow)
    return pathFlags.symlinkFollow ? statSync(target) : lstatSync(target)
  }

  private fileFd(): number {
    if (this.fd === undefined) throw 'is-directory'
    return this.fd
  }

  /** The host path for a guest path relative to this directory, refused if it leaves the mapping. */
  private resolve(guestPath: string, followFinalLink: boolean): string {
    if (path.isAbsolute(guestPath)) throw new FsFailure('not-permitted')
    const target = path.resolve(this.hostPath, guestPath)
    this.confine(target)
    if (followFinalLink) this.confineReal(target)
    else this.confineReal(path.dirname(target))
    return target
  }

  private confine(target: string): void {
    const relative = path.relative(this.root, target)
    if (relative.startsWith('..') || path.isAbsolute(relative)) throw new FsFailure('not-permitted')
  }

  /** Symbolic links may not lead out: the real path of the deepest existing ancestor must stay inside. */
  private confineReal(target: string): void {
    let existing = target
    for (;;) {
      try {
        this.confine(realpathSync(existing))
        return
      } catch (error) {
        if (error instanceof FsFailure) throw error
        const parent = path.dirname(existing)
        if (parent === existing) throw new FsFailure('not-permitted')
        existing = parent
      }
    }
  }
}

function hashOf(stats: Stats) {
  return { lower: BigInt(stats.ino), upper: BigInt(stats.dev) }
}

export function createFilesystem(preopens: Preopen[]) {
  const roots = preopens.map((preopen) => ({ ...preopen, real: realpathSync(preopen.host) }))
  return {
    types: {
      Descriptor,
      DirectoryEntryStream,
      filesystemErrorCode: (error: IoError): string | undefined => (error instanceof FileStreamError ? error.code : undefined),
    },
    preopens: {
      // Fresh descriptors per call: the guest owns (and drops) what it receives.
      getDirectories: (): [Descriptor, string][] =>
        roots.map(({ real, guest }) => [new Descriptor(real, real, { read: true, write: true, mutateDirectory: true }), guest]),
    },
  }
}
