import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from 'vitest'

import { readManifest, validateLoaded } from '../../../src/manifest/io.js'
import { validOamLabel } from '../../../src/manifest/validate.js'

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/manifests')
const load = (file: string) => readManifest(readFileSync(path.join(fixtures, file), 'utf8'), file)
const minimal = (patch: (doc: any) => void) => {
  const doc: any = {
    apiVersion: 'core.oam.dev/v1beta1',
    kind: 'Application',
    metadata: { name: 'app', annotations: { version: 'v1' } },
    spec: { components: [{ name: 'c', type: 'component', properties: { image: 'ghcr.io/a/c:1' }, traits: [{ type: 'spreadscaler', properties: { instances: 1 } }] }] },
  }
  patch(doc)
  return validateLoaded(readManifest(JSON.stringify(doc)))
}

describe("wasmCloud's own example manifests", () => {
  const files = readdirSync(path.join(fixtures, 'wasmcloud')).filter((file) => file.endsWith('.yaml'))
  it('has the examples', () => expect(files.length).toBeGreaterThanOrEqual(5))
  for (const file of files) {
    it(`${file} is valid`, () => {
      const report = validateLoaded(load(`wasmcloud/${file}`))
      expect(report.errors).toEqual([])
      expect(report.valid).toBe(true)
    })
  }
  it('warns about the deprecated source_config key, as wadm does', () => {
    expect(validateLoaded(load('wasmcloud/rust-http-hello-world.wadm.yaml')).warnings).toEqual([
      { level: 'Warning', msg: "one of the components' link trait contains a source_config key, please use source:config: rather" },
    ])
  })
  it('reads legacy `target: name`, `source_config` and `replicas` into the current model', () => {
    const { manifest } = load('wasmcloud/rust-http-hello-world.wadm.yaml')
    const [component, provider] = manifest.spec.components
    expect(component.traits![0]).toEqual({ type: 'spreadscaler', kind: 'scaler', properties: { instances: 1, spread: [] } })
    expect(provider.traits![0]).toMatchObject({ kind: 'link', properties: { target: { name: 'http-component', config: [], secrets: [] }, source: { config: [{ name: 'default-http', properties: { address: '127.0.0.1:8080' } }] } } })
  })
})

describe("wadm's parse failures", () => {
  it('a manifest without annotations does not parse (wadm#466)', () => {
    expect(() => load('invalid/missing-annotations.yaml')).toThrow(/Unable to parse manifest .*annotations/)
  })
  it('unknown top-level keys are refused', () => {
    expect(() => load('invalid/unknown-top-level-key.yaml')).toThrow(/unknown field `status`/)
  })
  it('broken YAML is a parse error', () => {
    expect(() => readManifest('a: [1, 2')).toThrow(expect.objectContaining({ code: 'APP_MANIFEST_INVALID' }))
  })
})

