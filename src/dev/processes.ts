import { readdirSync, readFileSync, readlinkSync } from 'node:fs'

/**
 * The processes a dev build started, read from /proc (Linux; elsewhere every list is empty).
 * componentize-js runs wizer with spawnSync from the build thread, so no pid is ever handed out,
 * and a build interrupted by Ctrl-C would leave wizer running on its own for a while. Only what
 * the build thread started is stopped: Linux lists a process's children per thread
 * (`/proc/self/task/<tid>/children`), so a browser the `o` key opened from the main thread, or
 * anything else this process started, is never touched.
 */

/** The kernel's id of the calling thread (call it in the build thread), or undefined off Linux. */
export function currentThreadId(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
    return Number.isInteger(tid) && tid > 0 ? tid : undefined
  } catch {
    return undefined
  }
}

/** Running processes the thread `tid` of this process started. */
export function childProcessesOfThread(tid: number): number[] {
  return runningPids(readChildren(`/proc/self/task/${tid}/children`))
}

/** `pids` and all their running descendants, parents before children. */
export function processTrees(pids: readonly number[]): number[] {
  const seen = new Set<number>()
  const queue = [...pids]
  while (queue.length > 0) {
    const pid = queue.shift()!
    if (seen.has(pid) || !isRunning(pid)) continue
    seen.add(pid)
    let threads: string[] = []
    try {
      threads = readdirSync(`/proc/${pid}/task`)
    } catch {
      // Gone while we looked.
    }
    for (const thread of threads) queue.push(...readChildren(`/proc/${pid}/task/${thread}/children`))
  }
  return [...seen]
}

/** Running, as opposed to gone or a zombie (exited, not yet reaped: nothing left to stop). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

/** SIGTERM to each pid (processes a build started); gone ones are skipped. */
export function stopProcesses(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM')
    } catch {
      // Already gone.
    }
  }
}

function readChildren(file: string): number[] {
  try {
    return readFileSync(file, 'utf8')
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
  } catch {
    return []
  }
}

function runningPids(pids: number[]): number[] {
  return [...new Set(pids)].filter((pid) => isRunning(pid))
}
