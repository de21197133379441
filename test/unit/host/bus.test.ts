import { describe, expect, it } from 'vitest'

import { CallTargetInterface, createBus, interfaceOfCall, LinkSelection, setCapabilityLinks } from '../../../src/host/wasi/bus.js'
import { createImports, hostLinkSelection } from '../../../src/host/wasi/imports.js'
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

describe('outgoing HTTP of a linked component', () => {
  it('is denied (HTTP-request-denied, with a warning naming the component) when the component has no grant of its own', () => {
    const logged: string[] = []
    const sent: string[] = []
    const links = hostLinkSelection('callee', () => 1)
    const imports = createImports({
      cli: () => ({ env: {}, args: [], stdout: { write() {} }, stderr: { write() {} } }),
      preopens: [],
      config: {},
      outgoingHttp: () => ({
        send: (request: { url: string }) => {
          sent.push(request.url)
          return { ready: () => true, take: () => ({ err: { tag: 'internal-error' } }), pollSource: { ready: () => true, waitsOnHost: true } }
        },
      }) as never,
      call: () => ({ ok: undefined }),
      log: (level, _context, message) => logged.push(`${level} ${message}`),
      links,
    })
    const types = imports['wasi:http/types'] as { Fields: new () => unknown; OutgoingRequest: new (fields: unknown) => { setAuthority(a: string): void } }
    const handler = imports['wasi:http/outgoing-handler'] as { handle(request: unknown): { get(): { val?: { tag: string; val?: unknown } } } }
    const send = () => {
      const request = new types.OutgoingRequest(new types.Fields())
      request.setAuthority('example.com')
      return handler.handle(request).get().val
    }
    // The entry (no denial): the request reaches the host.
    expect(send()).toEqual({ tag: 'err', val: { tag: 'internal-error' } })
    expect(sent).toHaveLength(1)
    links.outgoingHttpDenied = true
    expect(send()).toEqual({ tag: 'err', val: { tag: 'HTTP-request-denied' } })
    expect(sent).toHaveLength(1)
    expect(logged.join('\n')).toMatch(/^warn outgoing HTTP denied: callee is a linked component/m)
  })
})

describe('wasmcloud:secrets of a linked component', () => {
  it('finds none of the host\'s secrets (they are the entry\'s); the call never reaches the host', () => {
    const kinds: string[] = []
    const links = hostLinkSelection('callee', () => 1)
    const imports = createImports({
      cli: () => ({ env: {}, args: [], stdout: { write() {} }, stderr: { write() {} } }),
      preopens: [],
      config: {},
      outgoingHttp: () => undefined,
      call: (kind) => {
        kinds.push(kind)
        return { ok: undefined }
      },
      log: () => {},
      links,
    })
    const store = imports['wasmcloud:secrets/store'] as { get(key: string): unknown }
    expect(store.get('api-key')).toBeDefined()
    expect(kinds).toEqual(['secret.get'])
    links.secretsDenied = true
    expect(thrown(() => store.get('api-key'))).toEqual({ tag: 'not-found' })
    expect(kinds).toEqual(['secret.get'])
  })
})
