import { describe, expect, it } from 'vitest'

import { CallTargetInterface, createBus, interfaceOfCall, LinkSelection, setCapabilityLinks } from '../../../src/host/wasi/bus.js'
import { createIdentity } from '../../../src/host/wasi/identity.js'
import { createImports, hostLinkSelection, withoutHostGrants } from '../../../src/host/wasi/imports.js'
import { unprovidedImports } from '../../../src/host/load.js'

// wasmcloud:bus/lattice link selection, as wasmCloud's host keeps it per invocation.
const RECEIVER = 'wasmctl-test:bus/receiver'
const receiver = () => new CallTargetInterface('wasmctl-test', 'bus', 'receiver')
const links: Record<string, string[]> = { [RECEIVER]: ['default', 'backup'] }
const selection = (version: 1 | 2) => new LinkSelection('caller', (iface, name) => links[iface]?.includes(name) ?? false, () => version)

function thrown(call: () => unknown): unknown {
  try {
    call()
  } catch (error) {
    return error
  }
  return undefined
}

describe('LinkSelection', () => {
  it('starts on default, follows set-link-name, goes back with "default" or a new invocation', () => {
    const links = selection(2)
    const bus = createBus(links).lattice
    expect(links.linkFor(RECEIVER)).toBe('default')
    bus.setLinkName('backup', [receiver()])
    expect(links.linkFor(RECEIVER)).toBe('backup')
    expect(links.linkFor('wasi:keyvalue/store')).toBe('default')
    bus.setLinkName('default', [receiver()])
    expect(links.linkFor(RECEIVER)).toBe('default')
    expect(links.changed).toBe(false)
    bus.setLinkName('backup', [receiver()])
    links.clear()
    expect(links.linkFor(RECEIVER)).toBe('default')
  })

  it('2.0.0 answers an error (wasmCloud wording) for a name with no link, and keeps the selection as it was', () => {
    const links = selection(2)
    expect(thrown(() => createBus(links).lattice.setLinkName('nope', [receiver()]))).toBe('interface `wasmctl-test:bus/receiver` does not have an existing link with name `nope`')
    expect(links.changed).toBe(false)
  })

  it('1.0.0 cannot answer an error: it records the name, and the call fails later', () => {
    const links = selection(1)
    expect(thrown(() => createBus(links).lattice.setLinkName('nope', [receiver()]))).toBeUndefined()
    expect(links.linkFor(RECEIVER)).toBe('nope')
  })

  it('2.0.0 set-target-component is refused as an error value', () => {
    expect(String(thrown(() => createBus(selection(2)).lattice.setTargetComponent('x', receiver())))).toMatch(/no lattice/)
  })
})

describe('host capabilities and link names', () => {
  it('maps host calls to the interfaces wasmCloud routes by', () => {
    expect(interfaceOfCall('kv.get')).toBe('wasi:keyvalue/store')
    expect(interfaceOfCall('kv.increment')).toBe('wasi:keyvalue/atomics')
    expect(interfaceOfCall('kv.setMany')).toBe('wasi:keyvalue/batch')
    expect(interfaceOfCall('blob.read')).toBe('wasi:blobstore/blobstore')
    expect(interfaceOfCall('msg.publish')).toBe('wasmcloud:messaging/consumer')
    expect(interfaceOfCall('secret.get')).toBeUndefined()
  })

  it('an unlinked component has each provided interface on its default link only', () => {
    const links = hostLinkSelection('solo', () => 2)
    expect(links.hasLink('wasi:keyvalue/store', 'default')).toBe(true)
    expect(links.hasLink('wasi:keyvalue/store', 'cache')).toBe(false)
    expect(links.hasLink('acme:unknown/thing', 'default')).toBe(false)
  })

  it('a capability call on a link name the host lacks fails naming interface and link, before it reaches the host', () => {
    setCapabilityLinks({})
    const { imports, calls, select } = capabilityImports()
    const store = imports['wasi:keyvalue/store'] as { open(name: string): unknown }
    store.open('bucket')
    select('cache')
    const error = thrown(() => store.open('bucket')) as Error
    expect(error).toBeInstanceOf(Error)
    expect(error.message).toMatch(/solo calls wasi:keyvalue\/store on link "cache" .* but the host has no such link for it \(links: "default"\)/)
    expect(calls.map((call) => call.kind)).toEqual(['kv.open'])
  })

  it('a call on a named capability link the host has carries the link; a bucket keeps the link it was opened on', () => {
    setCapabilityLinks({ 'wasi:keyvalue/store': ['cache'] })
    try {
      const { imports, calls, select } = capabilityImports()
      const store = imports['wasi:keyvalue/store'] as { open(name: string): { get(key: string): unknown } }
      const before = store.open('counts')
      select('cache')
      const cached = store.open('counts')
      cached.get('a')
      before.get('b')
      select('default')
      cached.get('c')
      expect(calls).toEqual([
        { kind: 'kv.open', payload: { bucket: 'counts' } },
        { kind: 'kv.open', payload: { bucket: 'counts', link: 'cache' } },
        { kind: 'kv.get', payload: { bucket: 'counts', link: 'cache', key: 'a' } },
        { kind: 'kv.get', payload: { bucket: 'counts', link: 'default', key: 'b' } },
        { kind: 'kv.get', payload: { bucket: 'counts', link: 'cache', key: 'c' } },
      ])
    } finally {
      setCapabilityLinks({})
    }
  })
})

