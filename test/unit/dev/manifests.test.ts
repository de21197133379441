import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { createDevBus } from '../../../src/dev/bus.js'
import { HostController, type DevHostFactory, type DevHostOptions } from '../../../src/dev/host-controller.js'
import { linkedFiles } from '../../../src/dev/link-watcher.js'
import { devLinks } from '../../../src/dev/links.js'
import { renderUserManifest } from '../../../src/dev/manifest-output.js'
import { describeDevManifest, devManifestFiles, devManifestListener, devManifestTarget, mergeCapabilityOverrides, mergeProjectLinks, readDevManifest, specsOverlap } from '../../../src/dev/manifests.js'
import { createTerminalRenderer } from '../../../src/dev/render.js'
import { findReplacedComponent, matchManifestComponents, planManifestRunReplacing } from '../../../src/host/manifest-run.js'
import { readManifest } from '../../../src/manifest/io.js'
import { makeProject, record } from '../../helpers/dev-project.js'
import { refusal } from '../../helpers/refusal.js'
import { applicationHeader, httpServerLink } from '../../helpers/wadm-yaml.js'

/** wash's `[[dev.manifests]]` in `wasmctl dev`: choosing the entry, planning the manifest with the build in it, merging the project's links. */
beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

const MANIFEST = (who = 'first', address = '127.0.0.1:8123') => `${applicationHeader('shop')}    - name: api
      type: component
      properties:
        image: ghcr.io/example/api:0.1.0
        id: shop-api
      traits:
        - type: link
          properties:
            target:
              name: greeter
            namespace: wasmctl-test
            package: linked
            interfaces: [greeter]
    - name: greeter
      type: component
      properties:
        image: file://./callees/greeter.wasm
        config:
          - name: greeter-config
            properties:
              who: ${who}
    - name: kv
      type: capability
      properties:
        image: ghcr.io/wasmcloud/keyvalue-redis:0.28.1
${httpServerLink('api', address)}`

const entry = (fields: string) => `\n[[dev.manifests]]\n${fields}\n`

describe('devManifestTarget: which [[dev.manifests]] entry the session serves', () => {
  it('none without the key; the only entry, its path relative to wasmcloud.toml', () => {
    expect(devManifestTarget(makeProject())).toBeUndefined()
    const project = makeProject({ 'deploy/app.yaml': MANIFEST() }, entry('path = "deploy/app.yaml"\ncomponent_name = "api"'))
    expect(devManifestTarget(project)).toEqual({ file: path.join(path.dirname(project.file), 'deploy', 'app.yaml'), match: { componentName: 'api' }, warnings: [] })
  })

  it('an entry naming no component stands for the project\'s name, and says so', () => {
    const target = devManifestTarget(makeProject({}, entry('path = "app.yaml"')))!
    expect(target.match).toEqual({ componentName: 'demo' })
    expect(target.warnings.join('\n')).toContain('names no component')
  })

  it('several entries: the one naming the project\'s component, with a warning for each other', () => {
    const target = devManifestTarget(makeProject({}, `${entry('path = "other.yaml"\ncomponent_name = "worker"')}${entry('path = "app.yaml"\ncomponent_name = "demo"')}`))!
    expect(target.file.endsWith(`${path.sep}app.yaml`)).toBe(true)
    expect(target.warnings).toHaveLength(1)
    expect(target.warnings[0]).toContain('[[dev.manifests]] #1 (other.yaml) is not served')
  })

  it('several entries and none (or two) naming the project\'s component: a PROJECT_INVALID error with the fix', () => {
    const none = refusal(() => devManifestTarget(makeProject({}, `${entry('path = "a.yaml"\ncomponent_name = "a"')}${entry('path = "b.yaml"\ncomponent_id = "b"')}`)))
    expect(none.code).toBe('PROJECT_INVALID')
    expect(none.message).toContain('none names the project\'s component (component_name = "demo")')
    const two = refusal(() => devManifestTarget(makeProject({}, `${entry('path = "a.yaml"\ncomponent_name = "demo"')}${entry('path = "b.yaml"\ncomponent_name = "demo"')}`)))
    expect(two.message).toContain('#1 (a.yaml) and [[dev.manifests]] #2 (b.yaml) all name')
  })
})

