import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'

import { Ajv } from 'ajv'
import { beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'

import { componentizeCache } from '../helpers/build-fixtures.js'
import { repoRoot, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

// The "done when": the v2 manifest of the ts-http and ts-kv-counter templates validates
// against wasmCloud 2's WorkloadDeployment CRD schema, and their v1 manifests pass wadm's rules.
// The CRD is reference data outside the repository (CI may point WASMCTL_WASMCLOUD_V2_CRD at it).
const crdFile = process.env.WASMCTL_WASMCLOUD_V2_CRD ?? path.resolve(repoRoot, '../shared/reference/wasmcloud-v2/runtime.wasmcloud.dev_workloaddeployments.yaml')
const root = tempDir('wasmctl-app-v2-')
const env = { WASH_KEYS: path.join(root, 'keys'), WASMCTL_COMPONENTIZE_CACHE: componentizeCache, USER: 'ci', HOME: root }

describe.skipIf(!existsSync(crdFile))('app manifest for the bundled templates', () => {
  const crd = parseYaml(readFileSync(crdFile, 'utf8'))
  const check = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(crd.spec.versions[0].schema.openAPIV3Schema)

  for (const template of ['ts-http', 'ts-kv-counter']) {
    describe(template, () => {
      const dir = path.join(root, template)
      beforeAll(async () => {
        expect((await runCli(['new', 'actor', template, '--template', template, '--yes', '--no-git-init'], { cwd: root, env })).exitCode).toBe(0)
        const built = await runCli(['build'], { cwd: dir, env })
        expect(built.exitCode, built.stderr).toBe(0)
      }, 300_000)

      it('v2: a WorkloadDeployment the CRD schema accepts, with the host interfaces the world needs', async () => {
        const result = await runCli(['app', 'manifest', '--target', 'v2', '--image', `ghcr.io/acme/${template}:0.1.0`, '--json'], { cwd: dir, env })
        expect(result.exitCode, result.stderr).toBe(0)
        const doc = result.json.result.manifest
        expect(check(doc), JSON.stringify(check.errors)).toBe(true)
      expect(admissionProblems(doc)).toEqual([])
        const packages = doc.spec.template.spec.hostInterfaces.map((item: { namespace: string; package: string }) => `${item.namespace}:${item.package}`)
        expect(packages).toEqual(template === 'ts-kv-counter' ? ['wasi:http', 'wasi:keyvalue'] : ['wasi:http'])
      })

      it('v1: the wadm manifest passes wadm\'s rules with no warning', async () => {
        const result = await runCli(['app', 'manifest', '--image', `ghcr.io/acme/${template}:0.1.0`, '--out', path.join(dir, 'wadm.yaml')], { cwd: dir, env })
        expect(result.exitCode, result.stderr).toBe(0)
        const validated = await runCli(['app', 'validate', 'wadm.yaml', '--json'], { cwd: dir, env })
        expect(validated.json.result).toEqual({ valid: true, warnings: [], errors: [] })
      })
    })
  }
})

/** The CRD's two admission rules (x-kubernetes-validations, CEL) that a JSON Schema validator skips. */
function admissionProblems(doc: any): string[] {
  const entries: any[] = doc.spec.template.spec.hostInterfaces ?? []
  const key = (x: any, withVersion: boolean) => [x.namespace, x.package, x.name ?? '', withVersion ? (x.version ?? '') : ''].join('\0')
  const problems: string[] = []
  if (new Set(entries.map((x) => key(x, true))).size !== entries.length) problems.push('duplicate hostInterfaces entries')
  const unnamed = entries.filter((x) => !x.name).map((x) => `${x.namespace}:${x.package}`)
  if (new Set(unnamed).size !== unnamed.length) problems.push('more than one unnamed hostInterface per namespace:package')
  return problems
}
