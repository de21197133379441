import { WasmctlError } from '../errors.js'
import { checkSubjectToken, type NatsConnection, requestFailure } from './connection.js'

/**
 * wadm's request/reply API (`wadm.api.{lattice}.model.*`, reference §2): subjects, bodies and
 * reply shapes as wadm-client 0.10 sends and reads them, with wash 0.43's errors.
 */

export type StatusType = 'waiting' | 'undeployed' | 'reconciling' | 'deployed' | 'failed' | 'unhealthy'
export interface StatusInfo {
  type: StatusType
  message?: string
}
export interface ScalerStatus {
  id: string
  kind: string
  name: string
  status: StatusInfo
}
export interface Status {
  status: StatusInfo
  scalers?: ScalerStatus[]
  version?: string
  components?: unknown[]
}
export interface ModelSummary {
  name: string
  version: string
  description: string | null
  deployed_version: string | null
  detailed_status: Status
  status: StatusType
  status_message: string | null
}
export interface PutModelResponse {
  result: 'created' | 'newversion'
  total_versions: number
  current_version: string
  message: string
  name: string
}
export interface DeployModelResponse {
  result: 'acknowledged'
  message: string
  name: string
  version: string | null
}
export interface DeleteModelResponse {
  result: 'deleted' | 'noop'
  message: string
  undeploy: boolean
}
export interface VersionInfo {
  version: string
  deployed: boolean
}

export const WADM_API_PREFIX = 'wadm.api'
const NO_WADM = 'Connection succeeded to lattice but no wadm server was listening. Ensure wadm is running.'

/** "compensating" and "ready" are older names wadm-client still reads. */
export function normalizeStatusType(type: unknown): StatusType {
  if (type === 'compensating') return 'reconciling'
  if (type === 'ready') return 'deployed'
  const known: StatusType[] = ['waiting', 'undeployed', 'reconciling', 'deployed', 'failed', 'unhealthy']
  return known.includes(type as StatusType) ? (type as StatusType) : 'undeployed'
}

export function normalizeStatus(value: unknown): Status {
  const raw = (value ?? {}) as { status?: { type?: unknown; message?: unknown }; scalers?: unknown[] }
  const info = (s: { type?: unknown; message?: unknown } | undefined): StatusInfo => ({
    type: normalizeStatusType(s?.type),
    ...(typeof s?.message === 'string' && s.message !== '' ? { message: s.message } : {}),
  })
  const scalers = Array.isArray(raw.scalers)
    ? raw.scalers.map((scaler) => {
        const item = scaler as { id?: unknown; kind?: unknown; name?: unknown; status?: { type?: unknown; message?: unknown } }
        return { id: String(item.id ?? ''), kind: String(item.kind ?? ''), name: String(item.name ?? ''), status: info(item.status) }
      })
    : undefined
  return { status: info(raw.status), ...(scalers?.length ? { scalers } : {}) }
}

export class WadmClient {
  private readonly encoder = new TextEncoder()
  private readonly decoder = new TextDecoder()

  constructor(
    private readonly nc: NatsConnection,
    readonly lattice: string,
    private readonly options: { timeoutMs: number; prefix?: string } = { timeoutMs: 10_000 },
  ) {
    checkSubjectToken(lattice, 'lattice')
  }

  subject(op: string, name?: string): string {
    if (name !== undefined) checkSubjectToken(name, 'application name')
    return `${this.options.prefix ?? WADM_API_PREFIX}.${this.lattice}.model.${op}${name === undefined ? '' : `.${name}`}`
  }

  statusSubject(name: string): string {
    return `wadm.status.${this.lattice}.${checkSubjectToken(name, 'application name')}`
  }

