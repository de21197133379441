import { MessageChannel } from 'node:worker_threads'

import { EmbeddedKeyValueBackend, handleKeyValueCall, KeyValueError } from '../capabilities/keyvalue/index.js'
import { interrupted, WasmctlError } from '../errors.js'
import { sendReply } from './channel.js'
import type { LoadedComponent } from './load.js'
import { unsatisfiedImports } from './pool.js'
import type { FromWorker, WorkerSettings } from './protocol.js'
import type { LogLevel } from './wasi/capabilities.js'
import type { Preopen } from './wasi/filesystem.js'
import { createWorker } from './worker-entry.js'

/**
 * Runs a `wasi:cli/run` component once, as a command: arguments, the configured environment and
 * directories, stdin/stdout/stderr passed through (stdout to stderr when stdout must hold JSON),
 * and its exit code returned. It runs on a worker thread so that `exit` ends only the guest and
 * Ctrl-C can stop a guest that never returns.
 */
export interface RunCommandOptions {
  args: string[]
  env?: Record<string, string>
  preopens?: Preopen[]
  config?: Record<string, string>
  keyvalueFile?: string
  /** 1 (default), 2 to keep stdout free for JSON, or any open file descriptor (tests capture output in a file). */
  stdoutFd?: number
  signal?: AbortSignal
  onLog?: (level: LogLevel, context: string, message: string) => void
}

export async function runCommandComponent(component: LoadedComponent, options: RunCommandOptions): Promise<{ exitCode: number }> {
  const { port1, port2 } = new MessageChannel()
  const signal = new SharedArrayBuffer(4)
  const wake = new Int32Array(signal)
  const keyvalue = EmbeddedKeyValueBackend.open(options.keyvalueFile)
  const settings: WorkerSettings = {
    mode: 'command',
    gluePath: component.transpiled.gluePath,
    modules: component.modules,
    snapshot: false,
    maxUses: 1,
    env: options.env ?? {},
    args: [component.name, ...options.args],
    preopens: options.preopens ?? [],
    config: options.config ?? {},
    outgoingHttp: false,
    stdoutFd: options.stdoutFd ?? 1,
    syncPort: port2,
    signal,
    ...(component.chain ? { chain: component.chain.map((member) => ({ ...member, snapshot: false })) } : {}),
  }
  if (options.signal?.aborted) throw interrupted(component.name)
  const worker = createWorker('worker', { workerData: settings, transferList: [port2] })
  try {
    return await new Promise<{ exitCode: number }>((resolve, reject) => {
      let exitCode: number | undefined
      const onAbort = () => {
        void worker.terminate()
        reject(interrupted(component.name))
      }
      options.signal?.addEventListener('abort', onAbort, { once: true })
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'exit') exitCode = message.code
        else if (message.type === 'log') options.onLog?.(message.level, message.context, message.message)
        else if (message.type === 'call') {
          // Key-value answers are `{ ok }` or `{ err }` (the guest's wasi:keyvalue error value), as in server.ts;
          // a command gets no other host call.
          if (!message.kind.startsWith('kv.')) sendReply(port1, wake, { id: message.id, ok: undefined })
          else {
            handleKeyValueCall(keyvalue, message.kind, message.payload).then(
              (ok) => sendReply(port1, wake, { id: message.id, ok: { ok } }),
              (error) => sendReply(port1, wake, { id: message.id, ok: { err: error instanceof KeyValueError ? error.toWit() : { tag: 'other', val: (error as Error).message } } }),
            )
          }
        } else if (message.type === 'fatal') {
          reject(
            message.code === 'HOST_UNSATISFIED_IMPORTS'
              ? unsatisfiedImports(message.missing)
              : new WasmctlError('HOST_LOAD_FAILED', `the component failed to instantiate: ${message.message}`),
          )
        }
      })
      worker.on('error', (error) => reject(new WasmctlError('HOST_LOAD_FAILED', `the component crashed: ${error.message}`, { cause: error })))
      worker.on('exit', () => {
        options.signal?.removeEventListener('abort', onAbort)
        if (exitCode === undefined) reject(new WasmctlError('HOST_LOAD_FAILED', `${component.name} stopped without an exit code`))
        else resolve({ exitCode })
      })
    })
  } finally {
    port1.close()
    await keyvalue.close()
  }
}