describe('provided versions', () => {
  it('wasmcloud:bus 1.0.0 and 2.0.0, wasmcloud:identity 0.0.1 and 0.1.0-draft', () => {
    expect(
      unprovidedImports(['wasmcloud:bus/lattice@1.0.0', 'wasmcloud:bus/lattice@2.0.0', 'wasmcloud:bus/lattice@0.1.0', 'wasmcloud:identity/store@0.0.1', 'wasmcloud:identity/store@0.1.0-draft', 'wasmcloud:identity/store@0.2.0']),
    ).toEqual(['wasmcloud:bus/lattice@0.1.0', 'wasmcloud:identity/store@0.2.0'])
  })
})

function capabilityImports() {
  const links = hostLinkSelection('solo', () => 1)
  const calls: { kind: string; payload: unknown }[] = []
  const imports = createImports({
    cli: () => ({ env: {}, args: [], stdout: { write() {} }, stderr: { write() {} } }),
    preopens: [],
    config: {},
    outgoingHttp: () => undefined,
    call: (kind, payload) => {
      calls.push({ kind, payload: structuredClone(payload) })
      return { ok: undefined }
    },
    log: () => {},
    links,
  })
  const select = (name: string) =>
    (imports['wasmcloud:bus/lattice'] as ReturnType<typeof createBus>['lattice']).setLinkName(name, [new CallTargetInterface('wasi', 'keyvalue', 'store')])
  return { imports, calls, select }
}

describe('imports of a linked component (withoutHostGrants)', () => {
  function hostImports() {
    const logged: string[] = []
    const sent: string[] = []
    const calls: string[] = []
    const imports = createImports({
      cli: () => ({ env: { API_TOKEN: 'host-variable' }, args: ['entry'], stdout: { write() {} }, stderr: { write() {} } }),
      preopens: [],
      config: {},
      outgoingHttp: () =>
        ({
          send: (request: { url: string }) => {
            sent.push(request.url)
            return { ready: () => true, take: () => ({ err: { tag: 'internal-error' } }), pollSource: { ready: () => true, waitsOnHost: true } }
          },
        }) as never,
      call: (kind) => {
        calls.push(kind)
        return { ok: undefined }
      },
      log: (level, _context, message) => logged.push(`${level} ${message}`),
    })
    return { imports, logged, sent, calls }
  }
  const request = (imports: Record<string, any>) => {
    const outgoing = new imports['wasi:http/types'].OutgoingRequest(new imports['wasi:http/types'].Fields())
    outgoing.setAuthority('example.com')
    return outgoing
  }

  it('sees no host variable, directory or secret, and its outgoing requests are denied with a warning naming it', () => {
    const { imports, logged, sent, calls } = hostImports()
    // The entry's imports reach the host.
    expect(imports['wasi:cli/environment'].getEnvironment()).toEqual([['API_TOKEN', 'host-variable']])
    expect((imports['wasi:http/outgoing-handler'] as any).handle(request(imports)).get().val).toEqual({ tag: 'err', val: { tag: 'internal-error' } })
    expect((imports['wasmcloud:secrets/store'] as any).get('api-key')).toBeDefined()
    expect(sent).toHaveLength(1)
    expect(calls).toEqual(['secret.get'])

    const linked: Record<string, any> = { ...imports, ...withoutHostGrants(imports, 'callee', { outgoingHttp: false }) }
    expect(linked['wasi:cli/environment'].getEnvironment()).toEqual([])
    expect(linked['wasi:cli/environment'].getArguments()).toEqual([])
    expect(linked['wasi:filesystem/preopens'].getDirectories()).toEqual([])
    expect(thrown(() => linked['wasmcloud:secrets/store'].get('api-key'))).toEqual({ tag: 'not-found' })
    expect(linked['wasi:http/outgoing-handler'].handle(request(linked)).get().val).toEqual({ tag: 'err', val: { tag: 'HTTP-request-denied' } })
    // Nothing reached the host.
    expect(sent).toHaveLength(1)
    expect(calls).toEqual(['secret.get'])
    expect(logged.join('\n')).toMatch(/^warn outgoing HTTP denied: callee is a linked component/m)
  })

  it('keeps the host\'s outgoing HTTP (within its allow-list) when the component was granted it', () => {
    const { imports, sent } = hostImports()
    const granted = withoutHostGrants(imports, 'client', { outgoingHttp: true })
    expect(granted['wasi:http/outgoing-handler']).toBeUndefined()
    expect(Object.keys(granted).sort()).toEqual(['wasi:cli/environment', 'wasi:filesystem/preopens', 'wasmcloud:secrets/store'])
    expect(sent).toEqual([])
  })
})

describe('wasmcloud:identity/store', () => {
  it('answers none, and logs once per component with the audience quoted and cut short', () => {
    const lines: string[] = []
    const store = createIdentity((level, _context, message) => lines.push(`${level} ${message}`), () => 'solo').store
    const audience = `spiffe://x/${'a'.repeat(500)}"\nforged line`
    expect(store.get(audience)).toBeUndefined()
    expect(store.get('other')).toBeUndefined()
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^debug no workload identity is configured for solo/)
    expect(lines[0]).not.toContain('\n')
    expect(lines[0].length).toBeLessThan(400)
  })
})