  /** One request; the reply parsed as JSON. Failures of transport become coded errors with wash's wording. */
  async request(subject: string, body: string, contentType?: string): Promise<unknown> {
    const { headers } = await import('@nats-io/transport-node')
    let reply
    try {
      const requestHeaders = contentType ? headers() : undefined
      requestHeaders?.set('Content-Type', contentType!)
      reply = await this.nc.request(subject, this.encoder.encode(body), { timeout: this.options.timeoutMs, ...(requestHeaders ? { headers: requestHeaders } : {}) })
    } catch (error) {
      const failure = requestFailure(error)
      if (failure === 'no-responders') {
        throw new WasmctlError('LATTICE_NO_RESPONDERS', NO_WADM, {
          cause: error,
          hints: [`start wadm on lattice "${this.lattice}" (\`wash up\` starts it), or pick the lattice it serves with --lattice (WASMCLOUD_LATTICE)`],
          details: { subject },
        })
      }
      if (failure === 'timeout') {
        throw new WasmctlError('LATTICE_TIMEOUT', `wadm did not answer ${subject} within ${this.options.timeoutMs} ms`, {
          cause: error,
          hints: ['wadm may be overloaded or its NATS connection down; retry, or raise --wadm-timeout-ms'],
          details: { subject },
        })
      }
      throw new WasmctlError('LATTICE_UNREACHABLE', `request ${subject} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error })
    }
    const text = this.decoder.decode(reply.data)
    try {
      return JSON.parse(text)
    } catch (error) {
      throw new WasmctlError('LATTICE_BAD_REPLY', `wadm's reply on ${subject} is not JSON: ${text.slice(0, 200)}`, { cause: error })
    }
  }

  /** `result: "error"` → "Invalid request: …"; `notfound` → "Model not found: NAME" (wadm-client's errors). */
  private check<T>(reply: unknown, name?: string): T {
    const { result, message } = (reply ?? {}) as { result?: string; message?: string }
    if (result === 'error') {
      throw new WasmctlError('APP_WADM_ERROR', `Invalid request: ${message ?? ''}`, { hints: hintFor(message ?? ''), details: { wadmMessage: message ?? '' } })
    }
    if (result === 'notfound') {
      throw new WasmctlError('APP_NOT_FOUND', `Model not found: ${name ?? ''}`, { hints: ['`wasmctl app list` shows the applications wadm knows'], details: { wadmMessage: message ?? '' } })
    }
    return reply as T
  }

  private static versionBody(version?: string): string {
    return version === undefined ? '' : JSON.stringify({ version })
  }

  async put(manifestJson: string): Promise<PutModelResponse> {
    const reply = await this.request(this.subject('put'), manifestJson, 'application/json')
    const checked = this.check<Partial<PutModelResponse>>(reply)
    return { result: checked.result!, total_versions: checked.total_versions ?? 0, current_version: checked.current_version ?? '', message: checked.message ?? '', name: checked.name ?? '' }
  }

  async deploy(name: string, version?: string): Promise<DeployModelResponse> {
    const reply = await this.request(this.subject('deploy', name), WadmClient.versionBody(version))
    const checked = this.check<Partial<DeployModelResponse>>(reply, name)
    return { result: 'acknowledged', message: checked.message ?? '', name: checked.name ?? name, version: checked.version ?? null }
  }

  async undeploy(name: string): Promise<DeployModelResponse> {
    const reply = await this.request(this.subject('undeploy', name), '')
    const checked = this.check<Partial<DeployModelResponse>>(reply, name)
    return { result: 'acknowledged', message: checked.message ?? '', name: checked.name ?? name, version: checked.version ?? null }
  }

  async delete(name: string, version?: string): Promise<DeleteModelResponse> {
    const reply = await this.request(this.subject('del', name), WadmClient.versionBody(version))
    const checked = this.check<Partial<DeleteModelResponse>>(reply, name)
    return { result: checked.result ?? 'noop', message: checked.message ?? '', undeploy: checked.undeploy ?? false }
  }

  /** `model.list` (deprecated, a bare array), as wash 0.43 sends it. */
  async list(): Promise<ModelSummary[]> {
    const reply = await this.request(this.subject('list'), '')
    if (!Array.isArray(reply)) this.check(reply)
    if (!Array.isArray(reply)) throw new WasmctlError('LATTICE_BAD_REPLY', `wadm's reply to model.list is not a list`)
    return reply.map((item) => {
      const summary = item as Partial<ModelSummary>
      return {
        name: String(summary.name ?? ''),
        version: String(summary.version ?? ''),
        description: summary.description ?? null,
        deployed_version: summary.deployed_version ?? null,
        detailed_status: normalizeStatus(summary.detailed_status),
        status: normalizeStatusType(summary.status),
        status_message: summary.status_message ?? null,
      }
    })
  }

  async get(name: string, version?: string): Promise<Record<string, unknown>> {
    const reply = await this.request(this.subject('get', name), WadmClient.versionBody(version))
    const checked = this.check<{ manifest?: Record<string, unknown> }>(reply, name)
    if (!checked.manifest) throw new WasmctlError('APP_NOT_FOUND', `Model not found: ${name}`)
    return checked.manifest
  }

  async versions(name: string): Promise<VersionInfo[]> {
    const reply = await this.request(this.subject('versions', name), '')
    const checked = this.check<{ versions?: VersionInfo[] }>(reply, name)
    return (checked.versions ?? []).map((item) => ({ version: String(item.version), deployed: Boolean(item.deployed) }))
  }

  async status(name: string): Promise<Status> {
    const reply = await this.request(this.subject('status', name), '')
    const checked = this.check<{ status?: unknown }>(reply, name)
    return normalizeStatus(checked.status)
  }

  /**
   * Status updates until one is final (deployed or failed), starting with the current one.
   * Subscribes before asking, so an update published in between is not missed.
   */
  async *watchStatus(name: string, signal?: AbortSignal): AsyncGenerator<Status> {
    const subscription = this.nc.subscribe(this.statusSubject(name))
    const stop = () => subscription.unsubscribe()
    signal?.addEventListener('abort', stop, { once: true })
    try {
      const current = await this.status(name)
      yield current
      if (isFinal(current)) return
      for await (const message of subscription) {
        let parsed: unknown
        try {
          parsed = JSON.parse(this.decoder.decode(message.data))
        } catch {
          continue
        }
        const status = normalizeStatus(parsed)
        yield status
        if (isFinal(status)) return
      }
    } finally {
      signal?.removeEventListener('abort', stop)
      subscription.unsubscribe()
    }
  }
}

export function isFinal(status: Status): boolean {
  return status.status.type === 'deployed' || status.status.type === 'failed'
}

function hintFor(message: string): string[] {
  if (/already exists/.test(message)) return ['bump the manifest\'s `version` annotation, or deploy that version by name: wasmctl app deploy NAME VERSION']
  if (/Unable to parse manifest|invalid/i.test(message)) return ['check the manifest with `wasmctl app validate FILE`']
  if (/already deployed in a different application/.test(message)) return ['undeploy the other application first, or give this component another properties.id']
  return ['the message above is wadm\'s own']
}
