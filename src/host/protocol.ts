import type { MessagePort } from 'node:worker_threads'

import type { CallMessage, StreamMessage } from './channel.js'
import type { LogLevel } from './wasi/capabilities.js'
import type { Preopen } from './wasi/filesystem.js'
import type { HeaderList, IncomingRequestData } from './wasi/http.js'
import type { ChainMember } from './link.js'
import type { WasmModule } from './wasm-api.js'

/** Messages between the main thread and a component's worker threads. */
export interface WorkerSettings {
  mode: 'http' | 'command'
  /** The transpiled glue (an ES module). */
  gluePath: string
  /** Compiled core modules by the file name the glue asks for; shared by every worker. */
  modules: Record<string, WasmModule>
  snapshot: boolean
  /** Requests one instance serves before it is replaced by a fresh one. */
  maxUses: number
  env: Record<string, string>
  args: string[]
  preopens: Preopen[]
  config: Record<string, string>
  outgoingHttp: boolean
  /** Command mode: where the guest's stdout goes (1, or 2 when stdout carries JSON). */
  stdoutFd: number
  syncPort: MessagePort
  signal: SharedArrayBuffer
  /** Linked components (link.ts): instantiated in this order, the entry (this component) last. */
  chain?: ChainMember[]
  /** The host's named capability links (unversioned interface → link names besides 'default'), for wasmcloud:bus selections. */
  capabilityLinks?: Record<string, string[]>
}

export interface ComponentResponse {
  status: number
  headers: HeaderList
  body: Uint8Array
}

/**
 * A request for the worker: the body is inline when the front had all of it at dispatch,
 * otherwise `bodyStream` names the inbound stream the main thread feeds.
 */
export type RequestMessage = Omit<IncomingRequestData, 'body'> & { body?: Uint8Array; bodyStream?: number }

/** wasmcloud:messaging@0.2.0 `broker-message`, as the guest sees it. */
export interface BrokerMessage {
  subject: string
  body: Uint8Array
  replyTo?: string
}

export type ToWorker = { type: 'request'; id: number; request: RequestMessage } | { type: 'message'; id: number; message: BrokerMessage }

export type FromWorker =
  | { type: 'ready'; reusable: boolean }
  | { type: 'fatal'; code: 'HOST_UNSATISFIED_IMPORTS' | 'HOST_LOAD_FAILED'; message: string; missing: string[] }
  /** The response's status and headers, before its body streams as outbound stream `stream`. */
  | { type: 'head'; id: number; status: number; headers: HeaderList; stream: number }
  /**
   * The handler returned. `response`: the whole response (it did not stream); absent when a
   * `head` went first and the body streamed. `replacing`: the worker instantiates afresh before
   * it can take the next request.
   */
  | { type: 'response'; id: number; response?: ComponentResponse; replacing: boolean }
  | { type: 'failed'; id: number; message: string; replacing: boolean }
  | { type: 'recycled'; reason: 'failure' | 'reset' }
  | { type: 'output'; stream: 'stdout' | 'stderr'; line: string }
  /** `component`: the linked component that logged, when it is not the entry. */
  | { type: 'log'; level: LogLevel; context: string; message: string; component?: string }
  | { type: 'exit'; code: number }
  | CallMessage
  | StreamMessage
