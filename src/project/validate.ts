import { statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import semver from 'semver'
import { z } from 'zod'

import { allowedIssuerProblem } from '../claims/issuers.js'
import { identityManifest, readPackageIdentity } from './identity.js'
import { PROJECT_TYPES, type Project, type ProjectProblem, WASM_TARGETS } from './schema.js'
import { isPullSource, normalizeLegacyKeys, PULL_SOURCE_HELP, readPackageConfig } from './wash-compat.js'

/**
 * The wasmcloud.toml schema. Unknown keys are allowed (wash ignores them too, and newer wash
 * versions add keys), but every key wasmctl reads is type-checked, and every problem is collected.
 */
const stringList = z.array(z.string())
const nonNegativeInt = z.number().int().nonnegative()

const devConfigEntry = z.union([
  z.object({ name: z.string() }).loose(),
  z.object({ values: z.record(z.string(), z.string()) }).loose(),
])
// wash's DevSecretSpec: a named secret from a store, or one given by value.
const devSecretEntry = z.union([
  z.object({ name: z.string(), source: z.object({ policy: z.string(), key: z.string(), field: z.string().optional(), version: z.string().optional() }).loose() }).loose(),
  z.object({ name: z.string(), values: z.record(z.string(), z.string()) }).loose(),
])
const oneOrMore = <T extends z.ZodType>(entry: T) => z.union([entry, z.array(entry)])
// wash's InterfaceComponentOverride (`interface` and `uri` are its aliases).
const interfaceOverride = z
  .object({
    interface_spec: z.string().optional(),
    interface: z.string().optional(),
    config: oneOrMore(devConfigEntry).optional(),
    secrets: oneOrMore(devSecretEntry).optional(),
    image_ref: z.string().optional(),
    uri: z.string().optional(),
    link_name: z.string().optional(),
  })
  .loose()
  .refine((entry) => entry.interface_spec !== undefined || entry.interface !== undefined, 'needs interface_spec (or interface), such as "wasi:keyvalue/store@0.2.0-draft"')

const schema = z
  .object({
    name: z.string().min(1, 'must not be empty').superRefine(checkFileNameSafe).optional(),
    version: z
      .string()
      // Strict, as Rust's semver: no leading "v" or "=".
      .refine((value) => semver.valid(value) !== null && /^\d/.test(value), 'must be a semantic version such as "0.1.0"')
      .optional(),
    revision: z.number().int().optional(),
    language: z.string().min(1).optional(),
    type: z
      .string()
      .refine((value) => (PROJECT_TYPES as readonly string[]).includes(value.trim().toLowerCase()), {
        message: `unknown project type (expected ${PROJECT_TYPES.join(' or ')})`,
      })
      .optional(),
    path: z.string().optional(),
    wit: z.string().optional(),
    build: z.string().optional(),
    component: z
      .object({
        build_command: z.string().min(1).optional(),
        build_artifact: z.string().optional(),
        destination: z.string().optional(),
        key_directory: z.string().optional(),
        wasm_target: z
          .string()
          .refine((value) => value in WASM_TARGETS, {
            // wash warns and builds a core module from any unknown value; a typo deserves an error.
            message: `unknown wasm target (expected one of ${Object.keys(WASM_TARGETS).join(', ')}; wash would build a core module from it)`,
          })
          .optional(),
        wasip1_adapter_path: z.string().optional(),
        wit_world: z.string().optional(),
        tags: stringList.optional(),
        call_alias: z.string().optional(),
      })
      .loose()
      .optional(),
    // Read by wash whatever the type; wasmctl refuses to build providers but checks it as wash does.
    provider: z
      .object({
        vendor: z.string().optional(),
        wit_world: z.string().optional(),
        os: z.string().optional(),
        arch: z.string().optional(),
        rust_target: z.string().optional(),
        bin_name: z.string().optional(),
        key_directory: z.string().optional(),
      })
      .loose()
      .optional(),
    go: z.object({ go_path: z.string().optional(), disable_go_generate: z.boolean().optional() }).loose().optional(),
    composition: z.object({ socket: z.string().optional(), plugs: stringList.optional() }).loose().optional(),
    rust: z
      .object({ cargo_path: z.string().optional(), target_path: z.string().optional(), debug: z.boolean().optional() })
      .loose()
      .optional(),
    tinygo: z
      .object({
        tinygo_path: z.string().optional(),
        disable_go_generate: z.boolean().optional(),
        scheduler: z.enum(['none', 'tasks', 'asyncify']).optional(),
        garbage_collector: z.enum(['none', 'conservative', 'leaking']).optional(),
      })
      .loose()
      .optional(),
    registry: z
      .object({
        url: z.string().optional(),
        credentials: z.string().optional(),
        push_insecure: z.boolean().optional(),
        pull: z
          .object({
            sources: z.array(
              z
                .object({
                  target: z.string(),
                  source: z.string().refine(isPullSource, { error: (issue) => `unrecognized registry pull source ${JSON.stringify(issue.input)} (${PULL_SOURCE_HELP})` }),
                })
                .loose(),
            ),
          })
          .loose()
          .optional(),
      })
      .loose()
      .optional(),
    dev: z
      .object({
        address: z.string().optional(),
        port: nonNegativeInt.max(65535).optional(),
        allow_http: stringList.optional(),
        env: z.record(z.string(), z.string()).optional(),
        dirs: stringList.optional(),
        config: z.union([z.array(devConfigEntry), z.record(z.string(), z.string())]).optional(),
        configs: z.array(devConfigEntry).optional(),
        secrets: z.array(devSecretEntry).optional(),
        manifests: z
          .array(z.object({ path: z.string(), component_name: z.string().optional(), component_id: z.string().optional(), component_ref: z.string().optional() }).loose())
          .optional(),
        overrides: z.object({ imports: z.array(interfaceOverride).optional(), exports: z.array(interfaceOverride).optional() }).loose().optional(),
        allowed_issuers: z.array(z.string().superRefine(checkAccountKey)).optional(),
        require_signed: z.boolean().optional(),
        timeout_ms: nonNegativeInt.optional(),
      })
      .loose()
      .optional(),
  })
  .loose()

/**
 * The name becomes file names (`build/<name>.wasm`, `<name>_s.wasm`, key files): a separator or a
 * `..` would put build output outside the project, so those are refused, as are control characters.
 */
function checkFileNameSafe(name: string, context: z.core.$RefinementCtx<string>): void {
  const problem =
    /[/\\]/.test(name)
      ? 'must not contain "/" or "\\" (it names the build output files)'
      : /\p{Cc}/u.test(name)
        ? 'must not contain control characters such as NUL'
        : name.trim() === '.' || name.trim() === '..'
          ? `must not be "${name.trim()}" (it names the build output files)`
          : undefined
  if (problem) context.addIssue({ code: 'custom', message: problem, input: name })
}

function checkAccountKey(key: string, context: z.core.$RefinementCtx<string>): void {
  const problem = allowedIssuerProblem(key)
  if (problem) context.addIssue({ code: 'custom', message: problem, input: key })
}

function expandHome(value: string): string {
  return value === '~' || value.startsWith('~/') ? path.join(os.homedir(), value.slice(1)) : value
}

export function validateProject(
  raw: Record<string, unknown>,
  file: string,
): { project?: Project; problems: ProjectProblem[] } {
  const problems: ProjectProblem[] = []
  const legacy = normalizeLegacyKeys(raw)
  const warnings = [...legacy.warnings]
  const parsed = schema.safeParse(legacy.raw)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({ key: issue.path.join('.') || '(document)', message: describeIssue(issue) })
    }
  }
  const data = parsed.success ? parsed.data : undefined
  // Where the schema failed, the identity checks still run on what is there, so that every
  // problem is reported at once (a key already reported is not reported twice).
  const view = data ?? looseView(legacy.raw)
  const fileDir = path.dirname(path.resolve(file))
  const fromFile = (value: string | undefined) => (value === undefined ? undefined : path.resolve(fileDir, expandHome(value)))
  const dir = fromFile(view.path) ?? fileDir
  // wash canonicalizes the project folder, so one that does not exist is an error there too.
  if (view.path !== undefined && !isDirectory(dir)) problems.push({ key: 'path', message: `folder ${dir} does not exist` })
  // wash requires `language` and `type`; wasmctl can detect both, but a document with none of the
  // project keys (a Cargo.toml or package.json passed by mistake) is not a project file.
  if (!Object.keys(legacy.raw).some((key) => PROJECT_KEYS.has(key))) {
    return { problems: [{ key: '(document)', message: `is not a wasmcloud.toml: it has none of the project keys (${[...PROJECT_KEYS].slice(0, 4).join(', ')}, ...)` }] }
  }
  const identity = resolveIdentity(view, dir)
  problems.push(...identity.problems.filter((problem) => !problems.some((known) => known.key === problem.key)))
  if (data?.component?.wasm_target === 'wasm') {
    warnings.push('wasm_target = "wasm" is not a wash target name: read as "wasm32-unknown-unknown" (a core module), as wash does; use "wasm32-wasip2" for a component')
  }
  if (!data || problems.length > 0) return { problems }
  const packageConfig = readPackageConfig(legacy.raw, fileDir)
  warnings.push(...packageConfig.warnings)
  const buildDir = fromFile(data.build) ?? path.join(dir, 'build')
  const component = data.component ?? {}
  const dev = data.dev ?? {}

  const project: Project = {
    file: path.resolve(file),
    dir,
    name: identity.name!,
    version: identity.version!,
    revision: data.revision ?? 0,
    language: data.language?.trim().toLowerCase(),
    type: (data.type?.trim().toLowerCase() ?? 'component') as Project['type'],
    witDir: fromFile(data.wit) ?? path.join(dir, 'wit'),
    buildDir,
    component: {
      buildCommand: component.build_command,
      buildArtifact: component.build_artifact === undefined ? undefined : path.resolve(dir, expandHome(component.build_artifact)),
      destination: component.destination === undefined ? undefined : path.resolve(dir, expandHome(component.destination)),
      keyDirectory: fromFile(component.key_directory),
      wasmTarget: component.wasm_target === undefined ? undefined : WASM_TARGETS[component.wasm_target],
      wasip1AdapterPath: fromFile(component.wasip1_adapter_path),
      witWorld: component.wit_world,
      tags: [...new Set(component.tags ?? [])],
      callAlias: component.call_alias,
    },
    rust: {
      cargoPath: data.rust?.cargo_path,
      // cargo runs in the project folder, so wash's relative target_path is relative to it.
      targetPath: data.rust?.target_path === undefined ? undefined : path.resolve(dir, expandHome(data.rust.target_path)),
      debug: data.rust?.debug ?? false,
    },
    tinygo: {
      tinygoPath: data.tinygo?.tinygo_path,
      disableGoGenerate: data.tinygo?.disable_go_generate ?? false,
      scheduler: data.tinygo?.scheduler,
      garbageCollector: data.tinygo?.garbage_collector,
    },
    registry: {
      url: data.registry?.url,
      credentials: fromFile(data.registry?.credentials),
      pushInsecure: data.registry?.push_insecure ?? false,
      pull: (data.registry?.pull?.sources ?? []).map(({ target, source }) => ({ target, source })),
    },
    overrides: packageConfig.overrides,
    dev: {
      address: dev.address,
      port: dev.port,
      allowHttp: dev.allow_http ?? [],
      env: dev.env ?? {},
      dirs: dev.dirs ?? [],
      config: flattenDevConfig(dev.config ?? dev.configs),
      allowedIssuers: dev.allowed_issuers ?? [],
      requireSigned: dev.require_signed ?? false,
      timeoutMs: dev.timeout_ms,
    },
    warnings,
    identitySource: identity.source,
    raw,
  }
  return { project, problems }
}

