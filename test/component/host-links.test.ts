import { copyFileSync } from 'node:fs'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createHost, type Host, type HostEvent, readComponentFile } from '../../src/host/index.js'
import { loadLinkedComponents } from '../../src/host/link.js'
import { repoRoot } from '../helpers/cli.js'
import { buildJsComponent } from '../helpers/components.js'
import { refusalOf } from '../helpers/refusal.js'
import { tempDir } from '../helpers/tmp.js'

// Components linked to components (issue 13 part 3): real componentize-js components from
// test/fixtures/components/linked-chain, an importer's interface served by another component's
// export in the same host. Each component keeps its own instance: counters kept in each one's
// memory read 1 on every request, however many requests came before.
const cacheRoot = path.join(repoRoot, 'test', '.cache', 'host-cache')
const fixture = path.join(repoRoot, 'test', 'fixtures', 'components', 'linked-chain')
const build = (world: string) => buildJsComponent({ sourcePath: path.join(fixture, `${world}.js`), witPath: path.join(fixture, 'wit'), worldName: world })
const files: Record<string, string> = {}

beforeAll(async () => {
  // One after another: componentize-js is heavy and the machine small.
  for (const world of ['callee', 'caller', 'middle', 'front', 'resource-callee', 'resource-caller']) files[world] = await build(world)
}, 600_000)

// Built files are named by their content hash: each component goes by its world's name, as a file `<world>.wasm` would.
const source = (world: string) => (files[world] ? { ...readComponentFile(files[world]), name: world } : readComponentFile(world))

function load(...worlds: string[]) {
  return loadLinkedComponents(worlds.map(source), { cacheRoot, trust: {} })
}

async function serve(...worlds: string[]): Promise<{ host: Host; events: HostEvent[] }> {
  const events: HostEvent[] = []
  const host = await createHost({ port: 0, workers: 1, cacheRoot, onEvent: (event) => events.push(event) })
  hosts.push(host)
  await host.load(await load(...worlds))
  return { host, events }
}

const hosts: Host[] = []
afterAll(async () => {
  await Promise.all(hosts.map((host) => host.close()))
})

async function get(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url)
  return { status: response.status, text: await response.text() }
}

describe('two linked components', () => {
  let host: Host

  beforeAll(async () => {
    // The callee first: the order of the files does not matter, the entry is the HTTP handler.
    ;({ host } = await serve('callee', 'caller'))
  }, 180_000)

  it('calls the callee exported function on every request, each component with fresh state', async () => {
    for (const name of ['ada', 'bob', 'cy']) {
      expect(await get(`${host.url}/?name=${name}`)).toEqual({ status: 200, text: `hello ${name} callee-calls=1 caller-requests=1\n` })
    }
  })

  it('carries a result err from the callee back to the caller', async () => {
    expect(await get(`${host.url}/fail?message=nope`)).toEqual({ status: 409, text: 'err nope\n' })
    expect(await get(`${host.url}/fail`)).toEqual({ status: 200, text: 'ok fine\n' })
  })

  it('a trap in the callee fails that request only; the chain is replaced and serves fresh', async () => {
    expect((await get(`${host.url}/fail?message=trap`)).status).toBe(500)
    expect(await get(`${host.url}/?name=after`)).toEqual({ status: 200, text: 'hello after callee-calls=1 caller-requests=1\n' })
  })

  it('serves concurrent requests with isolation intact', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, (_, index) => get(`${host.url}/?name=n${index}`)))
    answers.forEach((answer, index) => expect(answer).toEqual({ status: 200, text: `hello n${index} callee-calls=1 caller-requests=1\n` }))
  })
})

describe('a three-component chain', () => {
  it('front → middle → callee serves per request with every member reset', async () => {
    const { host, events } = await serve('front', 'callee', 'middle')
    for (let round = 0; round < 3; round++) {
      expect(await get(`${host.url}/?name=zed`)).toEqual({ status: 200, text: 'HELLO ZED! middle-calls=1 callee-calls=1 front-requests=1\n' })
    }
    expect(events.find((event) => event.event === 'component.loaded')).toMatchObject({ name: 'front' })
  }, 180_000)
})

describe('links the host refuses', () => {
  it('two components exporting the interface: HOST_LINK_AMBIGUOUS, unless a link name picks one', async () => {
    const other = path.join(tempDir('wasmctl-links-'), 'other-callee.wasm')
    copyFileSync(files.callee, other)
    const error = await refusalOf(load('caller', 'callee', other))
    expect(error.code).toBe('HOST_LINK_AMBIGUOUS')
    expect(error.message).toContain('wasmctl-test:linked/greeter')
    expect(error.hints.join('\n')).toContain('--link-component wasmctl-test:linked/greeter=callee')

    const picked = await loadLinkedComponents(['caller', 'callee', other].map(source), {
      cacheRoot,
      trust: {},
      picks: { 'wasmctl-test:linked/greeter': 'other-callee' },
    })
    expect(picked.chain?.map((member) => member.name)).toEqual(['other-callee', 'caller'])
  }, 120_000)

  it('a component nothing imports from: HOST_LINK_INVALID naming it', async () => {
    const error = await refusalOf(load('caller', 'callee', 'resource-callee'))
    expect(error.code).toBe('HOST_LINK_INVALID')
    expect(error.message).toContain(files['resource-callee'])
  })

  it('two HTTP entries: HOST_LINK_INVALID', async () => {
    const error = await refusalOf(load('caller', 'callee', 'front', 'middle'))
    expect(error.code).toBe('HOST_LINK_INVALID')
    expect(error.message).toMatch(/caller and front both export a request handler/)
  })

  it('a file that is not a component: HOST_LINK_INVALID', async () => {
    const notWasm = path.join(tempDir('wasmctl-links-'), 'notes.wasm')
    copyFileSync(path.join(fixture, 'callee.js'), notWasm)
    const error = await refusalOf(load('caller', notWasm))
    expect(['HOST_LINK_INVALID', 'INPUT_INVALID']).toContain(error.code)
    expect(error.message).toContain('notes.wasm')
  })

  it('an interface with resources: the load fails naming the interface', async () => {
    const host = await createHost({ port: 0, workers: 1, cacheRoot, onEvent: () => {} })
    hosts.push(host)
    const error = await refusalOf(load('resource-caller', 'resource-callee').then((component) => host.load(component)))
    expect(error.message).toContain('wasmctl-test:linked/counters')
    expect(error.message).toMatch(/resources cannot cross/)
  }, 180_000)
})
