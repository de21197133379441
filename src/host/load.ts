import path from 'node:path'

import { assertTrusted } from '../claims/index.js'
import { WasmctlError } from '../errors.js'
import { readWasmFile } from '../wasm/read.js'
import type { ChainMember } from './link.js'
import { componentWorld, unversioned } from '../wasm/world.js'
import { unsatisfiedImports } from './pool.js'
import { sha256Hex } from '../input.js'
import { compileCoreModules, type TranspiledComponent, transpileCached } from './transpile.js'
import { PROVIDED_INTERFACES } from './wasi/imports.js'
import type { WasmModule } from './wasm-api.js'

/**
 * Turning component bytes into something the workers can instantiate: the trust policy (as the
 * wasmCloud host applies it), the world check (what it exports decides how it runs; what it
 * imports must all have a provider), the cached transpile, and one compilation of the core modules.
 */
export interface ComponentInput {
  bytes: Uint8Array
  /** Shown in logs: the file name without extension, or the repository name. */
  name: string
  /** The file path or OCI reference it came from. */
  origin: string
}

export interface TrustSettings {
  requireSigned?: boolean
  allowedIssuers?: string[]
}

/** 'library': linked into another component (`up a.wasm b.wasm`), exporting only what that one imports. */
export type ComponentKind = 'http' | 'command' | 'library'

export interface LoadedComponent {
  name: string
  origin: string
  /** `sha256:<hex>` of the component bytes. */
  digest: string
  /** 'http': served by the host (an HTTP handler, a messaging handler, or both); 'command': run once. */
  kind: ComponentKind
  imports: string[]
  exports: string[]
  /** Exports wasi:http/incoming-handler. */
  handlesHttp: boolean
  /** Exports wasmcloud:messaging/handler (messages arrive through the worker pool). */
  handlesMessages: boolean
  transpiled: TranspiledComponent
  modules: Record<string, WasmModule>
  /** Time spent checking, transpiling (or reading the cache) and compiling. */
  loadMs: number
  /**
   * Set when other components are linked to this one: every component of the chain (this one
   * last), in the order each worker instantiates them. `imports` then lists what the host
   * provides to the whole chain.
   */
  chain?: ChainMember[]
}

export function readComponentFile(file: string): ComponentInput {
  return { bytes: readWasmFile(file), name: componentName(file), origin: file }
}

/** What logs call a component file: its name without `.wasm` (and without wash's `_s` for signed). */
export function componentName(file: string): string {
  return path.basename(file).replace(/(_s)?\.wasm$/i, '')
}

/** Interface packages the providers implement, and the versions they implement. */
const SUPPORTED_VERSIONS: Record<string, RegExp> = {
  'wasi:keyvalue': /^0\.2\.0-draft2?$/,
  'wasi:config': /^0\.2\.0-(draft|rc\.1)$/,
  'wasi:logging': /^0\.1\.0-draft$/,
  'wasmcloud:messaging': /^0\.2\.0$/,
  'wasmcloud:secrets': /^0\.1\.0-draft$/,
  'wasmcloud:bus': /^[12]\.0\.0$/,
  // 0.0.1 is what wasmCloud's host and test components use; the WIT folder in its repository says 0.1.0-draft (same interface).
  'wasmcloud:identity': /^(0\.0\.1|0\.1\.0-draft)$/,
}
const MESSAGING_HANDLER = /^wasmcloud:messaging\/handler@0\.2\.0$/
const WASI_02 = /^0\.2\.\d+(-.*)?$/

/** Imports no provider offers, as `name@version`. */
export function unprovidedImports(imports: string[]): string[] {
  return imports.filter((name) => {
    const match = /^([^/@]+)\/([^@]+)(?:@(.+))?$/.exec(name)
    if (!match) return true
    const [, pkg, , version] = match
    if (!PROVIDED_INTERFACES.has(unversioned(name))) return true
    return version !== undefined && !(SUPPORTED_VERSIONS[pkg] ?? WASI_02).test(version)
  })
}

export function componentKind(exports: string[], origin: string): ComponentKind {
  if (exports.some((name) => /^wasi:http\/incoming-handler@0\.2\./.test(name) || MESSAGING_HANDLER.test(name))) return 'http'
  if (exports.some((name) => /^wasi:cli\/run@0\.2\./.test(name))) return 'command'
  throw new WasmctlError('HOST_UNSUPPORTED_WORLD', `${origin} exports neither wasi:http/incoming-handler, wasmcloud:messaging/handler nor wasi:cli/run (it exports: ${exports.join(', ') || 'nothing'})`, {
    hints: [
      'the embedded host serves components that export wasi:http/incoming-handler@0.2.x and/or wasmcloud:messaging/handler@0.2.0, and runs those that export wasi:cli/run@0.2.x',
      'check the world in the project WIT (`wit_world` in wasmcloud.toml)',
    ],
    details: { exports },
  })
}

export interface LoadOptions {
  cacheRoot: string
  trust: TrustSettings
  /** Imports another component of the chain satisfies (link.ts), as written in the world. */
  linkedImports?: string[]
  /** A component of a chain that exports only to other components: no entry export needed. */
  library?: boolean
}

export async function loadComponent(source: ComponentInput, options: LoadOptions): Promise<LoadedComponent> {
  const started = performance.now()
  assertTrusted(source.bytes, { requireSigned: options.trust.requireSigned, allowedIssuers: options.trust.allowedIssuers })
  const world = componentWorld(source.bytes)
  const kind = options.library ? 'library' : componentKind(world.exports, source.origin)
  const linked = new Set(options.linkedImports ?? [])
  const missing = unprovidedImports(world.imports.filter((name) => !linked.has(name)))
  if (missing.length > 0) throw unsatisfiedImports(missing)
  const hex = sha256Hex(source.bytes)
  const transpiled = await transpileCached(source.bytes, options.cacheRoot, hex)
  const modules = await compileCoreModules(transpiled)
  return {
    name: source.name,
    origin: source.origin,
    digest: `sha256:${hex}`,
    kind,
    imports: world.imports,
    exports: world.exports,
    handlesHttp: world.exports.some((name) => /^wasi:http\/incoming-handler@0\.2\./.test(name)),
    handlesMessages: world.exports.some((name) => MESSAGING_HANDLER.test(name)),
    transpiled,
    modules,
    loadMs: Math.round(performance.now() - started),
  }
}