describe('the manifest with the build in it', () => {
  const loaded = readManifest(MANIFEST(), 'app.yaml')

  it('matches as wash does: by name, by properties.id, by properties.image', () => {
    const names = (match: Parameters<typeof matchManifestComponents>[1]) => matchManifestComponents(loaded.manifest, match).map((component) => component.name)
    expect(names({ componentName: 'api' })).toEqual(['api'])
    expect(names({ componentId: 'shop-api' })).toEqual(['api'])
    expect(names({ componentRef: 'file://./callees/greeter.wasm' })).toEqual(['greeter'])
    expect(names({ componentName: 'API' })).toEqual([])
  })

  it('a component the manifest does not have is an error naming the ones it has; a provider is refused', () => {
    const missing = refusal(() => findReplacedComponent(loaded.manifest, { componentName: 'apy' }, '/work/app.yaml'))
    expect(missing.code).toBe('APP_MANIFEST_INVALID')
    expect(missing.message).toBe('/work/app.yaml has no component matching component_name = "apy": its components are api, greeter, kv (provider), httpserver (provider)')
    expect(refusal(() => findReplacedComponent(loaded.manifest, { componentName: 'kv' }, 'app.yaml')).code).toBe('APP_MANIFEST_UNSUPPORTED')
  })

  it('plans as `up app.yaml` does, with the build as the named component\'s source', () => {
    const plan = planManifestRunReplacing(loaded, '/work/app.yaml', { componentId: 'shop-api' }, '/work/build/demo_s.wasm')
    expect(plan.replaced).toBe('api')
    expect(plan.entry).toBe('api')
    expect(plan.sources).toEqual([
      { name: 'api', reference: '/work/build/demo_s.wasm' },
      { name: 'greeter', reference: '/work/callees/greeter.wasm' },
    ])
    expect(plan.rules).toEqual([{ source: 'api', interface: 'wasmctl-test:linked/greeter', target: 'greeter' }])
    expect(plan.grants).toEqual({ greeter: { config: { who: 'first' } } })
    expect(plan.address).toEqual({ host: '127.0.0.1', port: 8123, given: '127.0.0.1:8123' })
  })

  it('reads the project\'s manifest: the listen address, the files to watch, the view for events', () => {
    const project = makeProject({ 'app.yaml': MANIFEST() }, entry('path = "app.yaml"\ncomponent_name = "api"'))
    const file = path.join(path.dirname(project.file), 'app.yaml')
    expect(devManifestListener(project)).toEqual({ address: '127.0.0.1', port: 8123 })
    expect(devManifestFiles(project)).toEqual([file, path.join(path.dirname(file), 'callees', 'greeter.wasm')])
    expect(linkedFiles(project)).toEqual(devManifestFiles(project))
    expect(describeDevManifest(project)).toEqual({ file, app: 'shop', component: 'api', entry: 'api', address: '127.0.0.1:8123' })
    expect(readDevManifest(project, devManifestTarget(project)!, '/b.wasm').plan.sources[0]).toEqual({ name: 'api', reference: '/b.wasm' })

    writeFileSync(file, 'spec: [\n')
    expect(devManifestFiles(project)).toEqual([file])
    expect(describeDevManifest(project)).toEqual({ file })
    expect(refusal(() => devManifestListener(project)).code).toBe('APP_MANIFEST_INVALID')
  })

  it('a missing manifest file is an error naming the file and the entry', () => {
    const project = makeProject({}, entry('path = "gone.yaml"\ncomponent_name = "api"'))
    const error = refusal(() => devManifestListener(project))
    expect(error.message).toContain('gone.yaml')
    expect(error.message).toContain('[[dev.manifests]] in wasmcloud.toml')
  })

  it('--manifest-output-dir gets the user\'s manifest, the build as the image, file:// images absolute', () => {
    const project = makeProject({ 'app.yaml': MANIFEST() }, entry('path = "app.yaml"\ncomponent_name = "api"'))
    const out = renderUserManifest(project, 'file:///work/build/demo_s.wasm')!
    expect(out.fileName).toBe('shop.yaml')
    const raw = readManifest(out.yaml).raw as { spec: { components: { name: string; properties: { image: string; id?: string } }[] } }
    expect(raw.spec.components[0].properties).toMatchObject({ image: 'file:///work/build/demo_s.wasm', id: 'shop-api' })
    expect(raw.spec.components[1].properties.image).toBe(pathToFileURL(path.join(path.dirname(project.file), 'callees', 'greeter.wasm')).href)
    expect(renderUserManifest(makeProject(), 'file:///x.wasm')).toBeUndefined()
  })
})

