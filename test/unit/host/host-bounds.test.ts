import { describe, expect, it } from 'vitest'

import { BodyBudget, OutboundBody } from '../../../src/host/pool.js'
import { defaultMaxQueue, listenError } from '../../../src/host/server.js'
import { BodySink, type BodyTransport } from '../../../src/host/wasi/http.js'
import { BODY_WINDOW, OutputStream } from '../../../src/host/wasi/io.js'

// The host's bounds as pure logic: listen errors, queue sizing, and the flow control of streamed
// bodies (the real streams between threads: test/component/host-streams.test.ts).

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`listen ${code}`), { code })
}

describe('listen errors', () => {
  it('reports a forbidden port as HOST_PORT_FORBIDDEN with a hint about privileged ports, not as a port in use', () => {
    for (const code of ['EACCES', 'EPERM']) {
      const error = listenError(errno(code), '127.0.0.1', 80)
      expect(error.code).toBe('HOST_PORT_FORBIDDEN')
      expect(error.message).toBe('not allowed to listen on port 80 on 127.0.0.1')
      expect(error.hints.join(' ')).toMatch(/below 1024.*--port 8000.*--port 0/)
    }
    expect(listenError(errno('EACCES'), '127.0.0.1', 8080).hints.join(' ')).not.toMatch(/below 1024/)
    expect(listenError(errno('EADDRINUSE'), '127.0.0.1', 8000).code).toBe('HOST_PORT_IN_USE')
    expect(listenError(errno('EADDRNOTAVAIL'), '10.9.9.9', 8000).code).toBe('INPUT_INVALID')
  })
})

describe('queue bound', () => {
  it('sizes the queue from workers and timeout, within limits', () => {
    expect(defaultMaxQueue(2, 30_000)).toBe(960)
    expect(defaultMaxQueue(2, 3000)).toBe(96)
    expect(defaultMaxQueue(1, 100)).toBe(32)
    expect(defaultMaxQueue(64, 600_000)).toBe(4096)
  })
})

/** A transport that records what it was sent and lets the test say how much room the other side has. */
function fakeTransport(room = BODY_WINDOW) {
  const sent: string[] = []
  const transport: BodyTransport & { roomLeft: number; ended: boolean } = {
    roomLeft: room,
    ended: false,
    get hasStarted() {
      return sent.length > 0 || transport.ended
    },
    room: () => transport.roomLeft,
    pollSource: { ready: () => transport.roomLeft > 0 },
    send: (parts) => void sent.push(parts.map((part) => Buffer.from(part).toString()).join('|')),
    end: () => void (transport.ended = true),
    abort: () => {},
  }
  return { transport, sent }
}

const text = (value: string) => new TextEncoder().encode(value)

describe('outgoing body sink', () => {
  it('holds a small finished response for the answer itself, without streaming it', () => {
    const sink = new BodySink()
    const { transport, sent } = fakeTransport()
    sink.attach(transport, { holdFinished: true })
    sink.write(text('small'))
    sink.finish()
    expect(sent).toEqual([])
    expect(transport.ended).toBe(false)
    expect(Buffer.from(sink.bytes()).toString()).toBe('small')
  })

  it('streams in sends of at most 64 KiB (small writes coalesced), then ends', () => {
    const sink = new BodySink()
    const { transport, sent } = fakeTransport()
    sink.attach(transport, { holdFinished: true })
    const big = 'x'.repeat(64 * 1024 - 2)
    sink.write(text('a'))
    sink.write(text('b'))
    expect(sent).toEqual([])
    sink.write(text(big))
    expect(sent).toEqual([`a|b|${big}`])
    sink.write(text('c'))
    sink.write(text(big))
    expect(sent).toEqual([`a|b|${big}`])
    // This one would take what is held past 64 KiB: what is held goes first.
    sink.write(text('tail'))
    expect(sent).toEqual([`a|b|${big}`, `c|${big}`])
    sink.finish()
    expect(sent).toEqual([`a|b|${big}`, `c|${big}`, 'tail'])
    expect(transport.ended).toBe(true)
  })

  it('reports the room the other side has as the write budget', () => {
    const sink = new BodySink()
    const { transport } = fakeTransport(10)
    const stream = new OutputStream(sink)
    expect(stream.checkWrite()).toBe(BigInt(BODY_WINDOW))
    sink.attach(transport)
    expect(stream.checkWrite()).toBe(10n)
    stream.write(text('1234'))
    expect(stream.checkWrite()).toBe(6n)
    transport.roomLeft = 0
    expect(stream.checkWrite()).toBe(0n)
    expect(stream.subscribe().ready()).toBe(false)
  })
})

describe('outbound body on the main thread', () => {
  it('acknowledges each chunk only once its consumer wrote it, and counts it against the budget until then', () => {
    const budget = new BodyBudget(100)
    const acknowledged: number[] = []
    const body = new OutboundBody((bytes) => acknowledged.push(bytes), budget)
    body.push(new Uint8Array(60))
    expect(budget.inUse).toBe(60)
    const pending: (() => void)[] = []
    const seen: number[] = []
    body.consume({ chunk: (bytes, written) => (seen.push(bytes.length), pending.push(written)), end: () => seen.push(-1), abort: () => {} })
    body.push(new Uint8Array(50))
    expect(budget.exhausted).toBe(true)
    expect(acknowledged).toEqual([])
    pending.shift()!()
    expect(acknowledged).toEqual([60])
    expect(budget.inUse).toBe(50)
    // The end follows the chunks at once (the consumer writes in order); acknowledgements still wait.
    body.end()
    expect(seen).toEqual([60, 50, -1])
    expect(acknowledged).toEqual([60])
    pending.shift()!()
    expect(acknowledged).toEqual([60, 50])
    expect(budget.inUse).toBe(0)
  })

  it('wakes paused readers once the budget has room again', () => {
    const budget = new BodyBudget(10)
    budget.take(10)
    let woken = 0
    budget.whenAvailable(() => woken++)
    budget.give(1)
    expect(woken).toBe(1)
    budget.give(9)
    expect(woken).toBe(1)
  })

  it('as a web stream, holds acknowledgements while the reader lags behind', async () => {
    const acknowledged: number[] = []
    const body = new OutboundBody((bytes) => acknowledged.push(bytes), new BodyBudget(Infinity))
    const stream = body.toWebStream()
    const piece = BODY_WINDOW / 4
    for (let i = 0; i < 3; i++) body.push(new Uint8Array(piece))
    // The first fills the queue to its mark; the rest wait for the reader.
    expect(acknowledged.length).toBeLessThan(3)
    body.end()
    const reader = stream.getReader()
    let total = 0
    for (let next = await reader.read(); !next.done; next = await reader.read()) total += next.value.length
    expect(total).toBe(3 * piece)
    expect(acknowledged).toEqual([piece, piece, piece])
  })
})
