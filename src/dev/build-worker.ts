import { createWriteStream } from 'node:fs'
import { syncBuiltinESMExports } from 'node:module'
import { parentPort } from 'node:worker_threads'

import { toPlainError } from '../errors.js'
import type { Project } from '../project/index.js'
import type { BuildResult } from '../build/build.js'
import type { ProjectBuildEvent, ProjectBuildOptions } from '../build/off-thread.js'
import type { DevBuildResult } from './build-controller.js'
import { currentThreadId } from './processes.js'

/**
 * The build thread of a dev session (see builder.ts): receives `build` and `abort` messages and
 * answers with log lines and one `result` or `error` per build. The build modules are imported
 * once and stay loaded, which is what keeps componentize-js warm.
 */
export type BuildWorkerRequest =
  | { type: 'build'; id: number; project: Project; force?: boolean }
  | { type: 'project-build'; id: number; project: Project; options: ProjectBuildOptions }
  | { type: 'abort'; id: number }
  | { type: 'close' }

export type BuildWorkerReply =
  | { type: 'thread'; tid?: number }
  | { type: 'log'; id: number; level: 'debug' | 'info' | 'warn'; message: string }
  | { type: 'result'; id: number; result: DevBuildResult }
  | { type: 'error'; id: number; error: { code: string; message: string; hints: string[]; details?: Record<string, unknown> } }

// componentize-js hands its process.stdout to the wizer process it spawns. In a worker that is not
// a file descriptor (spawnSync rejects it), and in dev nothing a toolchain prints may reach stdout
// (it carries NDJSON with --json): point it at stderr, before componentize-js is first imported.
Object.defineProperty(process, 'stdout', { value: createWriteStream('', { fd: 2, autoClose: false }), configurable: true, writable: true })
syncBuiltinESMExports()

// Which thread's child processes are the builds' (the builder stops only those, see processes.ts).
parentPort?.postMessage({ type: 'thread', tid: currentThreadId() } satisfies BuildWorkerReply)

const controllers = new Map<number, AbortController>()

const running = new Set<Promise<void>>()

parentPort?.on('message', (request: BuildWorkerRequest) => {
  if (request.type === 'abort') return controllers.get(request.id)?.abort(new Error('superseded'))
  if (request.type === 'close') return void close()
  // `wasmctl build` at a terminal (src/build/off-thread.ts): the same thread, the whole build.
  if (request.type === 'project-build') {
    const build = runProjectBuild(request.id, request.project, request.options).finally(() => running.delete(build))
    return void running.add(build)
  }
  const build = runBuild(request.id, request.project, request.force).finally(() => running.delete(build))
  running.add(build)
})

/**
 * Lets the build in progress stop, then ends esbuild's service process while this thread can
 * still reap it (a thread terminated from outside leaves its child processes behind as zombies).
 */
async function close(): Promise<void> {
  for (const controller of controllers.values()) controller.abort(new Error('stopping'))
  await Promise.allSettled(running)
  const esbuild = await import('esbuild')
  await esbuild.stop()
  parentPort?.close()
}

async function runBuild(id: number, project: Project, force?: boolean): Promise<void> {
  const controller = new AbortController()
  controllers.set(id, controller)
  const reply = (message: BuildWorkerReply) => parentPort?.postMessage(message)
  try {
    const { buildDevComponent } = await import('./build-once.js')
    const { memoizeComponentizeSplicing } = await import('./splice-cache.js')
    await memoizeComponentizeSplicing()
    const result = await buildDevComponent(project, {
      signal: controller.signal,
      force,
      onLog: (level, message) => reply({ type: 'log', id, level, message }),
    })
    reply({ type: 'result', id, result })
  } catch (error) {
    reply({ type: 'error', id, error: toPlainError(error) })
  } finally {
    controllers.delete(id)
  }
}

/** What a `project-build` answers besides `thread` and `error` (read by src/build/off-thread.ts). */
export type ProjectBuildReply = { type: 'event'; id: number; event: ProjectBuildEvent } | { type: 'project-result'; id: number; result: BuildResult }

async function runProjectBuild(id: number, project: Project, options: ProjectBuildOptions): Promise<void> {
  const controller = new AbortController()
  controllers.set(id, controller)
  const reply = (message: BuildWorkerReply | ProjectBuildReply) => parentPort?.postMessage(message)
  try {
    const { buildProject } = await import('../build/build.js')
    const result = await buildProject(project, {
      ...options,
      signal: controller.signal,
      onEvent: (event) => reply({ type: 'event', id, event: { kind: 'build', event } }),
      onWitDepsEvent: (event) => reply({ type: 'event', id, event: { kind: 'wit', event } }),
    })
    reply({ type: 'project-result', id, result })
  } catch (error) {
    reply({ type: 'error', id, error: toPlainError(error) })
  } finally {
    controllers.delete(id)
  }
}
