import { describe, expect, it } from 'vitest'

import { EmbeddedKeyValueBackend, handleKeyValueCall, KeyValueError, KeyValueStore } from '../../../src/capabilities/keyvalue/index.js'
import { checkCounter, parseCounter, parseCursor, S64_MIN, U64_MAX } from '../../../src/capabilities/keyvalue/types.js'
import { HostCallError } from '../../../src/host/channel.js'
import { createKeyvalue, type HostCall } from '../../../src/host/wasi/capabilities.js'

/**
 * wasi:keyvalue 0.2.0-draft2's compare-and-swap and signed increment, on the pure parts: the
 * embedded store's revisions, the guest-side `cas` resource (driven here the way jco's glue drives
 * it, against the store's own methods), and the cursor and counter rules shared by every
 * backend. Redis and NATS, and a real draft2 component, are in test/component/keyvalue-draft2.test.ts.
 */
const text = (value: string) => new TextEncoder().encode(value)
const decode = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value))

/**
 * The worker's providers over an in-memory store, answering as the main thread does ({ok} or
 * {err}), synchronously (the glue's host calls are synchronous; the host's own dispatch,
 * handleKeyValueCall, is async and tested below).
 */
function guest(store = new KeyValueStore(undefined)) {
  const serve = (kind: string, p: any): unknown => {
    switch (kind) {
      case 'kv.open':
        return undefined
      case 'kv.get':
        return store.get(p.bucket, p.key)
      case 'kv.set':
        return store.set(p.bucket, p.key, p.value)
      case 'kv.increment':
        return store.increment(p.bucket, p.key, p.delta)
      case 'kv.casNew':
        return store.casSnapshot(p.bucket, p.key)
      case 'kv.swap':
        return store.compareAndSwap(p.bucket, p.key, p.expected, p.value)
      case 'kv.list': {
        const page = store.list(p.bucket, Number(parseCursor(p.cursor) ?? 0n))
        return page.next === undefined ? { keys: page.keys } : { keys: page.keys, cursor: String(page.next) }
      }
      default:
        throw new Error(`not served in this test: ${kind}`)
    }
  }
  const call: HostCall = (kind, payload) => {
    try {
      return { ok: serve(kind, payload) }
    } catch (error) {
      return { err: error instanceof KeyValueError ? error.toWit() : { tag: 'other', val: (error as Error).message } }
    }
  }
  return { store, kv: createKeyvalue(call) }
}

/** What a guest call threw (jco's glue makes it the `err` of the result). */
function thrown(action: () => unknown): any {
  try {
    action()
  } catch (error) {
    return error
  }
  throw new Error('expected the call to fail')
}

describe('embedded store compare-and-swap', () => {
  it('swaps while the key is as cas.new saw it, and refuses once anything wrote it since', () => {
    const store = new KeyValueStore(undefined)
    const absent = store.casSnapshot('b', 'k')
    expect(absent).toEqual({ revision: 0 })
    expect(store.compareAndSwap('b', 'k', absent, text('first'))).toEqual({ swapped: true })
    // The same snapshot again: the key was written (by that swap), so it is stale now.
    const stale = store.compareAndSwap('b', 'k', absent, text('again'))
    expect(stale).toMatchObject({ swapped: false, current: { value: text('first') } })
    expect(decode(store.get('b', 'k'))).toBe('first')

    const seen = store.casSnapshot('b', 'k')
    // A write of the very same bytes is still a modification: revisions, not values, decide.
    store.set('b', 'k', text('first'))
    expect(store.compareAndSwap('b', 'k', seen, text('lost')).swapped).toBe(false)
    const fresh = store.casSnapshot('b', 'k')
    expect(store.compareAndSwap('b', 'k', fresh, text('won'))).toEqual({ swapped: true })
    expect(decode(store.get('b', 'k'))).toBe('won')
  })

  it('treats a delete as a modification and a deleted key as absent', () => {
    const store = new KeyValueStore(undefined)
    store.set('b', 'k', text('v'))
    const seen = store.casSnapshot('b', 'k')
    store.delete('b', 'k')
    const failed = store.compareAndSwap('b', 'k', seen, text('x'))
    expect(failed).toEqual({ swapped: false, current: { revision: 0 } })
    if (failed.swapped) return
    expect(store.compareAndSwap('b', 'k', failed.current, text('x'))).toEqual({ swapped: true })
  })

  it('keeps buckets apart and refuses a snapshot that carries no revision', () => {
    const store = new KeyValueStore(undefined)
    const inA = store.casSnapshot('a', 'k')
    store.set('b', 'k', text('other bucket'))
    expect(store.compareAndSwap('a', 'k', inA, text('a')).swapped).toBe(true)
    expect(store.compareAndSwap('a', 'k', { value: text('a') }, text('no revision')).swapped).toBe(false)
  })

  it('N interleaved CAS-increment loops end at exactly N (every read taken before any swap)', async () => {
    const backend = new EmbeddedKeyValueBackend(new KeyValueStore(undefined))
    const loops = 25
    // Round 1: every loop reads 0 before anyone swaps, so all but one must fail and retry.
    let pending = await Promise.all(Array.from({ length: loops }, () => backend.casNew('b', 'n')))
    let rounds = 0
    while (pending.length > 0 && rounds++ < loops * 2) {
      const outcomes = await Promise.all(pending.map((seen) => backend.swap('b', 'n', seen, text(String(Number(decode(seen.value) ?? '0') + 1)))))
      expect(outcomes.filter((outcome) => outcome.swapped)).toHaveLength(1)
      pending = outcomes.flatMap((outcome) => (outcome.swapped ? [] : [outcome.current]))
    }
    expect(decode(await backend.get('b', 'n'))).toBe(String(loops))
    expect(rounds).toBe(loops)
  })
})

