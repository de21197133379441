import { createHash } from 'node:crypto'

import { connect, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node'
import { parse as parseYaml } from 'yaml'

import { parseManifestValue, type Manifest } from '../../src/manifest/model.js'
import { validateManifest } from '../../src/manifest/validate.js'

/**
 * A stand-in for wadm (and one wasmCloud host) on a real NATS server, answering exactly as
 * ../shared/reference/wadm.md §8 specifies: wadm's subjects, state model, result enums and
 * messages, the put validation order, the status feed, and the host's ping/get envelopes.
 * It is a test double of servers users run for real, so it lives in test/, never in src/.
 * Step 4 of put (validate_manifest) reuses wasmctl's port of wadm's rules; those rules are
 * tested on their own against wasmCloud's example manifests.
 */

export interface RecordedRequest {
  subject: string
  body: string
  headers: Record<string, string[]>
}

interface AppState {
  versions: Map<string, { manifest: Record<string, unknown>; parsed: Manifest }>
  deployed?: string
  status?: Status
  generation?: number
}

type StatusType = 'waiting' | 'undeployed' | 'reconciling' | 'deployed' | 'failed' | 'unhealthy'
interface Status {
  status: { type: StatusType; message?: string }
  scalers?: { id: string; kind: string; name: string; status: { type: StatusType; message?: string } }[]
  version: string
  components: []
}

export interface WadmStandin {
  url: string
  requests: RecordedRequest[]
  /** Replies wait this long (to test client timeouts). */
  delayMs: number
  /** Apps whose deployment ends `failed` with this message. */
  failing: Map<string, string>
  hostId: string
  state(lattice?: string): Map<string, AppState>
  /** Forget every app, pending status step and recorded request. */
  reset(): void
  stop(): Promise<void>
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const HOST_ID = 'NAHOSTSTANDIN' + 'A'.repeat(43)

let ulidCounter = 0
/** ULID-like: 26 Crockford base32 characters, increasing. */
function ulid(): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
  let time = Date.now() * 1000 + ulidCounter++
  let text = ''
  for (let index = 0; index < 26; index++) {
    text = alphabet[time % 32] + text
    time = Math.floor(time / 32)
  }
  return text
}

function defaultStatus(type: StatusType = 'undeployed', message?: string): Status {
  return { status: { type, ...(message ? { message } : {}) }, version: '', components: [] }
}

export async function startWadmStandin(options: { url: string; prefix?: string; lattice?: string; delayMs?: number }): Promise<WadmStandin> {
  const nc: NatsConnection = await connect({ servers: options.url, name: 'wadm-standin' })
  const prefix = options.prefix ?? 'wadm.api'
  const lattices = new Map<string, Map<string, AppState>>()
  const requests: RecordedRequest[] = []
  const timers = new Set<NodeJS.Timeout>()
  const started = Date.now()
  const standin: WadmStandin = {
    url: options.url,
    requests,
    delayMs: options.delayMs ?? 0,
    failing: new Map(),
    hostId: HOST_ID,
    state: (lattice = 'default') => appsOf(lattice),
    reset() {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      lattices.clear()
      requests.length = 0
      standin.delayMs = 0
      standin.failing.clear()
    },
    async stop() {
      for (const timer of timers) clearTimeout(timer)
      await nc.drain().catch(() => {})
    },
  }
  function appsOf(lattice: string): Map<string, AppState> {
    let apps = lattices.get(lattice)
    if (!apps) lattices.set(lattice, (apps = new Map()))
    return apps
  }

  const respond = (msg: Msg, body: unknown) => {
    const send = () => msg.respond(encoder.encode(JSON.stringify(body)))
    if (standin.delayMs > 0) {
      const timer = setTimeout(() => {
        timers.delete(timer)
        send()
      }, standin.delayMs)
      timers.add(timer)
    } else send()
  }
  const error = (message: string) => ({ result: 'error', message })

  const publishStatus = (lattice: string, name: string, status: Status) => {
    const app = appsOf(lattice).get(name)
    if (app) app.status = status
    nc.publish(`wadm.status.${lattice}.${name}`, encoder.encode(JSON.stringify(status)))
  }

  const scalersOf = (name: string, manifest: Manifest, type: StatusType, message?: string): Status['scalers'] => {
    const scalers: NonNullable<Status['scalers']> = []
    for (const component of manifest.spec.components) {
      for (const trait of component.traits ?? []) {
        const id = createHash('sha256').update(`${name}\0${component.name}\0${JSON.stringify(trait)}`).digest('hex')
        const status = { type, ...(message ? { message } : {}) }
        if (trait.kind === 'scaler') scalers.push({ id, kind: 'SpreadScaler', name: `${name}-${component.name}`, status })
        else if (trait.kind === 'link') scalers.push({ id, kind: 'LinkScaler', name: `${component.name}-${trait.properties.target.name}`, status })
      }
    }
    return scalers
  }

  /** Reconciling, then deployed (or failed), on the status feed, as wadm's scalers report. */
  const simulateDeploy = (lattice: string, name: string, version: string) => {
    const app = appsOf(lattice).get(name)!
    const generation = (app.generation = (app.generation ?? 0) + 1)
    const manifest = app.versions.get(version)!.parsed
    const step = (delay: number, run: () => void) => {
      const timer = setTimeout(() => {
        timers.delete(timer)
        // Only the deployment that scheduled this step may report: not a later put/delete/redeploy.
        if (appsOf(lattice).get(name) === app && app.deployed === version && app.generation === generation) run()
      }, delay)
      timers.add(timer)
    }
    step(20, () => publishStatus(lattice, name, { status: { type: 'reconciling' }, scalers: scalersOf(name, manifest, 'reconciling'), version: '', components: [] }))
    const failure = standin.failing.get(name)
    step(60, () =>
      publishStatus(
        lattice,
        name,
        failure
          ? { status: { type: 'failed', message: failure }, scalers: scalersOf(name, manifest, 'failed', failure), version: '', components: [] }
          : { status: { type: 'deployed' }, scalers: scalersOf(name, manifest, 'deployed'), version: '', components: [] },
      ),
    )
  }

  const parseVersionBody = (msg: Msg, op: string): { version?: string } | { error: string } => {
    const text = decoder.decode(msg.data)
    if (text.trim() === '') return {}
    try {
      const value = JSON.parse(text) as { version?: unknown }
      if (value === null || typeof value !== 'object') throw new Error('expected an object')
      return typeof value.version === 'string' ? { version: value.version } : {}
    } catch (err) {
      return { error: `Unable to parse ${op} request: ${(err as Error).message}` }
    }
  }

  const handlePut = (msg: Msg, lattice: string) => {
    const contentType = msg.headers?.get('Content-Type') ?? ''
    const text = decoder.decode(msg.data)
    let value: unknown
    try {
      if (contentType === 'application/json') value = JSON.parse(text)
      else if (contentType === 'application/yaml') value = parseYaml(text)
      else if (contentType === '') {
        try {
          value = parseYaml(text)
        } catch {
          value = JSON.parse(text)
        }
      } else return respond(msg, error(`Unsupported content type ${contentType}. Wadm supports YAML and JSON`))
    } catch (err) {
      return respond(msg, error(`Unable to parse manifest: ${(err as Error).message}`))
    }
    const parsed = parseManifestValue(value)
    if (!parsed.ok) return respond(msg, error(`Unable to parse manifest: ${parsed.message}`))
    const manifest = parsed.manifest
    if (manifest.metadata.annotations.version === 'latest') return respond(msg, error('invalid manifest version, errors: latest is not allowed in wadm'))
    const name = manifest.metadata.name.trim()
    if (!/^[-\w]+$/.test(name)) return respond(msg, error(`Manifest name ${name} contains invalid characters. Manifest names can only contain alphanumeric characters, dashes, and underscores.`))
    const firstError = validateManifest(manifest).find((failure) => failure.level === 'Error')
    if (firstError) return respond(msg, error(firstError.msg))
    const stored = structuredClone(value) as { metadata: { annotations: Record<string, string> } }
    const version = manifest.metadata.annotations.version ?? ulid()
    stored.metadata.annotations.version = version
    const apps = appsOf(lattice)
    const app = apps.get(name) ?? { versions: new Map() }
    if (app.versions.has(version)) return respond(msg, error(`Manifest version ${version} already exists`))
    const previous = [...app.versions.keys()].at(-1) ?? ''
    app.versions.set(version, { manifest: stored as Record<string, unknown>, parsed: { ...manifest, metadata: { ...manifest.metadata, annotations: stored.metadata.annotations } } })
    apps.set(name, app)
    respond(msg, {
      result: app.versions.size === 1 ? 'created' : 'newversion',
      total_versions: app.versions.size,
      current_version: version,
      message: `Successfully put manifest ${name} ${previous}`,
      name,
    })
  }

  const summary = (name: string, app: AppState) => {
    const latest = [...app.versions.keys()].at(-1)!
    const status = app.status ?? defaultStatus('waiting', 'Waiting for status: Lattice contains no hosts, deployment not started.')
    const description = app.versions.get(latest)!.parsed.metadata.annotations.description ?? null
    return {
      name,
      version: latest,
      description,
      deployed_version: app.deployed ?? null,
      detailed_status: status,
      status: status.status.type === 'waiting' ? 'undeployed' : status.status.type,
      status_message: status.status.message ?? null,
    }
  }

  const handleModel = (msg: Msg, lattice: string, op: string, name: string | undefined) => {
    const apps = appsOf(lattice)
    const app = name === undefined ? undefined : apps.get(name)
    const needName = () => respond(msg, error(`Unsupported subject: ${msg.subject}`))
    switch (op) {
      case 'put':
        return name === undefined ? handlePut(msg, lattice) : needName()
      case 'list':
        return respond(msg, [...apps].map(([appName, state]) => summary(appName, state)))
      case 'get': {
        if (name === undefined) return respond(msg, { result: 'success', message: 'Successfully fetched list of applications', models: [...apps].map(([appName, state]) => summary(appName, state)) })
        const body = parseVersionBody(msg, 'get')
        if ('error' in body) return respond(msg, error(body.error))
        if (!app) return respond(msg, { result: 'notfound', message: `Model with the name ${name} not found` })
        const version = body.version ?? [...app.versions.keys()].at(-1)!
        const entry = app.versions.get(version)
        if (!entry) return respond(msg, { result: 'notfound', message: `Model with the name ${name} and version ${version} not found` })
        return respond(msg, { result: 'success', message: `Successfully fetched model ${name}`, manifest: entry.manifest })
      }
      case 'versions':
        if (name === undefined) return needName()
        if (!app) return respond(msg, { result: 'notfound', message: `Model with the name ${name} not found`, versions: [] })
        return respond(msg, {
          result: 'success',
          message: `Successfully fetched versions for application ${name}`,
          versions: [...app.versions.keys()].map((version) => ({ version, deployed: app.deployed === version })),
        })
      case 'del': {
        if (name === undefined) return needName()
        const body = parseVersionBody(msg, 'delete')
        if ('error' in body) return respond(msg, error(body.error))
        if (!app) return respond(msg, { result: 'noop', message: `Application ${name} doesn't exist or was already deleted`, undeploy: false })
        if (body.version === undefined) {
          const undeploy = true
          apps.delete(name)
          publishStatus(lattice, name, defaultStatus())
          return respond(msg, { result: 'deleted', message: `Successfully deleted application ${name}`, undeploy })
        }
        if (!app.versions.has(body.version)) return respond(msg, { result: 'noop', message: `Application version ${body.version} doesn't exist`, undeploy: false })
        const undeploy = app.deployed === body.version
        app.versions.delete(body.version)
        if (undeploy) {
          app.deployed = undefined
          publishStatus(lattice, name, defaultStatus())
        }
        if (app.versions.size === 0) {
          apps.delete(name)
          return respond(msg, { result: 'deleted', message: `Successfully deleted last version of application ${name}`, undeploy })
        }
        return respond(msg, { result: 'deleted', message: `Successfully deleted version ${body.version} of application ${name}`, undeploy })
      }
      case 'deploy': {
        if (name === undefined) return needName()
        const body = parseVersionBody(msg, 'deploy')
        if ('error' in body) return respond(msg, error(body.error))
        if (!app) return respond(msg, { result: 'notfound', message: `Application with the name ${name} not found`, name, version: body.version ?? null })
        const version = body.version === undefined || body.version === 'latest' ? [...app.versions.keys()].at(-1)! : body.version
        const entry = app.versions.get(version)
        if (!entry) return respond(msg, error(`Application with the name '${name}' does not have a version '${version}' to deploy`))
        for (const component of entry.parsed.spec.components) {
          const id = component.properties.id
          if (id == null) continue
          for (const [otherName, other] of apps) {
            if (otherName === name || other.deployed === undefined) continue
            const clash = other.versions.get(other.deployed)!.parsed.spec.components.some((item) => item.properties.id === id)
            if (clash) return respond(msg, error(`Component identifier '${id}' is already deployed in a different application '${otherName}'.`))
          }
        }
        app.deployed = version
        respond(msg, { result: 'acknowledged', message: `Successfully deployed application ${name} ${version}`, name, version })
        return simulateDeploy(lattice, name, version)
      }
      case 'undeploy': {
        if (name === undefined) return needName()
        if (!app) return respond(msg, { result: 'notfound', message: `Application with the name ${name} not found`, name, version: null })
        if (app.deployed === undefined) return respond(msg, { result: 'acknowledged', message: `Application ${name} was already undeployed`, name, version: null })
        app.deployed = undefined
        publishStatus(lattice, name, defaultStatus())
        return respond(msg, { result: 'acknowledged', message: `Successfully undeployed application ${name}`, name, version: null })
      }
      case 'status':
        if (name === undefined) return needName()
        return respond(msg, { result: 'ok', message: `Successfully fetched status for application ${name}`, status: app?.status ?? defaultStatus() })
      case 'history':
        return respond(msg, error('Model deployment history is not currently supported. Please use the versions subject to get a list of versions'))
      default:
        return respond(msg, error(`Unsupported subject: ${msg.subject}`))
    }
  }

  const api: Subscription = nc.subscribe(`${prefix}.>`, {
    queue: 'wadm_server',
    callback: (err, msg) => {
      if (err) return
      requests.push({ subject: msg.subject, body: decoder.decode(msg.data), headers: headersOf(msg) })
      const tokens = msg.subject.slice(prefix.length + 1).split('.')
      const [lattice, category, op, name, ...extra] = tokens
      if (extra.length > 0) return respond(msg, error('Found extra components of subject, ensure your manifest name consists of only alphanumeric characters, dashes, and underscores.'))
      if (category !== 'model' || !op) return respond(msg, error(`Unsupported subject: ${msg.subject}`))
      handleModel(msg, lattice, op, name)
    },
  })

  // One host: ping (scatter-gather, no queue) and get.{id}, with the control interface's envelope.
  const hostLattice = options.lattice ?? 'default'
  const hostFacts = () => ({
    friendly_name: 'standin-host-0001',
    labels: { 'hostcore.arch': 'x86_64', 'hostcore.os': 'linux', 'hostcore.osfamily': 'unix' },
    version: '1.8.0',
    uptime_human: `${Math.floor((Date.now() - started) / 1000)}s`,
    uptime_seconds: Math.floor((Date.now() - started) / 1000),
  })
  nc.subscribe(`wasmbus.ctl.v1.${hostLattice}.host.ping`, {
    callback: (err, msg) => {
      if (err) return
      requests.push({ subject: msg.subject, body: decoder.decode(msg.data), headers: headersOf(msg) })
      const facts = hostFacts()
      respond(msg, {
        success: true,
        message: '',
        response: { rpc_host: options.url, ctl_host: options.url, friendly_name: facts.friendly_name, id: HOST_ID, labels: facts.labels, lattice: hostLattice, uptime_human: facts.uptime_human, uptime_seconds: facts.uptime_seconds, version: facts.version },
      })
    },
  })
  nc.subscribe(`wasmbus.ctl.v1.${hostLattice}.host.get.${HOST_ID}`, {
    callback: (err, msg) => {
      if (err) return
      requests.push({ subject: msg.subject, body: decoder.decode(msg.data), headers: headersOf(msg) })
      const components: unknown[] = []
      const providers: unknown[] = []
      for (const [name, app] of appsOf(hostLattice)) {
        if (app.deployed === undefined || app.status?.status.type !== 'deployed') continue
        for (const component of app.versions.get(app.deployed)!.parsed.spec.components) {
          const id = component.properties.id ?? `${name}-${component.name}`.toLowerCase().replace(/[^a-z0-9]/g, '_')
          const annotations = { 'wasmcloud.dev/managed-by': 'wadm', 'wasmcloud.dev/appspec': name, 'wasmcloud.dev/scaler': createHash('sha256').update(id).digest('hex') }
          if (component.type === 'capability') providers.push({ id, image_ref: component.properties.image, name: component.name, revision: 0, annotations })
          else components.push({ id, image_ref: component.properties.image, name: component.name, annotations, revision: 0, max_instances: 1, limits: null })
        }
      }
      const facts = hostFacts()
      respond(msg, { success: true, message: '', response: { components, providers, host_id: HOST_ID, ...facts } })
    },
  })
  void api
  return standin
}

function headersOf(msg: Msg): Record<string, string[]> {
  const result: Record<string, string[]> = {}
  if (!msg.headers) return result
  for (const [key, values] of msg.headers) result[key] = values
  return result
}
