import path from 'node:path'
import type { Worker } from 'node:worker_threads'

import { type ErrorCode, WasmctlError } from '../../errors.js'
import type { Project } from '../../project/index.js'
import type { DevBuilder, DevBuildOptions, DevBuildResult } from '../build-controller.js'
import type { FastBuildResult } from './fast-build.js'
import type { FastWorkerReply, FastWorkerRequest } from './fast-worker.js'
import { workerScript } from '../../worker-script.js'

/**
 * The dev loop's builder for JavaScript and TypeScript projects (issue 15): a save is served from
 * the fast path (fast-build.ts: esbuild plus an in-process initialization of the world's prepared
 * engine, a few hundred milliseconds), and the signed artifact in build/ is then made by the usual
 * build (`full`, the same as `wasmctl build`) in the background, so that `push` after `dev` has
 * it. A newer save cancels that background build; the log says when the artifact is ready.
 * Other languages, and a fast path that cannot work for a project, take the usual build.
 * WASMCTL_DEV_FAST=0 turns the fast path off (scripts/bench-dev.mjs measures both).
 */
export interface FastBuilderOptions {
  full: DevBuilder & { close(graceMs?: number): Promise<void> }
  cacheRoot?: string
  /** How long after serving the background build waits (a save meanwhile skips it). */
  artifactDelayMs?: number
  env?: NodeJS.ProcessEnv
  /**
   * False when the host only serves signed components (`--require-signed`): what the fast path
   * serves is unsigned, so every save waits for the signed build instead.
   */
  enabled?: boolean
}

export type ClosableBuilder = DevBuilder & { close(graceMs?: number): Promise<void>; served?(): void }

export function fastPathEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !/^(0|false|no|off)$/i.test(env.WASMCTL_DEV_FAST ?? '')
}