describe("wadm's validation rules, with wadm's messages", () => {
  it('reports every broken rule of a bad manifest', () => {
    const report = validateLoaded(load('invalid/many-errors.yaml'))
    expect(report.valid).toBe(false)
    expect(report.errors.map((failure) => failure.msg)).toEqual([
      'manifest name [bad.name] is not allowed (should match regex [^[-\\w]+$])',
      'latest is not allowed in wadm',
      'Invalid OAM annotation: ("-bad-key", "x")',
      'Duplicate component name in manifest: hello',
      'Duplicate component identifier in manifest: same',
      'The following capability component(s) are missing from the manifest: ["kv"]',
      "secret 'token' is mapped to policy 'not-secrets' which is not a secret policy. Expected type 'policy.secret.wasmcloud.dev/v1alpha1'",
      'Scaler trait deserialized as custom trait, ensure fields are correct: {"instance":1}',
      "Component must have either 'image' or 'application' property",
      "Duplicate link found inside component 'hello': default (wasi:keyvalue/store)",
      "Duplicate link config name found: 'kv-config'",
    ])
    expect(report.warnings.map((failure) => failure.msg)).toEqual([
      'unrecognized interface [wasi:keyvalue/stor]',
      'link (target [kv]) target [kv] is not a listed component',
      'link (target [kv]) target [kv] is not a listed component',
    ])
  })

  it('a link missing its fields is a custom trait, an error', () => {
    const report = minimal((doc) => doc.spec.components[0].traits.push({ type: 'link', properties: { namespace: 'wasi', package: 'http', target: 'c' } }))
    // A legacy string target has no `name` inside a custom trait: wadm reports that first.
    expect(report.errors.map((failure) => failure.msg)).toEqual([
      "custom link is missing 'target' name property",
      'Link trait deserialized as custom trait, ensure fields are correct: {"namespace":"wasi","package":"http","target":"c"}',
    ])
    expect(report.warnings).toEqual([])
  })

  it('secrets need a known policy with a backend', () => {
    const withSecret = (policies: unknown[]) =>
      minimal((doc) => {
        doc.spec.policies = policies
        doc.spec.components[0].properties.secrets = [{ name: 's', properties: { policy: 'p', key: 'k' } }]
      })
    expect(withSecret([]).errors[0].msg).toBe("secret 's' is mapped to unknown policy 'p'")
    expect(withSecret([{ name: 'p', type: 'policy.secret.wasmcloud.dev/v1alpha1', properties: {} }]).errors[0].msg).toBe(
      "secret 's' is mapped to policy 'p' which does not include a 'backend' property",
    )
    expect(withSecret([{ name: 'p', type: 'policy.secret.wasmcloud.dev/v1alpha1', properties: { backend: 'nats-kv' } }]).valid).toBe(true)
  })

  it('shared components take no config, secrets or scaler', () => {
    const shared = (patch: (component: any) => void) =>
      minimal((doc) => {
        const component = doc.spec.components[0]
        component.properties = { application: { name: 'other', component: 'x' } }
        component.traits = []
        patch(component)
      })
    expect(shared(() => {}).valid).toBe(true)
    expect(shared((component) => (component.properties.config = [{ name: 'c' }])).errors[0].msg).toBe("Shared component 'other' cannot specify additional 'config'")
    expect(shared((component) => (component.properties.image = 'x')).errors[0].msg).toBe("Component cannot have both 'image' and 'application' properties")
    expect(shared((component) => component.traits.push({ type: 'daemonscaler', properties: { instances: 1 } })).errors[0].msg).toBe(
      "Shared component 'other' cannot include a scaler trait",
    )
  })

  it('duplicate link config names count only when they carry properties', () => {
    const twoLinks = (properties: Record<string, string> | undefined) =>
      minimal((doc) => {
        doc.spec.components.push({ name: 'kv', type: 'capability', properties: { image: 'ghcr.io/a/kv:1' } })
        for (const iface of ['store', 'atomics']) {
          doc.spec.components[0].traits.push({ type: 'link', properties: { namespace: 'wasi', package: 'keyvalue', interfaces: [iface], target: { name: 'kv', config: [{ name: 'shared', ...(properties ? { properties } : {}) }] } } })
        }
      })
    expect(twoLinks(undefined).valid).toBe(true)
    expect(twoLinks({ bucket: 'x' }).errors.map((failure) => failure.msg)).toEqual(["Duplicate link config name found: 'shared'"])
  })

  it('checks OAM keys as wadm does', () => {
    for (const key of ['version', 'description', 'wasmcloud.dev/authors', 'experimental.wasmcloud.dev/shared', 'a.b_c-d']) expect(validOamLabel(key)).toBe(true)
    for (const key of ['', '-x', 'x-', 'a/b/c', '1abc.com/x', 'example.com/', 'x'.repeat(64)]) expect(validOamLabel(key)).toBe(false)
  })
})

describe('a manifest file that is no mapping at all', () => {
  it('says the document is empty, or a list, instead of naming a missing field', () => {
    expect(() => readManifest('', 'empty.yaml')).toThrowError(/Unable to parse manifest empty\.yaml: the document is empty/)
    expect(() => readManifest('- a\n- b\n', 'list.yaml')).toThrowError(/the document is a list, not a mapping/)
    expect(() => readManifest('42\n', 'n.yaml')).toThrowError(/the document is a number, not a mapping/)
  })
})