/**
 * `name` and `version`, from the file or, where it leaves them out, from Cargo.toml (wash's rule
 * for Rust) or package.json (wasmctl's for JS/TS). Problems name the missing key.
 */
function resolveIdentity(
  data: { name?: string; version?: string; language?: string },
  dir: string,
): { name?: string; version?: string; source?: Project['identitySource']; problems: ProjectProblem[] } {
  const problems: ProjectProblem[] = []
  let { name, version } = data
  let source: Project['identitySource']
  if (name === undefined || version === undefined) {
    const manifest = identityManifest(dir, data.language)
    const found = manifest ? readPackageIdentity(dir, manifest) : undefined
    const why = found?.problem ? ` (${found.problem})` : ''
    if (name === undefined) {
      if (found?.name !== undefined) {
        const checked = fileNameSafe.safeParse(found.name)
        if (checked.success) name = found.name
        else problems.push({ key: 'name', message: `the name ${JSON.stringify(found.name)} read from ${found.source} ${checked.error.issues[0].message}; set name in wasmcloud.toml` })
      } else problems.push({ key: 'name', message: manifest ? `is required: not in wasmcloud.toml nor ${manifest}${why}` : 'is required' })
    }
    if (version === undefined) {
      if (found?.version !== undefined && semver.valid(found.version) !== null && /^\d/.test(found.version)) version = found.version
      else if (found?.version !== undefined) problems.push({ key: 'version', message: `${JSON.stringify(found.version)} read from ${found.source} is not a semantic version such as "0.1.0"` })
      else problems.push({ key: 'version', message: manifest ? `is required (for example "0.1.0"): not in wasmcloud.toml nor ${manifest}${why}` : 'is required (for example "0.1.0")' })
    }
    if (found && (name !== data.name || version !== data.version)) source = found.source
  }
  return { name, version, source, problems }
}

