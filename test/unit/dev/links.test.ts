import path from 'node:path'
import { pathToFileURL } from 'node:url'

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { createDevBus } from '../../../src/dev/bus.js'
import { HostController, type DevHost, type DevHostFactory } from '../../../src/dev/host-controller.js'
import { devLinks } from '../../../src/dev/links.js'
import { renderDevManifest } from '../../../src/dev/manifest-output.js'
import { createTerminalRenderer } from '../../../src/dev/render.js'
import { WasmctlError } from '../../../src/errors.js'
import { readManifest, validateLoaded } from '../../../src/manifest/io.js'
import { projectArtifacts } from '../../../src/project/index.js'
import type { ComponentWorld } from '../../../src/wasm/world.js'
import { makeProject, record } from '../../helpers/dev-project.js'

/** Components linked to the dev project ([[dev.overrides.imports]] naming a .wasm file): the pure parts. */
beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

const LINKED_TOML = `
[[dev.overrides.imports]]
interface_spec = "wasmctl-test:linked/greeter@0.1.0"
image_ref = "../greeter/greeter-impl.wasm"

[[dev.overrides.imports]]
interface_spec = "wasi:keyvalue"
image_ref = "ghcr.io/wasmcloud/keyvalue-redis:0.28.1"
`

const ok = (build: number, artifact: string) => ({ build, durationMs: 1, digest: `sha256:${build}`, artifact, size: 1, cached: false, signed: true, recovered: false })

/** A stand-in host: records loads, fails on artifacts named `broken`, reports the project's links. */
function fakeHost(loadMs = 0) {
  const loads: { artifact: string; reconfigured: boolean }[] = []
  let failLinks = false
  const factory: DevHostFactory = async (project) => {
    let current = project
    const host: DevHost = {
      url: 'http://127.0.0.1:9000',
      async load(artifact, changed) {
        if (loadMs > 0) await new Promise((resolve) => setTimeout(resolve, loadMs))
        if (failLinks) throw new WasmctlError('HOST_LINK_INVALID', 'linked component greeter-impl is not a WebAssembly component')
        current = changed ?? current
        loads.push({ artifact, reconfigured: changed !== undefined })
        const linked = devLinks(current).components
        return linked.length > 0 ? { linked: linked.map((link) => ({ ...link, digest: 'sha256:1' })) } : undefined
      },
      async close() {},
    }
    return host
  }
  return { loads, factory, failLinks: (fail: boolean) => (failLinks = fail) }
}

describe('devLinks', () => {
  it('names each linked file, its interfaces, and leaves the provider entries to the bindings', () => {
    const project = makeProject({}, LINKED_TOML)
    const links = devLinks(project)
    const file = path.resolve(project.dir, '../greeter/greeter-impl.wasm')
    expect(links.components).toEqual([{ name: 'greeter-impl', file, interfaces: ['wasmctl-test:linked/greeter'] }])
    expect(links.picks).toEqual({ 'wasmctl-test:linked/greeter': 'greeter-impl' })
    expect((links.dev as { overrides: { imports: { interface_spec: string }[] } }).overrides.imports.map((entry) => entry.interface_spec)).toEqual(['wasi:keyvalue'])
    expect(devLinks(makeProject()).components).toEqual([])
  })
})

