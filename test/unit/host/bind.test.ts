import { describe, expect, it } from 'vitest'

import { bindComponent, bindingKey, formatBindings, previewBindings } from '../../../src/host/bind.js'
import { formatHostEvent } from '../../../src/host/format.js'

const counter = { imports: ['wasi:keyvalue/store@0.2.0-draft', 'wasi:keyvalue/atomics@0.2.0-draft'], exports: ['wasi:http/incoming-handler@0.2.0'] }
const password = 'hunter2-Secret'
const washDev = {
  overrides: {
    imports: [{ interface_spec: 'wasi:keyvalue@0.2.0-draft', image_ref: 'ghcr.io/wasmcloud/keyvalue-redis:0.28.1', config: { values: { url: `redis://:${password}@db.internal:6379/2` } } }],
  },
}

describe('capability bindings as the host shows them', () => {
  it('binds key-value to the embedded store by default, and to Redis for a wash keyvalue-redis override', () => {
    expect(previewBindings(counter, undefined, {}).bindings).toEqual([expect.objectContaining({ backend: 'embedded', source: 'default' })])
    const preview = previewBindings(counter, washDev, {})
    expect(preview.bindings).toEqual([expect.objectContaining({ backend: 'redis', address: expect.stringContaining('db.internal:6379'), source: 'wasmcloud.toml' })])
    expect(JSON.stringify(preview)).not.toContain(password)
    expect(formatBindings(preview)).toMatch(/wasi:keyvalue\/store@0\.2\.0-draft, wasi:keyvalue\/atomics@0\.2\.0-draft -> redis at .*db\.internal:6379/)
    expect(formatBindings(preview)).not.toContain(password)
  })

  it('prints the start-up bindings without credentials', () => {
    const preview = previewBindings(counter, washDev, {})
    const line = formatHostEvent({ event: 'capabilities.bound', component: 'counter', bindings: preview.bindings, warnings: [] })
    expect(line?.stream).toBe('stderr')
    expect(line?.text).toContain('-> redis at')
    expect(line?.text).not.toContain(password)
  })

  it('lists a consumer import nothing binds, with the flag that binds it', () => {
    const preview = previewBindings({ imports: ['wasmcloud:messaging/consumer@0.2.0'], exports: ['wasmcloud:messaging/handler@0.2.0'] }, undefined, {})
    expect(preview.unbound).toEqual([{ interfaces: ['wasmcloud:messaging/consumer@0.2.0'], hints: expect.arrayContaining([expect.stringContaining('--link wasmcloud:messaging=nats://')]) }])
    expect(preview.idle).toHaveLength(1)
  })

  it('keeps open connections across a reload only when the bindings are the same', () => {
    const sources = (links: string[]) => ({ links, linkConfigs: [], secrets: [] })
    const key = (links: string[]) => bindingKey(bindComponent(counter, sources(links), {}), [])
    expect(key(['wasi:keyvalue=redis://127.0.0.1:6379/0'])).toBe(key(['wasi:keyvalue=redis://127.0.0.1:6379/0']))
    expect(key(['wasi:keyvalue=redis://127.0.0.1:6379/0'])).not.toBe(key(['wasi:keyvalue=redis://127.0.0.1:6379/1']))
    expect(key([])).not.toBe(key(['wasi:keyvalue=redis://127.0.0.1:6379/0']))
  })
})
