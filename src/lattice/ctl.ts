import { WasmctlError } from '../errors.js'
import { checkSubjectToken, type NatsConnection, requestFailure } from './connection.js'

/**
 * The wasmCloud host control interface (`wasmbus.ctl.v1.{lattice}.*`, reference §4): what
 * `wash get hosts` and `wash get inventory` ask, with the `{success, message, response}` envelope.
 */

export interface HostSummary {
  id: string
  friendly_name: string
  labels: Record<string, string>
  version: string
  uptime_human: string
  uptime_seconds: number
  lattice?: string
  rpc_host?: string
  ctl_host?: string
  js_domain?: string
}

export interface HostInventory {
  host_id: string
  friendly_name: string
  labels: Record<string, string>
  version: string
  uptime_human: string
  uptime_seconds: number
  components: { id: string; image_ref: string; name?: string; annotations?: Record<string, string>; revision?: number; max_instances?: number }[]
  providers: { id: string; image_ref?: string; name?: string; annotations?: Record<string, string>; revision?: number }[]
}

export function ctlPrefix(env: NodeJS.ProcessEnv = process.env): string {
  return env.WASMCLOUD_CTL_TOPIC_PREFIX || 'wasmbus.ctl'
}

function unwrap<T>(data: Uint8Array, subject: string): T {
  let envelope: { success?: boolean; message?: string; response?: T }
  try {
    envelope = JSON.parse(new TextDecoder().decode(data))
  } catch (error) {
    throw new WasmctlError('LATTICE_BAD_REPLY', `the reply on ${subject} is not JSON`, { cause: error })
  }
  if (!envelope.success) throw new WasmctlError('LATTICE_CTL_ERROR', `the host refused ${subject}: ${envelope.message ?? ''}`)
  if (envelope.response === undefined) throw new WasmctlError('LATTICE_BAD_REPLY', `the reply on ${subject} has no response`)
  return envelope.response
}

/**
 * `host.ping`: every host answers (no queue group), so replies are gathered for the whole
 * window, as wash does, rather than taking the first.
 */
export async function pingHosts(nc: NatsConnection, lattice: string, windowMs: number, prefix = ctlPrefix()): Promise<HostSummary[]> {
  const subject = `${prefix}.v1.${checkSubjectToken(lattice, 'lattice')}.host.ping`
  const { createInbox } = await import('@nats-io/transport-node')
  const inbox = createInbox()
  const hosts: HostSummary[] = []
  const subscription = nc.subscribe(inbox)
  const timer = setTimeout(() => subscription.unsubscribe(), windowMs)
  try {
    nc.publish(subject, new Uint8Array(), { reply: inbox })
    for await (const message of subscription) {
      // A no-responders status (503) arrives as an empty message with headers: not a host.
      if (message.data.length === 0) continue
      try {
        hosts.push(unwrap<HostSummary>(message.data, subject))
      } catch {
        // One bad host does not hide the others.
      }
    }
  } finally {
    clearTimeout(timer)
    subscription.unsubscribe()
  }
  return hosts.sort((a, b) => a.id.localeCompare(b.id))
}

export async function hostInventory(nc: NatsConnection, lattice: string, hostId: string, timeoutMs: number, prefix = ctlPrefix()): Promise<HostInventory> {
  const subject = `${prefix}.v1.${checkSubjectToken(lattice, 'lattice')}.host.get.${checkSubjectToken(hostId, 'host id')}`
  try {
    const reply = await nc.request(subject, new Uint8Array(), { timeout: timeoutMs })
    return unwrap<HostInventory>(reply.data, subject)
  } catch (error) {
    if (error instanceof WasmctlError) throw error
    const failure = requestFailure(error)
    if (failure === 'no-responders') {
      throw new WasmctlError('LATTICE_NO_RESPONDERS', `no host ${hostId} answered on lattice ${lattice}`, { cause: error, hints: ['`wasmctl get hosts` lists the hosts that answer'] })
    }
    if (failure === 'timeout') {
      throw new WasmctlError('LATTICE_TIMEOUT', `host ${hostId} did not answer within ${timeoutMs} ms`, { cause: error, hints: ['raise --timeout-ms (WASMCLOUD_CTL_TIMEOUT_MS)'] })
    }
    throw new WasmctlError('LATTICE_UNREACHABLE', `request ${subject} failed: ${(error as Error).message}`, { cause: error })
  }
}