describe('the project\'s own links beside the manifest', () => {
  const plan = { file: '/work/app.yaml', replaced: 'api', sources: [{ name: 'api', reference: '/b.wasm' }, { name: 'greeter', reference: '/g.wasm' }], rules: [{ source: 'api', interface: 'wasmctl-test:linked/greeter', target: 'greeter' }] }

  it('specs overlap by package or interface, any version', () => {
    expect(specsOverlap('wasmctl-test:linked/greeter@0.1.0', 'wasmctl-test:linked')).toBe(true)
    expect(specsOverlap('wasmctl-test:linked/greeter', 'wasmctl-test:linked/other')).toBe(false)
  })

  it('component links: the manifest wins for what it links (a warning), the others become links from the build', () => {
    const project = makeProject(
      {},
      `[[dev.overrides.imports]]\ninterface_spec = "wasmctl-test:linked/greeter@0.1.0"\nimage_ref = "../other/greeter.wasm"\n\n[[dev.overrides.imports]]\ninterface_spec = "wasmctl-test:bus/receiver"\nimage_ref = "../other/receiver.wasm"\n`,
    )
    const merged = mergeProjectLinks(plan, devLinks(project))
    expect(merged.components.map((component) => component.name)).toEqual(['receiver'])
    expect(merged.rules).toEqual([{ source: 'api', interface: 'wasmctl-test:bus/receiver', target: 'receiver' }])
    expect(merged.picks).toEqual({})
    expect(merged.warnings).toEqual(['wasmctl-test:linked/greeter: the manifest app.yaml links it from api, so its link wins over the [[dev.overrides.imports]] entry naming greeter.wasm'])
  })

  it('a project link named as a manifest component is refused', () => {
    const project = makeProject({}, `[[dev.overrides.imports]]\ninterface_spec = "wasmctl-test:bus/receiver"\nimage_ref = "../other/greeter.wasm"\n`)
    expect(refusal(() => mergeProjectLinks(plan, devLinks(project))).code).toBe('HOST_LINK_INVALID')
  })

  it('provider overrides: the manifest\'s binding of an interface wins, the project\'s others stay, labelled as its entries', () => {
    const manifestPlan = {
      dev: { overrides: { imports: [{ interface_spec: 'wasi:keyvalue', image_ref: 'ghcr.io/wasmcloud/keyvalue-redis:0.28.1', link_name: 'default' }], exports: [] } },
      overrideLabels: { imports: ['the link from api to kv (wasi:keyvalue/store)'], exports: [] },
    }
    const projectDev = {
      overrides: {
        imports: [
          { interface_spec: 'wasi:keyvalue/store@0.2.0-draft', image_ref: 'ghcr.io/wasmcloud/keyvalue-nats:0.3.1' },
          { interface_spec: 'wasi:blobstore', image_ref: 'ghcr.io/wasmcloud/blobstore-fs:0.10.1' },
        ],
      },
    }
    const merged = mergeCapabilityOverrides(manifestPlan, projectDev, '/work/app.yaml')
    expect((merged.dev as { overrides: { imports: { image_ref: string }[] } }).overrides.imports.map((item) => item.image_ref)).toEqual([
      'ghcr.io/wasmcloud/keyvalue-redis:0.28.1',
      'ghcr.io/wasmcloud/blobstore-fs:0.10.1',
    ])
    expect(merged.overrideLabels.imports).toEqual(['the link from api to kv (wasi:keyvalue/store)', '[[dev.overrides.imports]] #2 of wasmcloud.toml'])
    expect(merged.warnings).toEqual(['[[dev.overrides.imports]] wasi:keyvalue/store@0.2.0-draft: the manifest app.yaml binds it, and its link wins'])
  })
})

