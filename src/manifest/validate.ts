import {
  type Component,
  LATEST_VERSION,
  links,
  type Manifest,
  MANIFEST_NAME_PATTERN,
  manifestVersion,
  SECRET_POLICY_TYPE,
  DEFAULT_LINK_NAME,
  isScalerType,
} from './model.js'

/**
 * wadm's `validate_manifest` (wadm-types `validation.rs`, reference §5): the same checks in the
 * same order with the same messages, so `wasmctl app validate` and `wash app validate` agree.
 */

export type ValidationLevel = 'Warning' | 'Error'
export interface ValidationFailure {
  level: ValidationLevel
  msg: string
}
export interface ValidationReport {
  valid: boolean
  warnings: ValidationFailure[]
  errors: ValidationFailure[]
}

const KNOWN_INTERFACES: Record<string, Record<string, string[]>> = {
  wrpc: { blobstore: ['blobstore'], keyvalue: ['atomics', 'store'], http: ['incoming-handler', 'outgoing-handler'] },
  wasi: {
    blobstore: ['blobstore'],
    config: ['runtime'],
    keyvalue: ['atomics', 'store', 'batch', 'watch'],
    http: ['incoming-handler', 'outgoing-handler'],
    logging: ['logging'],
  },
  wasmcloud: { messaging: ['consumer', 'handler'] },
}

const error = (msg: string): ValidationFailure => ({ level: 'Error', msg })
const warning = (msg: string): ValidationFailure => ({ level: 'Warning', msg })

export function validateManifestName(name: string): ValidationFailure[] {
  return MANIFEST_NAME_PATTERN.test(name) ? [] : [error(`manifest name [${name}] is not allowed (should match regex [^[-\\w]+$])`)]
}

export function validateManifest(manifest: Manifest, raw?: unknown): ValidationFailure[] {
  const failures = [
    ...validateManifestName(manifest.metadata.name),
    ...(manifestVersion(manifest) === LATEST_VERSION ? [error(`${LATEST_VERSION} is not allowed in wadm`)] : []),
    ...coreValidation(manifest),
    ...checkMisnamedInterfaces(manifest),
    ...checkDanglingLinks(manifest),
    ...validatePolicies(manifest),
    ...ensureNoCustomTraits(manifest),
    ...validateComponentProperties(manifest),
    ...checkDuplicateLinks(manifest),
    ...validateLinkConfigs(manifest),
  ]
  if (raw !== undefined) failures.push(...deprecatedLinkConfigKeys(raw))
  return failures
}

export function toReport(failures: ValidationFailure[]): ValidationReport {
  const errors = failures.filter((failure) => failure.level === 'Error')
  return { valid: errors.length === 0, warnings: failures.filter((failure) => failure.level === 'Warning'), errors }
}

/** Rust's `{:?}` of a string: quoted, with `"` and `\` escaped. */
const debugString = (text: string) => JSON.stringify(text)

function coreValidation(manifest: Manifest): ValidationFailure[] {
  const failures: ValidationFailure[] = []
  for (const label of Object.entries(manifest.metadata.labels)) {
    if (!validOamLabel(label[0])) failures.push(error(`Invalid OAM label: (${debugString(label[0])}, ${debugString(label[1])})`))
  }
  for (const annotation of Object.entries(manifest.metadata.annotations)) {
    if (!validOamLabel(annotation[0])) failures.push(error(`Invalid OAM annotation: (${debugString(annotation[0])}, ${debugString(annotation[1])})`))
  }
  const names = new Set<string>()
  const ids = new Set<string>()
  const requiredTargets = new Set<string>()
  for (const component of manifest.spec.components) {
    if (names.has(component.name)) failures.push(error(`Duplicate component name in manifest: ${component.name}`))
    names.add(component.name)
    const id = component.properties.id
    if (id != null) {
      if (ids.has(id)) failures.push(error(`Duplicate component identifier in manifest: ${id}`))
      ids.add(id)
    }
    for (const trait of component.traits ?? []) {
      if (trait.kind === 'link') requiredTargets.add(trait.properties.target.name)
    }
  }
  // wadm prints a HashSet difference (unordered); sorted here so the message is stable.
  const missing = [...requiredTargets].filter((name) => !names.has(name)).sort()
  if (missing.length > 0) failures.push(error(`The following capability component(s) are missing from the manifest: [${missing.map(debugString).join(', ')}]`))
  return failures
}

