import { parentPort } from 'node:worker_threads'

import { toPlainError } from '../../errors.js'
import type { Project } from '../../project/index.js'
import type { FastBuildResult } from './fast-build.js'

/**
 * The dev fast path's thread (see fast-builder.ts): the engine stays compiled here between saves,
 * and the initialization (tens of milliseconds of CPU per save, seconds when an engine is first
 * prepared) never blocks the main thread, which answers requests and draws the terminal. It is a
 * thread of its own, not the build worker's: that one may be inside a synchronous componentize-js
 * step for seconds producing the signed artifact of the previous save.
 */
export type FastWorkerRequest =
  | { type: 'build'; id: number; project: Project; cacheRoot: string }
  /** `keepEntries`: the thread is recycled mid-session, and the host may still read what it wrote. */
  | { type: 'close'; keepEntries?: boolean }

export type FastWorkerReply =
  | { type: 'log'; id: number; level: 'debug' | 'info' | 'warn'; message: string }
  | { type: 'result'; id: number; result: FastBuildResult }
  | { type: 'error'; id: number; error: { code: string; message: string; hints: string[]; details?: Record<string, unknown> } }

let queue: Promise<void> = Promise.resolve()

parentPort?.on('message', (request: FastWorkerRequest) => {
  if (request.type === 'close') {
    void queue.then(() => close(request.keepEntries === true))
    return
  }
  queue = queue.then(() => run(request.id, request.project, request.cacheRoot))
})

async function close(keepEntries: boolean): Promise<void> {
  const { removeHostEntries } = await import('./fast-build.js')
  if (!keepEntries) removeHostEntries()
  const esbuild = await import('esbuild')
  await esbuild.stop()
  parentPort?.close()
}

async function run(id: number, project: Project, cacheRoot: string): Promise<void> {
  const reply = (message: FastWorkerReply) => parentPort?.postMessage(message)
  try {
    const { fastBuild } = await import('./fast-build.js')
    const result = await fastBuild(project, { cacheRoot, onLog: (level, message) => reply({ type: 'log', id, level, message }) })
    reply({ type: 'result', id, result })
  } catch (error) {
    reply({ type: 'error', id, error: toPlainError(error, 'the dev fast path failed') })
  }
}
