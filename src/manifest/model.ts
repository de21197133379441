import { z } from 'zod'

/**
 * The wadm (OAM) Application, as wadm-types 0.8 deserializes it (`crates/wadm-types/src/lib.rs`,
 * see ../shared/reference/wadm.md §5). Parsing follows serde's verdicts: a document this schema
 * rejects is one wadm answers with "Unable to parse manifest". Links and scalers whose fields do
 * not fit fall through to a "custom trait", which validation then reports, as wadm does.
 */

export const OAM_API_VERSION = 'core.oam.dev/v1beta1'
export const OAM_KIND = 'Application'
export const VERSION_ANNOTATION = 'version'
export const DESCRIPTION_ANNOTATION = 'description'
export const SHARED_ANNOTATION = 'experimental.wasmcloud.dev/shared'
export const SECRET_POLICY_TYPE = 'policy.secret.wasmcloud.dev/v1alpha1'
export const DEFAULT_LINK_NAME = 'default'
export const LATEST_VERSION = 'latest'
export const MANIFEST_NAME_PATTERN = /^[-\w]+$/

const stringMap = z.record(z.string(), z.string())
const count = z.number().int().nonnegative()

export const configPropertySchema = z.object({ name: z.string(), properties: stringMap.nullish() })
export const secretPropertySchema = z.object({
  name: z.string(),
  properties: z.object({ policy: z.string(), key: z.string(), field: z.string().nullish(), version: z.string().nullish() }),
})
const sharedApplicationSchema = z.object({ name: z.string(), component: z.string() })

export const componentPropertiesSchema = z.object({
  image: z.string().nullish(),
  application: sharedApplicationSchema.nullish(),
  id: z.string().nullish(),
  config: z.array(configPropertySchema).default([]),
  secrets: z.array(secretPropertySchema).default([]),
})

const targetSchema = z.union([
  z.string().transform((name) => ({ name, config: [], secrets: [] })),
  z.object({ name: z.string(), config: z.array(configPropertySchema).default([]), secrets: z.array(secretPropertySchema).default([]) }),
])
const sourceSchema = z.object({ config: z.array(configPropertySchema).default([]), secrets: z.array(secretPropertySchema).default([]) })

/** A link trait's properties, with wadm's legacy `target: "name"`, `source_config` and `target_config` folded in. */
export const linkPropertySchema = z
  .object({
    namespace: z.string(),
    package: z.string(),
    interfaces: z.array(z.string()),
    source: sourceSchema.nullish(),
    target: targetSchema,
    name: z.string().nullish(),
    source_config: z.array(configPropertySchema).nullish(),
    target_config: z.array(configPropertySchema).nullish(),
  })
  .transform(({ source_config, target_config, ...link }) => {
    const source = link.source ?? (source_config ? { config: [], secrets: [] } : undefined)
    return {
      namespace: link.namespace,
      package: link.package,
      interfaces: link.interfaces,
      ...(source ? { source: { config: [...source.config, ...(source_config ?? [])], secrets: source.secrets } } : {}),
      target: { ...link.target, config: [...link.target.config, ...(target_config ?? [])] },
      ...(link.name != null ? { name: link.name } : {}),
    }
  })

const spreadSchema = z.object({ name: z.string(), requirements: stringMap.default({}), weight: count.nullish() })
export const scalerPropertySchema = z
  .object({ instances: count.optional(), replicas: count.optional(), spread: z.array(spreadSchema).default([]) })
  .refine((value) => value.instances !== undefined || value.replicas !== undefined, 'missing field `instances`')
  .transform(({ instances, replicas, spread }) => ({ instances: (instances ?? replicas)!, spread }))

const traitSchema = z.object({ type: z.string(), properties: z.unknown() })

const componentSchema = z.object({
  name: z.string(),
  type: z.enum(['component', 'actor', 'capability']),
  properties: componentPropertiesSchema,
  traits: z.array(traitSchema).nullish(),
})

