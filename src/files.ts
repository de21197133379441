import { readdirSync, rmSync, statSync } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import path from 'node:path'

/**
 * Files wasmctl writes are written to a temp file beside them and renamed into place, so a reader
 * never sees half a file. The temp name is one a later run recognizes,
 * `.<name>.wasmctl-tmp-<pid>-<n>`: a process killed mid-write (SIGKILL runs no cleanup) leaves one
 * behind, and the next write of the same file removes it once that pid is gone.
 * (write-file-atomic names its temp files `<name>.<hash>`, which nothing can tell from a user's
 * file, so its leftovers stayed for good.)
 */
const TEMP_MARK = '.wasmctl-tmp-'
let counter = 0

export function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}${TEMP_MARK}${process.pid}-${++counter}`)
}

/** The pid a temp name of `file` carries, or undefined when `name` is not one of its temp files. */
export function tempFileOwner(file: string, name: string): number | undefined {
  const prefix = `.${path.basename(file)}${TEMP_MARK}`
  if (!name.startsWith(prefix)) return undefined
  const match = /^(\d+)-\d+$/.exec(name.slice(prefix.length))
  return match ? Number(match[1]) : undefined
}

/** Removes temp files of `file` left by processes that no longer run; returns what it removed. */
export function removeStaleTempFiles(file: string, isAlive: (pid: number) => boolean = processIsAlive): string[] {
  const dir = path.dirname(file)
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  const removed: string[] = []
  for (const name of names) {
    const pid = tempFileOwner(file, name)
    if (pid === undefined || (pid !== process.pid && isAlive(pid))) continue
    // Our own pid: a temp file of this process that is not being written now would be from a
    // previous process with the same pid; ours are in `writing` and skipped.
    const candidate = path.join(dir, name)
    if (writing.has(candidate)) continue
    try {
      if (statSync(candidate).isFile()) {
        rmSync(candidate, { force: true })
        removed.push(candidate)
      }
    } catch {
      // Gone already (another run cleaned it).
    }
  }
  return removed
}

const writing = new Set<string>()

export interface WriteFileAtomicOptions {
  /** Mode of a new file (default 0o666 less the umask); an existing file keeps its mode unless given. */
  mode?: number
}

export async function writeFileAtomic(file: string, data: string | Uint8Array, options: WriteFileAtomicOptions = {}): Promise<void> {
  removeStaleTempFiles(file)
  const temp = tempPathFor(file)
  writing.add(temp)
  let mode = options.mode
  if (mode === undefined) {
    try {
      mode = statSync(file).mode & 0o7777
    } catch {
      // A new file.
    }
  }
  try {
    const handle = await open(temp, 'wx', mode ?? 0o666)
    try {
      await handle.writeFile(data)
      if (mode !== undefined) await handle.chmod(mode)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, file)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  } finally {
    writing.delete(temp)
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
