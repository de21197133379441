import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { createFilesystem } from '../../../src/host/wasi/filesystem.js'
import { Fields, IncomingRequest, OutgoingResponse, ResponseOutparam } from '../../../src/host/wasi/http.js'
import { bytesSource, CollectingSink, InputStream, OutputStream } from '../../../src/host/wasi/io.js'
import { tempDir } from '../../helpers/tmp.js'

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (value: Uint8Array) => new TextDecoder().decode(value)

/** Runs a guest-style call and returns what it threw (jco lowers a thrown value to the error case). */
function thrown(call: () => unknown): unknown {
  try {
    call()
  } catch (error) {
    return error
  }
  throw new Error('expected the call to fail')
}

describe('wasi:io', () => {
  it('reads an in-memory stream in chunks, then reports closed', () => {
    const stream = new InputStream(bytesSource(bytes('hello world')))
    expect(text(stream.read(5n))).toBe('hello')
    expect(text(stream.blockingRead(100n))).toBe(' world')
    expect(thrown(() => stream.read(1n))).toEqual({ tag: 'closed' })
  })

  it('collects what is written, and refuses writes after the stream is dropped', () => {
    const sink = new CollectingSink()
    const stream = new OutputStream(sink)
    expect(stream.checkWrite()).toBeGreaterThan(0n)
    stream.write(bytes('a'))
    stream.blockingWriteAndFlush(bytes('b'))
    stream.writeZeroes(1n)
    expect([...sink.bytes()]).toEqual([97, 98, 0])
    stream[Symbol.dispose]()
    expect(thrown(() => stream.write(bytes('c')))).toEqual({ tag: 'closed' })
  })
})

describe('wasi:http types', () => {
  it('keeps fields case-insensitive, validates names and values, and locks fields once used', () => {
    const fields = Fields.fromList([['Content-Type', bytes('text/plain')]])
    fields.append('set-cookie', bytes('a=1'))
    fields.append('Set-Cookie', bytes('b=2'))
    expect(fields.get('SET-COOKIE').map(text)).toEqual(['a=1', 'b=2'])
    expect(fields.has('content-type')).toBe(true)
    expect(thrown(() => fields.set('bad name', [bytes('x')]))).toEqual({ tag: 'invalid-syntax' })
    expect(thrown(() => fields.append('x-header', bytes('line\nbreak')))).toEqual({ tag: 'invalid-syntax' })
    const response = new OutgoingResponse(fields)
    expect(thrown(() => fields.delete('content-type'))).toEqual({ tag: 'immutable' })
    expect(thrown(() => response.headers().append('x', bytes('y')))).toEqual({ tag: 'immutable' })
  })

  it('hands the guest the request and collects the response it sets', () => {
    const request = new IncomingRequest({ method: 'PROPFIND', pathWithQuery: '/a?b', authority: 'localhost', scheme: 'http', headers: [['x', '1']], body: bytes('body') })
    expect(request.method()).toEqual({ tag: 'other', val: 'PROPFIND' })
    expect(request.headers().get('x').map(text)).toEqual(['1'])
    expect(text(request.consume().stream().blockingRead(100n))).toBe('body')
    expect(thrown(() => request.consume())).toBeUndefined()

    const response = new OutgoingResponse(new Fields([['content-type', bytes('text/plain')]]))
    response.setStatusCode(201)
    const body = response.body()
    body.write().blockingWriteAndFlush(bytes('created'))
    const outparam = new ResponseOutparam()
    ResponseOutparam.set(outparam, { tag: 'ok', val: response })
    const result = outparam.result()
    if (result?.tag !== 'ok') throw new Error('expected a response')
    expect(result.val.toResponse()).toMatchObject({ status: 201, body: bytes('created') })
  })
})

describe('wasi:filesystem', () => {
  it('offers only the mapped directories and keeps every path inside them', () => {
    const root = tempDir()
    const data = path.join(root, 'data')
    mkdirSync(path.join(data, 'sub'), { recursive: true })
    writeFileSync(path.join(data, 'sub', 'file.txt'), 'inside')
    writeFileSync(path.join(root, 'secret.txt'), 'outside')
    symlinkSync('../secret.txt', path.join(data, 'escape'))
    symlinkSync(root, path.join(data, 'rootlink'))

    expect(createFilesystem([]).preopens.getDirectories()).toEqual([])
    const [[dir, name]] = createFilesystem([{ host: data, guest: '/data' }]).preopens.getDirectories()
    expect(name).toBe('/data')

    const file = dir.openAt({}, 'sub/file.txt', {}, { read: true })
    expect(text(file.readViaStream(0n).blockingRead(100n))).toBe('inside')
    expect(dir.statAt({}, 'sub/file.txt')).toMatchObject({ type: 'regular-file', size: 6n })

    const created = dir.openAt({}, 'new.txt', { create: true }, { write: true })
    created.writeViaStream(0n).blockingWriteAndFlush(bytes('written'))
    created[Symbol.dispose]()
    expect(readFileSync(path.join(data, 'new.txt'), 'utf8')).toBe('written')

    expect(thrown(() => dir.openAt({}, '../secret.txt', {}, { read: true }))).toBe('not-permitted')
    expect(thrown(() => dir.openAt({}, '/etc/passwd', {}, { read: true }))).toBe('not-permitted')
    expect(thrown(() => dir.openAt({ symlinkFollow: true }, 'escape', {}, { read: true }))).toBe('not-permitted')
    expect(thrown(() => dir.openAt({ symlinkFollow: true }, 'rootlink/secret.txt', {}, { read: true }))).toBe('not-permitted')
    expect(thrown(() => dir.openAt({}, 'missing.txt', {}, { read: true }))).toBe('no-entry')
  })
})
