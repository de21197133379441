import os from 'node:os'
import path from 'node:path'

import semver from 'semver'
import { z } from 'zod'

import { PROJECT_TYPES, type Project, type ProjectProblem, WASM_TARGETS } from './schema.js'

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

const schema = z
  .object({
    name: z.string().min(1, 'must not be empty').optional(),
    version: z
      .string()
      .refine((value) => semver.valid(value) !== null, 'must be a semantic version such as "0.1.0"')
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
            message: `unknown wasm target (expected one of ${Object.keys(WASM_TARGETS).join(', ')})`,
          })
          .optional(),
        wasip1_adapter_path: z.string().optional(),
        wit_world: z.string().optional(),
        tags: stringList.optional(),
        call_alias: z.string().optional(),
      })
      .loose()
      .optional(),
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
      .object({ url: z.string().optional(), credentials: z.string().optional(), push_insecure: z.boolean().optional() })
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
        allowed_issuers: stringList.optional(),
        require_signed: z.boolean().optional(),
        timeout_ms: nonNegativeInt.optional(),
      })
      .loose()
      .optional(),
  })
  .loose()

function expandHome(value: string): string {
  return value === '~' || value.startsWith('~/') ? path.join(os.homedir(), value.slice(1)) : value
}

export function validateProject(
  raw: Record<string, unknown>,
  file: string,
): { project?: Project; problems: ProjectProblem[] } {
  const problems: ProjectProblem[] = []
  const parsed = schema.safeParse(raw)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({ key: issue.path.join('.') || '(document)', message: describeIssue(issue) })
    }
  }
  const data = parsed.success ? parsed.data : undefined
  if (data && data.name === undefined) problems.push({ key: 'name', message: 'is required' })
  if (data && data.version === undefined) problems.push({ key: 'version', message: 'is required (for example "0.1.0")' })
  if (!data || problems.length > 0) return { problems }

  const fileDir = path.dirname(path.resolve(file))
  const fromFile = (value: string | undefined) => (value === undefined ? undefined : path.resolve(fileDir, expandHome(value)))
  const dir = fromFile(data.path) ?? fileDir
  const buildDir = fromFile(data.build) ?? path.join(dir, 'build')
  const component = data.component ?? {}
  const dev = data.dev ?? {}

  const project: Project = {
    file: path.resolve(file),
    dir,
    name: data.name!,
    version: data.version!,
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
      targetPath: fromFile(data.rust?.target_path),
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
    },
    dev: {
      address: dev.address,
      port: dev.port,
      allowHttp: dev.allow_http ?? [],
      env: dev.env ?? {},
      dirs: dev.dirs ?? [],
      config: flattenDevConfig(dev.config),
      allowedIssuers: dev.allowed_issuers ?? [],
      requireSigned: dev.require_signed ?? false,
      timeoutMs: dev.timeout_ms,
    },
    raw,
  }
  return { project, problems }
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
