import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

import { beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'

import { runCli } from '../helpers/cli.js'
import { helloHttpComponent } from '../helpers/components.js'
import { startCli } from '../helpers/long-running.js'
import { tempDir } from '../helpers/tmp.js'

/**
 * `wasmctl dev --manifest-output-dir DIR` as wash dev's: the built CLI on a project whose build is
 * a quick custom command copying a real http component into place, so the session builds, signs,
 * serves, and writes the wadm manifest for what it serves.
 */
let component: string

beforeAll(async () => {
  component = await helloHttpComponent()
}, 120_000)

function makeProject(): string {
  const dir = tempDir('wasmctl-dev-manifest-')
  mkdirSync(path.join(dir, 'src'))
  copyFileSync(component, path.join(dir, 'src', 'hello.wasm'))
  writeFileSync(
    path.join(dir, 'build.mjs'),
    "import { copyFileSync, mkdirSync } from 'node:fs'\nmkdirSync('build', { recursive: true })\ncopyFileSync('src/hello.wasm', 'build/app.wasm')\n",
  )
  writeFileSync(
    path.join(dir, 'wasmcloud.toml'),
    ['name = "app"', 'version = "0.1.0"', 'type = "component"', '', '[component]', 'build_command = "node build.mjs"', 'build_artifact = "build/app.wasm"', ''].join('\n'),
  )
  return dir
}

describe('wasmctl dev --manifest-output-dir', () => {
  it('writes dev-<name>.yaml after the first build serves: a valid wadm manifest naming the built artifact', async () => {
    const project = makeProject()
    mkdirSync(path.join(project, 'manifests'))
    const dev = startCli(['dev', '--json', '--port', '0', '--manifest-output-dir', 'manifests'], { cwd: project, env: { WASMCTL_KEYS: tempDir('wasmctl-dev-manifest-keys-') } })

    const built = await dev.waitForEvent('build.ok')
    await dev.waitForEvent('reload.ok')
    const file = path.join(project, 'manifests', 'dev-app.yaml')
    await dev.waitForEvent('log', { where: (event) => event.source === 'manifest' && event.message === `wrote ${file}` })
    expect(existsSync(file)).toBe(true)

    const validated = await runCli(['app', 'validate', file, '--json'])
    expect(validated.json, validated.stderr).toMatchObject({ status: 0, result: { valid: true, errors: [] } })

    const manifest = parse(readFileSync(file, 'utf8'))
    expect(manifest.metadata.name).toBe('dev-app')
    const artifact = path.resolve(project, String(built.artifact))
    expect(existsSync(artifact)).toBe(true)
    expect(manifest.spec.components[0]).toMatchObject({ name: 'app', type: 'component', properties: { image: pathToFileURL(artifact).href } })
    expect(manifest.spec.components.map((entry: { properties: { image: string } }) => entry.properties.image)).toContainEqual(expect.stringMatching(/^ghcr\.io\/wasmcloud\/http-server:/))

    const exit = await dev.stop('SIGINT')
    expect(exit.exitCode, dev.transcript()).toBe(0)
    // The write into the project was not a change to rebuild for.
    expect(dev.of('build.start')).toHaveLength(1)
  }, 120_000)

  it('takes the folder from WASH_DEV_MANIFEST_OUTPUT_DIR and refuses one that does not exist, as wash dev does', async () => {
    const project = makeProject()
    const result = await runCli(['dev', '--json', '--port', '0'], { cwd: project, env: { WASH_DEV_MANIFEST_OUTPUT_DIR: 'missing' } })
    expect(result.exitCode).toBe(1)
    expect(result.json?.error).toMatchObject({ code: 'FS_ERROR', message: expect.stringMatching(/missing: no such file or directory/) })
    expect(existsSync(path.join(project, 'missing'))).toBe(false)
  }, 60_000)
})
