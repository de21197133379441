import { afterEach, describe, expect, it } from 'vitest'

import { activeLinks, CallTargetInterface, type createBus, setCapabilityLinks } from '../../../src/host/wasi/bus.js'
import { setBlobStreams } from '../../../src/host/wasi/blobstore.js'
import { createImports, hostLinkSelection } from '../../../src/host/wasi/imports.js'
import { ALWAYS_READY } from '../../../src/host/wasi/io.js'

// wasi:blobstore under wasmcloud:bus link selection: a container keeps the link it was obtained
// on, as a key-value bucket does; the calls the guest side sends to the main thread say so.
type Call = { kind: string; payload: Record<string, unknown> }

interface Container {
  name(): string
  hasObject(name: string): boolean
  listObjects(): unknown
  writeData(name: string, value: unknown): void
}

interface Blobstore {
  createContainer(name: string): Container
  getContainer(name: string): Container
  containerExists(name: string): boolean
  copyObject(src: { container: string; object: string }, dest: { container: string; object: string }): void
  moveObject(src: { container: string; object: string }, dest: { container: string; object: string }): void
}

interface OutgoingValueClass {
  newOutgoingValue(): { outgoingValueWriteBody(): { blockingWriteAndFlush(bytes: Uint8Array): void } }
  finish(value: unknown): void
}

function blobImports() {
  const links = hostLinkSelection('solo', () => 2)
  activeLinks.selection = links
  const calls: Call[] = []
  const imports = createImports({
    cli: () => ({ env: {}, args: [], stdout: { write() {} }, stderr: { write() {} } }),
    preopens: [],
    config: {},
    outgoingHttp: () => undefined,
    call: (kind, payload) => {
      calls.push({ kind, payload: structuredClone(payload) as Record<string, unknown> })
      if (kind === 'blob.write') return { ok: 7 }
      if (kind === 'blob.list') return { ok: [] }
      return { ok: kind === 'blob.hasObject' || kind === 'blob.containerExists' ? true : null }
    },
    log: () => {},
    links,
  })
  const select = (name: string) =>
    (imports['wasmcloud:bus/lattice'] as ReturnType<typeof createBus>['lattice']).setLinkName(name, [new CallTargetInterface('wasi', 'blobstore', 'blobstore')])
  return {
    blobstore: imports['wasi:blobstore/blobstore'] as unknown as Blobstore,
    OutgoingValue: (imports['wasi:blobstore/types'] as { OutgoingValue: OutgoingValueClass }).OutgoingValue,
    calls,
    select,
    links,
  }
}

function thrown(call: () => unknown): unknown {
  try {
    call()
  } catch (error) {
    return error
  }
  return undefined
}

afterEach(() => {
  setCapabilityLinks({})
  activeLinks.selection = undefined
})

