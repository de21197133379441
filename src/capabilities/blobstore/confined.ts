import { closeSync, constants as fsConstants, existsSync, lstatSync, mkdirSync, openSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs'
import path from 'node:path'

/**
 * A folder that names from outside (a guest's container and object names) can never leave: each
 * name is checked as a plain component (no `/`, `..`, `.`, NUL, empty), and a path is walked from an
 * open fd of the root one directory at a time with O_NOFOLLOW, so a symbolic link anywhere inside
 * (planted in advance, or swapped in for a directory between two calls) is refused, never
 * followed. The final entry is always named through its parent's fd (lstat, unlink, rename, open
 * with O_NOFOLLOW), so the kernel never resolves a link the guest controls.
 *
 * The same idea as src/host/wasi/filesystem.ts (Node has no openat(); on Linux
 * `/proc/self/fd/<fd>/<name>` is its equivalent), but stricter: a blobstore has no reason to
 * follow links at all, so it does not expand them. Elsewhere than Linux the walk falls back to
 * lstat checks, which a concurrent swap by another local process can race.
 */
const O = fsConstants
const PROC_FD = '/proc/self/fd'
const useProcFd = process.platform === 'linux' && existsSync(`${PROC_FD}/0`)

export class UnsafeNameError extends Error {
  constructor(readonly what: string, readonly reason: string) {
    super(`${what}: ${reason}`)
    this.name = 'UnsafeNameError'
  }
}

/** One path component from an untrusted name: a reason it is refused, or undefined when it is fine. */
export function unsafeComponent(component: string): string | undefined {
  if (component.length === 0) return 'an empty name (or an empty part between two /)'
  if (component === '.' || component === '..') return `"${component}" is not allowed`
  if (component.includes('\0')) return 'NUL is not allowed'
  if (component.includes('/')) return '/ is not allowed'
  if (Buffer.byteLength(component) > 255) return 'longer than 255 bytes'
  return undefined
}

/** Splits a `/`-separated relative name into checked components; absolute names are refused. */
export function safeComponents(name: string, what: string): string[] {
  if (name.startsWith('/')) throw new UnsafeNameError(what, 'an absolute name is not allowed')
  const components = name.split('/')
  for (const component of components) {
    const reason = unsafeComponent(component)
    if (reason) throw new UnsafeNameError(what, reason)
  }
  return components
}

/** An open directory inside the root: name entries as `${dir.prefix}/${name}`, close when done. */
export interface ConfinedDir {
  readonly prefix: string
  close(): void
}

function symlinkError(): NodeJS.ErrnoException {
  return Object.assign(new Error('symbolic link'), { code: 'ELOOP' })
}

function openDirectory(target: string): ConfinedDir {
  if (useProcFd) {
    const fd = openSync(target, O.O_RDONLY | O.O_DIRECTORY | O.O_NOFOLLOW)
    let open = true
    return {
      prefix: `${PROC_FD}/${fd}`,
      close: () => {
        if (open) closeSync(fd)
        open = false
      },
    }
  }
  const stats = lstatSync(target)
  if (stats.isSymbolicLink()) throw symlinkError()
  if (!stats.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' })
  return { prefix: target, close: () => {} }
}

export class ConfinedRoot {
  private constructor(
    /** The root as given (resolved), for messages and describe(). */
    readonly path: string,
    private readonly root: ConfinedDir,
  ) {}

  /** Creates the root if it is missing. The root itself may be reached through links: it is the user's choice. */
  static open(root: string): ConfinedRoot {
    const resolved = path.resolve(root)
    mkdirSync(resolved, { recursive: true })
    const fd = openSync(resolved, O.O_RDONLY | O.O_DIRECTORY)
    const dir: ConfinedDir = useProcFd ? { prefix: `${PROC_FD}/${fd}`, close: () => closeSync(fd) } : (closeSync(fd), { prefix: resolved, close: () => {} })
    return new ConfinedRoot(resolved, dir)
  }

  /** The root's own directory handle (not to be closed by callers). */
  get dir(): ConfinedDir {
    return { prefix: this.root.prefix, close: () => {} }
  }

  /**
   * Enters `components` from the root, each a real directory (never a link); with `create`,
   * missing ones are made. The caller closes the result.
   */
  enter(components: string[], create = false): ConfinedDir {
    return walk(reopen(this.root), components, create)
  }

  close(): void {
    this.root.close()
  }
}

/** Removes everything inside `dir`, walking by fd: a link inside is removed, never followed. */
export function removeContents(dir: ConfinedDir): void {
  for (const entry of readdirSync(dir.prefix, { withFileTypes: true })) {
    const target = `${dir.prefix}/${entry.name}`
    if (entry.isDirectory()) {
      const child = openDirectory(target)
      try {
        removeContents(child)
      } finally {
        child.close()
      }
      rmdirSync(target)
    } else {
      unlinkSync(target)
    }
  }
}

/** Regular files under `dir`, as `/`-joined names; links and other special files are not objects. */
export function listFiles(dir: ConfinedDir, skip: (name: string) => boolean, prefix = ''): string[] {
  const names: string[] = []
  for (const entry of readdirSync(dir.prefix, { withFileTypes: true })) {
    if (entry.isFile()) {
      if (!skip(entry.name)) names.push(prefix + entry.name)
    } else if (entry.isDirectory()) {
      let child: ConfinedDir
      try {
        child = openDirectory(`${dir.prefix}/${entry.name}`)
      } catch {
        continue // swapped for a link or removed since readdir
      }
      try {
        names.push(...listFiles(child, skip, `${prefix}${entry.name}/`))
      } finally {
        child.close()
      }
    }
  }
  return names
}

/** A handle of its own on an open directory (so closing one never closes the other). */
export function reopen(dir: ConfinedDir): ConfinedDir {
  if (!useProcFd) return { prefix: dir.prefix, close: () => {} }
  return openDirectory(`${dir.prefix}/.`)
}

/** Walks `parts` down from `start` (which it takes over and closes), making missing ones with `create`. */
export function walk(start: ConfinedDir, parts: string[], create: boolean): ConfinedDir {
  let current = start
  try {
    for (const part of parts) {
      const target = `${current.prefix}/${part}`
      let next: ConfinedDir
      try {
        next = openDirectory(target)
      } catch (error) {
        if (!create || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
        try {
          mkdirSync(target)
        } catch (made) {
          if ((made as NodeJS.ErrnoException).code !== 'EEXIST') throw made
        }
        next = openDirectory(target)
      }
      current.close()
      current = next
    }
    return current
  } catch (error) {
    current.close()
    throw error
  }
}
