import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs'

import { fsError, WasmctlError } from '../errors.js'

/**
 * The one reader of wasm files a user names (sign, inspect, push, up, dev). It reads regular files
 * only, and at most a size limit: `/dev/zero` would otherwise grow until memory runs out, and a
 * FIFO would block a thread-pool thread forever (Node then cannot even exit on Ctrl-C).
 */
export const MAX_WASM_SIZE_ENV = 'WASMCTL_MAX_WASM_SIZE'
export const DEFAULT_MAX_WASM_BYTES = 512 * 1024 * 1024

export interface ReadWasmFileOptions {
  /** Overrides the limit (bytes); default: WASMCTL_MAX_WASM_SIZE, else 512 MiB. */
  maxBytes?: number
  env?: NodeJS.ProcessEnv
}

export function readWasmFile(file: string, options: ReadWasmFileOptions = {}): Buffer {
  const maxBytes = options.maxBytes ?? maxWasmBytes(options.env)
  let before: Stats
  try {
    before = statSync(file)
  } catch (error) {
    throw fsError(error, 'read', file)
  }
  assertReadable(file, before, maxBytes)
  let fd: number
  try {
    // O_NONBLOCK: should the path be swapped for a FIFO after the stat, open does not wait for a writer.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (error) {
    throw fsError(error, 'read', file)
  }
  try {
    const opened = fstatSync(fd)
    assertReadable(file, opened, maxBytes)
    // Read to the end, not to the size stat gave: a file that grows while read is still bounded.
    let buffer = Buffer.allocUnsafe(Math.min(opened.size, maxBytes) + 1)
    let length = 0
    for (;;) {
      if (length === buffer.length) buffer = Buffer.concat([buffer, Buffer.allocUnsafe(Math.min(buffer.length, maxBytes + 1 - length))])
      const read = readSync(fd, buffer, length, buffer.length - length, null)
      if (read === 0) break
      length += read
      if (length > maxBytes) throw tooLarge(file, length, maxBytes)
    }
    return buffer.subarray(0, length)
  } catch (error) {
    if (error instanceof WasmctlError) throw error
    throw fsError(error, 'read', file)
  } finally {
    closeSync(fd)
  }
}

/** The limit from WASMCTL_MAX_WASM_SIZE (bytes, or with a KiB/MiB/GiB suffix), else 512 MiB. */
export function maxWasmBytes(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[MAX_WASM_SIZE_ENV]?.trim()
  if (!text) return DEFAULT_MAX_WASM_BYTES
  const match = /^(\d+)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(text)
  const units: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }
  const bytes = match ? Number(match[1]) * units[(match[2] ?? 'b')[0].toLowerCase()] : Number.NaN
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new WasmctlError('INPUT_INVALID', `${MAX_WASM_SIZE_ENV}="${text}" is not a size`, {
      hints: [`set it to a number of bytes or a size such as 1GiB, or unset it for the default (${formatSize(DEFAULT_MAX_WASM_BYTES)})`],
    })
  }
  return bytes
}

function assertReadable(file: string, stats: Stats, maxBytes: number): void {
  if (stats.isDirectory()) throw fsError(Object.assign(new Error('is a directory'), { code: 'EISDIR' }), 'read', file)
  if (!stats.isFile()) {
    throw new WasmctlError('FS_NOT_A_FILE', `cannot read ${file}: it is a ${kindOf(stats)}, not a regular file`, {
      hints: ['name a .wasm file; to read from a pipe or device, save it to a file first'],
    })
  }
  if (stats.size > maxBytes) throw tooLarge(file, stats.size, maxBytes)
}

function tooLarge(file: string, size: number, maxBytes: number): WasmctlError {
  return new WasmctlError('FS_FILE_TOO_LARGE', `cannot read ${file}: it is larger than the ${formatSize(maxBytes)} limit for wasm files (${MAX_WASM_SIZE_ENV})`, {
    hints: [`if the file is right, raise the limit: ${MAX_WASM_SIZE_ENV}=2GiB`],
    details: { size, limit: maxBytes },
  })
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'named pipe (FIFO)'
  if (stats.isCharacterDevice()) return 'character device'
  if (stats.isBlockDevice()) return 'block device'
  if (stats.isSocket()) return 'socket'
  return 'special file'
}

function formatSize(bytes: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`
  }
  return `${bytes} bytes`
}
