import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createDevBus } from '../../../src/dev/bus.js'
import { embeddedHostFactory } from '../../../src/dev/embedded-host.js'
import { HostController } from '../../../src/dev/host-controller.js'
import { repoRoot } from '../../helpers/cli.js'
import { buildJsComponent } from '../../helpers/components.js'
import { makeProject, record, scratchDir } from '../../helpers/dev-project.js'
import { applicationHeader, httpServerLink } from '../../helpers/wadm-yaml.js'

// `wasmctl dev` with [[dev.manifests]] where the build is not the component that takes requests:
// the manifest's caller (a file beside it) is the entry, and each build is the callee it links to.
const linkedChain = path.join(repoRoot, 'test', 'fixtures', 'components', 'linked-chain')
let callee: string
let otherCallee: string
let caller: string
let controller: HostController | undefined
const savedCacheDir = process.env.WASMCTL_CACHE_DIR

beforeAll(async () => {
  callee = await buildJsComponent({ sourcePath: path.join(linkedChain, 'callee.js'), witPath: path.join(linkedChain, 'wit'), worldName: 'callee' })
  const howdy = path.join(scratchDir('howdy-'), 'callee-howdy.js')
  writeFileSync(howdy, readFileSync(path.join(linkedChain, 'callee.js'), 'utf8').replace('`hello ${name}`', '`howdy ${name}`'))
  otherCallee = await buildJsComponent({ sourcePath: howdy, witPath: path.join(linkedChain, 'wit'), worldName: 'callee' })
  caller = await buildJsComponent({ sourcePath: path.join(linkedChain, 'caller.js'), witPath: path.join(linkedChain, 'wit'), worldName: 'caller' })
  process.env.WASMCTL_CACHE_DIR = scratchDir('cache-')
}, 300_000)

afterAll(async () => {
  await controller?.close()
  if (savedCacheDir === undefined) delete process.env.WASMCTL_CACHE_DIR
  else process.env.WASMCTL_CACHE_DIR = savedCacheDir
})

const MANIFEST = `${applicationHeader('chain')}    - name: front
      type: component
      properties:
        image: file://./caller.wasm
      traits:
        - type: link
          properties:
            target:
              name: greeter-impl
            namespace: wasmctl-test
            package: linked
            interfaces: [greeter]
    - name: greeter-impl
      type: component
      properties:
        image: ghcr.io/example/greeter:0.1.0
${httpServerLink('front')}`

const built = (build: number, artifact: string) => ({ build, durationMs: 1, digest: `sha256:${build}`, artifact, size: 1, cached: false, signed: true, recovered: false })

describe('dev with a manifest whose entry is another component', () => {
  it('serves the manifest\'s entry with each build linked in as the component it names', async () => {
    const project = makeProject({ 'app.yaml': MANIFEST }, '\n[[dev.manifests]]\npath = "app.yaml"\ncomponent_name = "greeter-impl"\n')
    copyFileSync(caller, path.join(path.dirname(project.file), 'caller.wasm'))
    const bus = createDevBus()
    const log = record(bus)
    controller = new HostController({ bus, project, createHost: await embeddedHostFactory({ workers: 1 }), port: 0 })
    const url = await controller.start()

    bus.emit('build.ok', built(1, callee))
    const first = await bus.next('reload.ok')
    expect(first.manifest).toMatchObject({ app: 'chain', component: 'greeter-impl', entry: 'front' })
    expect(first.manifest?.components?.map((component) => component.name)).toEqual(['front', 'greeter-impl'])
    for (let round = 0; round < 2; round++) expect(await (await fetch(`${url}/?name=dev`)).text()).toBe('hello dev callee-calls=1 caller-requests=1\n')

    // The next build (another greeting) swaps the chain; the entry stays the manifest's caller.
    bus.emit('build.ok', built(2, otherCallee))
    await bus.next('reload.ok')
    expect(await (await fetch(`${url}/?name=dev`)).text()).toBe('howdy dev callee-calls=1 caller-requests=1\n')
    expect(log.of('reload.error')).toEqual([])
    await controller.close()
    controller = undefined
  }, 180_000)
})