describe('wasi:blobstore containers and wasmcloud:bus links', () => {
  it('a container keeps the link it was obtained on: its calls name that link after another selection', () => {
    setCapabilityLinks({ 'wasi:blobstore/blobstore': ['archive'] })
    const { blobstore, calls, select } = blobImports()
    const before = blobstore.getContainer('photos')
    select('archive')
    const archived = blobstore.createContainer('photos')
    before.hasObject('a')
    archived.hasObject('b')
    select('default')
    archived.listObjects()
    expect(blobstore.containerExists('photos')).toBe(true)
    expect(calls).toEqual([
      { kind: 'blob.getContainer', payload: { container: 'photos' } },
      { kind: 'blob.createContainer', payload: { container: 'photos', link: 'archive' } },
      { kind: 'blob.hasObject', payload: { container: 'photos', link: 'default', name: 'a' } },
      { kind: 'blob.hasObject', payload: { container: 'photos', link: 'archive', name: 'b' } },
      { kind: 'blob.list', payload: { container: 'photos', link: 'archive' } },
      // A blobstore/blobstore function goes to the link selected now.
      { kind: 'blob.containerExists', payload: { container: 'photos' } },
    ])
  })

  it('a write and its finish go to the link of the container, whatever is selected in between', () => {
    setCapabilityLinks({ 'wasi:blobstore/blobstore': ['archive'] })
    const { blobstore, OutgoingValue, calls, select } = blobImports()
    const sent: Uint8Array[] = []
    setBlobStreams({
      openOutbound: () => ({ stream: 3, hasStarted: true, room: () => 1 << 20, pollSource: ALWAYS_READY, send: (parts) => void sent.push(...parts), end() {}, abort() {} }),
      inboundSource: () => {
        throw new Error('no reads in this test')
      },
    })
    select('archive')
    const container = blobstore.getContainer('docs')
    const value = OutgoingValue.newOutgoingValue()
    value.outgoingValueWriteBody().blockingWriteAndFlush(new TextEncoder().encode('hello'))
    container.writeData('note', value)
    select('default')
    OutgoingValue.finish(value)
    expect(calls.map(({ kind, payload }) => [kind, payload.link])).toEqual([
      ['blob.getContainer', 'archive'],
      ['blob.write', 'archive'],
      ['blob.finish', 'archive'],
    ])
    expect(Buffer.concat(sent).toString()).toBe('hello')
  })

  it('copy and move between containers on two links are refused as error values, never sent', () => {
    setCapabilityLinks({ 'wasi:blobstore/blobstore': ['archive'] })
    const { blobstore, calls, select } = blobImports()
    blobstore.getContainer('inbox')
    select('archive')
    blobstore.getContainer('vault')
    calls.length = 0
    const copy = thrown(() => blobstore.copyObject({ container: 'inbox', object: 'a' }, { container: 'vault', object: 'a' }))
    expect(copy).toBe(
      'copy-object: container "inbox" is on link "default" and container "vault" on link "archive" (wasmcloud:bus set-link-name); objects cannot be copied or moved between links: read it with get-data and write it with write-data',
    )
    // A container not obtained in this invocation is where the selection is now (archive).
    expect(thrown(() => blobstore.moveObject({ container: 'inbox', object: 'a' }, { container: 'elsewhere', object: 'a' }))).toMatch(/^move-object: container "inbox" is on link "default" and container "elsewhere" on link "archive"/)
    expect(calls).toEqual([])
  })

  it('copy and move within one link go to that link, even when another is selected', () => {
    setCapabilityLinks({ 'wasi:blobstore/blobstore': ['archive'] })
    const { blobstore, calls, select } = blobImports()
    select('archive')
    blobstore.getContainer('a')
    blobstore.getContainer('b')
    select('default')
    calls.length = 0
    blobstore.copyObject({ container: 'a', object: 'x' }, { container: 'b', object: 'y' })
    blobstore.moveObject({ container: 'a', object: 'x' }, { container: 'a', object: 'z' })
    // Neither container obtained: the link selected now, as the host's call wrapper picks it.
    blobstore.copyObject({ container: 'c', object: 'x' }, { container: 'd', object: 'y' })
    expect(calls).toEqual([
      { kind: 'blob.copyObject', payload: { src: { container: 'a', object: 'x' }, dest: { container: 'b', object: 'y' }, link: 'archive' } },
      { kind: 'blob.moveObject', payload: { src: { container: 'a', object: 'x' }, dest: { container: 'a', object: 'z' }, link: 'archive' } },
      { kind: 'blob.copyObject', payload: { src: { container: 'c', object: 'x' }, dest: { container: 'd', object: 'y' } } },
    ])
  })

  it('the links containers were obtained on last one invocation', () => {
    setCapabilityLinks({ 'wasi:blobstore/blobstore': ['archive'] })
    const { blobstore, calls, select, links } = blobImports()
    select('archive')
    blobstore.getContainer('vault')
    // The next request: nothing selected, no container obtained yet.
    links.clear()
    blobstore.getContainer('inbox')
    calls.length = 0
    blobstore.copyObject({ container: 'inbox', object: 'a' }, { container: 'vault', object: 'a' })
    expect(calls).toEqual([{ kind: 'blob.copyObject', payload: { src: { container: 'inbox', object: 'a' }, dest: { container: 'vault', object: 'a' }, link: 'default' } }])
  })

  it('a selection naming a blobstore link the host lacks fails at the call, before it reaches the host', () => {
    const { blobstore, calls, select } = blobImports()
    const open = blobstore.getContainer('kept')
    // 2.0.0 refuses the selection itself.
    expect(thrown(() => select('archive'))).toBe('interface `wasi:blobstore/blobstore` does not have an existing link with name `archive`')
    open.hasObject('x')
    expect(calls.map(({ kind, payload }) => [kind, payload.link])).toEqual([
      ['blob.getContainer', undefined],
      ['blob.hasObject', 'default'],
    ])
  })
})

describe('incoming-value-consume-sync', () => {
  it('refuses to read an object past 256 MiB whole, pointing at the async form, before reading anything', () => {
    const calls: string[] = []
    const imports = createImports({
      cli: () => ({ env: {}, args: [], stdout: { write() {} }, stderr: { write() {} } }),
      preopens: [],
      config: {},
      outgoingHttp: () => undefined,
      call: (kind) => {
        calls.push(kind)
        return kind === 'blob.read' ? { ok: { size: 300n * 1024n * 1024n, stream: 1 } } : { ok: null }
      },
      log: () => {},
    })
    const container = (imports['wasi:blobstore/blobstore'] as unknown as Blobstore).getContainer('big') as unknown as { getData(name: string, start: bigint, end: bigint): unknown }
    const value = container.getData('huge.bin', 0n, 1n << 40n)
    const IncomingValue = (imports['wasi:blobstore/types'] as { IncomingValue: { incomingValueConsumeSync(value: unknown): Uint8Array } }).IncomingValue
    let refusal: unknown
    try {
      IncomingValue.incomingValueConsumeSync(value)
    } catch (error) {
      refusal = error
    }
    expect(String(refusal)).toMatch(/more than incoming-value-consume-sync reads whole .*use incoming-value-consume-async/)
    expect(calls).toEqual(['blob.getContainer', 'blob.read'])
  })
})