export const manifestSchema = z.strictObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.object({
    name: z.string(),
    // No serde default: a manifest without annotations does not parse in wadm (wadm#466).
    annotations: stringMap,
    labels: stringMap.default({}),
  }),
  spec: z.object({
    components: z.array(componentSchema),
    policies: z.array(z.object({ name: z.string(), type: z.string(), properties: stringMap })).default([]),
  }),
})

export type ConfigProperty = z.infer<typeof configPropertySchema>
export type SecretProperty = z.infer<typeof secretPropertySchema>
export type ComponentProperties = z.infer<typeof componentPropertiesSchema>
export type LinkProperty = z.output<typeof linkPropertySchema>
export type ScalerProperty = z.output<typeof scalerPropertySchema>

export type Trait =
  | { type: string; kind: 'link'; properties: LinkProperty }
  | { type: string; kind: 'scaler'; properties: ScalerProperty }
  | { type: string; kind: 'custom'; properties: unknown }

export interface Component {
  name: string
  type: 'component' | 'capability'
  properties: ComponentProperties
  traits?: Trait[]
}

/** A manifest as wadm reads it: traits classified, aliases (`actor`, `replicas`, legacy link keys) normalized. */
export interface Manifest {
  apiVersion: string
  kind: string
  metadata: { name: string; annotations: Record<string, string>; labels: Record<string, string> }
  spec: { components: Component[]; policies: { name: string; type: string; properties: Record<string, string> }[] }
}

export const isScalerType = (type: string) => type === 'spreadscaler' || type === 'daemonscaler'

export type ParseResult = { ok: true; manifest: Manifest } | { ok: false; message: string }

/** Reads a plain JSON value (parsed YAML or JSON) as wadm's serde model does. */
export function parseManifestValue(value: unknown): ParseResult {
  const parsed = manifestSchema.safeParse(value)
  if (!parsed.success) return { ok: false, message: describeIssue(parsed.error.issues[0]) }
  const data = parsed.data
  const components: Component[] = data.spec.components.map((component) => ({
    name: component.name,
    type: component.type === 'capability' ? 'capability' : 'component',
    properties: component.properties,
    ...(component.traits ? { traits: component.traits.map(classifyTrait) } : {}),
  }))
  return {
    ok: true,
    manifest: {
      apiVersion: data.apiVersion,
      kind: data.kind,
      metadata: data.metadata,
      spec: { components, policies: data.spec.policies },
    },
  }
}

function classifyTrait(trait: { type: string; properties: unknown }): Trait {
  if (trait.type === 'link') {
    const link = linkPropertySchema.safeParse(trait.properties)
    if (link.success) return { type: trait.type, kind: 'link', properties: link.data }
  } else if (isScalerType(trait.type)) {
    const scaler = scalerPropertySchema.safeParse(trait.properties)
    if (scaler.success) return { type: trait.type, kind: 'scaler', properties: scaler.data }
  }
  return { type: trait.type, kind: 'custom', properties: trait.properties }
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'invalid manifest'
  const where = issue.path.length ? issue.path.map(String).join('.') : 'manifest'
  if (issue.code === 'unrecognized_keys') return `unknown field \`${issue.keys[0]}\`, expected one of \`apiVersion\`, \`kind\`, \`metadata\`, \`spec\``
  if (issue.code === 'invalid_type' && (issue as { input?: unknown }).input === undefined) return `${where}: missing field \`${String(issue.path.at(-1) ?? where)}\``
  return `${where}: ${issue.message}`
}

/** The `version` annotation ("" when absent, as wadm's `Manifest::version`). */
export function manifestVersion(manifest: { metadata: { annotations?: Record<string, string> } }): string {
  return manifest.metadata.annotations?.[VERSION_ANNOTATION] ?? ''
}

export function links(manifest: Manifest): { component: Component; trait: Trait }[] {
  return manifest.spec.components.flatMap((component) => (component.traits ?? []).filter((trait) => trait.type === 'link').map((trait) => ({ component, trait })))
}
