import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createHost, type Host, readComponentFile } from '../../src/host/index.js'
import { repoRoot } from '../helpers/cli.js'
import { buildJsComponent } from '../helpers/components.js'
import { tempDir } from '../helpers/tmp.js'

// wasi:blobstore under wasmcloud:bus link selection, with a real componentize-js component
// (test/fixtures/components/linked-bus/blob-links.js) and two folder links, as a wash project
// declares them: the default one and one named `archive` (wasmCloud's blobstore-fs, link config
// `root`). Which folder holds an object on disk says which link served the write.
const cacheRoot = path.join(repoRoot, 'test', '.cache', 'host-cache')
const fixture = path.join(repoRoot, 'test', 'fixtures', 'components', 'linked-bus')

// Each link's folder; the folder backend makes them.
const roots = tempDir('wasmctl-blob-links-')
const defaultRoot = path.join(roots, 'default')
const archiveRoot = path.join(roots, 'archive')
let host: Host

beforeAll(async () => {
  const file = await buildJsComponent({ sourcePath: path.join(fixture, 'blob-links.js'), witPath: path.join(fixture, 'wit'), worldName: 'blob-links' })
  const fs = { interface_spec: 'wasi:blobstore', image_ref: 'ghcr.io/wasmcloud/blobstore-fs:0.10.1' }
  const imports = [
    { ...fs, config: { values: { root: defaultRoot } } },
    { ...fs, link_name: 'archive', config: { values: { root: archiveRoot } } },
  ]
  host = await createHost({ port: 0, workers: 1, cacheRoot, capabilities: { dev: { overrides: { imports } }, links: [], linkConfigs: [], secrets: [] }, onEvent: () => {} })
  await host.load({ ...readComponentFile(file), name: 'blob-links' })
}, 600_000)

afterAll(async () => {
  await host?.close()
})

async function get(route: string, params: Record<string, string>): Promise<{ status: number; text: string }> {
  const response = await fetch(`${host.url}${route}?${new URLSearchParams(params)}`)
  return { status: response.status, text: await response.text() }
}

/** The object's contents in a link's folder, or undefined when that folder does not have it. */
function onDisk(root: string, container: string, object: string): string | undefined {
  const file = path.join(root, container, object)
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined
}

describe('wasi:blobstore and wasmcloud:bus link selection', () => {
  it('writes and reads on the default link unless the request selects the named one', async () => {
    expect(await get('/put', { c: 'plain', o: 'a.txt', body: 'on default' })).toEqual({ status: 200, text: 'put on default\n' })
    expect(await get('/put', { c: 'plain', o: 'b.txt', body: 'on archive', link: 'archive' })).toEqual({ status: 200, text: 'put on archive\n' })
    expect(onDisk(defaultRoot, 'plain', 'a.txt')).toBe('on default')
    expect(onDisk(archiveRoot, 'plain', 'a.txt')).toBeUndefined()
    expect(onDisk(archiveRoot, 'plain', 'b.txt')).toBe('on archive')
    expect(onDisk(defaultRoot, 'plain', 'b.txt')).toBeUndefined()
    // Every request starts on the default link again.
    expect(await get('/put', { c: 'plain', o: 'c.txt', body: 'default again' })).toEqual({ status: 200, text: 'put default again\n' })
    expect(onDisk(defaultRoot, 'plain', 'c.txt')).toBe('default again')
  })

  it('a container obtained before set-link-name stays on its link; one obtained after is on the new one', async () => {
    expect(await get('/held', { c: 'kept', o: 'note.txt', body: 'held', link: 'archive' })).toEqual({ status: 200, text: 'held=held fresh=fresh\n' })
    expect(onDisk(defaultRoot, 'kept', 'note.txt')).toBe('held')
    expect(onDisk(archiveRoot, 'kept', 'note.txt')).toBe('fresh')
  })

  it('copy-object between containers on two links is an error value; within one link it copies there', async () => {
    expect(await get('/put', { c: 'src', o: 'x.txt', body: 'payload' })).toEqual({ status: 200, text: 'put payload\n' })
    expect(await get('/copy', { c: 'src', dc: 'dst', o: 'x.txt', link: 'archive' })).toEqual({
      status: 409,
      text: 'copy err copy-object: container "src" is on link "default" and container "dst" on link "archive" (wasmcloud:bus set-link-name); objects cannot be copied or moved between links: read it with get-data and write it with write-data\n',
    })
    expect(onDisk(archiveRoot, 'dst', 'x.txt')).toBeUndefined()
    expect(onDisk(defaultRoot, 'dst', 'x.txt')).toBeUndefined()
    // Both on the default link: copied in the default folder.
    expect(await get('/copy', { c: 'src', dc: 'dst', o: 'x.txt' })).toEqual({ status: 200, text: 'copied\n' })
    expect(onDisk(defaultRoot, 'dst', 'x.txt')).toBe('payload')
    // Both on archive: the archive folder's own copy.
    expect(await get('/put', { c: 'src', o: 'x.txt', body: 'archived payload', link: 'archive' })).toEqual({ status: 200, text: 'put archived payload\n' })
    expect(await get('/copy-same', { c: 'src', dc: 'dst', o: 'x.txt', link: 'archive' })).toEqual({ status: 200, text: 'copied\n' })
    expect(onDisk(archiveRoot, 'dst', 'x.txt')).toBe('archived payload')
    expect(onDisk(defaultRoot, 'dst', 'x.txt')).toBe('payload')
  })
})
