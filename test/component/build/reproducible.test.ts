import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { buildProject } from '../../../src/build/build.js'
import { verifyReproducible } from '../../../src/build/reproducible-verify.js'
import { signWasmFile } from '../../../src/claims/sign.js'
import { readProject } from '../../../src/project/index.js'
import { createProject, planProject } from '../../../src/templates/index.js'
import { buildFailure } from '../../helpers/build-fixtures.js'
import { repoRoot } from '../../helpers/cli.js'
import { tempDir } from '../../helpers/tmp.js'

/**
 * Real componentize-js builds with no cache (each ~10 s), as few as the claims need: the same
 * sources in two folders give one digest (ts-http through --verify-reproducible's rebuild, js-http
 * through two copies), and a one-character change gives another.
 */
/** A project from the bundled template, under the same name in a new folder each time. */
async function fromTemplate(template: string): Promise<string> {
  const created = await createProject(planProject({ name: 'repro', template, cwd: tempDir(`wasmctl-repro-${template}-`) }), { gitInit: false })
  return created.path
}
const load = (dir: string) => readProject(path.join(dir, 'wasmcloud.toml'))
const build = (dir: string) => buildProject(load(dir), { buildOnly: true, noCache: true, skipFetch: true })

describe('reproducible JavaScript builds', () => {
  it('ts-http: a rebuild in a temporary folder gives the same bytes (build --verify-reproducible)', async () => {
    const dir = await fromTemplate('ts-http')
    const first = await build(dir)
    const check = await verifyReproducible(load(dir))
    expect(check).toEqual({ reproducible: true, sha256: first.sha256, rebuild: { sha256: first.sha256, size: first.size } })
    expect(first.toolchain.versions).toMatchObject({ '@bytecodealliance/componentize-js': expect.any(String), node: process.versions.node })
  }, 300_000)

  it('js-http: two folders give one digest; one changed character gives another, which --verify-reproducible compares', async () => {
    const a = await build(await fromTemplate('js-http'))
    const dirB = await fromTemplate('js-http')
    const b = await build(dirB)
    expect(b.sha256).toBe(a.sha256)
    expect(readFileSync(b.artifact).equals(readFileSync(a.artifact)), 'same bytes').toBe(true)

    const source = path.join(dirB, 'src', 'index.js')
    const text = readFileSync(source, 'utf8')
    const changed = text.replace('const GREETING = "', 'const GREETING = "!')
    expect(changed).not.toBe(text)
    writeFileSync(source, changed)
    const c = await build(dirB)
    expect(c.sha256).not.toBe(a.sha256)
  }, 400_000)

  it('reports BUILD_NOT_REPRODUCIBLE with both digests when the artifact does not match its sources', async () => {
    const dir = await fromTemplate('js-http')
    const first = await build(dir)
    // Stands in for a non-deterministic toolchain: the artifact on disk differs from what the sources give.
    const bytes = readFileSync(first.artifact)
    bytes[bytes.length - 1] ^= 1
    writeFileSync(first.artifact, bytes)
    const error = await buildFailure(verifyReproducible(load(dir)))
    expect(error.code).toBe('BUILD_NOT_REPRODUCIBLE')
    expect(error.details).toMatchObject({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), rebuildSha256: first.sha256 })
    expect(error.message).toContain(first.sha256)
  }, 300_000)
})

describe('reproducible signing', () => {
  it('SOURCE_DATE_EPOCH sets iat, and --deterministic-jti makes re-signing give the same bytes', async () => {
    const dir = tempDir('wasmctl-repro-sign-')
    const keysDirectory = path.join(dir, 'keys')
    mkdirSync(keysDirectory)
    const input = path.join(repoRoot, 'test', 'fixtures', 'bin', 'wasm', 'cli-run.component.wasm')
    const env = { SOURCE_DATE_EPOCH: '1700000000' }
    const sign = (output: string, deterministicJti: boolean) =>
      signWasmFile({ input, output: path.join(dir, output), name: 'app', ver: '1.0.0', rev: 1, keysDirectory, disableKeygen: false, env, deterministicJti })
    const first = await sign('a.wasm', true)
    const second = await sign('b.wasm', true)
    expect(first.claims.iat).toBe(1700000000)
    expect(first.claims.jti).toMatch(/^[0-9A-Za-z]{22}$/)
    expect(second.jwt).toBe(first.jwt)
    expect(readFileSync(second.output).equals(readFileSync(first.output)), 'same bytes').toBe(true)
    // Without it, jti stays a random NUID as wash makes it.
    const random = await sign('c.wasm', false)
    expect(random.claims.iat).toBe(1700000000)
    expect(random.claims.jti).not.toBe(first.claims.jti)
  })
})