function checkMisnamedInterfaces(manifest: Manifest): ValidationFailure[] {
  const failures: ValidationFailure[] = []
  for (const { trait } of links(manifest)) {
    if (trait.kind !== 'link') continue
    const { namespace, package: pkg, interfaces } = trait.properties
    const packages = KNOWN_INTERFACES[namespace]
    if (!packages) continue
    for (const iface of interfaces) {
      if (!packages[pkg]?.includes(iface)) failures.push(warning(`unrecognized interface [${namespace}:${pkg}/${iface}]`))
    }
  }
  return failures
}

function checkDanglingLinks(manifest: Manifest): ValidationFailure[] {
  const names = new Set(manifest.spec.components.map((component) => component.name))
  const failures: ValidationFailure[] = []
  for (const { trait } of links(manifest)) {
    if (trait.kind === 'link') {
      const { name, target } = trait.properties
      const identifier = name != null ? `(name [${name}])` : `(target [${target.name}])`
      if (!names.has(target.name)) failures.push(warning(`link ${identifier} target [${target.name}] is not a listed component`))
      continue
    }
    const props = trait.properties as Record<string, unknown> | null
    if (props === null || typeof props !== 'object' || !('target' in props)) {
      failures.push(error("custom link is missing 'target' property"))
      continue
    }
    const targetName = (props.target as Record<string, unknown> | null)?.name
    if (typeof targetName !== 'string') failures.push(error("custom link is missing 'target' name property"))
    else if (!names.has(targetName)) failures.push(warning(`custom link target [${targetName}] is not a listed component`))
  }
  return failures
}

function secretsOf(component: Component) {
  const secrets = [...component.properties.secrets]
  for (const trait of component.traits ?? []) {
    if (trait.kind !== 'link') continue
    secrets.push(...trait.properties.target.secrets, ...(trait.properties.source?.secrets ?? []))
  }
  return secrets
}

function validatePolicies(manifest: Manifest): ValidationFailure[] {
  const policies = new Map(manifest.spec.policies.map((policy) => [policy.name, policy]))
  const failures: ValidationFailure[] = []
  for (const component of manifest.spec.components) {
    for (const secret of secretsOf(component)) {
      const policyName = secret.properties.policy
      const policy = policies.get(policyName)
      if (!policy) failures.push(error(`secret '${secret.name}' is mapped to unknown policy '${policyName}'`))
      else if (policy.type !== SECRET_POLICY_TYPE)
        failures.push(error(`secret '${secret.name}' is mapped to policy '${policyName}' which is not a secret policy. Expected type '${SECRET_POLICY_TYPE}'`))
      else if (!('backend' in policy.properties)) failures.push(error(`secret '${secret.name}' is mapped to policy '${policyName}' which does not include a 'backend' property`))
    }
  }
  return failures
}

function ensureNoCustomTraits(manifest: Manifest): ValidationFailure[] {
  const failures: ValidationFailure[] = []
  for (const component of manifest.spec.components) {
    for (const trait of component.traits ?? []) {
      if (trait.kind !== 'custom') continue
      if (trait.type === 'link') failures.push(error(`Link trait deserialized as custom trait, ensure fields are correct: ${JSON.stringify(trait.properties)}`))
      else if (isScalerType(trait.type)) failures.push(error(`Scaler trait deserialized as custom trait, ensure fields are correct: ${JSON.stringify(trait.properties)}`))
    }
  }
  return failures
}

