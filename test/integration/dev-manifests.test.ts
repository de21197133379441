import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { readManifest, validateLoaded } from '../../src/manifest/io.js'
import { repoRoot, runCli } from '../helpers/cli.js'
import { buildJsComponent } from '../helpers/components.js'
import { bodiesDuring, getText } from '../helpers/http-load.js'
import { startCli, type LongRunningCli } from '../helpers/long-running.js'
import { tempDir } from '../helpers/tmp.js'
import { applicationHeader, httpServerLink } from '../helpers/wadm-yaml.js'

/**
 * `wasmctl dev` on a project with wash's `[[dev.manifests]]`: the user's wadm manifest is served as
 * `up app.yaml` serves it, with each build in place of the component the entry names. The project
 * (ts-http with two imports added) is the manifest's component `api`, linked by link traits to the
 * linked-chain callee (greeter) and to the linked-bus callee (receiver), which names itself from
 * the wasi:config the manifest gives it: a config edit is visible in the response. One session:
 * first build, a source edit, a manifest edit, a broken manifest, a fixed one.
 */
const linkedChain = path.join(repoRoot, 'test', 'fixtures', 'components', 'linked-chain')
const linkedBus = path.join(repoRoot, 'test', 'fixtures', 'components', 'linked-bus')

const GREETER_WIT = `package wasmctl-test:linked;

interface greeter {
  greet: func(name: string) -> string;
  bump: func() -> u32;
  fail: func(message: string) -> result<string, string>;
}
`

const RECEIVER_WIT = `package wasmctl-test:bus;

interface receiver {
  answer: func(question: string) -> string;
}
`

const WORLD_WIT = `package component:devapp;

world devapp {
  import wasmctl-test:linked/greeter;
  import wasmctl-test:bus/receiver;
  export wasi:http/incoming-handler@0.2.10;
}
`

const source = (greeting: string) => `// @ts-ignore: the imports are the linked components' exports (the WIT world), not modules
import { greet } from 'wasmctl-test:linked/greeter'
// @ts-ignore
import { answer } from 'wasmctl-test:bus/receiver'

declare function addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void
const GREETING = ${JSON.stringify(greeting)}

addEventListener('fetch', (event) => event.respondWith(new Response(\`\${GREETING}: \${greet('dev')}; \${answer('q')}\\n\`)))
`

/** The user's manifest: the project's component is `api` (not the project's name), the callees are files beside the project. */
const manifest = (who: string) => `${applicationHeader('devapp-manifest')}    - name: api
      type: component
      properties:
        image: ghcr.io/example/api:0.1.0
      traits:
        - type: spreadscaler
          properties:
            instances: 1
        - type: link
          properties:
            target:
              name: greeter
            namespace: wasmctl-test
            package: linked
            interfaces: [greeter]
        - type: link
          properties:
            target:
              name: receiver
            namespace: wasmctl-test
            package: bus
            interfaces: [receiver]
    - name: greeter
      type: component
      properties:
        image: file://../callees/greeter.wasm
    - name: receiver
      type: component
      properties:
        image: file://../callees/receiver.wasm
        config:
          - name: receiver-config
            properties:
              who: ${who}
${httpServerLink('api', '127.0.0.1:8000')}`

