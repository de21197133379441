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

/**
 * `wasmctl dev` on a project whose component imports an interface another component exports, linked
 * in by wash's `[[dev.overrides.imports]]` entry naming that component's .wasm file (here in a folder
 * beside the project, as another project's build output would be). The project is the ts-http
 * template with the import added to its world; the callee is the linked-chain fixture (cached
 * builds). One session: first build, a source edit, a replaced callee, a corrupt callee.
 */
const fixture = path.join(repoRoot, 'test', 'fixtures', 'components', 'linked-chain')

const GREETER_WIT = `package wasmctl-test:linked;

interface greeter {
  greet: func(name: string) -> string;
  bump: func() -> u32;
  fail: func(message: string) -> result<string, string>;
}
`

const WORLD_WIT = `package component:devapp;

world devapp {
  import wasmctl-test:linked/greeter;
  export wasi:http/incoming-handler@0.2.10;
}
`

const source = (greeting: string) => `// @ts-ignore: the import is the linked component's export (the WIT world), not a module
import { bump, greet } from 'wasmctl-test:linked/greeter'

declare function addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void
const GREETING = ${JSON.stringify(greeting)}

addEventListener('fetch', (event) => event.respondWith(new Response(\`\${GREETING}: \${greet('dev')} calls=\${bump()}\\n\`)))
`

