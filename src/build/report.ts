import path from 'node:path'

import type { BuildResult } from './build.js'
import type { BuildEvent } from './events.js'

/** Human-readable text for build results and events; the command decides where each line goes. */
export function formatBuildResult(result: BuildResult, cwd = process.cwd()): string {
  const toolchain = result.toolchain.version ? `${result.toolchain.name} ${result.toolchain.version}` : result.toolchain.name
  const verb = result.cached ? 'Up to date' : 'Built'
  const seconds = (result.durationMs / 1000).toFixed(1)
  return [
    `${verb}: ${result.component} (${result.language}, ${toolchain}) in ${seconds} s${result.cached ? ' (cached)' : ''}`,
    `  artifact  ${path.relative(cwd, result.artifact) || result.artifact} (${formatSize(result.size)}, ${result.signed ? 'signed' : 'unsigned'})`,
    `  sha256    ${result.sha256}`,
    `  exports   ${result.world.exports.join(', ') || '(none)'}`,
  ].join('\n')
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** One stderr line for an event, or undefined for events that only matter with --log-level debug. */
export function describeBuildEvent(event: BuildEvent): { level: 'info' | 'debug' | 'warn'; text: string } | undefined {
  switch (event.type) {
    case 'toolchain':
      return { level: 'debug', text: `toolchain ${event.status.name} ${event.status.version ?? ''} at ${event.status.path ?? '(built in)'}` }
    case 'step':
      return { level: 'info', text: `• ${event.message}` }
    case 'command':
      return { level: 'debug', text: `$ ${event.command}  (in ${event.cwd})` }
    case 'cached':
      return { level: 'info', text: `• no changes since the last build: reusing ${event.artifact}` }
    case 'warning':
      return { level: 'warn', text: event.message }
    case 'signing':
      if (event.event.type === 'key-generated') {
        return { level: 'warn', text: `generated ${event.event.keyType} key ${event.event.name} (${event.event.publicKey}) at ${event.event.file}` }
      }
      return undefined
    case 'output':
      return undefined
  }
}
