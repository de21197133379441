/**
 * The WASI preview1 that StarlingMonkey's `componentize.wizer` export sees while the dev fast path
 * initializes it in this process, giving it what componentize-js gives wizer: the export/import
 * tables in environment variables, its arguments on stdin, and two read-only preopened folders
 * (componentize's sources folder with the generated bindings, and `/` with the bundle). Files live
 * in memory: nothing on the host is reachable, and nothing is written. Whatever the engine prints
 * is kept, because that is where a top-level exception's `file:line` shows up.
 */
const Errno = { success: 0, badf: 8, inval: 28, isdir: 31, nosys: 52, noent: 44, rofs: 69 } as const
const FileType = { characterDevice: 2, directory: 3, regularFile: 4 } as const
/** O_CREAT | O_EXCL | O_TRUNC: anything that would change a file. */
const WRITING_OPEN_FLAGS = 0x1 | 0x4 | 0x8

/** proc_exit unwinds the guest with this; the caller reads the code. */
export class InitExit extends Error {
  constructor(readonly code: number) {
    super(`the initializer exited with code ${code}`)
    this.name = 'InitExit'
  }
}

export interface InitWasiOptions {
  env: Record<string, string>
  stdin: string
  /** Guest folder names, in preopen order (file descriptors 3, 4, ...). */
  preopens: string[]
  /** Absolute guest path -> contents. */
  files: Map<string, Uint8Array>
}

interface OpenFile {
  data: Uint8Array
  position: number
}

interface OpenDir {
  path: string
  name?: Uint8Array
}

type Fn = (...args: never[]) => number

export interface InitWasi {
  imports: Record<string, Fn>
  bind(memory: { buffer: ArrayBuffer }): void
  stdout(): string
  stderr(): string
}

