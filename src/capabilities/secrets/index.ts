import { readFileSync } from 'node:fs'
import path from 'node:path'
import { inspect } from 'node:util'

import { WasmctlError } from '../../errors.js'
import { configInvalid } from '../errors.js'

/**
 * wasmcloud:secrets@0.1.0-draft (`store`, `reveal`): named secrets a component asks for by name,
 * with values from the environment or from files, never from the command line itself and never
 * echoed back. Sources, weakest first:
 *
 * 1. `[[dev.secrets]]` in wasmcloud.toml (wash's DevSecretSpec): `source = { policy = "env",
 *    key = "VAR" }` or `{ policy = "file", key = "PATH" }` (PATH relative to the project), or
 *    `values = { env = "VAR" }` / `{ file = "PATH" }` / `{ value = "..." }` (a value may say
 *    `${env:NAME}`). Other policies name a wasmCloud secrets backend wasmctl cannot reach: a warning.
 * 2. `--secret NAME=env:VAR` / `--secret NAME=file:PATH`.
 *
 * Values are read once, at start-up (a missing variable or file is CAPABILITY_SECRET_UNAVAILABLE,
 * naming the secret and where it looked), held only inside SecretStore, and reach a guest only
 * through `reveal`. describe(), JSON.stringify and util.inspect of anything here give names and
 * sources, never values.
 */

export type SecretSource = { kind: 'env'; variable: string } | { kind: 'file'; path: string } | { kind: 'inline' }
export type SecretOrigin = 'wasmcloud.toml' | 'flag'

export interface SecretSpec {
  name: string
  source: SecretSource
  origin: SecretOrigin
  /** Only for `inline` (a `values.value` in wasmcloud.toml): the text, `${env:NAME}` not yet substituted. */
  inline?: string
}

/** `wasmcloud:secrets/store` `secrets-error`. */
export type SecretsErrorVariant = { tag: 'upstream'; val: string } | { tag: 'io'; val: string } | { tag: 'not-found' }

export class SecretsError extends Error {
  constructor(readonly variant: SecretsErrorVariant) {
    super(variant.tag === 'not-found' ? 'not-found' : variant.val)
    this.name = 'SecretsError'
  }

  toWit(): SecretsErrorVariant {
    return this.variant
  }
}

/** `wasmcloud:secrets/store` `secret-value`. */
export type SecretValue = { tag: 'string'; val: string } | { tag: 'bytes'; val: Uint8Array }

/** How a source is shown: `env:VAR`, `file:PATH`, `inline`. */
export function describeSource(source: SecretSource): string {
  return source.kind === 'env' ? `env:${source.variable}` : source.kind === 'file' ? `file:${source.path}` : 'inline'
}

const SECRET_NAME = /^[^\s=]+$/

/** `--secret NAME=env:VAR` or `--secret NAME=file:PATH`. */
export function parseSecretFlag(value: string): SecretSpec {
  const equals = value.indexOf('=')
  const name = equals > 0 ? value.slice(0, equals) : ''
  const rest = equals > 0 ? value.slice(equals + 1) : ''
  const hint = ['e.g. --secret api-key=env:API_KEY or --secret db-password=file:./secrets/db.txt (the value itself never goes on the command line)']
  if (!SECRET_NAME.test(name)) throw configInvalid(`--secret ${name || '?'}: expected NAME=env:VARIABLE or NAME=file:PATH`, hint)
  if (rest.startsWith('env:')) {
    const variable = rest.slice(4)
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) throw configInvalid(`--secret ${name}: "${variable}" is not an environment variable name`, hint)
    return { name, source: { kind: 'env', variable }, origin: 'flag' }
  }
  if (rest.startsWith('file:')) {
    const file = rest.slice(5)
    if (!file) throw configInvalid(`--secret ${name}: file: needs a path`, hint)
    return { name, source: { kind: 'file', path: file }, origin: 'flag' }
  }
  // Do not echo `rest`: it may be a value someone pasted by mistake.
  throw configInvalid(`--secret ${name}: the source must start with env: or file:`, hint)
}

