import { describe, expect, it } from 'vitest'

import { checkSubjectToken, requestFailure, serverAddress } from '../../../src/lattice/connection.js'
import { normalizeStatus, normalizeStatusType } from '../../../src/lattice/wadm.js'
import { absolutizeFileImages, classifySource } from '../../../src/manifest/io.js'

describe('wadm replies as wadm-client reads them', () => {
  it('accepts the old status names and drops empty messages', () => {
    expect(normalizeStatusType('compensating')).toBe('reconciling')
    expect(normalizeStatusType('ready')).toBe('deployed')
    expect(normalizeStatus({ status: { type: 'deployed', message: '' }, version: '', components: [] })).toEqual({ status: { type: 'deployed' } })
    expect(normalizeStatus({ status: { type: 'failed', message: 'x' }, scalers: [{ id: 'a', kind: 'SpreadScaler', name: 'n', status: { type: 'ready' } }] })).toEqual({
      status: { type: 'failed', message: 'x' },
      scalers: [{ id: 'a', kind: 'SpreadScaler', name: 'n', status: { type: 'deployed' } }],
    })
  })

  it('classifies request failures through the cause chain', () => {
    expect(requestFailure(Object.assign(new Error('503'), { name: 'RequestError', cause: Object.assign(new Error('no responders'), { name: 'NoRespondersError' }) }))).toBe('no-responders')
    expect(requestFailure(Object.assign(new Error('timeout'), { name: 'TimeoutError' }))).toBe('timeout')
    expect(requestFailure(new Error('other'))).toBe('other')
  })
})

describe('subjects and addresses', () => {
  it('refuses tokens that would address other subjects', () => {
    expect(checkSubjectToken('default', 'lattice')).toBe('default')
    for (const bad of ['', 'a.b', 'a b', '*', '>']) expect(() => checkSubjectToken(bad, 'lattice')).toThrow(/NATS subject/)
  })
  it('joins host and port as wash does, bracketing IPv6', () => {
    expect(serverAddress({ ctlHost: '127.0.0.1', ctlPort: 4222 })).toBe('127.0.0.1:4222')
    expect(serverAddress({ ctlHost: '::1', ctlPort: 4222 })).toBe('[::1]:4222')
  })
})

describe('deploy sources (wash order: stdin, file, URL, name)', () => {
  const exists = (files: string[]) => (file: string) => files.includes(file)
  it('classifies', () => {
    expect(classifySource('-', exists([]))).toEqual({ kind: 'stdin' })
    expect(classifySource('wadm.yaml', exists(['wadm.yaml']))).toEqual({ kind: 'file', path: 'wadm.yaml' })
    expect(classifySource('https://example.com/wadm.yaml', exists([]))).toEqual({ kind: 'url', url: 'https://example.com/wadm.yaml' })
    expect(classifySource('hello_world-2', exists([]))).toEqual({ kind: 'name', name: 'hello_world-2' })
    expect(() => classifySource('missing.yaml', exists([]))).toThrow(/no such file/)
    expect(() => classifySource('not a name', exists([]))).toThrow(expect.objectContaining({ code: 'APP_SOURCE_INVALID' }))
  })
  it('makes relative file:// images absolute against the manifest folder and leaves others alone', () => {
    const raw = { spec: { components: [{ properties: { image: 'file://./build/a_s.wasm' } }, { properties: { image: 'file:///abs/b.wasm' } }, { properties: { image: 'ghcr.io/x/y:1' } }] } }
    const result = absolutizeFileImages(raw, '/work/app')
    expect(result.spec.components.map((component) => component.properties.image)).toEqual(['file:///work/app/build/a_s.wasm', 'file:///abs/b.wasm', 'ghcr.io/x/y:1'])
    expect(raw.spec.components[0].properties.image).toBe('file://./build/a_s.wasm')
  })
})