describe('wasmctl dev with [[dev.manifests]]', () => {
  const root = tempDir('wasmctl-dev-manifests-')
  const env = { WASMCTL_KEYS: path.join(root, 'keys') }
  const project = path.join(root, 'devapp')
  const callees = path.join(root, 'callees')
  const manifestFile = path.join(project, 'app.yaml')
  const outputDir = path.join(root, 'out')
  let dev: LongRunningCli
  let url: string
  let howdyGreeter: string

  /** Replaces the manifest as an editor's atomic save does. */
  const writeManifest = (text: string) => {
    writeFileSync(`${manifestFile}.tmp`, text)
    renameSync(`${manifestFile}.tmp`, manifestFile)
  }

  beforeAll(async () => {
    const greeter = await buildJsComponent({ sourcePath: path.join(linkedChain, 'callee.js'), witPath: path.join(linkedChain, 'wit'), worldName: 'callee' })
    const receiver = await buildJsComponent({ sourcePath: path.join(linkedBus, 'callee.js'), witPath: path.join(linkedBus, 'wit'), worldName: 'callee' })
    // Another build of the greeter world (the same one dev-links.test.ts makes: cached by content).
    const howdySource = path.join(root, 'callee-howdy.js')
    writeFileSync(howdySource, readFileSync(path.join(linkedChain, 'callee.js'), 'utf8').replace('`hello ${name}`', '`howdy ${name}`'))
    howdyGreeter = await buildJsComponent({ sourcePath: howdySource, witPath: path.join(linkedChain, 'wit'), worldName: 'callee' })
    mkdirSync(callees)
    copyFileSync(greeter, path.join(callees, 'greeter.wasm'))
    copyFileSync(receiver, path.join(callees, 'receiver.wasm'))

    const created = await runCli(['new', 'actor', 'devapp', '--template', 'ts-http', '--yes', '--output-dir', project, '--json'], { env })
    expect(created.exitCode, created.stderr).toBe(0)
    for (const [dep, wit] of [['linked', GREETER_WIT], ['bus', RECEIVER_WIT]]) {
      mkdirSync(path.join(project, 'wit', 'deps', dep), { recursive: true })
      writeFileSync(path.join(project, 'wit', 'deps', dep, 'package.wit'), wit)
    }
    writeFileSync(path.join(project, 'wit', 'world.wit'), WORLD_WIT)
    writeFileSync(path.join(project, 'src', 'index.ts'), source('v1'))
    writeFileSync(manifestFile, manifest('first'))
    // The project also links greeter itself: the manifest's link wins, with a warning (the file need not exist).
    writeFileSync(
      path.join(project, 'wasmcloud.toml'),
      `${readFileSync(path.join(project, 'wasmcloud.toml'), 'utf8')}
[[dev.manifests]]
path = "app.yaml"
component_name = "api"

[[dev.overrides.imports]]
interface_spec = "wasmctl-test:linked/greeter"
image_ref = "../callees/other-greeter.wasm"
`,
    )
    mkdirSync(outputDir)

    dev = startCli(['dev', '--port', '0', '--json', '--workers', '1', '--manifest-output-dir', outputDir], { cwd: project, env })
    url = (await dev.waitForEvent('host.ready')).url
    await dev.waitForEvent('reload.ok', { timeoutMs: 240_000 })
  }, 300_000)

  afterAll(async () => {
    await dev?.stop()
  })

  it('serves the manifest with the build as its component, through its link traits, with its config', async () => {
    expect(dev.of('host.ready')[0].manifest).toEqual({ file: manifestFile, app: 'devapp-manifest', component: 'api', entry: 'api', address: '127.0.0.1:8000' })
    const [loaded] = dev.of('reload.ok')
    expect(loaded.manifest).toMatchObject({ file: manifestFile, app: 'devapp-manifest', component: 'api', entry: 'api' })
    expect(loaded.manifest.components.map((component: { name: string; origin: string }) => [component.name, component.origin])).toEqual([
      ['api', expect.stringMatching(/\.wasm$/)],
      ['greeter', path.join(callees, 'greeter.wasm')],
      ['receiver', path.join(callees, 'receiver.wasm')],
    ])
    expect(loaded.manifest.links).toContainEqual({ from: 'api', to: 'receiver', interfaces: ['wasmctl-test:bus/receiver'], via: 'component' })
    // Twice: each request sees fresh state in every component.
    for (let round = 0; round < 2; round++) expect(await getText(url)).toEqual({ status: 200, body: 'v1: hello dev; first answers q (call 1)\n' })
    const warnings = dev.of('log').filter((event) => event.level === 'warn').map((event) => event.message)
    expect(warnings.join('\n')).toContain('its link wins over the [[dev.overrides.imports]] entry naming other-greeter.wasm')
  })

  it('swaps an edited source without dropping a request, still through the manifest\'s links', async () => {
    const bodies = await bodiesDuring(url, async () => {
      const from = dev.mark()
      writeFileSync(path.join(project, 'src', 'index.ts'), source('v2'))
      const reloaded = await dev.waitForEvent('reload.ok', { from, timeoutMs: 120_000 })
      expect(reloaded.linkChange).toBeUndefined()
      expect(reloaded.manifest.file).toBe(manifestFile)
    })
    expect(bodies).toContain('v1: hello dev; first answers q (call 1)\n')
    expect(await getText(url)).toEqual({ status: 200, body: 'v2: hello dev; first answers q (call 1)\n' })
  }, 150_000)

  it('reloads, without a build or a dropped request, when the manifest changes', async () => {
    const from = dev.mark()
    const bodies = await bodiesDuring(url, async () => {
      writeManifest(manifest('second'))
      expect(await dev.waitForEvent('link.change', { from })).toMatchObject({ files: [manifestFile], manifest: manifestFile })
      const reloaded = await dev.waitForEvent('reload.ok', { from })
      expect(reloaded.linkChange).toEqual([manifestFile])
      expect(reloaded.manifest).toMatchObject({ file: manifestFile, app: 'devapp-manifest', component: 'api' })
    })
    expect(bodies).toContain('v2: hello dev; first answers q (call 1)\n')
    expect(await getText(url)).toEqual({ status: 200, body: 'v2: hello dev; second answers q (call 1)\n' })
    expect(dev.of('build.start', from)).toEqual([])
  }, 120_000)

  it('reports a broken manifest as an error while the last good version keeps serving, and recovers', async () => {
    let from = dev.mark()
    writeManifest(`${manifest('third')}  policies: [\n`)
    const failed = await dev.waitForEvent('reload.error', { from })
    expect(failed).toMatchObject({ code: 'APP_MANIFEST_INVALID', linkChange: [manifestFile] })
    expect(failed.message).toContain(manifestFile)
    expect(await getText(url)).toEqual({ status: 200, body: 'v2: hello dev; second answers q (call 1)\n' })

    from = dev.mark()
    writeManifest(manifest('third'))
    await dev.waitForEvent('reload.ok', { from })
    expect(await getText(url)).toEqual({ status: 200, body: 'v2: hello dev; third answers q (call 1)\n' })
  }, 120_000)

  it('names a component the manifest does not have, with the names it has', async () => {
    const from = dev.mark()
    const toml = path.join(project, 'wasmcloud.toml')
    writeFileSync(toml, readFileSync(toml, 'utf8').replace('component_name = "api"', 'component_name = "apy"'))
    const failed = await dev.waitForEvent('reload.error', { from, timeoutMs: 120_000 })
    expect(failed.code).toBe('APP_MANIFEST_INVALID')
    expect(failed.message).toContain('component_name = "apy"')
    expect(failed.message).toContain('api, greeter, receiver, httpserver (provider)')
    expect(await getText(url)).toEqual({ status: 200, body: 'v2: hello dev; third answers q (call 1)\n' })

    const back = dev.mark()
    writeFileSync(toml, readFileSync(toml, 'utf8').replace('component_name = "apy"', 'component_name = "api"'))
    await dev.waitForEvent('reload.ok', { from: back, timeoutMs: 120_000 })
  }, 150_000)

  it('reloads when a file:// component the manifest names is replaced by another build', async () => {
    const greeterFile = path.join(callees, 'greeter.wasm')
    const from = dev.mark()
    copyFileSync(howdyGreeter, `${greeterFile}.tmp`)
    renameSync(`${greeterFile}.tmp`, greeterFile)
    const change = await dev.waitForEvent('link.change', { from })
    expect(change.files).toEqual([greeterFile])
    expect(change.manifest).toBeUndefined()
    const reloaded = await dev.waitForEvent('reload.ok', { from })
    expect(reloaded.linkChange).toEqual([greeterFile])
    expect(await getText(url)).toEqual({ status: 200, body: 'v2: howdy dev; third answers q (call 1)\n' })
    expect(dev.of('build.start', from)).toEqual([])
  }, 120_000)

  it('writes the user\'s manifest with the build as the component\'s image to --manifest-output-dir', async () => {
    const file = path.join(outputDir, 'devapp-manifest.yaml')
    // Written after the swap, one write at a time: the last one is the manifest as it is now.
    const wrote = dev.of('log').filter((event) => event.source === 'manifest' && event.message === `wrote ${file}`)
    expect(wrote.length).toBeGreaterThan(0)
    await dev.waitForEvent('log', { where: (event) => event.message === `wrote ${file}` && readFileSync(file, 'utf8').includes('who: third') })
    const written = readManifest(readFileSync(file, 'utf8'))
    expect(validateLoaded(written)).toMatchObject({ valid: true, errors: [] })
    const components = (written.raw as { spec: { components: { name: string; properties: { image: string; config?: unknown } }[] } }).spec.components
    const image = (name: string) => components.find((component) => component.name === name)!.properties.image
    expect(image('api')).toMatch(/^file:\/\/\/.*\.wasm$/)
    expect(image('api').startsWith(pathToFileURL(project).href)).toBe(true)
    expect(image('greeter')).toBe(pathToFileURL(path.join(callees, 'greeter.wasm')).href)
    expect(components.find((component) => component.name === 'receiver')!.properties.config).toEqual([{ name: 'receiver-config', properties: { who: 'third' } }])
  })

  it('stops cleanly', async () => {
    expect((await dev.stop()).exitCode).toBe(0)
  }, 60_000)
})
