import path from 'node:path'

import type { PackageOverride, ProjectProblem } from './schema.js'

/**
 * How wash 0.43 reads the parts of wasmcloud.toml whose rules are not plain types: `WASMCLOUD_*`
 * environment overrides, the legacy `actor` spelling, `[overrides]` (wkg's format), and registry
 * pull sources. Kept apart from the schema so each rule says where it comes from.
 */

/**
 * wash layers `WASMCLOUD_*` variables over the file with the `config` crate: the prefix and one
 * `_` are cut, the rest is lower-cased and, with no separator configured, names a top-level key.
 * So `WASMCLOUD_VERSION=1.2.3` sets `version`, while `WASMCLOUD_RUST_CARGO_PATH` only sets an
 * unknown `rust_cargo_path` that nothing reads. Only the scalar keys wash knows are applied.
 */
const ENV_SCALAR_KEYS = new Set(['name', 'version', 'revision', 'language', 'type', 'path', 'wit', 'build'])
/** Tables an environment string would replace: wash then fails to read the file, and so does wasmctl. */
const ENV_TABLE_KEYS = new Set(['component', 'provider', 'rust', 'tinygo', 'go', 'dev', 'registry', 'composition', 'overrides', 'metadata', 'actor'])

export interface EnvOverrides {
  raw: Record<string, unknown>
  /** TOML key -> the variable that set it, to name it in problems. */
  sources: Record<string, string>
  problems: ProjectProblem[]
}

export function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): EnvOverrides {
  const merged: Record<string, unknown> = { ...raw }
  const sources: Record<string, string> = {}
  const problems: ProjectProblem[] = []
  for (const [variable, value] of Object.entries(env)) {
    if (value === undefined || !/^wasmcloud_/i.test(variable)) continue
    const key = variable.slice('WASMCLOUD_'.length).toLowerCase()
    if (ENV_TABLE_KEYS.has(key)) {
      problems.push({ key, message: `${variable} would replace the [${key}] table with a string (wash refuses it too); unset it` })
      continue
    }
    if (!ENV_SCALAR_KEYS.has(key)) continue
    // wash gets a string from the environment and then fails on `revision`; a number is what is meant.
    merged[key] = key === 'revision' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value
    sources[key] = variable
  }
  return { raw: merged, sources, problems }
}

/** Names the variable in problems about keys it set. */
export function attributeToEnv(problems: ProjectProblem[], sources: Record<string, string>): ProjectProblem[] {
  return problems.map((problem) => {
    const variable = sources[problem.key.split('.')[0]]
    return variable ? { ...problem, message: `${problem.message} (set by ${variable})` } : problem
  })
}

/**
 * `type = "actor"` and `[actor]` are wash's names from before components (wash 0.43 itself no
 * longer reads them): wasmctl reads them as `component` and says so.
 */
export function normalizeLegacyKeys(raw: Record<string, unknown>): { raw: Record<string, unknown>; warnings: string[] } {
  const warnings: string[] = []
  const normalized: Record<string, unknown> = { ...raw }
  if (typeof raw.type === 'string' && raw.type.trim().toLowerCase() === 'actor') {
    normalized.type = 'component'
    warnings.push('type = "actor" is deprecated: read as type = "component" (rename it; wash 0.43 refuses "actor")')
  }
  if (raw.actor !== undefined) {
    if (raw.component === undefined) {
      normalized.component = raw.actor
      warnings.push('[actor] is deprecated: read as [component] (rename the section)')
    } else {
      warnings.push('[actor] is ignored because [component] is present (remove the old section)')
    }
  }
  return { raw: normalized, warnings }
}

/** wash's `RegistryPullSource`: the schemes it accepts, and `builtin`. */
export function isPullSource(source: string): boolean {
  return source === 'builtin' || /^(?:file|oci|https?|git\+ssh|git\+https?):\/\//.test(source)
}

export const PULL_SOURCE_HELP = 'expected builtin, file://…, oci://…, http(s)://… or git+ssh|http|https://…'

/**
 * `[overrides]` and `[metadata]` are wkg's package configuration, which wash reads as an optional
 * flattened part of the file: when any of it is malformed, wash drops all of it without a word
 * (and falls back to wkg.toml). wasmctl keeps that verdict (the file is accepted) but says so.
 */
export function readPackageConfig(raw: Record<string, unknown>, fileDir: string): { overrides?: Record<string, PackageOverride>; warnings: string[] } {
  if (raw.overrides === undefined && raw.metadata === undefined) return { warnings: [] }
  const problems: string[] = []
  const overrides: Record<string, PackageOverride> = {}
  if (raw.overrides !== undefined) {
    if (!isTable(raw.overrides)) problems.push('overrides must be a table of "namespace:package" = { path, version }')
    else {
      for (const [target, entry] of Object.entries(raw.overrides)) {
        const key = `overrides.${JSON.stringify(target)}`
        if (!isTable(entry)) {
          problems.push(`${key} must be a table such as { path = "../wit" }`)
          continue
        }
        const override: PackageOverride = {}
        if (entry.path !== undefined) {
          if (typeof entry.path !== 'string') problems.push(`${key}.path must be a string`)
          else override.path = path.resolve(fileDir, entry.path)
        }
        if (entry.version !== undefined) {
          if (typeof entry.version !== 'string' || !isVersionRequirement(entry.version)) problems.push(`${key}.version must be a version requirement such as "^0.2.0"`)
          else override.version = entry.version
        }
        overrides[target] = override
      }
    }
  }
  if (raw.metadata !== undefined) {
    if (!isTable(raw.metadata)) problems.push('metadata must be a table')
    else {
      for (const field of ['author', 'description', 'licenses', 'source', 'homepage', 'revision']) {
        if (raw.metadata[field] !== undefined && typeof raw.metadata[field] !== 'string') problems.push(`metadata.${field} must be a string`)
      }
    }
  }
  if (problems.length > 0) {
    return { warnings: [`[overrides] and [metadata] are ignored, as wash ignores them when malformed: ${problems.join('; ')}`] }
  }
  return { overrides: raw.overrides === undefined ? undefined : overrides, warnings: [] }
}

/** Rust semver's `VersionReq`: comma-separated comparators such as `^1.2`, `>=0.2.0, <0.3`, `*`. */
export function isVersionRequirement(text: string): boolean {
  const part = String.raw`(?:\d+|[*xX])`
  const comparator = new RegExp(String.raw`^(?:[=<>~^]|>=|<=)?\s*(?:[*xX]|\d+(?:\.${part}(?:\.${part}(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)?)?)$`)
  return text.split(',').every((piece) => comparator.test(piece.trim()))
}

function isTable(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
