import { readFileSync } from 'node:fs'

import { childProcessesOfThread, processTrees, stopProcesses } from '../processes.js'

/**
 * Stops the wizer run (a synchronous child of componentize-js) of a build that was cancelled, so
 * a superseded background build stops taking a core from the next save. Only processes of the
 * build thread whose command line names wizer are stopped: the thread's esbuild service process
 * must live on for the next build.
 */
export function stopWizerOfThread(tid: number | undefined): void {
  if (tid === undefined) return
  const wizers = childProcessesOfThread(tid).filter((pid) => /wizer/i.test(commandLine(pid)))
  stopProcesses(processTrees(wizers))
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
  } catch {
    return ''
  }
}