describe('dev host controller with a manifest', () => {
  const ok = (build: number, artifact: string) => ({ build, durationMs: 1, digest: `sha256:${build}`, artifact, size: 1, cached: false, signed: true, recovered: false })

  function fakeHosts() {
    const started: DevHostOptions[] = []
    const factory: DevHostFactory = async (_project, options) => {
      started.push(options)
      return { url: `http://127.0.0.1:${options.port ?? 8000}`, load: async () => ({ manifest: { file: 'app.yaml', app: 'shop' } }), close: async () => {} }
    }
    return { started, factory }
  }

  it('listens where the manifest says unless --port does; names the manifest in host.ready and reload.ok', async () => {
    const project = makeProject({ 'app.yaml': MANIFEST() }, entry('path = "app.yaml"\ncomponent_name = "api"'))
    const { started, factory } = fakeHosts()
    const bus = createDevBus()
    const log = record(bus)
    const controller = new HostController({ bus, project, createHost: factory })
    await controller.start()
    expect(started[0]).toMatchObject({ address: '127.0.0.1', port: 8123 })
    expect(log.of('host.ready')[0].manifest).toMatchObject({ app: 'shop', component: 'api' })
    bus.emit('build.ok', ok(1, '/1.wasm'))
    expect((await bus.next('reload.ok')).manifest).toEqual({ file: 'app.yaml', app: 'shop' })
    await controller.close()

    const flagged = fakeHosts()
    const withPort = new HostController({ bus: createDevBus(), project, createHost: flagged.factory, port: 0 })
    await withPort.start()
    expect(flagged.started[0]).toMatchObject({ address: '127.0.0.1', port: 0 })
    await withPort.close()
  })

  it('an edit that moves the address starts a new host; a broken manifest is a reload.error and the host stays', async () => {
    const project = makeProject({ 'app.yaml': MANIFEST() }, entry('path = "app.yaml"\ncomponent_name = "api"'))
    const file = path.join(path.dirname(project.file), 'app.yaml')
    const { started, factory } = fakeHosts()
    const bus = createDevBus()
    const controller = new HostController({ bus, project, createHost: factory })
    await controller.start()
    bus.emit('build.ok', ok(1, '/1.wasm'))
    await bus.next('reload.ok')

    writeFileSync(file, MANIFEST('first', '127.0.0.1:8124'))
    bus.emit('link.change', { files: [file], manifest: file })
    expect((await bus.next('reload.ok')).url).toBe('http://127.0.0.1:8124')
    expect(started.map((options) => options.port)).toEqual([8123, 8124])

    writeFileSync(file, 'spec: [\n')
    bus.emit('link.change', { files: [file], manifest: file })
    expect(await bus.next('reload.error')).toMatchObject({ code: 'APP_MANIFEST_INVALID', linkChange: [file] })
    expect(started).toHaveLength(2)
    expect(controller.url).toBe('http://127.0.0.1:8124')
    await controller.close()
  })

  it('a manifest that does not read at start: the host listens where the project says, the first load says why', async () => {
    const project = makeProject({ 'app.yaml': 'kind: [\n' }, `[dev]\nport = 8200\n${entry('path = "app.yaml"\ncomponent_name = "api"')}`)
    const { started, factory } = fakeHosts()
    const bus = createDevBus()
    const log = record(bus)
    const controller = new HostController({ bus, project, createHost: factory })
    await controller.start()
    expect(started[0].port).toBe(8200)
    expect(log.of('host.ready')[0].manifest).toEqual({ file: path.join(path.dirname(project.file), 'app.yaml') })
    bus.emit('build.ok', ok(1, '/1.wasm'))
    await vi.advanceTimersByTimeAsync(10)
    expect(log.of('reload.error')[0]?.code).toBe('APP_MANIFEST_INVALID')
    await controller.close()
  })

  it('the terminal says which manifest serves and when it changed', () => {
    const lines: string[] = []
    const renderer = createTerminalRenderer({ write: (text) => lines.push(text), tty: false })
    renderer.render({ type: 'host.ready', time: '', url: 'http://127.0.0.1:1', manifest: { file: '/w/app.yaml', app: 'shop', component: 'api' } })
    renderer.render({ type: 'link.change', time: '', files: ['/w/app.yaml'], manifest: '/w/app.yaml' })
    renderer.render({ type: 'reload.error', time: '', build: 1, linkChange: ['/w/app.yaml'], code: 'APP_MANIFEST_INVALID', message: 'bad', hints: [] })
    expect(lines.join('')).toContain('manifest: shop (/w/app.yaml), the build as api')
    expect(lines.join('')).toContain('manifest changed: app.yaml')
    expect(lines.join('')).toContain('could not load the manifest: bad')
    expect(lines.join('')).not.toContain('linked component changed')
  })
})