describe('guest side of draft2 atomics (the cas resource)', () => {
  it('cas.new reads the value, current returns it, swap writes it', () => {
    const { store, kv } = guest()
    store.set('b', 'k', text('41'))
    const bucket = kv.store.open('b')
    const cas = kv.atomics.Cas.new(bucket, 'k')
    expect(decode(cas.current())).toBe('41')
    kv.atomics.swap(cas, text('42'))
    expect(decode(store.get('b', 'k'))).toBe('42')
    expect(kv.atomics.Cas.new(bucket, 'missing').current()).toBeUndefined()
  })

  it('a stale swap throws cas-failed with a fresh handle taken at the current state, whose swap wins', () => {
    const { store, kv } = guest()
    const bucket = kv.store.open('b')
    const cas = kv.atomics.Cas.new(bucket, 'k')
    bucket.set('k', text('intruder'))
    const failure = thrown(() => kv.atomics.swap(cas, text('stale')))
    expect(failure.tag).toBe('cas-failed')
    expect(failure.val).toBeInstanceOf(kv.atomics.Cas)
    expect(decode(failure.val.current())).toBe('intruder')
    kv.atomics.swap(failure.val, text('retried'))
    expect(decode(store.get('b', 'k'))).toBe('retried')
  })

  it('a handle is consumed by its swap', () => {
    const { kv } = guest()
    const cas = kv.atomics.Cas.new(kv.store.open('b'), 'k')
    kv.atomics.swap(cas, text('once'))
    expect(thrown(() => kv.atomics.swap(cas, text('twice')))).toEqual({ tag: 'store-error', val: { tag: 'other', val: expect.stringContaining('already used') } })
  })

  it('a backend failure during swap is a store-error, and a failed host call is one too, never a trap', () => {
    let fail: 'value' | 'channel' = 'value'
    const kv = createKeyvalue((kind) => {
      if (kind === 'kv.open') return { ok: undefined }
      if (kind === 'kv.casNew') return { ok: { revision: 0 } }
      if (fail === 'channel') throw new HostCallError('the host call channel closed')
      return { err: { tag: 'other', val: 'Redis at 127.0.0.1:1 is unavailable' } }
    })
    const bucket = kv.store.open('b')
    expect(thrown(() => kv.atomics.swap(kv.atomics.Cas.new(bucket, 'k'), text('x')))).toEqual({
      tag: 'store-error',
      val: { tag: 'other', val: 'Redis at 127.0.0.1:1 is unavailable' },
    })
    fail = 'channel'
    expect(thrown(() => kv.atomics.swap(kv.atomics.Cas.new(bucket, 'k'), text('x')))).toMatchObject({ tag: 'store-error', val: { tag: 'other' } })
  })

  it('increment counts down with a negative (draft2 s64) delta and past zero', () => {
    const { store, kv } = guest()
    const bucket = kv.store.open('b')
    expect(kv.atomics.increment(bucket, 'n', 5n)).toBe(5n)
    expect(kv.atomics.increment(bucket, 'n', -8n)).toBe(-3n)
    expect(decode(store.get('b', 'n'))).toBe('-3')
    expect(kv.atomics.increment(bucket, 'n', 3n)).toBe(0n)
  })

  it('list-keys answers its cursor as decimal text for a draft (u64) and a draft2 (string) caller alike', () => {
    const { store, kv } = guest()
    for (let i = 0; i < 2500; i++) store.set('b', `k${i}`, text('x'))
    const bucket = kv.store.open('b')
    const first = bucket.listKeys(undefined)
    expect(first).toMatchObject({ cursor: '1000' })
    // draft passes the u64 back, draft2 the string: the same page either way.
    expect(bucket.listKeys(1000n)).toEqual(bucket.listKeys('1000'))
    const last = bucket.listKeys('2000')
    expect(last.keys).toHaveLength(500)
    expect(last.cursor).toBeUndefined()
    expect(thrown(() => bucket.listKeys('not-a-cursor'))).toEqual({ tag: 'other', val: expect.stringContaining('invalid list-keys cursor') })
  })
})