function validateComponentProperties(manifest: Manifest): ValidationFailure[] {
  const failures: ValidationFailure[] = []
  for (const component of manifest.spec.components) {
    const { image, application, config, secrets } = component.properties
    if (image != null && application != null) failures.push(error("Component cannot have both 'image' and 'application' properties"))
    else if (image == null && application == null) failures.push(error("Component must have either 'image' or 'application' property"))
    else if (application != null) {
      if (config.length > 0) failures.push(error(`Shared component '${application.name}' cannot specify additional 'config'`))
      else if (secrets.length > 0) failures.push(error(`Shared component '${application.name}' cannot specify additional 'secrets'`))
      else if ((component.traits ?? []).some((trait) => isScalerType(trait.type)))
        failures.push(error(`Shared component '${application.name}' cannot include a scaler trait`))
    }
  }
  return failures
}

function checkDuplicateLinks(manifest: Manifest): ValidationFailure[] {
  const failures: ValidationFailure[] = []
  for (const component of manifest.spec.components) {
    const seen = new Set<string>()
    for (const trait of component.traits ?? []) {
      if (trait.kind !== 'link') continue
      const { namespace, package: pkg, interfaces } = trait.properties
      const name = trait.properties.name ?? DEFAULT_LINK_NAME
      for (const iface of interfaces) {
        const key = JSON.stringify([name, namespace, pkg, iface])
        if (seen.has(key)) failures.push(error(`Duplicate link found inside component '${component.name}': ${name} (${namespace}:${pkg}/${iface})`))
        seen.add(key)
      }
    }
  }
  return failures
}

/** Only named configs that carry properties are created by wadm, so only those can clash (wadm 0.21). */
function validateLinkConfigs(manifest: Manifest): ValidationFailure[] {
  const failures: ValidationFailure[] = []
  const seen = new Set<string>()
  for (const { trait } of links(manifest)) {
    if (trait.kind !== 'link') continue
    for (const config of [...trait.properties.target.config, ...(trait.properties.source?.config ?? [])]) {
      if (config.properties == null) continue
      if (seen.has(config.name)) failures.push(error(`Duplicate link config name found: '${config.name}'`))
      seen.add(config.name)
    }
  }
  return failures
}

function deprecatedLinkConfigKeys(raw: unknown): ValidationFailure[] {
  const failures: ValidationFailure[] = []
  const components = (raw as { spec?: { components?: unknown } })?.spec?.components
  if (!Array.isArray(components)) return failures
  for (const component of components) {
    const traits = (component as { traits?: unknown })?.traits
    if (!Array.isArray(traits)) continue
    for (const trait of traits) {
      if (trait?.type !== undefined && trait.type !== 'link') continue
      const properties = trait?.properties
      if (!properties || typeof properties !== 'object') continue
      if ('source_config' in properties) failures.push(warning("one of the components' link trait contains a source_config key, please use source:config: rather"))
      if ('target_config' in properties) failures.push(warning("one of the components' link trait contains a target_config key, please use target:config: rather"))
    }
  }
  return failures
}

/** An OAM metadata key: optional DNS-subdomain `prefix/`, then a label name. */
export function validOamLabel(key: string): boolean {
  const slash = key.indexOf('/')
  if (slash === -1) return isValidLabelName(key)
  return isValidDnsSubdomain(key.slice(0, slash)) && isValidLabelName(key.slice(slash + 1))
}

function isValidDnsSubdomain(text: string): boolean {
  if (text.length === 0 || text.length > 253) return false
  return text.split('.').every((part) => part.length > 0 && part.length <= 63 && /^[A-Za-z]/.test(part) && /[A-Za-z0-9]$/.test(part) && /^[A-Za-z0-9-]+$/.test(part))
}

function isValidLabelName(name: string): boolean {
  return name.length > 0 && name.length <= 63 && /^[A-Za-z0-9]/.test(name) && /[A-Za-z0-9]$/.test(name) && /^[A-Za-z0-9._-]+$/.test(name)
}