/** Every top-level key wash 0.43 reads, and wasmctl's legacy `actor`. */
const PROJECT_KEYS = new Set(['language', 'type', 'name', 'version', 'revision', 'path', 'wit', 'build', 'component', 'actor', 'provider', 'rust', 'tinygo', 'go', 'dev', 'registry', 'composition', 'overrides', 'metadata'])

/** The keys the identity checks read, from a document the schema refused (present-but-invalid counts as present). */
function looseView(raw: Record<string, unknown>): { name?: string; version?: string; language?: string; path?: string } {
  const present = (value: unknown) => (value === undefined ? undefined : String(value))
  return {
    name: present(raw.name),
    version: present(raw.version),
    language: typeof raw.language === 'string' ? raw.language : undefined,
    path: typeof raw.path === 'string' ? raw.path : undefined,
  }
}

const fileNameSafe = z.string().min(1, 'must not be empty').superRefine(checkFileNameSafe)

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory()
  } catch {
    return false
  }
}

/** wash writes `[[dev.config]] values = {...}` entries; wasmctl also takes a plain `[dev.config]` table. */
function flattenDevConfig(config: unknown): Record<string, string> {
  if (!config) return {}
  if (Array.isArray(config)) {
    const merged: Record<string, string> = {}
    for (const entry of config) if (entry && typeof entry === 'object' && 'values' in entry) Object.assign(merged, entry.values)
    return merged
  }
  return config as Record<string, string>
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    const received = issue.message.match(/received (\w+)/)?.[1]
    return `expected ${issue.expected}${received ? `, got ${received}` : ''}`
  }
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return `expected one of ${(issue.values as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`
  }
  return issue.message
}
