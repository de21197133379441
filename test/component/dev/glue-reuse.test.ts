import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { beforeAll, describe, expect, it } from 'vitest'

import { componentShape, GlueReuse } from '../../../src/dev/glue-reuse.js'
import { transpileCached, type TranspiledComponent } from '../../../src/host/transpile.js'
import { buildJsComponent, helloHttpComponent } from '../../helpers/components.js'
import { repoRoot } from '../../helpers/cli.js'
import { tempDir } from '../../helpers/tmp.js'

const root = tempDir('wasmctl-glue-')
const scratch = (name: string) => mkdtempSync(path.join(root, name))

/** Two real componentize-js builds of the same world with different handlers, as two saves give. */
let first: Uint8Array
let second: Uint8Array

beforeAll(async () => {
  first = readFileSync(await helloHttpComponent())
  const dir = scratch('source-')
  const fixture = path.join(repoRoot, 'test', 'fixtures', 'components', 'hello-http')
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, 'app.js'), "addEventListener('fetch', (event) => event.respondWith(new Response('edited\\n')))\n")
  second = readFileSync(await buildJsComponent({ sourcePath: path.join(dir, 'app.js'), witPath: path.join(fixture, 'wit'), worldName: 'hello' }))
}, 120_000)

/** Each file of a cache entry by its digest (comparing 12 MB buffers element by element is slow). */
function files(entry: TranspiledComponent): Record<string, string> {
  return Object.fromEntries(readdirSync(entry.dir).map((name) => [name, createHash('sha256').update(readFileSync(path.join(entry.dir, name))).digest('hex')]))
}

describe('glue reuse', () => {
  it('sees that two builds of one world differ only in core module contents', () => {
    expect(Buffer.compare(first, second)).not.toBe(0)
    expect(componentShape(second)).toBe(componentShape(first))
    // A custom section (signed claims, for instance) does not change the shape.
    const withCustom = Buffer.concat([first, Buffer.from([0, 6, 5, ...Buffer.from('claim')])])
    expect(componentShape(withCustom)).toBe(componentShape(first))
  })

  it('writes the same cache entry a transpile would, without transpiling', async () => {
    const cache = scratch('cache-')
    const reuse = new GlueReuse()
    expect(reuse.prepare(second)).toBeUndefined()
    reuse.served(first, await transpileCached(first, cache))

    const reused = reuse.prepare(second)
    expect(reused).toBeDefined()
    // The host finds the entry and does not transpile.
    const found = await transpileCached(second, cache)
    expect(found).toMatchObject({ dir: reused!.dir, transpiled: false, coreModules: reused!.coreModules, snapshot: reused!.snapshot })
    // Byte for byte what jco would have produced for the second build.
    const transpiled = await transpileCached(second, scratch('fresh-'))
    expect(transpiled.transpiled).toBe(true)
    expect(files(found)).toEqual(files(transpiled))
    // Already in the cache: nothing more to write.
    expect(reuse.prepare(second)).toBeUndefined()
  }, 60_000)
})