export function createInitWasi(options: InitWasiOptions): InitWasi {
  const encoder = new TextEncoder()
  const decoder = new TextDecoder()
  const environment = Object.entries(options.env).map(([key, value]) => encoder.encode(`${key}=${value}\0`))
  const stdin: OpenFile = { data: encoder.encode(options.stdin), position: 0 }
  const output = { 1: '', 2: '' } as Record<number, string>
  const descriptors = new Map<number, OpenFile | OpenDir>()
  options.preopens.forEach((guest, index) => descriptors.set(3 + index, { path: normalize(guest), name: encoder.encode(guest) }))
  let nextDescriptor = 3 + options.preopens.length
  let memory: { buffer: ArrayBuffer } | undefined

  const view = () => new DataView(memory!.buffer)
  const bytes = () => new Uint8Array(memory!.buffer)
  const text = (pointer: number, length: number) => decoder.decode(bytes().subarray(pointer, pointer + length))
  const file = (fd: number): OpenFile | undefined => (fd === 0 ? stdin : asFile(descriptors.get(fd)))
  const resolveIn = (dirFd: number, pointer: number, length: number): string | undefined => {
    const dir = descriptors.get(dirFd)
    if (!dir || 'data' in dir) return undefined
    const full = normalize(`${dir.path}/${text(pointer, length)}`)
    // `..` past the preopen stays inside it, as it would for a real sandboxed directory.
    return full === dir.path || full.startsWith(dir.path === '/' ? '/' : `${dir.path}/`) ? full : undefined
  }
  const iovecs = (pointer: number, count: number) => {
    const list: { pointer: number; length: number }[] = []
    for (let i = 0; i < count; i++) list.push({ pointer: view().getUint32(pointer + i * 8, true), length: view().getUint32(pointer + i * 8 + 4, true) })
    return list
  }

  const imports: Record<string, (...args: any[]) => number> = {
    args_sizes_get(count: number, size: number) {
      view().setUint32(count, 0, true)
      view().setUint32(size, 0, true)
      return Errno.success
    },
    args_get: () => Errno.success,
    environ_sizes_get(count: number, size: number) {
      view().setUint32(count, environment.length, true)
      view().setUint32(size, environment.reduce((sum, entry) => sum + entry.length, 0), true)
      return Errno.success
    },
    environ_get(pointers: number, buffer: number) {
      let at = buffer
      environment.forEach((entry, index) => {
        view().setUint32(pointers + index * 4, at, true)
        bytes().set(entry, at)
        at += entry.length
      })
      return Errno.success
    },
    clock_time_get(id: number, _precision: bigint, result: number) {
      const nanos = id === 0 ? BigInt(Date.now()) * 1_000_000n : process.hrtime.bigint()
      view().setBigUint64(result, nanos, true)
      return Errno.success
    },
    random_get(pointer: number, length: number) {
      crypto.getRandomValues(bytes().subarray(pointer, pointer + length))
      return Errno.success
    },
    proc_exit(code: number): never {
      throw new InitExit(code)
    },
    fd_write(fd: number, vectors: number, count: number, written: number) {
      if (fd !== 1 && fd !== 2) return Errno.badf
      let total = 0
      for (const { pointer, length } of iovecs(vectors, count)) {
        output[fd] += text(pointer, length)
        total += length
      }
      view().setUint32(written, total, true)
      return Errno.success
    },
    fd_read(fd: number, vectors: number, count: number, read: number) {
      const source = file(fd)
      if (!source) return Errno.badf
      let total = 0
      for (const { pointer, length } of iovecs(vectors, count)) {
        const chunk = source.data.subarray(source.position, source.position + length)
        bytes().set(chunk, pointer)
        source.position += chunk.length
        total += chunk.length
        if (chunk.length < length) break
      }
      view().setUint32(read, total, true)
      return Errno.success
    },
    fd_seek(fd: number, offset: bigint, whence: number, result: number) {
      const source = asFile(descriptors.get(fd))
      if (!source) return Errno.badf
      const base = whence === 0 ? 0 : whence === 1 ? source.position : source.data.length
      const position = base + Number(offset)
      if (position < 0) return Errno.inval
      source.position = position
      view().setBigUint64(result, BigInt(position), true)
      return Errno.success
    },
    fd_close(fd: number) {
      return descriptors.delete(fd) ? Errno.success : Errno.badf
    },
    fd_fdstat_get(fd: number, result: number) {
      const entry = descriptors.get(fd)
      const type = fd <= 2 ? FileType.characterDevice : entry === undefined ? undefined : 'data' in entry ? FileType.regularFile : FileType.directory
      if (type === undefined) return Errno.badf
      const stat = view()
      stat.setUint8(result, type)
      stat.setUint16(result + 2, 0, true)
      stat.setBigUint64(result + 8, 0xffff_ffffn, true)
      stat.setBigUint64(result + 16, 0xffff_ffffn, true)
      return Errno.success
    },
    fd_fdstat_set_flags: () => Errno.success,
    fd_prestat_get(fd: number, result: number) {
      const entry = descriptors.get(fd)
      if (!entry || 'data' in entry || !entry.name) return Errno.badf
      view().setUint8(result, 0)
      view().setUint32(result + 4, entry.name.length, true)
      return Errno.success
    },
    fd_prestat_dir_name(fd: number, pointer: number, length: number) {
      const entry = descriptors.get(fd)
      if (!entry || 'data' in entry || !entry.name) return Errno.badf
      bytes().set(entry.name.subarray(0, length), pointer)
      return Errno.success
    },
    path_open(dirFd: number, _lookup: number, pointer: number, length: number, openFlags: number, _rights: bigint, _inherited: bigint, _fdFlags: number, result: number) {
      const target = resolveIn(dirFd, pointer, length)
      if (target === undefined) return Errno.noent
      if (openFlags & WRITING_OPEN_FLAGS) return Errno.rofs
      const data = options.files.get(target)
      if (!data) return isDirectory(options.files, target) ? Errno.isdir : Errno.noent
      const fd = nextDescriptor++
      descriptors.set(fd, { data, position: 0 })
      view().setUint32(result, fd, true)
      return Errno.success
    },
    path_filestat_get(dirFd: number, _flags: number, pointer: number, length: number, result: number) {
      const target = resolveIn(dirFd, pointer, length)
      if (target === undefined) return Errno.noent
      const data = options.files.get(target)
      const directory = !data && isDirectory(options.files, target)
      if (!data && !directory) return Errno.noent
      // dev, ino, filetype, nlink, size, atim, mtim, ctim: no host identity or time leaks in.
      bytes().fill(0, result, result + 64)
      view().setUint8(result + 16, directory ? FileType.directory : FileType.regularFile)
      view().setBigUint64(result + 24, 1n, true)
      view().setBigUint64(result + 32, BigInt(data?.length ?? 0), true)
      return Errno.success
    },
    fd_readdir: () => Errno.nosys,
    path_remove_directory: () => Errno.rofs,
    path_unlink_file: () => Errno.rofs,
  }

  return {
    imports: imports as Record<string, Fn>,
    bind(target) {
      memory = target
    },
    stdout: () => output[1],
    stderr: () => output[2],
  }
}

function asFile(entry: OpenFile | OpenDir | undefined): OpenFile | undefined {
  return entry && 'data' in entry ? entry : undefined
}

function isDirectory(files: Map<string, Uint8Array>, target: string): boolean {
  const prefix = target === '/' ? '/' : `${target}/`
  for (const name of files.keys()) if (name.startsWith(prefix)) return true
  return false
}

/** `/a/./b/../c` -> `/a/c`; never above `/`. */
export function normalize(guestPath: string): string {
  const parts: string[] = []
  for (const part of guestPath.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') parts.pop()
    else parts.push(part)
  }
  return `/${parts.join('/')}`
}