/** The secrets `[dev] secrets` declares (the table already passed the project schema). */
export function secretsFromProject(secrets: unknown, warnings: string[]): SecretSpec[] {
  if (secrets === undefined) return []
  const entries = Array.isArray(secrets) ? secrets : [secrets]
  const specs: SecretSpec[] = []
  entries.forEach((raw, index) => {
    const entry = (raw ?? {}) as { name?: unknown; source?: { policy?: unknown; key?: unknown }; values?: Record<string, unknown> }
    const where = `[[dev.secrets]] #${index + 1}`
    if (typeof entry.name !== 'string' || !SECRET_NAME.test(entry.name)) throw configInvalid(`${where} needs a name (no spaces or =)`)
    const name = entry.name
    if (entry.source) {
      const { policy, key } = entry.source
      if (typeof key !== 'string' || !key) throw configInvalid(`${where} (${name}): source.key must name the variable or file`)
      if (policy === 'env') specs.push({ name, source: { kind: 'env', variable: key }, origin: 'wasmcloud.toml' })
      else if (policy === 'file') specs.push({ name, source: { kind: 'file', path: key }, origin: 'wasmcloud.toml' })
      else warnings.push(`${where}: the secret "${name}" comes from the secrets policy "${String(policy)}", which only a wasmCloud lattice can read; use policy = "env" or "file" here`)
      return
    }
    const values = entry.values
    if (!values || typeof values !== 'object') throw configInvalid(`${where} (${name}) needs source = { policy = "env" | "file", key = ... } or values = { KEY = "$ENV:VARIABLE" } (wash) / { env = ... } / { file = ... }`)
    const keys = Object.keys(values)
    const text = (key: string) => {
      const item = values[key]
      if (typeof item !== 'string') throw configInvalid(`${where} (${name}): values.${key} must be a string`)
      return item
    }
    // wash's own form: a value "$ENV:VARIABLE" is read from that environment variable (the last one wins, as in wash dev).
    const fromWashEnv = keys.map((key) => values[key]).filter((item): item is string => typeof item === 'string' && item.startsWith('$ENV:')).at(-1)
    if (fromWashEnv !== undefined) specs.push({ name, source: { kind: 'env', variable: fromWashEnv.slice('$ENV:'.length) }, origin: 'wasmcloud.toml' })
    else if (keys.includes('env')) specs.push({ name, source: { kind: 'env', variable: text('env') }, origin: 'wasmcloud.toml' })
    else if (keys.includes('file')) specs.push({ name, source: { kind: 'file', path: text('file') }, origin: 'wasmcloud.toml' })
    else if (keys.includes('value') || keys.length === 1) specs.push({ name, source: { kind: 'inline' }, origin: 'wasmcloud.toml', inline: text(keys.includes('value') ? 'value' : keys[0]) })
    else throw configInvalid(`${where} (${name}): values must hold one of env, file or value`)
  })
  return specs
}

/** Project secrets, then flags (a flag replaces a project secret of the same name). */
export function resolveSecretSpecs(input: { secrets?: unknown; flags?: string[] }): { specs: SecretSpec[]; warnings: string[] } {
  const warnings: string[] = []
  const byName = new Map<string, SecretSpec>()
  for (const spec of secretsFromProject(input.secrets, warnings)) byName.set(spec.name, spec)
  for (const flag of input.flags ?? []) {
    const spec = parseSecretFlag(flag)
    byName.set(spec.name, spec)
  }
  return { specs: [...byName.values()], warnings }
}

function unavailable(spec: SecretSpec, reason: string, hints: string[]): WasmctlError {
  return new WasmctlError('CAPABILITY_SECRET_UNAVAILABLE', `secret "${spec.name}" (${describeSource(spec.source)}, from ${spec.origin === 'flag' ? '--secret' : 'wasmcloud.toml'}): ${reason}`, {
    hints,
    details: { secret: spec.name, source: describeSource(spec.source) },
  })
}

/** A `secret` resource: only its name; the value stays in the store that made it. */
export class SecretHandle {
  constructor(readonly name: string) {}
}

/**
 * The values, read. A guest `store.get(name)` is `get`; `reveal` is `reveal`. Every way of
 * printing the store shows names and sources only.
 */
