import path from 'node:path'
import { pathToFileURL } from 'node:url'

import { beforeAll, describe, expect, it } from 'vitest'

import { ComponentInstance, type Glue } from '../../../src/host/instance.js'
import { loadComponent, readComponentFile } from '../../../src/host/load.js'
import { CollectingSink } from '../../../src/host/wasi/io.js'
import { IncomingRequest, ResponseOutparam } from '../../../src/host/wasi/http.js'
import { createImports, trackMissingImports } from '../../../src/host/wasi/imports.js'
import { repoRoot } from '../../helpers/cli.js'
import { probeHttpComponent } from '../../fixtures/components/fixtures.js'

// The snapshot mechanism on its own thread, without workers: one instance, reset between requests.
let glue: Glue
let modules: Map<string, any>
const stderr = new CollectingSink()
const { imports, missing } = trackMissingImports(
  createImports({
    cli: () => ({ env: {}, args: ['probe'], stdout: new CollectingSink(), stderr }),
    preopens: [],
    config: {},
    outgoingHttp: () => undefined,
    call: () => undefined,
    log: () => {},
  }),
)

beforeAll(async () => {
  const component = await loadComponent(readComponentFile(await probeHttpComponent()), { cacheRoot: path.join(repoRoot, 'test', '.cache', 'host-cache'), trust: {} })
  glue = (await import(pathToFileURL(component.transpiled.gluePath).href)) as Glue
  modules = new Map(Object.entries(component.modules))
}, 180_000)

function request(instance: ComponentInstance, route: string): string {
  const outparam = new ResponseOutparam()
  const handler = instance.exports['wasi:http/incoming-handler@0.2.10']
  handler.handle(new IncomingRequest({ method: 'GET', pathWithQuery: route, authority: 'localhost', scheme: 'http', headers: [], body: new Uint8Array() }), outparam)
  const result = outparam.result()
  if (result?.tag !== 'ok') throw new Error(`no response: ${new TextDecoder().decode(stderr.bytes())}`)
  return new TextDecoder().decode(result.val.toResponse().body)
}

describe('ComponentInstance', () => {
  it('serves many requests from one instance, each from the freshly instantiated state', () => {
    const instance = ComponentInstance.create(glue, modules, imports, { snapshot: true, maxUses: 1000 })
    expect(missing).toEqual([])
    expect(instance.reusable).toBe(true)
    for (let i = 0; i < 20; i++) {
      expect(request(instance, '/hits')).toBe('hits=1\n')
      expect(instance.canReset()).toBe(true)
      instance.reset()
    }
  })

  it('without the reset, state carries over (so the reset is what isolates requests)', () => {
    const instance = ComponentInstance.create(glue, modules, imports, { snapshot: true, maxUses: 1000 })
    expect(request(instance, '/hits')).toBe('hits=1\n')
    expect(() => request(instance, '/hits')).toThrow()
  })

  it('refuses to reset after memory grew, or once it served its maximum', () => {
    const grown = ComponentInstance.create(glue, modules, imports, { snapshot: true, maxUses: 1000 })
    expect(request(grown, '/grow')).toBe('grew hits=1\n')
    expect(grown.canReset()).toBe(false)
    const limited = ComponentInstance.create(glue, modules, imports, { snapshot: true, maxUses: 2 })
    request(limited, '/hits')
    expect(limited.canReset()).toBe(true)
    limited.reset()
    request(limited, '/hits')
    expect(limited.canReset()).toBe(false)
  })

  it('is never reset when snapshots are off (a fresh instance per request)', () => {
    const instance = ComponentInstance.create(glue, modules, imports, { snapshot: false, maxUses: 1000 })
    expect(instance.reusable).toBe(false)
    request(instance, '/hits')
    expect(instance.canReset()).toBe(false)
  })
})
