import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { EmbeddedKeyValueBackend, handleKeyValueCall, KeyValueStore } from '../../../src/capabilities/keyvalue/index.js'
import { tempDir } from '../../helpers/tmp.js'

const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : Buffer.from(value).toString())

describe('KeyValueStore', () => {
  it('keeps buckets apart and increments decimal values as wasmCloud does', () => {
    const store = new KeyValueStore(undefined)
    expect(store.increment('a', 'n', 5n)).toBe(5n)
    expect(store.increment('a', 'n', 2n)).toBe(7n)
    expect(text(store.get('a', 'n'))).toBe('7')
    expect(store.exists('b', 'n')).toBe(false)
    store.set('b', 'n', Buffer.from('word'))
    expect(() => store.increment('b', 'n', 1n)).toThrow(/not a number/)
    store.delete('a', 'n')
    expect(store.get('a', 'n')).toBeUndefined()
  })

  it('pages keys with a cursor', () => {
    const store = new KeyValueStore(undefined)
    for (let i = 0; i < 1500; i++) store.set('big', `k${i}`, Uint8Array.of(i % 256))
    const first = store.list('big', 0)
    expect(first.keys).toHaveLength(1000)
    const second = store.list('big', first.next!)
    expect(second).toEqual({ keys: Array.from({ length: 500 }, (_, i) => `k${i + 1000}`) })
  })

  it('serves the guest operations through the host\'s dispatch, batch ones included', async () => {
    const backend = new EmbeddedKeyValueBackend(new KeyValueStore(undefined))
    await handleKeyValueCall(backend, 'kv.setMany', { bucket: 'x', keyValues: [['a', Buffer.from('1')], ['b', Buffer.from('2')]] })
    await handleKeyValueCall(backend, 'kv.deleteMany', { bucket: 'x', keys: ['a'] })
    expect(((await handleKeyValueCall(backend, 'kv.getMany', { bucket: 'x', keys: ['a', 'b'] })) as (Uint8Array | undefined)[]).map(text)).toEqual([undefined, '2'])
    await expect(handleKeyValueCall(backend, 'kv.nope', {})).rejects.toThrow(/unknown key-value operation/)
  })

  it('persists to its file (atomically, batched) and reloads after a restart', async () => {
    const file = path.join(tempDir(), '.wasmctl', 'keyvalue.json')
    const store = new KeyValueStore(file, undefined, 5)
    store.set('', 'greeting', Buffer.from([0, 1, 2, 255]))
    store.increment('', 'count', 41n)
    await store.flush()
    const reopened = new KeyValueStore(file)
    expect([...reopened.get('', 'greeting')!]).toEqual([0, 1, 2, 255])
    expect(reopened.increment('', 'count', 1n)).toBe(42n)
    expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(1)
  })

  it('refuses a corrupt state file with a hint instead of starting empty', () => {
    const file = path.join(tempDir(), 'keyvalue.json')
    writeFileSync(file, '{ not json')
    expect(() => new KeyValueStore(file)).toThrow(expect.objectContaining({ code: 'HOST_LOAD_FAILED', hints: [expect.stringContaining('move')] }))
  })
})
