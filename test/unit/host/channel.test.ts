import { MessageChannel } from 'node:worker_threads'

import { describe, expect, it } from 'vitest'

import { HostChannel, sendReply } from '../../../src/host/channel.js'

describe('the worker side of host calls', () => {
  it('forgets the replies a request never took, and drops those that arrive after it ended', () => {
    const { port1, port2 } = new MessageChannel()
    const signal = new Int32Array(new SharedArrayBuffer(4))
    const channel = new HostChannel(() => {}, port2, signal)
    try {
      // A future the guest dropped: one reply arrives in the request, one after it.
      const taken = channel.start('http.fetch', {})
      const dropped = channel.start('http.fetch', {})
      const late = channel.start('http.fetch', {})
      sendReply(port1, signal, { id: taken, ok: 'a' })
      sendReply(port1, signal, { id: dropped, ok: 'b'.repeat(64 * 1024) })
      for (let spins = 0; !channel.ready(taken) && spins < 1000; spins++) channel.wait(10)
      expect(channel.take(taken)).toBe('a')
      channel.endRequest()
      sendReply(port1, signal, { id: late, ok: 'c' })
      const next = channel.start('kv.get', {})
      sendReply(port1, signal, { id: next, ok: 'd' })
      for (let spins = 0; !channel.ready(next) && spins < 1000; spins++) channel.wait(10)
      expect(channel.take(next)).toBe('d')
      expect(channel.ready(dropped)).toBe(false)
      expect(channel.ready(late)).toBe(false)
    } finally {
      port1.close()
      port2.close()
    }
  })
})
