import {
  type BigIntStats,
  closeSync,
  constants as fsConstants,
  existsSync,
  fstatSync,
  fsyncSync,
  fdatasyncSync,
  ftruncateSync,
  futimesSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  renameSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { spawnSync } from 'node:child_process'
import path from 'node:path'

import { InputStream, IoError, OutputStream, resourceCounter } from './io.js'

/**
 * wasi:filesystem (types, preopens) over node:fs, synchronous, confined to the directories the
 * user mapped with `--dir host::guest`. No mapping, no filesystem: `get-directories` is empty.
 *
 * Confinement works as in wasmtime (cap-std): every descriptor is a sandbox root of its own.
 * A directory descriptor holds an open directory fd, never a path, and a guest path is resolved
 * from it one component at a time, opening each directory with O_NOFOLLOW. A symbolic link met on
 * the way is read and its text spliced into the remaining path, so it is resolved by the same
 * rules: `..` above the descriptor and absolute paths or targets are refused (`not-permitted`),
 * more than 40 links are a `loop`. The final component is operated on through its parent's fd
 * without following it (lstat, lutimes, unlink, rename, open with O_NOFOLLOW, ...); where the
 * guest asked to follow it, the host expands it itself. The kernel therefore never follows a link
 * the guest controls, and no sequence of calls (renaming a link, swapping a directory for a link
 * between two calls) can name a host path outside the grant.
 *
 * Node has no openat(): on Linux `/proc/self/fd/<fd>/<name>` is its exact equivalent (the kernel
 * follows the magic link to the directory the fd refers to, wherever it now is, and looks up the
 * single component `name`). Elsewhere the host falls back to a textual walk checked with lstat at
 * each step, which is racy against a concurrent swap of a directory for a link by another process.
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
  EOPNOTSUPP: 'unsupported',
  EPERM: 'not-permitted',
  EPIPE: 'pipe',
  EROFS: 'read-only',
  ESPIPE: 'invalid-seek',
  ETXTBSY: 'text-file-busy',
  EXDEV: 'cross-device',
  ENXIO: 'no-such-device',
  EOVERFLOW: 'overflow',
}

const O = fsConstants
const PROC_FD = '/proc/self/fd'
/** Whether `/proc/self/fd/<fd>/<name>` can stand in for the `*at()` calls (Linux). */
const useProcFd = process.platform === 'linux' && existsSync(`${PROC_FD}/0`)
/** As Linux's MAXSYMLINKS: more link expansions in one resolution is a loop. */
const MAX_SYMLINK_EXPANSIONS = 40

/** A wasi:filesystem error-code, thrown as the plain string jco lowers to the error case. */
class FsFailure {
  constructor(readonly code: ErrorCodeName) {}
}

function errnoCode(error: unknown): ErrorCodeName {
  if (error instanceof FsFailure) return error.code
  return ERRNO_CODES[(error as NodeJS.ErrnoException)?.code ?? ''] ?? 'io'
}

function fail(code: ErrorCodeName): never {
  throw new FsFailure(code)
}

/** Runs node:fs calls and rethrows a failure as a wasi:filesystem error-code (a plain string). */
function fsCall<T>(fn: () => T): T {
  try {
    return fn()
  } catch (error) {
    if (error instanceof FsFailure || (error as NodeJS.ErrnoException)?.code !== undefined) throw errnoCode(error)
    throw error
  }
}

function isErrno(error: unknown, ...codes: string[]): boolean {
  return codes.includes((error as NodeJS.ErrnoException)?.code ?? '')
}

function descriptorType(stats: BigIntStats): string {
  if (stats.isFile()) return 'regular-file'
  if (stats.isDirectory()) return 'directory'
  if (stats.isSymbolicLink()) return 'symbolic-link'
  if (stats.isCharacterDevice()) return 'character-device'
  if (stats.isBlockDevice()) return 'block-device'
  if (stats.isFIFO()) return 'fifo'
  if (stats.isSocket()) return 'socket'
  return 'unknown'
}

function datetime(ns: bigint): { seconds: bigint; nanoseconds: number } {
  return { seconds: ns / 1_000_000_000n, nanoseconds: Number(ns % 1_000_000_000n) }
}

function describeStats(stats: BigIntStats) {
  return {
    type: descriptorType(stats),
    linkCount: stats.nlink,
    size: stats.size,
    dataAccessTimestamp: datetime(stats.atimeNs),
    dataModificationTimestamp: datetime(stats.mtimeNs),
    statusChangeTimestamp: datetime(stats.ctimeNs),
  }
}

type NewTimestamp = { tag: 'no-change' } | { tag: 'now' } | { tag: 'timestamp'; val: { seconds: bigint; nanoseconds: number } }

function checkTimestamps(...values: NewTimestamp[]): void {
  for (const value of values) if (value.tag === 'timestamp' && value.val.nanoseconds >= 1_000_000_000) fail('invalid')
}

/**
 * The time to set, in seconds, for node's utimes: it keeps microseconds only and has no
 * UTIME_OMIT (`no-change` writes back the current value, to the microsecond).
 */
function timestampSeconds(value: NewTimestamp, currentNs: bigint): number {
  if (value.tag === 'no-change') return Number(currentNs / 1000n) / 1e6
  if (value.tag === 'now') return Date.now() / 1000
  return Number(value.val.seconds) + value.val.nanoseconds / 1e9
}

let gnuTouch: string | null | undefined

/** GNU touch, which sets times to the nanosecond and one of them alone; null when absent. */
function findGnuTouch(): string | null {
  if (gnuTouch !== undefined) return gnuTouch
  gnuTouch = null
  for (const candidate of ['/usr/bin/touch', '/bin/touch']) {
    if (!existsSync(candidate)) continue
    const version = spawnSync(candidate, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    if (version.status === 0 && version.stdout.includes('GNU')) gnuTouch = candidate
    break
  }
  return gnuTouch
}

/**
 * Sets times to the nanosecond (as utimensat, which node does not expose: its utimes rounds to the
 * microsecond, and WASI programs read back what they set) by running GNU touch on the entry
 * `name` of the directory `fd` (or on the file `fd` itself), passed to it as its fd 3, so the path
 * it sees is `/proc/self/fd/3/<name>`, with `-h`: confined exactly as the host's own calls.
 * False when it cannot (no GNU touch, not Linux): the caller falls back to node's utimes.
 */
function setTimesExactly(fd: number, name: string | undefined, access: NewTimestamp, modification: NewTimestamp): boolean {
  if (!useProcFd) return false
  const touch = findGnuTouch()
  if (!touch) return false
  const target = name === undefined ? `${PROC_FD}/3` : `${PROC_FD}/3/${name}`
  for (const [which, value] of [['-a', access], ['-m', modification]] as const) {
    if (value.tag === 'no-change') continue
    const args = ['-c', which]
    // -h: never follow the final entry. Not for the fd itself: /proc/self/fd/3 is the magic link to it.
    if (name !== undefined) args.push('-h')
    if (value.tag === 'timestamp') args.push('-d', `@${value.val.seconds}.${String(value.val.nanoseconds).padStart(9, '0')}`)
    args.push('--', target)
    const result = spawnSync(touch, args, { stdio: ['ignore', 'ignore', 'pipe', fd], encoding: 'utf8' })
    if (result.status !== 0) {
      const message = String(result.stderr ?? '')
      fail(/Permission denied/.test(message) ? 'access' : /not permitted/.test(message) ? 'not-permitted' : /No such file/.test(message) ? 'no-entry' : 'io')
    }
  }
  return true
}

class FileStreamError extends IoError {
  constructor(readonly code: ErrorCodeName) {
    super(`filesystem error: ${code}`)
  }
}

function streamFailure(error: unknown): { tag: 'last-operation-failed'; val: FileStreamError } {
  return { tag: 'last-operation-failed', val: new FileStreamError(errnoCode(error)) }
}

interface PathFlags {
  symlinkFollow?: boolean
}

interface DescriptorFlags {
  read?: boolean
  write?: boolean
  fileIntegritySync?: boolean
  dataIntegritySync?: boolean
  requestedWriteSync?: boolean
  mutateDirectory?: boolean
}

interface OpenFlags {
  create?: boolean
  directory?: boolean
  exclusive?: boolean
  truncate?: boolean
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

// ---------------------------------------------------------------------------------------------
// Path resolution

/** A directory the walk stands in: how to name it to the kernel, and the fd to close, if the walk opened it. */
interface DirStep {
  /** `/proc/self/fd/<fd>` (Linux) or the directory's host path (fallback). */
  prefix: string
  /** Linux: the directory's open fd. */
  fd?: number
  /** Whether the walk opened `fd` (and closes it). */
  owned?: boolean
}

function procPath(fd: number): string {
  return `${PROC_FD}/${fd}`
}

/** Opens the child directory `name` of `dir` without following a link; ELOOP/ENOTDIR when it is not a plain directory. */
function enterDirectory(dir: DirStep, name: string): DirStep {
  const target = `${dir.prefix}/${name}`
  if (useProcFd) {
    const fd = openSync(target, O.O_RDONLY | O.O_DIRECTORY | O.O_NOFOLLOW)
    return { prefix: procPath(fd), fd, owned: true }
  }
  // Fallback (no /proc/self/fd): racy, a directory swapped for a link after this check is followed.
  const stats = lstatSync(target)
  if (stats.isSymbolicLink()) throw Object.assign(new Error('symbolic link'), { code: 'ELOOP' })
  if (!stats.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' })
  return { prefix: target }
}

function releaseStep(step: DirStep): void {
  if (step.owned && step.fd !== undefined) closeSync(step.fd)
}

/** The link text of `dir/name`, or undefined when it is not a symbolic link. */
function linkTarget(dir: DirStep, name: string): string | undefined {
  let stats
  try {
    stats = lstatSync(`${dir.prefix}/${name}`)
  } catch {
    return undefined
  }
  if (!stats.isSymbolicLink()) return undefined
  return readlinkSync(`${dir.prefix}/${name}`)
}

interface SplitPath {
  components: string[]
  /** The path ended in `/`: its final entry must be a directory (a link there is not one unless followed). */
  trailingSlash: boolean
}

function splitPath(guestPath: string): SplitPath {
  if (guestPath.includes('\0')) fail('invalid')
  if (guestPath.startsWith('/')) fail('not-permitted')
  return { components: guestPath.split('/').filter((part) => part !== ''), trailingSlash: guestPath.endsWith('/') }
}

/**
 * Where a guest path leads: the directory holding its final entry (opened, confined) and that
 * entry's name ('.' when the path names a directory itself, e.g. `.` or `a/..`). `release`
 * closes every fd the walk opened.
 */
class Resolved {
  constructor(
    private readonly stack: DirStep[],
    readonly name: string,
    readonly trailingSlash: boolean,
  ) {}

  get dir(): DirStep {
    return this.stack[this.stack.length - 1]
  }

  /** The kernel path of the final entry (its last component is never followed by *at-style calls below). */
  get target(): string {
    return `${this.dir.prefix}/${this.name}`
  }

  release(): void {
    for (let i = this.stack.length - 1; i > 0; i--) releaseStep(this.stack[i])
    this.stack.length = 1
  }
}

/**
 * Resolves `guestPath` beneath `root`. Links on the way are expanded by the host, never by the
 * kernel; the final entry only when `followFinal`. Every directory is entered through the fd of
 * its parent, so renaming or swapping anything between two calls changes nothing: each call
 * starts again from the descriptor's own fd.
 */
function resolvePath(root: DirStep, guestPath: string, followFinal: boolean): Resolved {
  const { components, trailingSlash } = splitPath(guestPath)
  if (guestPath === '') fail('no-entry')
  const stack: DirStep[] = [root]
  const pending = components.reverse()
  let expansions = 0
  let finalSlash = trailingSlash
  const top = () => stack[stack.length - 1]
  const expand = (target: string) => {
    if (++expansions > MAX_SYMLINK_EXPANSIONS) fail('loop')
    const split = splitPath(target)
    if (pending.length === 0) finalSlash = split.trailingSlash || finalSlash
    pending.push(...split.components.reverse())
    if (split.components.length === 0 && pending.length === 0) pending.push('.')
  }
  try {
    while (pending.length > 0) {
      const name = pending.pop()!
      const last = pending.length === 0
      if (name === '.') {
        if (last) return new Resolved(stack, '.', finalSlash)
        continue
      }
      if (name === '..') {
        if (stack.length === 1) fail('not-permitted')
        releaseStep(stack.pop()!)
        if (last) return new Resolved(stack, '.', finalSlash)
        continue
      }
      if (last) {
        const link = followFinal ? linkTarget(top(), name) : undefined
        if (link === undefined) return new Resolved(stack, name, finalSlash)
        expand(link)
        continue
      }
      try {
        stack.push(enterDirectory(top(), name))
      } catch (error) {
        if (!isErrno(error, 'ELOOP', 'ENOTDIR')) throw error
        const link = linkTarget(top(), name)
        if (link === undefined) throw error
        expand(link)
      }
    }
    return new Resolved(stack, '.', finalSlash)
  } catch (error) {
    for (let i = stack.length - 1; i > 0; i--) releaseStep(stack[i])
    throw error
  }
}

/** Runs `operation` on the resolved path, always closing what the walk opened. */
function withResolved<T>(root: DirStep, guestPath: string, followFinal: boolean, operation: (resolved: Resolved) => T): T {
  const resolved = resolvePath(root, guestPath, followFinal)
  try {
    return operation(resolved)
  } finally {
    resolved.release()
  }
}

/** A trailing slash on an entry that is not followed: it must exist and be a directory (not a link). */
function checkTrailingSlash(resolved: Resolved, missing: 'allow' | 'fail'): void {
  if (!resolved.trailingSlash) return
  let stats
  try {
    stats = lstatSync(resolved.target)
  } catch (error) {
    if (isErrno(error, 'ENOENT') && missing === 'allow') return
    throw error
  }
  if (!stats.isDirectory()) fail('not-directory')
}

/** Refuses names a `*at` call would interpret as the directory itself or its parent. */
function namedEntry(resolved: Resolved, code: ErrorCodeName = 'invalid'): Resolved {
  if (resolved.name === '.' || resolved.name === '..') fail(code)
  return resolved
}

// ---------------------------------------------------------------------------------------------
// Descriptors

/**
 * Closes the fd of a descriptor the guest never dropped once its instance is gone (HTTP instances
 * are replaced without their resources being disposed). Unregistered on dispose, so a number
 * closed and reused elsewhere is never closed twice.
 */
const leakedFds = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd)
  } catch {
    // already closed
  }
})