export function createFastBuilder(options: FastBuilderOptions): ClosableBuilder & { served(): void } {
  const { full } = options
  const enabled = (options.enabled ?? true) && fastPathEnabled(options.env)
  // scripts/bench-dev.mjs reads the steps from the NDJSON, which carries no debug lines.
  const timingsShown = (options.env ?? process.env).WASMCTL_DEV_FAST_TIMINGS === '1'
  const delay = options.artifactDelayMs ?? Number(options.env?.WASMCTL_DEV_ARTIFACT_DELAY_MS ?? process.env.WASMCTL_DEV_ARTIFACT_DELAY_MS ?? 1500)
  let worker: Worker | undefined
  let nextId = 0
  /** Set when the fast path failed for a reason of its own: the session goes on with full builds. */
  let unavailable: string | undefined
  let background: { controller: AbortController; timer?: NodeJS.Timeout; started?: boolean } | undefined
  const waiting = new Map<number, { resolve: (result: FastBuildResult) => void; reject: (error: unknown) => void; onLog?: DevBuildOptions['onLog'] }>()

  const releaseBuildThread = !/^(0|false|no|off)$/i.test((options.env ?? process.env).WASMCTL_DEV_RELEASE_BUILD_THREAD ?? '')
  const cancelBackground = () => {
    if (!background) return
    clearTimeout(background.timer)
    background.controller.abort(new Error('superseded by a newer save'))
    // componentize-js cannot be stopped between its synchronous steps (splice, stubWasi,
    // componentNew: seconds of a core on a busy machine): end the build thread instead, so the
    // save that superseded it has the machine. The next artifact starts a new thread.
    if (background.started) void full.close(0)
    background = undefined
  }

  const ensureWorker = async (): Promise<Worker> => {
    if (worker) return worker
    const { Worker } = await import('node:worker_threads')
    const entry = workerScript(new URL('./fast-worker.js', import.meta.url))
    const started = new Worker(entry.code, { eval: entry.eval, stdout: true, stderr: true })
    started.stdout.resume()
    started.stderr.resume()
    started.on('message', (reply: FastWorkerReply) => {
      const entry = waiting.get(reply.id)
      if (!entry) return
      if (reply.type === 'log') return entry.onLog?.(reply.level, reply.message)
      waiting.delete(reply.id)
      if (reply.type === 'result') entry.resolve(reply.result)
      else entry.reject(new WasmctlError(reply.error.code as ErrorCode, reply.error.message, { hints: reply.error.hints, details: reply.error.details }))
    })
    const failAll = (error: Error) => {
      for (const entry of waiting.values()) entry.reject(error)
      waiting.clear()
    }
    started.on('error', (error) => failAll(new WasmctlError('INTERNAL', `the dev fast path failed: ${error.message}`, { cause: error })))
    started.on('exit', (code) => {
      if (worker === started) worker = undefined
      failAll(new WasmctlError('INTERNAL', `the dev fast path thread exited (code ${code})`))
    })
    started.unref()
    worker = started
    return started
  }

  const recycleWorker = () => {
    const current = worker
    worker = undefined
    if (!current) return
    current.postMessage({ type: 'close', keepEntries: true } satisfies FastWorkerRequest)
    setTimeout(() => void current.terminate(), 2000).unref()
  }

  const fast = async (project: Project, buildOptions: DevBuildOptions): Promise<FastBuildResult> => {
    const target = await ensureWorker()
    const id = ++nextId
    const result = new Promise<FastBuildResult>((resolve, reject) => waiting.set(id, { resolve, reject, onLog: buildOptions.onLog }))
    // The worker cannot stop a build halfway (it takes a few hundred ms); a superseded one is dropped.
    const onAbort = () => {
      waiting.get(id)?.reject(new WasmctlError('INTERRUPTED', 'build superseded'))
      waiting.delete(id)
    }
    buildOptions.signal.addEventListener('abort', onAbort, { once: true })
    target.postMessage({ type: 'build', id, project: structuredProject(project), cacheRoot: options.cacheRoot ?? (await defaultCacheRoot()) } satisfies FastWorkerRequest)
    try {
      return await result
    } finally {
      buildOptions.signal.removeEventListener('abort', onAbort)
    }
  }

  /** Set by `served()` callers (the dev session): the artifact then waits for the swap to finish. */
  let servedSignals = false
  let armed: (() => void) | undefined
  const startBackground = (project: Project, buildOptions: DevBuildOptions) => {
    const controller = new AbortController()
    const current = { controller } as NonNullable<typeof background>
    background = current
    const arm = (wait: number) => {
      current.timer = setTimeout(run, wait)
      current.timer.unref?.()
    }
    // With the session's swap events, the artifact starts shortly after the new version serves
    // (it would slow the swap down otherwise); without them, a fixed delay after the build.
    if (servedSignals) armed = () => background === current && !current.started && arm(Math.min(delay, 500))
    else arm(delay)
    function run() {
      current.started = true
      const started = performance.now()
      buildOptions.onLog?.('debug', 'building the signed artifact in the background')
      full(project, { signal: controller.signal, force: buildOptions.force, onLog: (level, message) => !controller.signal.aborted && buildOptions.onLog?.(level === 'info' ? 'debug' : level, message) })
        .then((result) => {
          if (controller.signal.aborted) return
          const shown = path.relative(project.dir, result.artifact) || result.artifact
          buildOptions.onLog?.('info', `${result.signed ? 'signed ' : ''}artifact ready: ${shown} (${result.digest.slice(0, 19)}…, ${Math.round(performance.now() - started)} ms)`)
        })
        .catch((error: unknown) => {
          if (controller.signal.aborted) return
          buildOptions.onLog?.('warn', `the artifact in build/ could not be made (the served version is fine): ${(error as Error)?.message ?? String(error)}`)
        })
        .finally(() => {
          if (background !== current) return
          background = undefined
          // A warm componentize-js holds ~0.5 GB that only the next artifact would use, and that
          // one is never in a hurry: let the build thread go (it starts again for the next one).
          if (releaseBuildThread) void full.close(0)
        })
    }
  }

  const build: DevBuilder = async (project, buildOptions) => {
    cancelBackground()
    if (!enabled || unavailable || !(await isComponentizeJs(project))) return full(project, buildOptions)
    let result: FastBuildResult
    try {
      result = await fast(project, buildOptions)
    } catch (error) {
      const code = (error as WasmctlError)?.code
      // The code's own errors (esbuild, a top-level throw) are the build's; the fast path's own
      // failures hand the session to the usual build, which reports what is wrong, if anything.
      if (code === 'BUILD_FAILED' || code === 'INTERRUPTED' || buildOptions.signal.aborted) throw error
      unavailable = (error as Error)?.message ?? String(error)
      buildOptions.onLog?.('warn', `the fast path is unavailable for this project (${unavailable}); saves take the full build`)
      return full(project, buildOptions)
    }
    const steps = Object.entries(result.timings)
      .map(([step, ms]) => `${step} ${ms}`)
      .join(', ')
    if (result.preparedEngineMs !== undefined) {
      buildOptions.onLog?.('info', `JavaScript engine prepared for this world in ${result.preparedEngineMs} ms (once per world and machine)`)
      // Preparing loaded the splicer and jco into the fast thread (hundreds of MB); the next save
      // starts a fresh thread that reads the prepared engine from the cache (tens of ms).
      recycleWorker()
    }
    buildOptions.onLog?.(timingsShown ? 'info' : 'debug', `fast path: ${steps} ms`)
    startBackground(project, buildOptions)
    return { artifact: result.artifact, digest: result.digest, size: result.size, cached: false, signed: false }
  }

  return Object.assign(build, {
    /** The version the last build made now serves (or failed to load): its artifact may start. */
    served() {
      servedSignals = true
      const start = armed
      armed = undefined
      start?.()
    },
    async close(graceMs = 300) {
      cancelBackground()
      const current = worker
      worker = undefined
      if (current) {
        const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()))
        current.postMessage({ type: 'close' } satisfies FastWorkerRequest)
        const timer = setTimeout(() => void current.terminate(), Math.max(graceMs, 1000))
        await exited
        clearTimeout(timer)
      }
      await full.close(graceMs)
    },
  })
}

async function isComponentizeJs(project: Project): Promise<boolean> {
  try {
    const { detectDriver } = await import('../../build/detect.js')
    return detectDriver(project).driver.toolchain === 'componentize-js'
  } catch {
    return false
  }
}

async function defaultCacheRoot(): Promise<string> {
  const { defaultCacheRoot } = await import('../../oci/cache.js')
  return defaultCacheRoot()
}


function structuredProject(project: Project): Project {
  return { ...project, raw: JSON.parse(JSON.stringify(project.raw)) as Record<string, unknown> }
}

/** What `wasmctl dev` builds with: the fast path in front of the build worker. */
export async function createDevBuilder(options: { requireSigned?: boolean } = {}): Promise<ClosableBuilder & { served(): void }> {
  const { createWorkerBuilder } = await import('../builder.js')
  return createFastBuilder({ full: createWorkerBuilder(), enabled: !options.requireSigned })
}
