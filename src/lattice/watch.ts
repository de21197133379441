import { WasmctlError } from '../errors.js'
import type { Status, WadmClient } from './wadm.js'
import type { Spinner } from '../ui/spinner.js'

/** Follows `wadm.status.{lattice}.{name}` until deployed (returned) or failed (thrown). NDJSON lines in JSON mode. */
export async function followStatus(
  client: WadmClient,
  name: string,
  options: { json: boolean; spinner: Spinner; signal: AbortSignal; writeLine: (line: string) => void },
): Promise<Status> {
  let last: Status | undefined
  options.spinner.start(`Waiting for ${name} to deploy`)
  try {
    for await (const status of client.watchStatus(name, options.signal)) {
      last = status
      if (options.json) options.writeLine(JSON.stringify({ name, ...status }))
      else options.spinner.update(`${name}: ${status.status.type}${status.status.message ? ` (${status.status.message})` : ''}`)
    }
  } finally {
    options.spinner.stop()
  }
  if (options.signal.aborted) throw new WasmctlError('INTERRUPTED', `stopped watching ${name}`)
  if (!last || last.status.type === 'failed') {
    throw new WasmctlError('APP_DEPLOY_FAILED', `application ${name} failed to deploy${last?.status.message ? `: ${last.status.message}` : ''}`, {
      hints: [`\`wasmctl app status ${name}\` shows each scaler's state`],
      details: last ? { status: last } : undefined,
    })
  }
  return last
}

export function describeStatus(name: string, status: Status): string {
  const lines = [`${name}: ${status.status.type}${status.status.message ? ` (${status.status.message})` : ''}`]
  for (const scaler of status.scalers ?? []) {
    lines.push(`  ${scaler.kind} ${scaler.name}: ${scaler.status.type}${scaler.status.message ? ` (${scaler.status.message})` : ''}`)
  }
  return lines.join('\n')
}
