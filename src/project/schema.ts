/**
 * The resolved shape of a `wasmcloud.toml` (wash-compatible). Paths are absolute; values wash
 * defaults are filled in; anything wasmctl-specific lives under `[dev]` so a wash project stays a
 * valid wash project.
 */
export const PROJECT_FILE = 'wasmcloud.toml'

export const PROJECT_TYPES = ['component', 'provider'] as const
export type ProjectType = (typeof PROJECT_TYPES)[number]

/**
 * wash's `wasm_target` values and their aliases. `wasm` (TinyGo's name for a core module) is not
 * a wash name: wash warns and builds a core module, and so does wasmctl's reading of it.
 */
export const WASM_TARGETS: Record<string, 'wasm32-unknown-unknown' | 'wasm32-wasip1' | 'wasm32-wasip2'> = {
  'wasm32-unknown-unknown': 'wasm32-unknown-unknown',
  wasm: 'wasm32-unknown-unknown',
  'wasm32-wasi': 'wasm32-wasip1',
  'wasm32-wasip1': 'wasm32-wasip1',
  'wasm32-wasi-preview1': 'wasm32-wasip1',
  'wasm32-wasip2': 'wasm32-wasip2',
  'wasm32-wasi-preview2': 'wasm32-wasip2',
  'wasm32-preview2': 'wasm32-wasip2',
}
export type WasmTarget = (typeof WASM_TARGETS)[string]

export interface ComponentSettings {
  buildCommand?: string
  /** Absolute path of the unsigned artifact the toolchain writes (wash default: `<build>/<name>.wasm`). */
  buildArtifact?: string
  /** Absolute path of the signed output (wash default: `<build>/<name>_s.wasm`). */
  destination?: string
  /** Absolute key directory, only when the project sets one (the keystore applies the default). */
  keyDirectory?: string
  wasmTarget?: WasmTarget
  wasip1AdapterPath?: string
  witWorld?: string
  tags: string[]
  callAlias?: string
}

export interface RegistrySettings {
  url?: string
  /** Absolute path of a JSON credentials file (wash format). */
  credentials?: string
  pushInsecure: boolean
  /** `[[registry.pull.sources]]`: where WIT packages matching `target` (`wasi`, `wasi:http@0.2.0`) come from. */
  pull: RegistryPullSource[]
}

export interface RegistryPullSource {
  target: string
  /** `builtin`, `file://…`, `oci://…`, `http(s)://…` or `git+ssh|http|https://…`, as wash accepts them. */
  source: string
}

/** A `[overrides."ns:pkg"]` entry (wkg's format): a local WIT folder (absolute) and/or a version requirement. */
export interface PackageOverride {
  path?: string
  version?: string
}

export interface DevSettings {
  address?: string
  port?: number
  /** Hosts the component may reach through wasi:http/outgoing-handler. */
  allowHttp: string[]
  /** Environment variables the component sees (none by default). */
  env: Record<string, string>
  /** `host::guest` directory mappings (none by default). */
  dirs: string[]
  /** Runtime config for wasi:config (from wash's `[[dev.config]] values = {...}` too). */
  config: Record<string, string>
  allowedIssuers: string[]
  requireSigned: boolean
  timeoutMs?: number
}

export interface Project {
  /** Absolute path of the wasmcloud.toml. */
  file: string
  /** Where build commands run (`path`, default: the folder holding the file). */
  dir: string
  name: string
  version: string
  revision: number
  /** Lower-cased `language`, or undefined when the file leaves it to detection. */
  language?: string
  type: ProjectType
  witDir: string
  buildDir: string
  component: ComponentSettings
  rust: { cargoPath?: string; targetPath?: string; debug: boolean }
  tinygo: { tinygoPath?: string; disableGoGenerate: boolean; scheduler?: string; garbageCollector?: string }
  registry: RegistrySettings
  /** `[overrides]` for WIT dependencies; undefined when the file has none (or wash would ignore them). */
  overrides?: Record<string, PackageOverride>
  dev: DevSettings
  /** What the reader wants the user to know (deprecated keys, wash's lenient readings); commands show them. */
  warnings: string[]
  /** Where `name` and `version` came from when the file leaves them out (wash reads Cargo.toml). */
  identitySource?: 'Cargo.toml' | 'package.json'
  /** The parsed TOML document (with `WASMCLOUD_*` overrides applied), for sections wasmctl does not model. */
  raw: Record<string, unknown>
}

export interface ProjectProblem {
  key: string
  message: string
}
