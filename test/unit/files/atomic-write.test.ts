import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { removeStaleTempFiles, tempFileOwner, tempPathFor, writeFileAtomic } from '../../../src/files.js'
import { tempDir } from '../../helpers/tmp.js'

describe('writeFileAtomic', () => {
  it('writes the file and leaves nothing beside it', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'out.wasm')
    await writeFileAtomic(file, Buffer.from('one'))
    await writeFileAtomic(file, 'two')
    expect(readFileSync(file, 'utf8')).toBe('two')
    expect(readdirSync(dir)).toEqual(['out.wasm'])
  })

  it('creates a file with the mode asked for, and keeps an existing file mode otherwise', async () => {
    const dir = tempDir()
    const seed = path.join(dir, 'k.nk')
    await writeFileAtomic(seed, 'S...', { mode: 0o600 })
    expect(statSync(seed).mode & 0o777).toBe(0o600)
    await writeFileAtomic(seed, 'S2..')
    expect(statSync(seed).mode & 0o777).toBe(0o600)
  })

  it('removes the temp files a killed run left, and only those of dead processes', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'out.wasm')
    const dead = path.join(dir, '.out.wasm.wasmctl-tmp-4000001-1')
    const alive = path.join(dir, '.out.wasm.wasmctl-tmp-4000002-1')
    const other = path.join(dir, '.other.wasm.wasmctl-tmp-4000001-1')
    const userFile = path.join(dir, 'out.wasm.123')
    for (const leftover of [dead, alive, other, userFile]) writeFileSync(leftover, 'partial')
    expect(removeStaleTempFiles(file, (pid) => pid === 4000002)).toEqual([dead])
    expect(readdirSync(dir).sort()).toEqual([path.basename(other), path.basename(alive), 'out.wasm.123'].sort())
  })

  it('cleans up before writing (real liveness check: the pid is far above any pid_max)', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'out.wasm')
    writeFileSync(path.join(dir, '.out.wasm.wasmctl-tmp-99999999-3'), 'partial')
    await writeFileAtomic(file, 'done')
    expect(readdirSync(dir)).toEqual(['out.wasm'])
  })

  it('names temp files so that their owner can be read back', () => {
    const temp = tempPathFor('/x/out.wasm')
    expect(path.dirname(temp)).toBe('/x')
    expect(tempFileOwner('/x/out.wasm', path.basename(temp))).toBe(process.pid)
    expect(tempFileOwner('/x/out.wasm', 'out.wasm.12345')).toBeUndefined()
    expect(tempFileOwner('/x/out.wasm', '.out.wasm.wasmctl-tmp-12-x')).toBeUndefined()
  })
})