describe('counter and cursor rules', () => {
  it('parses signed decimal counters and refuses anything else', () => {
    expect(parseCounter('k', undefined)).toBe(0n)
    expect(parseCounter('k', text(''))).toBe(0n)
    expect(parseCounter('k', text('-12'))).toBe(-12n)
    expect(parseCounter('k', text('18446744073709551615'))).toBe(U64_MAX)
    for (const bad of ['1.5', ' 1', '--1', '0x10', 'ten']) expect(() => parseCounter('k', text(bad))).toThrow(KeyValueError)
  })

  it('keeps a counter within what draft (u64) or draft2 (s64) can return, failing instead of wrapping', () => {
    expect(checkCounter('k', U64_MAX)).toBe(U64_MAX)
    expect(checkCounter('k', S64_MIN)).toBe(S64_MIN)
    expect(() => checkCounter('k', U64_MAX + 1n)).toThrow(/overflows/)
    expect(() => checkCounter('k', S64_MIN - 1n)).toThrow(/overflows/)
    const store = new KeyValueStore(undefined)
    store.set('b', 'k', text(U64_MAX.toString()))
    expect(() => store.increment('b', 'k', 1n)).toThrow(/overflows/)
    // Nothing was written by the failed increment.
    expect(decode(store.get('b', 'k'))).toBe(U64_MAX.toString())
  })

  it('accepts only cursors a backend could have returned', () => {
    expect(parseCursor(undefined)).toBeUndefined()
    expect(parseCursor('')).toBeUndefined()
    expect(parseCursor('0')).toBe(0n)
    // A Redis SCAN cursor past 2^53 keeps every digit.
    expect(parseCursor('18446744073709551615')).toBe(U64_MAX)
    for (const bad of ['-1', '1e3', 'abc', '18446744073709551616', '9'.repeat(400)]) expect(() => parseCursor(bad)).toThrow(KeyValueError)
  })

  it('handleKeyValueCall pages with decimal-text cursors and serves compare-and-swap', async () => {
    const backend = new EmbeddedKeyValueBackend(new KeyValueStore(undefined))
    await backend.setMany('b', Array.from({ length: 1001 }, (_, i) => [`k${i}`, text('x')] as [string, Uint8Array]))
    expect(await handleKeyValueCall(backend, 'kv.list', { bucket: 'b' })).toMatchObject({ cursor: '1000' })
    expect(await handleKeyValueCall(backend, 'kv.list', { bucket: 'b', cursor: '1000' })).toEqual({ keys: ['k1000'] })
    await expect(handleKeyValueCall(backend, 'kv.list', { bucket: 'b', cursor: 'x' })).rejects.toBeInstanceOf(KeyValueError)
    const seen = (await handleKeyValueCall(backend, 'kv.casNew', { bucket: 'b', key: 'k0' })) as { revision: number }
    expect(await handleKeyValueCall(backend, 'kv.swap', { bucket: 'b', key: 'k0', expected: seen, value: text('y') })).toEqual({ swapped: true })
    expect(await handleKeyValueCall(backend, 'kv.swap', { bucket: 'b', key: 'k0', expected: seen, value: text('z') })).toMatchObject({ swapped: false })
  })
})
