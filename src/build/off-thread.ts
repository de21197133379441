
import { type ErrorCode, interrupted, WasmctlError } from '../errors.js'
import type { Project } from '../project/index.js'
import type { BuildProjectOptions, BuildResult } from './build.js'
import type { BuildEvent } from './events.js'
import type { WitDepsEvent } from '../wit/fetch.js'
import { workerScript } from '../worker-script.js'

/**
 * `buildProject` on the dev loop's build thread (src/dev/build-worker.ts) instead of the main
 * thread. componentize-js runs wizer with a synchronous spawn that blocks its thread for seconds;
 * off the main thread, `wasmctl build` at a terminal keeps a spinner turning with the step and the
 * elapsed time (issue 15). The options that are callbacks are rebuilt from the events the thread
 * sends; Ctrl-C aborts the build there and stops its wizer process.
 */
export type ProjectBuildOptions = Omit<BuildProjectOptions, 'signal' | 'onEvent' | 'onWitDepsEvent'>
export type ProjectBuildEvent = { kind: 'build'; event: BuildEvent } | { kind: 'wit'; event: WitDepsEvent }

type Reply =
  | { type: 'thread'; tid?: number }
  | { type: 'event'; id: number; event: ProjectBuildEvent }
  | { type: 'project-result'; id: number; result: BuildResult }
  | { type: 'error'; id: number; error: { code: string; message: string; hints: string[]; details?: Record<string, unknown> } }
  | { type: 'log' | 'result'; id: number }

export async function buildProjectOffThread(project: Project, options: BuildProjectOptions = {}): Promise<BuildResult> {
  const { Worker } = await import('node:worker_threads')
  const entry = workerScript(new URL('../dev/build-worker.js', import.meta.url))
  const worker = new Worker(entry.code, { eval: entry.eval, stdout: true, stderr: true })
  // The toolchain's own prints (the thread's stdout is pointed at stderr there) stay on stderr.
  worker.stdout.pipe(process.stderr, { end: false })
  worker.stderr.pipe(process.stderr, { end: false })
  let tid: number | undefined
  const { signal, onEvent, onWitDepsEvent, ...plain } = options
  try {
    return await new Promise<BuildResult>((resolve, reject) => {
      const onAbort = () => {
        worker.postMessage({ type: 'abort', id: 1 })
        void import('../dev/fast/stop-wizer.js').then(({ stopWizerOfThread }) => stopWizerOfThread(tid))
        reject(interrupted('build'))
      }
      if (signal?.aborted) return onAbort()
      signal?.addEventListener('abort', onAbort, { once: true })
      worker.on('message', (reply: Reply) => {
        if (reply.type === 'thread') return void (tid = reply.tid)
        if (reply.type === 'event') {
          if (reply.event.kind === 'build') onEvent?.(reply.event.event)
          else onWitDepsEvent?.(reply.event.event)
        } else if (reply.type === 'project-result') resolve(reply.result)
        else if (reply.type === 'error') reject(new WasmctlError(reply.error.code as ErrorCode, reply.error.message, { hints: reply.error.hints, details: reply.error.details }))
      })
      worker.on('error', (error) => reject(new WasmctlError('INTERNAL', `the build thread failed: ${error.message}`, { cause: error })))
      worker.on('exit', (code) => reject(new WasmctlError('INTERNAL', `the build thread exited (code ${code})`)))
      worker.postMessage({ type: 'project-build', id: 1, project: { ...project, raw: JSON.parse(JSON.stringify(project.raw)) }, options: plain })
    })
  } finally {
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
    worker.postMessage({ type: 'close' })
    const timer = setTimeout(() => void worker.terminate(), 2000)
    await exited
    clearTimeout(timer)
  }
}