describe('wasmctl dev with a component linked to the project component', () => {
  const root = tempDir('wasmctl-dev-links-')
  const env = { WASMCTL_KEYS: path.join(root, 'keys') }
  const project = path.join(root, 'devapp')
  const linkedDir = path.join(root, 'greeter')
  const linked = path.join(linkedDir, 'greeter-impl.wasm')
  const manifests = path.join(root, 'manifests')
  let callee: string
  let otherCallee: string
  let dev: LongRunningCli
  let url: string

  /** Replaces the linked file as a build does: written beside it, then renamed over it. */
  const replaceLinked = (from: string) => {
    copyFileSync(from, `${linked}.tmp`)
    renameSync(`${linked}.tmp`, linked)
  }

  beforeAll(async () => {
    callee = await buildJsComponent({ sourcePath: path.join(fixture, 'callee.js'), witPath: path.join(fixture, 'wit'), worldName: 'callee' })
    // A different build of the same world: another greeting (cached by content like the first).
    const otherSource = path.join(root, 'callee-howdy.js')
    writeFileSync(otherSource, readFileSync(path.join(fixture, 'callee.js'), 'utf8').replace('`hello ${name}`', '`howdy ${name}`'))
    otherCallee = await buildJsComponent({ sourcePath: otherSource, witPath: path.join(fixture, 'wit'), worldName: 'callee' })

    const created = await runCli(['new', 'actor', 'devapp', '--template', 'ts-http', '--yes', '--output-dir', project, '--json'], { env })
    expect(created.exitCode, created.stderr).toBe(0)
    mkdirSync(path.join(project, 'wit', 'deps', 'linked'), { recursive: true })
    writeFileSync(path.join(project, 'wit', 'deps', 'linked', 'package.wit'), GREETER_WIT)
    writeFileSync(path.join(project, 'wit', 'world.wit'), WORLD_WIT)
    writeFileSync(path.join(project, 'src', 'index.ts'), source('v1'))
    writeFileSync(
      path.join(project, 'wasmcloud.toml'),
      `${readFileSync(path.join(project, 'wasmcloud.toml'), 'utf8')}
[[dev.overrides.imports]]
interface_spec = "wasmctl-test:linked/greeter"
image_ref = "../greeter/greeter-impl.wasm"
`,
    )
    mkdirSync(linkedDir)
    mkdirSync(manifests)
    copyFileSync(callee, linked)

    dev = startCli(['dev', '--port', '0', '--json', '--workers', '1', '--manifest-output-dir', manifests], { cwd: project, env })
    url = (await dev.waitForEvent('host.ready')).url
    await dev.waitForEvent('reload.ok', { timeoutMs: 240_000 })
  }, 300_000)

  afterAll(async () => {
    await dev?.stop()
  })

  it('serves through the link from the first build, and names the linked component in its events', async () => {
    const link = { name: 'greeter-impl', file: linked, interfaces: ['wasmctl-test:linked/greeter'] }
    expect(dev.of('host.ready')[0].links).toEqual([link])
    expect(dev.of('reload.ok')[0].linked).toEqual([{ ...link, digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) }])
    // Twice: each request sees fresh state in both components.
    for (let round = 0; round < 2; round++) expect(await getText(url)).toEqual({ status: 200, body: 'v1: hello dev calls=1\n' })
  })

  it('swaps an edited source without dropping a request, still through the link', async () => {
    const bodies = await bodiesDuring(url, async () => {
      const from = dev.mark()
      writeFileSync(path.join(project, 'src', 'index.ts'), source('v2'))
      const reloaded = await dev.waitForEvent('reload.ok', { from, timeoutMs: 120_000 })
      expect(reloaded.linked).toHaveLength(1)
      expect(reloaded.linkChange).toBeUndefined()
    })
    expect(bodies).toContain('v1: hello dev calls=1\n')
    expect(await getText(url)).toEqual({ status: 200, body: 'v2: hello dev calls=1\n' })
  }, 150_000)

  it('reloads the chain, without a build or a dropped request, when the linked file is replaced by another build', async () => {
    const from = dev.mark()
    const bodies = await bodiesDuring(url, async () => {
      replaceLinked(otherCallee)
      expect(await dev.waitForEvent('link.change', { from })).toMatchObject({ files: [linked] })
      const reloaded = await dev.waitForEvent('reload.ok', { from })
      expect(reloaded.linkChange).toEqual([linked])
      expect(reloaded.linked[0].digest).not.toBe(dev.of('reload.ok')[0].linked[0].digest)
    })
    expect(bodies).toContain('v2: hello dev calls=1\n')
    expect(await getText(url)).toEqual({ status: 200, body: 'v2: howdy dev calls=1\n' })
    expect(dev.of('build.start', from)).toEqual([])
  }, 120_000)

  it('reports a corrupt linked file as an error while the last good chain keeps serving, and recovers', async () => {
    let from = dev.mark()
    writeFileSync(linked, 'not a component\n')
    const failed = await dev.waitForEvent('reload.error', { from })
    expect(failed).toMatchObject({ code: 'HOST_LINK_INVALID', linkChange: [linked] })
    expect(failed.message).toContain(linked)
    expect(failed.message).toContain('not a WebAssembly component')
    expect(failed.hints.join('\n')).toContain('[[dev.overrides.imports]]')
    expect(await getText(url)).toEqual({ status: 200, body: 'v2: howdy dev calls=1\n' })

    from = dev.mark()
    replaceLinked(callee)
    await dev.waitForEvent('reload.ok', { from })
    expect(await getText(url)).toEqual({ status: 200, body: 'v2: hello dev calls=1\n' })
  }, 120_000)

  it('writes the linked component into the manifest, with a link trait from the project component', () => {
    const loaded = readManifest(readFileSync(path.join(manifests, 'dev-devapp.yaml'), 'utf8'))
    expect(validateLoaded(loaded)).toMatchObject({ valid: true, errors: [] })
    const components = (loaded.raw as { spec: { components: { name: string; type: string; properties: { image: string }; traits?: { type: string; properties: Record<string, unknown> }[] }[] } }).spec.components
    const [entry] = components
    expect(entry.name).toBe('devapp')
    const linkedComponent = components.find((component) => component.name === 'greeter-impl')
    expect(linkedComponent).toMatchObject({ type: 'component', properties: { image: pathToFileURL(linked).href } })
    expect(entry.traits).toContainEqual({ type: 'link', properties: { namespace: 'wasmctl-test', package: 'linked', interfaces: ['greeter'], target: { name: 'greeter-impl' } } })
    // Not mistaken for a provider.
    expect(components.filter((component) => component.type === 'capability').map((component) => component.properties.image).join()).not.toContain('greeter')
  })

  it('follows a link moved in wasmcloud.toml, to a folder the project watcher ignores, without rebuilding on its changes', async () => {
    const vendored = path.join(project, 'vendor', 'greeter.wasm')
    writeFileSync(path.join(project, '.gitignore'), `${readFileSync(path.join(project, '.gitignore'), 'utf8')}vendor/\n`)
    mkdirSync(path.dirname(vendored))
    copyFileSync(otherCallee, vendored)
    let from = dev.mark()
    const toml = path.join(project, 'wasmcloud.toml')
    writeFileSync(toml, readFileSync(toml, 'utf8').replace('../greeter/greeter-impl.wasm', './vendor/greeter.wasm'))
    await dev.waitForEvent('reload.ok', { from, where: (event) => event.linked?.[0]?.file === vendored, timeoutMs: 120_000 })
    expect(await getText(url)).toEqual({ status: 200, body: 'v2: howdy dev calls=1\n' })

    from = dev.mark()
    copyFileSync(callee, `${vendored}.tmp`)
    renameSync(`${vendored}.tmp`, vendored)
    expect(await dev.waitForEvent('link.change', { from })).toMatchObject({ files: [vendored] })
    await dev.waitForEvent('reload.ok', { from, where: (event) => event.linkChange !== undefined })
    expect(await getText(url)).toEqual({ status: 200, body: 'v2: hello dev calls=1\n' })
    expect(dev.of('build.start', from).flatMap((event) => event.files)).not.toContain('vendor/greeter.wasm')
  }, 150_000)

  it('stops cleanly', async () => {
    expect((await dev.stop()).exitCode).toBe(0)
  }, 60_000)
})