describe('dev host controller with linked components', () => {
  it('names the links when the host is ready and on every reload', async () => {
    const { factory } = fakeHost()
    const bus = createDevBus()
    const log = record(bus)
    const project = makeProject({}, LINKED_TOML)
    const controller = new HostController({ bus, project, createHost: factory })
    await controller.start()
    const link = devLinks(project).components[0]
    expect(log.of('host.ready')[0].links).toEqual([link])
    bus.emit('build.ok', ok(1, '/1.wasm'))
    expect((await bus.next('reload.ok')).linked).toEqual([{ ...link, digest: 'sha256:1' }])
    await controller.close()
  })

  it('reloads the newest build when a linked file changes, and only once a build exists', async () => {
    const { loads, factory } = fakeHost()
    const bus = createDevBus()
    const log = record(bus)
    const controller = new HostController({ bus, project: makeProject({}, LINKED_TOML), createHost: factory })
    await controller.start()
    bus.emit('link.change', { files: ['/greeter.wasm'] })
    await vi.advanceTimersByTimeAsync(10)
    expect(loads).toEqual([])

    bus.emit('build.ok', ok(1, '/1.wasm'))
    await bus.next('reload.ok')
    bus.emit('link.change', { files: ['/greeter.wasm'] })
    const relinked = await bus.next('reload.ok')
    expect(relinked).toMatchObject({ build: 1, version: 2, digest: 'sha256:1', linkChange: ['/greeter.wasm'] })
    expect(log.of('reload.start').map((event) => event.linkChange)).toEqual([undefined, ['/greeter.wasm']])
    expect(loads.map((load) => load.artifact)).toEqual(['/1.wasm', '/1.wasm'])
    await controller.close()
  })

  it('a change during a load reloads after it; a build waiting to load is not replaced by an older one', async () => {
    const { loads, factory } = fakeHost(50)
    const bus = createDevBus()
    const controller = new HostController({ bus, project: makeProject({}, LINKED_TOML), createHost: factory })
    await controller.start()
    bus.emit('build.ok', ok(1, '/1.wasm'))
    await vi.advanceTimersByTimeAsync(10)
    // Loading build 1: the change may have come after it read the file, so build 1 loads again.
    bus.emit('link.change', { files: ['/greeter.wasm'] })
    await vi.advanceTimersByTimeAsync(100)
    expect(loads.map((load) => load.artifact)).toEqual(['/1.wasm', '/1.wasm'])

    bus.emit('build.ok', ok(2, '/2.wasm'))
    await vi.advanceTimersByTimeAsync(10)
    bus.emit('build.ok', ok(3, '/3.wasm'))
    bus.emit('link.change', { files: ['/greeter.wasm'] })
    await vi.advanceTimersByTimeAsync(200)
    expect(loads.map((load) => load.artifact)).toEqual(['/1.wasm', '/1.wasm', '/2.wasm', '/3.wasm'])
    await controller.close()
  })

  it('a linked file that cannot be loaded is a reload.error naming the change; the version serving stays', async () => {
    const { factory, failLinks } = fakeHost()
    const bus = createDevBus()
    const log = record(bus)
    const controller = new HostController({ bus, project: makeProject({}, LINKED_TOML), createHost: factory })
    await controller.start()
    bus.emit('build.ok', ok(1, '/1.wasm'))
    await bus.next('reload.ok')
    failLinks(true)
    bus.emit('link.change', { files: ['/greeter.wasm'] })
    expect(await bus.next('reload.error')).toMatchObject({ build: 1, code: 'HOST_LINK_INVALID', linkChange: ['/greeter.wasm'] })
    failLinks(false)
    bus.emit('link.change', { files: ['/greeter.wasm'] })
    expect(await bus.next('reload.ok')).toMatchObject({ version: 2 })
    expect(log.of('reload.ok')).toHaveLength(2)
    await controller.close()
  })

  it('links added in wasmcloud.toml go to the host with the project', async () => {
    const { loads, factory } = fakeHost()
    const bus = createDevBus()
    const controller = new HostController({ bus, project: makeProject(), createHost: factory })
    await controller.start()
    bus.emit('build.ok', ok(1, '/1.wasm'))
    expect((await bus.next('reload.ok')).linked).toBeUndefined()
    const linkedProject = makeProject({}, LINKED_TOML)
    bus.emit('config.reload', { file: linkedProject.file, project: linkedProject })
    bus.emit('build.ok', ok(2, '/2.wasm'))
    expect((await bus.next('reload.ok')).linked).toHaveLength(1)
    expect(loads).toEqual([
      { artifact: '/1.wasm', reconfigured: false },
      { artifact: '/2.wasm', reconfigured: true },
    ])
    await controller.close()
  })
})