export class SecretStore {
  readonly #values: Map<string, SecretValue>
  readonly #handles = new WeakSet<SecretHandle>()
  readonly #specs: SecretSpec[]

  private constructor(specs: SecretSpec[], values: Map<string, SecretValue>) {
    this.#specs = specs
    this.#values = values
  }

  /** Reads every source now. `baseDir` anchors relative file paths (the project, or the working directory for flags). */
  static load(specs: SecretSpec[], options: { env?: Record<string, string | undefined>; baseDir?: string } = {}): SecretStore {
    const env = options.env ?? process.env
    const baseDir = options.baseDir ?? process.cwd()
    const values = new Map<string, SecretValue>()
    for (const spec of specs) {
      if (spec.source.kind === 'env') {
        const found = env[spec.source.variable]
        if (found === undefined) throw unavailable(spec, `the environment variable ${spec.source.variable} is not set`, [`set ${spec.source.variable} before running, or point the secret elsewhere`])
        values.set(spec.name, { tag: 'string', val: found })
      } else if (spec.source.kind === 'file') {
        let bytes: Buffer
        try {
          bytes = readFileSync(path.resolve(baseDir, spec.source.path))
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code
          throw unavailable(spec, code === 'ENOENT' ? 'the file does not exist' : code === 'EACCES' ? 'the file is not readable (permission denied)' : `the file cannot be read (${code ?? 'error'})`, ['create the file, or point the secret elsewhere'])
        }
        values.set(spec.name, valueOfBytes(bytes))
      } else {
        values.set(spec.name, { tag: 'string', val: expandInline(spec, env) })
      }
    }
    return new SecretStore(specs, values)
  }

  /** `store.get`: a handle, or `not-found` for a name nothing declared. */
  get(name: string): SecretHandle {
    if (!this.#values.has(name)) throw new SecretsError({ tag: 'not-found' })
    const handle = new SecretHandle(name)
    this.#handles.add(handle)
    return handle
  }

  /** `reveal.reveal`: the value behind a handle this store gave out (a copy for bytes). */
  reveal(handle: SecretHandle): SecretValue {
    if (!this.#handles.has(handle)) throw new SecretsError({ tag: 'upstream', val: 'not a secret this host gave out' })
    const value = this.#values.get(handle.name)!
    return value.tag === 'bytes' ? { tag: 'bytes', val: Uint8Array.from(value.val) } : value
  }

  get names(): string[] {
    return this.#specs.map((spec) => spec.name)
  }

  /** For start-up lines and `--json` events. */
  describe(): { name: string; source: string; origin: SecretOrigin }[] {
    return this.#specs.map((spec) => ({ name: spec.name, source: describeSource(spec.source), origin: spec.origin }))
  }

  /** Any text the host prints that might carry a value (a guest's log line, an error): values replaced by `***`. */
  scrub(text: string): string {
    let safe = text
    for (const value of this.#values.values()) {
      const needle = value.tag === 'string' ? value.val : Buffer.from(value.val).toString('utf8')
      // Very short values would mask ordinary text everywhere and reveal themselves by doing so.
      if (needle.length >= 4) safe = safe.split(needle).join('***')
    }
    return safe
  }

  toJSON() {
    return { secrets: this.describe() }
  }

  [inspect.custom]() {
    return `SecretStore { ${this.names.join(', ')} }`
  }
}

function valueOfBytes(bytes: Buffer): SecretValue {
  try {
    return { tag: 'string', val: new TextDecoder('utf-8', { fatal: true }).decode(bytes) }
  } catch {
    return { tag: 'bytes', val: new Uint8Array(bytes) }
  }
}

function expandInline(spec: SecretSpec, env: Record<string, string | undefined>): string {
  return (spec.inline ?? '').replace(/\$?\$\{([^}]*)\}/g, (whole, inner: string) => {
    if (whole.startsWith('$$')) return whole.slice(1)
    const match = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(inner)
    if (!match) throw unavailable(spec, `unknown reference \${${inner}}`, ['reference an environment variable as ${env:NAME}'])
    const found = env[match[1]]
    if (found === undefined) throw unavailable(spec, `the environment variable ${match[1]} is not set`, [`set ${match[1]} before running`])
    return found
  })
}
