import { createInterface } from 'node:readline'
import type { Worker } from 'node:worker_threads'

import { WasmctlError, type ErrorCode } from '../errors.js'
import type { Project } from '../project/index.js'
import type { DevBuilder, DevBuildOptions, DevBuildResult } from './build-controller.js'
import type { BuildWorkerReply, BuildWorkerRequest } from './build-worker.js'
import { workerScript } from '../worker-script.js'

/**
 * The dev loop's builders. Builds run in a worker thread that lives as long as the session:
 * componentize-js stays warm there between builds (about twice as fast as a fresh process), and
 * its synchronous steps (splicing, the wizer run, componentNew: over a second of blocked event
 * loop per build) never stall the host answering requests or the terminal on the main thread.
 */
export function createWorkerBuilder(): DevBuilder & { close(graceMs?: number): Promise<void> } {
  let worker: Worker | undefined
  let buildThread: number | undefined
  let nextId = 0
  const waiting = new Map<number, { resolve: (result: DevBuildResult) => void; reject: (error: unknown) => void; onLog?: DevBuildOptions['onLog'] }>()

  const failAll = (error: unknown) => {
    for (const { reject } of waiting.values()) reject(error)
    waiting.clear()
  }

  const ensureWorker = async (): Promise<Worker> => {
    if (worker) return worker
    const { Worker } = await import('node:worker_threads')
    const entry = workerScript(new URL('./build-worker.js', import.meta.url))
    const started = new Worker(entry.code, { eval: entry.eval, stdout: true, stderr: true })
    // What the toolchain prints on its own becomes log lines of the build in progress; nothing
    // reaches our stdout (the worker's stdout is pointed at stderr, see build-worker.ts).
    started.stdout.resume()
    createInterface({ input: started.stderr }).on('line', (line) => [...waiting.values()].at(-1)?.onLog?.('info', line))
    started.on('message', (reply: BuildWorkerReply) => {
      if (reply.type === 'thread') return void (buildThread = reply.tid)
      const entry = waiting.get(reply.id)
      if (!entry) return
      if (reply.type === 'log') return entry.onLog?.(reply.level, reply.message)
      waiting.delete(reply.id)
      if (reply.type === 'result') entry.resolve(reply.result)
      else entry.reject(new WasmctlError(reply.error.code as ErrorCode, reply.error.message, { hints: reply.error.hints, details: reply.error.details }))
    })
    started.on('error', (error) => failAll(new WasmctlError('DEV_FAILED', `the build worker failed: ${error.message}`, { cause: error })))
    started.on('exit', (code) => {
      if (worker === started) worker = undefined
      failAll(new WasmctlError('DEV_FAILED', `the build worker exited (code ${code})`, { hints: ['save again to retry the build'] }))
    })
    started.unref()
    worker = started
    return started
  }

  const build: DevBuilder = async (project: Project, options: DevBuildOptions) => {
    const target = await ensureWorker()
    const id = ++nextId
    const result = new Promise<DevBuildResult>((resolve, reject) => waiting.set(id, { resolve, reject, onLog: options.onLog }))
    const onAbort = () => {
      target.postMessage({ type: 'abort', id } satisfies BuildWorkerRequest)
      // componentize-js cannot stop inside its synchronous wizer run; the wizer process can.
      void import('./fast/stop-wizer.js').then(({ stopWizerOfThread }) => stopWizerOfThread(buildThread))
    }
    options.signal.addEventListener('abort', onAbort, { once: true })
    target.postMessage({ type: 'build', id, project: structuredProject(project), force: options.force } satisfies BuildWorkerRequest)
    try {
      return await result
    } finally {
      options.signal.removeEventListener('abort', onAbort)
    }
  }

  return Object.assign(build, {
    /**
     * Asks the worker to finish, which ends esbuild's service process cleanly. A build in progress
     * is not waited for (componentize-js cannot be interrupted): past `graceMs` the thread is
     * terminated and the toolchain processes that thread started (wizer) are stopped, and nothing
     * else this process started (a browser opened with `o`).
     */
    async close(graceMs = 300) {
      const current = worker
      worker = undefined
      if (!current) return
      const { childProcessesOfThread, processTrees, stopProcesses } = await import('./processes.js')
      const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()))
      current.postMessage({ type: 'close' } satisfies BuildWorkerRequest)
      const timer = setTimeout(() => {
        // Read while the thread lives: once it ends, its children pass to another thread of ours.
        if (buildThread !== undefined) stopProcesses(processTrees(childProcessesOfThread(buildThread)))
        void current.terminate()
      }, graceMs)
      await exited
      clearTimeout(timer)
    },
  })
}


/** The project as plain data: the parsed TOML may hold TOML dates, which cross threads as Dates. */
function structuredProject(project: Project): Project {
  return { ...project, raw: JSON.parse(JSON.stringify(project.raw)) as Record<string, unknown> }
}
