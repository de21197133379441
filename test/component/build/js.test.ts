import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

import { buildProject } from '../../../src/build/build.js'
import { readProject } from '../../../src/project/index.js'
import { buildFailure, componentizeCache, copyProject } from '../../helpers/build-fixtures.js'

/**
 * Real componentize-js builds, in process. Successful builds go through the content-hash cache
 * (test/.cache/componentize) so only the first run on a machine pays for them; the two tests that
 * must exercise componentize-js itself (a clean environment, an error thrown at build time) run it.
 */
const load = (dir: string) => readProject(path.join(dir, 'wasmcloud.toml'))


const secret = 'wasmctl-env-probe-5f0c3a'
afterAll(() => {
  delete process.env.WASMCTL_TEST_SECRET
})

describe('JavaScript / TypeScript driver', () => {
  it('bundles TypeScript with esbuild and componentizes it for the project world', async () => {
    const dir = copyProject('ts-http')
    const result = await buildProject(load(dir), { buildOnly: true, componentizeCache })
    expect(result).toMatchObject({
      component: 'ts-http',
      artifact: path.join(dir, 'build', 'ts-http.wasm'),
      signed: false,
      language: 'typescript',
      toolchain: { name: 'componentize-js', version: expect.any(String) },
      world: { exports: ['wasi:http/incoming-handler@0.2.10'] },
    })
    const bytes = readFileSync(result.artifact)
    expect([...bytes.subarray(0, 8)]).toEqual([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00])
    expect(result.size).toBe(bytes.length)
  })

  it('never bakes the build environment into the component', async () => {
    process.env.WASMCTL_TEST_SECRET = secret
    const dir = copyProject('js-http')
    // No componentize cache: this must run componentize-js itself.
    const result = await buildProject(load(dir), { buildOnly: true })
    expect(readFileSync(result.artifact).includes(Buffer.from(secret))).toBe(false)
  }, 120_000)

  it('reports a syntax error as file:line from esbuild and leaves no artifact', async () => {
    const dir = copyProject('ts-http')
    writeFileSync(path.join(dir, 'src', 'greeting.ts'), 'export function greeting(name: string): string {\n  return name +;\n}\n')
    const error = await buildFailure(buildProject(load(dir), { buildOnly: true, componentizeCache }))
    expect(error.code).toBe('BUILD_FAILED')
    expect(error.message).toMatch(/^JavaScript build failed: src\/greeting\.ts:2:\d+: /)
    expect(error.hints).toEqual(['fix src/greeting.ts:2 and build again'])
    expect(error.details).toMatchObject({ tool: 'esbuild', errors: [expect.objectContaining({ file: 'src/greeting.ts', line: 2 })] })
    expect(existsSync(path.join(dir, 'build'))).toBe(false)
  })

  it('maps an error thrown while the snapshot is taken back to the source line', async () => {
    const dir = copyProject('js-http')
    writeFileSync(path.join(dir, 'src', 'index.js'), '// init\nconst config = undefined\nconfig.port.toString()\n')
    const error = await buildFailure(buildProject(load(dir), { buildOnly: true, componentizeCache }))
    expect(error.code).toBe('BUILD_FAILED')
    expect(error.message).toMatch(/^componentize-js failed: .*src\/index\.js:3:\d+/)
    expect(existsSync(path.join(dir, 'build'))).toBe(false)
  }, 120_000)

  it('reports an unknown world with a hint, and cleans up the folder componentize-js leaves behind', async () => {
    const leftovers = () => readdirSync(os.tmpdir()).filter((name) => /^[0-9a-f]{12}$/.test(name))
    const before = new Set(leftovers())
    const dir = copyProject('js-http')
    const toml = path.join(dir, 'wasmcloud.toml')
    writeFileSync(toml, readFileSync(toml, 'utf8').replace('wit_world = "hello"', 'wit_world = "helo"'))
    const error = await buildFailure(buildProject(load(dir), { buildOnly: true, componentizeCache }))
    expect(error.message).toBe('componentize-js failed: World `helo` not found in package `wasmctl-test:hello`')
    expect(error.hints[0]).toContain('wit_world ("helo")')
    expect(leftovers().filter((name) => !before.has(name))).toEqual([])
  })

  it('fails with BUILD_WIT_MISSING when the WIT folder is missing', async () => {
    const dir = copyProject('js-http')
    writeFileSync(path.join(dir, 'wasmcloud.toml'), 'name = "js-http"\nversion = "0.1.0"\nlanguage = "javascript"\n')
    rmSync(path.join(dir, 'wit'), { recursive: true, force: true })
    const error = await buildFailure(buildProject(load(dir), { buildOnly: true, componentizeCache }))
    expect(error.code).toBe('BUILD_WIT_MISSING')
    expect(error.message).toBe(`the WIT folder ${path.join(dir, 'wit')} does not exist`)
  })
})