export class Descriptor {
  private fd: number | undefined
  /** Fallback only: the host path of a directory descriptor. */
  private readonly hostPath: string | undefined

  private constructor(
    private readonly kind: 'directory' | 'file',
    fd: number,
    private readonly flags: DescriptorFlags,
    hostPath?: string,
  ) {
    resourceCounter.created++
    this.fd = fd
    this.hostPath = hostPath
    leakedFds.register(this, fd, this)
  }

  /** A preopen: the mapped host directory, opened once (the guest may rename or replace it later; its fd stays). */
  static openPreopen(host: string): Descriptor {
    const fd = openSync(host, O.O_RDONLY | O.O_DIRECTORY)
    return new Descriptor('directory', fd, { read: true, mutateDirectory: true }, useProcFd ? undefined : host)
  }

  readViaStream(offset: bigint): InputStream {
    const fd = fsCall(() => this.fileFd('read'))
    let position = Number(offset)
    return new InputStream({
      read: (max) => {
        const buffer = new Uint8Array(max)
        let read: number
        try {
          read = readSync(fd, buffer, 0, max, position)
        } catch (error) {
          throw streamFailure(error)
        }
        if (read === 0) return undefined
        position += read
        return buffer.subarray(0, read)
      },
    })
  }

  writeViaStream(offset: bigint): OutputStream {
    const fd = fsCall(() => this.fileFd('write'))
    let position = Number(offset)
    return new OutputStream({
      write: (bytes) => {
        try {
          for (let done = 0; done < bytes.length; ) {
            const written = writeSync(fd, bytes, done, bytes.length - done, position)
            done += written
            position += written
          }
        } catch (error) {
          throw streamFailure(error)
        }
      },
    })
  }