describe('the dev manifest with linked components', () => {
  const world: ComponentWorld = { imports: ['wasmctl-test:linked/greeter@0.1.0', 'wasi:keyvalue/store@0.2.0-draft'], exports: ['wasi:http/incoming-handler@0.2.10'] }

  it('has each linked component, linked from the project component in wadm field order, and no provider for it', () => {
    const project = makeProject({}, LINKED_TOML)
    const manifest = renderDevManifest(project, world, pathToFileURL(projectArtifacts(project).signed).href)
    expect(manifest.warnings).toEqual([])
    const loaded = readManifest(manifest.yaml)
    expect(validateLoaded(loaded)).toMatchObject({ valid: true, errors: [] })
    type Component = { name: string; type: string; properties: { image: string }; traits?: { type: string; properties: Record<string, unknown> }[] }
    const components = (loaded.raw as { spec: { components: Component[] } }).spec.components
    expect(components.map((component) => [component.name, component.type])).toEqual([
      ['demo', 'component'],
      ['greeter-impl', 'component'],
      ['httpserver', 'capability'],
      ['kvredis', 'capability'],
    ])
    expect(components[1]).toEqual({
      name: 'greeter-impl',
      type: 'component',
      properties: { image: pathToFileURL(path.resolve(project.dir, '../greeter/greeter-impl.wasm')).href },
      traits: [{ type: 'spreadscaler', properties: { instances: 100 } }],
    })
    const link = components[0].traits!.find((trait) => trait.type === 'link' && (trait.properties.target as { name: string }).name === 'greeter-impl')!
    expect(Object.keys(link.properties)).toEqual(['namespace', 'package', 'interfaces', 'target'])
    expect(link.properties).toEqual({ namespace: 'wasmctl-test', package: 'linked', interfaces: ['greeter'], target: { name: 'greeter-impl' } })
  })

  it('keeps the entry\'s link name and config on the link, and warns about an interface the component does not import', () => {
    const project = makeProject(
      {},
      `
[[dev.overrides.imports]]
interface_spec = "wasmctl-test:linked"
image_ref = "file:///opt/components/greeter.wasm"
link_name = "blue"
config = [{ name = "greeting", values = { style = "loud" } }]

[[dev.overrides.imports]]
interface_spec = "wasmctl-test:other/thing"
image_ref = "./thing.wasm"
`,
    )
    const manifest = renderDevManifest(project, world, 'file:///tmp/demo_s.wasm')
    expect(manifest.warnings).toEqual(['the component imports nothing of wasmctl-test:other/thing: thing.wasm is left out of the manifest'])
    const raw = readManifest(manifest.yaml).raw as { spec: { components: { name: string; traits?: { type: string; properties: Record<string, unknown> }[] }[] } }
    expect(raw.spec.components.map((component) => component.name)).not.toContain('thing')
    expect(raw.spec.components[0].traits).toContainEqual({
      type: 'link',
      properties: {
        namespace: 'wasmctl-test',
        package: 'linked',
        interfaces: ['greeter'],
        target: { name: 'greeter', config: [{ name: 'dev-demo-greeter-greeter-blue', properties: { style: 'loud' } }] },
        name: 'blue',
      },
    })
  })
})

describe('the terminal log', () => {
  it('shows the links, a changed linked file and a linked component that failed to load', () => {
    const lines: string[] = []
    const renderer = createTerminalRenderer({ write: (text) => lines.push(text), tty: false })
    const time = new Date(0).toISOString()
    renderer.render({ type: 'host.ready', time, url: 'http://127.0.0.1:1', links: [{ name: 'greeter', file: '/x/greeter.wasm', interfaces: ['a:b/c'] }] })
    renderer.render({ type: 'link.change', time, files: ['/x/greeter.wasm'] })
    renderer.render({ type: 'reload.error', time, build: 1, linkChange: ['/x/greeter.wasm'], code: 'HOST_LINK_INVALID', message: 'bad', hints: [] })
    expect(lines.join('')).toContain('linked: a:b/c from /x/greeter.wasm')
    expect(lines.join('')).toContain('linked component changed: greeter.wasm')
    expect(lines.join('')).toContain('could not load the linked components: bad (HOST_LINK_INVALID)')
  })
})
