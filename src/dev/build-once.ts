import path from 'node:path'

import type { BuildEvent } from '../build/index.js'
import type { Project } from '../project/index.js'
import type { DevBuilder } from './build-controller.js'

/**
 * One dev build through `buildProject` (the same build, cache and signing as `wasmctl build`), with
 * its progress turned into log lines. Runs in the build worker, or in-process where a worker is
 * not wanted (tests of the build itself).
 */
export const buildDevComponent: DevBuilder = async (project: Project, { signal, force, onLog }) => {
  const { buildProject } = await import('../build/index.js')
  const result = await buildProject(project, { signal, noCache: force, onEvent: (event) => forward(event, onLog) })
  return {
    artifact: result.artifact,
    digest: `sha256:${result.sha256}`,
    size: result.size,
    cached: result.cached,
    signed: result.signed,
  }
}

function forward(event: BuildEvent, onLog?: (level: 'debug' | 'info' | 'warn', message: string) => void): void {
  if (!onLog) return
  switch (event.type) {
    case 'output':
      return onLog('info', `${event.tool}: ${event.line}`)
    case 'warning':
      return onLog('warn', event.message)
    case 'step':
      return onLog('debug', event.message)
    case 'command':
      return onLog('debug', `${event.tool}: ${event.command} (in ${path.basename(event.cwd)})`)
    default:
      return undefined
  }
}
