import { readdirSync, readFileSync } from 'node:fs'

/**
 * The processes this process started that are still running, read from /proc (Linux; elsewhere
 * the list is empty). The dev loop uses it once, when it stops: componentize-js runs wizer with
 * spawnSync from the build thread, so no pid is ever handed out, and a build interrupted by Ctrl-C
 * would leave wizer running on its own for a while.
 */
export function runningChildProcesses(): number[] {
  const children = new Set<number>()
  let threads: string[]
  try {
    threads = readdirSync('/proc/self/task')
  } catch {
    return []
  }
  for (const thread of threads) {
    try {
      for (const pid of readFileSync(`/proc/self/task/${thread}/children`, 'utf8').split(/\s+/)) {
        if (pid && isRunning(Number(pid))) children.add(Number(pid))
      }
    } catch {
      // The thread ended while we looked.
    }
  }
  return [...children]
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

/** SIGTERM to each pid (all of them processes this one started); gone ones are skipped. */
export function stopProcesses(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM')
    } catch {
      // Already gone.
    }
  }
}