  appendViaStream(): OutputStream {
    const fd = fsCall(() => this.fileFd('write'))
    return new OutputStream({
      write: (bytes) => {
        try {
          for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, Number(fstatSync(fd, { bigint: true }).size))
        } catch (error) {
          throw streamFailure(error)
        }
      },
    })
  }

  advise(): void {
    fsCall(() => this.fileFd())
  }

  syncData(): void {
    fsCall(() => fdatasyncSync(this.ownFd()))
  }

  sync(): void {
    fsCall(() => fsyncSync(this.ownFd()))
  }

  getFlags(): DescriptorFlags {
    return { ...this.flags }
  }

  getType(): string {
    return fsCall(() => descriptorType(this.ownStats()))
  }

  setSize(size: bigint): void {
    fsCall(() => ftruncateSync(this.fileFd('write'), Number(size)))
  }

  setTimes(access: NewTimestamp, modification: NewTimestamp): void {
    fsCall(() => {
      checkTimestamps(access, modification)
      if (setTimesExactly(this.ownFd(), undefined, access, modification)) return
      const stats = this.ownStats()
      futimesSync(this.ownFd(), timestampSeconds(access, stats.atimeNs), timestampSeconds(modification, stats.mtimeNs))
    })
  }

  read(length: bigint, offset: bigint): [Uint8Array, boolean] {
    return fsCall(() => {
      const fd = this.fileFd('read')
      const buffer = new Uint8Array(Math.min(Number(length), 64 * 1024 * 1024))
      const read = readSync(fd, buffer, 0, buffer.length, Number(offset))
      return [buffer.subarray(0, read), read === 0 && buffer.length > 0]
    })
  }

  write(buffer: Uint8Array, offset: bigint): bigint {
    return fsCall(() => BigInt(writeSync(this.fileFd('write'), buffer, 0, buffer.length, Number(offset))))
  }

  readDirectory(): DirectoryEntryStream {
    return fsCall(() => {
      const entries = readdirSync(this.dirStep().prefix, { withFileTypes: true }).map((entry) => ({
        name: entry.name,
        type: entry.isFile()
          ? 'regular-file'
          : entry.isDirectory()
            ? 'directory'
            : entry.isSymbolicLink()
              ? 'symbolic-link'
              : entry.isFIFO()
                ? 'fifo'
                : entry.isSocket()
                  ? 'socket'
                  : entry.isCharacterDevice()
                    ? 'character-device'
                    : entry.isBlockDevice()
                      ? 'block-device'
                      : 'unknown',
      }))
      return new DirectoryEntryStream(entries)
    })
  }

  createDirectoryAt(guestPath: string): void {
    fsCall(() =>
      withResolved(this.dirStep(), guestPath, false, (resolved) => {
        namedEntry(resolved, 'exist')
        mkdirSync(resolved.target)
      }),
    )
  }

  stat() {
    return fsCall(() => describeStats(this.ownStats()))
  }

  statAt(pathFlags: PathFlags, guestPath: string) {
    return fsCall(() => describeStats(this.statsAt(pathFlags, guestPath)))
  }

  setTimesAt(pathFlags: PathFlags, guestPath: string, access: NewTimestamp, modification: NewTimestamp): void {
    fsCall(() =>
      withResolved(this.dirStep(), guestPath, !!pathFlags.symlinkFollow, (resolved) => {
        checkTrailingSlash(resolved, 'fail')
        checkTimestamps(access, modification)
        // lstat/lutimes: the final entry is never followed by the kernel (the walk expanded it if asked).
        const stats = lstatSync(resolved.target, { bigint: true })
        if (resolved.dir.fd !== undefined && setTimesExactly(resolved.dir.fd, resolved.name, access, modification)) return
        lutimesSync(resolved.target, timestampSeconds(access, stats.atimeNs), timestampSeconds(modification, stats.mtimeNs))
      }),
    )
  }

  linkAt(oldFlags: PathFlags, oldPath: string, newDescriptor: Descriptor, newPath: string): void {
    fsCall(() => {
      // As wasmtime: a hard link to what a link points to is not offered.
      if (oldFlags.symlinkFollow) fail('invalid')
      const newRoot = newDescriptor.dirStep()
      withResolved(this.dirStep(), oldPath, false, (from) =>
        withResolved(newRoot, newPath, false, (to) => {
          namedEntry(from, 'not-permitted')
          namedEntry(to, 'exist')
          checkTrailingSlash(from, 'fail')
          if (to.trailingSlash) fail(existsNoFollow(to.target) ? 'exist' : 'no-entry')
          // link(2) does not follow a final link on Linux: the new name is a second link to the entry itself.
          linkSync(from.target, to.target)
        }),
      )
    })
  }

  openAt(pathFlags: PathFlags, guestPath: string, openFlags: OpenFlags, flags: DescriptorFlags): Descriptor {
    return fsCall(() => {
      const root = this.dirStep()
      if ((flags.write || flags.mutateDirectory) && !this.flags.mutateDirectory) fail('read-only')
      if (openFlags.directory && (openFlags.create || openFlags.truncate)) fail('invalid')
      if (openFlags.directory && flags.write) fail('is-directory')
      const access = flags.write ? (flags.read ? O.O_RDWR : O.O_WRONLY) : O.O_RDONLY
      let mode = access | O.O_NOFOLLOW | O.O_NONBLOCK
      if (openFlags.create) mode |= O.O_CREAT
      if (openFlags.exclusive) mode |= O.O_EXCL
      if (openFlags.truncate) mode |= O.O_TRUNC
      if (openFlags.directory) mode |= O.O_DIRECTORY
      return withResolved(root, guestPath, !!pathFlags.symlinkFollow, (resolved) => {
        if (resolved.trailingSlash) {
          // `name/` can only be a directory: never created as a file, never opened for writing.
          if (flags.write) fail('is-directory')
          if (openFlags.create) {
            if (!existsNoFollow(resolved.target)) fail('is-directory')
            if (openFlags.exclusive) fail('exist')
          }
          mode = (mode & ~(O.O_CREAT | O.O_EXCL)) | O.O_DIRECTORY
        }
        let fd: number
        try {
          fd = openSync(resolved.target, mode)
        } catch (error) {
          // O_NOFOLLOW refuses a final link; a link is only followed by the walk, confined.
          if (isErrno(error, 'ELOOP') && pathFlags.symlinkFollow && linkTarget(resolved.dir, resolved.name) !== undefined) {
            fail('loop')
          }
          throw error
        }
        try {
          const stats = fstatSync(fd, { bigint: true })
          if (stats.isDirectory()) {
            return new Descriptor('directory', fd, { read: flags.read, mutateDirectory: this.flags.mutateDirectory }, this.childHostPath(resolved))
          }
          if (openFlags.directory) fail('not-directory')
          // O_NONBLOCK keeps opening a FIFO from hanging the worker; regular files ignore it.
          return new Descriptor('file', fd, { ...flags, mutateDirectory: false })
        } catch (error) {
          closeSync(fd)
          throw error
        }
      })
    })
  }

  readlinkAt(guestPath: string): string {
    return fsCall(() =>
      withResolved(this.dirStep(), guestPath, false, (resolved) => {
        namedEntry(resolved)
        checkTrailingSlash(resolved, 'fail')
        const link = readlinkSync(resolved.target)
        // As cap-std: an absolute target (planted by the host side) is never handed to the guest;
        // it names a host path and could never resolve inside the sandbox anyway.
        if (link.startsWith('/')) fail('not-permitted')
        return link
      }),
    )
  }

  removeDirectoryAt(guestPath: string): void {
    fsCall(() =>
      withResolved(this.dirStep(), guestPath, false, (resolved) => {
        namedEntry(resolved)
        checkTrailingSlash(resolved, 'fail')
        rmdirSync(resolved.target)
      }),
    )
  }

  renameAt(oldPath: string, newDescriptor: Descriptor, newPath: string): void {
    fsCall(() => {
      const newRoot = newDescriptor.dirStep()
      withResolved(this.dirStep(), oldPath, false, (from) =>
        withResolved(newRoot, newPath, false, (to) => {
          namedEntry(from, 'busy')
          namedEntry(to, 'busy')
          checkTrailingSlash(from, 'fail')
          if (to.trailingSlash) {
            // A trailing slash on the new name: only a directory may move there.
            if (!lstatSync(from.target).isDirectory()) fail('not-directory')
            checkTrailingSlash(to, 'allow')
          }
          renameSync(from.target, to.target)
        }),
      )
    })
  }

  symlinkAt(oldPath: string, newPath: string): void {
    fsCall(() =>
      withResolved(this.dirStep(), newPath, false, (resolved) => {
        namedEntry(resolved, 'exist')
        // `name/`: a symbolic link is never a directory, so whatever is there (or nothing) refuses it.
        if (resolved.trailingSlash) fail(lstatSync(resolved.target).isDirectory() ? 'exist' : 'not-directory')
        // A link is only text: every later use resolves it beneath the descriptor it is used from,
        // so no check of the target is needed (or possible: a rename changes what it is relative to).
        // Absolute targets could never resolve inside a sandbox; refused up front as wasmtime does.
        if (oldPath.startsWith('/')) fail('not-permitted')
        if (oldPath.includes('\0')) fail('invalid')
        symlinkSync(oldPath, resolved.target)
      }),
    )
  }

  unlinkFileAt(guestPath: string): void {
    fsCall(() =>
      withResolved(this.dirStep(), guestPath, false, (resolved) => {
        namedEntry(resolved, 'is-directory')
        if (resolved.trailingSlash) {
          const stats = lstatSync(resolved.target)
          fail(stats.isDirectory() ? 'is-directory' : 'not-directory')
        }
        unlinkSync(resolved.target)
      }),
    )
  }

  isSameObject(other: Descriptor): boolean {
    return fsCall(() => {
      const a = this.ownStats()
      const b = other.ownStats()
      return a.dev === b.dev && a.ino === b.ino
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
      leakedFds.unregister(this)
      try {
        closeSync(this.fd)
      } catch {
        // already closed
      }
      this.fd = undefined
    }
  }

  private ownFd(): number {
    if (this.fd === undefined) fail('bad-descriptor')
    return this.fd
  }

  private ownStats(): BigIntStats {
    return fstatSync(this.ownFd(), { bigint: true })
  }

  private statsAt(pathFlags: PathFlags, guestPath: string): BigIntStats {
    return withResolved(this.dirStep(), guestPath, !!pathFlags.symlinkFollow, (resolved) => {
      checkTrailingSlash(resolved, 'fail')
      return lstatSync(resolved.target, { bigint: true })
    })
  }

  /** A file's fd, checked against the access the guest opened it with. */
  private fileFd(access?: 'read' | 'write'): number {
    if (this.kind === 'directory') fail('is-directory')
    if (access && !this.flags[access]) fail('bad-descriptor')
    return this.ownFd()
  }

  private dirStep(): DirStep {
    if (this.kind !== 'directory') fail('not-directory')
    const fd = this.ownFd()
    if (useProcFd) return { prefix: procPath(fd), fd }
    // Fallback: the path may have gone stale (the guest renamed the directory, perhaps putting a
    // link in its place); use it only while it still names, without a link, the directory of the fd.
    const own = fstatSync(fd, { bigint: true })
    const there = lstatSync(this.hostPath!, { bigint: true })
    if (!there.isDirectory() || there.ino !== own.ino || there.dev !== own.dev) fail('no-entry')
    return { prefix: this.hostPath! }
  }

  private childHostPath(resolved: Resolved): string | undefined {
    if (useProcFd) return undefined
    return path.join(resolved.dir.prefix, resolved.name)
  }
}

function existsNoFollow(target: string): boolean {
  try {
    lstatSync(target)
    return true
  } catch {
    return false
  }
}

function hashOf(stats: BigIntStats) {
  return { lower: stats.ino, upper: stats.dev }
}

export function createFilesystem(preopens: Preopen[]) {
  return {
    types: {
      Descriptor,
      DirectoryEntryStream,
      filesystemErrorCode: (error: IoError): string | undefined => (error instanceof FileStreamError ? error.code : undefined),
    },
    preopens: {
      // Fresh descriptors per call: the guest owns (and drops) what it receives.
      // The host folder is opened here, at the guest's first look: a folder removed since `up`
      // checked it fails the guest loudly (a trap naming it) rather than vanishing from the list.
      getDirectories: (): [Descriptor, string][] =>
        preopens.map(({ host, guest }) => {
          try {
            return [Descriptor.openPreopen(host), guest]
          } catch (error) {
            throw new Error(`cannot open the granted directory ${host}: ${(error as Error).message}`)
          }
        }),
    },
  }
}
