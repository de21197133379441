import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { createFilesystem, type Descriptor } from '../../../src/host/wasi/filesystem.js'
import { tempDir } from '../../helpers/tmp.js'

/**
 * wasi:filesystem confinement, called as the glue calls it (a failing call throws the error-code
 * string). The hostile-guest suite is test/component/sandbox.test.ts; the WASI test suite is the
 * conformance tier. These pin down the resolution rules and the fd bookkeeping.
 */
const bytes = (text: string) => new TextEncoder().encode(text)
const text = (value: Uint8Array) => new TextDecoder().decode(value)
const onLinux = process.platform === 'linux'

function thrown(call: () => unknown): unknown {
  try {
    call()
  } catch (error) {
    return error
  }
  throw new Error('expected the call to fail')
}

/** root/outside.txt, root/outside-dir/, root/grant/ (the preopen) with grant/dir/file.txt. */
function grantWithOutside(): { root: string; grant: string; dir: Descriptor } {
  const root = tempDir()
  const grant = path.join(root, 'grant')
  mkdirSync(path.join(grant, 'dir'), { recursive: true })
  mkdirSync(path.join(root, 'outside-dir'))
  writeFileSync(path.join(grant, 'dir', 'file.txt'), 'inside')
  writeFileSync(path.join(root, 'outside.txt'), 'outside')
  const [[dir]] = createFilesystem([{ host: grant, guest: '/' }]).preopens.getDirectories()
  return { root, grant, dir }
}

function openFds(): number {
  return readdirSync('/proc/self/fd').length
}

describe('wasi:filesystem path resolution', () => {
  it('opens "." of a preopen without following links (the WASI test suite opens its scratch directory so)', () => {
    const { dir } = grantWithOutside()
    const self = dir.openAt({}, '.', { directory: true }, { read: true })
    expect(self.getType()).toBe('directory')
    expect(self.isSameObject(dir)).toBe(true)
    self[Symbol.dispose]()
  })

  it('refuses absolute paths and ".." above the descriptor, also through links, but accepts names that start with ".."', () => {
    const { grant, dir } = grantWithOutside()
    symlinkSync('../outside.txt', path.join(grant, 'up'))
    symlinkSync('dir/../..', path.join(grant, 'dir-up'))
    expect(thrown(() => dir.openAt({}, '/dir/file.txt', {}, { read: true }))).toBe('not-permitted')
    expect(thrown(() => dir.openAt({}, '../outside.txt', {}, { read: true }))).toBe('not-permitted')
    expect(thrown(() => dir.openAt({}, 'dir/../../outside.txt', {}, { read: true }))).toBe('not-permitted')
    expect(thrown(() => dir.openAt({ symlinkFollow: true }, 'up', {}, { read: true }))).toBe('not-permitted')
    expect(thrown(() => dir.statAt({}, 'dir-up/outside.txt'))).toBe('not-permitted')
    expect(thrown(() => dir.openAt({}, 'dir/file.txt\0', {}, { read: true }))).toBe('invalid')
    expect(thrown(() => dir.statAt({}, ''))).toBe('no-entry')
    // Without follow, the link itself is what the call sees.
    expect(dir.statAt({}, 'up').type).toBe('symbolic-link')
    expect(thrown(() => dir.openAt({}, 'up', {}, { read: true }))).toBe('loop')

    const cache = dir.openAt({}, '..cache', { create: true }, { read: true, write: true })
    cache.writeViaStream(0n).blockingWriteAndFlush(bytes('legit'))
    cache[Symbol.dispose]()
    expect(readFileSync(path.join(grant, '..cache'), 'utf8')).toBe('legit')
    dir.createDirectoryAt('..d')
    expect(existsSync(path.join(grant, '..d'))).toBe(true)
  })

  it('makes every opened directory a root of its own', () => {
    const { dir } = grantWithOutside()
    const sub = dir.openAt({}, 'dir', { directory: true }, { read: true })
    expect(text(sub.openAt({}, 'file.txt', {}, { read: true }).read(100n, 0n)[0])).toBe('inside')
    expect(thrown(() => sub.openAt({}, '../dir/file.txt', {}, { read: true }))).toBe('not-permitted')
    expect(thrown(() => sub.statAt({}, '..'))).toBe('not-permitted')
    sub[Symbol.dispose]()
  })

  it('resolves links made inside as text by where they are used, after a rename too', () => {
    const { root, grant, dir } = grantWithOutside()
    dir.createDirectoryAt('a')
    dir.symlinkAt('../PWNED', 'a/l')
    dir.renameAt('a/l', dir, 'l')
    expect(thrown(() => dir.openAt({ symlinkFollow: true }, 'l', { create: true }, { write: true }))).toBe('not-permitted')
    expect(existsSync(path.join(root, 'PWNED'))).toBe(false)
    // A dangling link inside creates its target inside.
    dir.symlinkAt('made', 'dangling')
    dir.openAt({ symlinkFollow: true }, 'dangling', { create: true }, { write: true })[Symbol.dispose]()
    expect(existsSync(path.join(grant, 'made'))).toBe(true)
  })

  it('reports loops after 40 link expansions', () => {
    const { dir } = grantWithOutside()
    dir.symlinkAt('b', 'a')
    dir.symlinkAt('a', 'b')
    expect(thrown(() => dir.openAt({ symlinkFollow: true }, 'a', {}, { read: true }))).toBe('loop')
    expect(thrown(() => dir.statAt({}, 'a/x'))).toBe('loop')
  })

  it('refuses absolute link targets when made and when read', () => {
    const { root, grant, dir } = grantWithOutside()
    expect(thrown(() => dir.symlinkAt('/etc/passwd', 'abs'))).toBe('not-permitted')
    symlinkSync(path.join(root, 'outside.txt'), path.join(grant, 'planted'))
    expect(thrown(() => dir.readlinkAt('planted'))).toBe('not-permitted')
    expect(thrown(() => dir.openAt({ symlinkFollow: true }, 'planted', {}, { read: true }))).toBe('not-permitted')
    dir.symlinkAt('dir/file.txt', 'rel')
    expect(dir.readlinkAt('rel')).toBe('dir/file.txt')
  })

  it.runIf(onLinux)('keeps a directory descriptor on its directory when the guest moves it and puts a link in its place', () => {
    const { root, grant, dir } = grantWithOutside()
    const held = dir.openAt({}, 'dir', { directory: true }, { read: true })
    renameSync(path.join(grant, 'dir'), path.join(grant, 'moved'))
    symlinkSync(path.join(root, 'outside-dir'), path.join(grant, 'dir'))
    writeFileSync(path.join(root, 'outside-dir', 'secret.txt'), 'outside')
    const names: string[] = []
    const entries = held.readDirectory()
    for (let entry = entries.readDirectoryEntry(); entry; entry = entries.readDirectoryEntry()) names.push(entry.name)
    expect(names).toEqual(['file.txt'])
    expect(thrown(() => held.openAt({}, 'secret.txt', {}, { read: true }))).toBe('no-entry')
    held[Symbol.dispose]()
  })

  it.runIf(onLinux)('closes every fd it opens on the way, whether the call succeeds or fails', () => {
    const { grant, dir } = grantWithOutside()
    mkdirSync(path.join(grant, 'x', 'y', 'z'), { recursive: true })
    symlinkSync('x/y', path.join(grant, 'xy'))
    symlinkSync('../../..', path.join(grant, 'x', 'y', 'z', 'up'))
    const before = openFds()
    for (let i = 0; i < 50; i++) {
      dir.statAt({ symlinkFollow: true }, 'xy/z')
      dir.openAt({ symlinkFollow: true }, 'x/./y/../y/z', { directory: true }, { read: true })[Symbol.dispose]()
      thrown(() => dir.openAt({ symlinkFollow: true }, 'x/y/z/up/up/x', {}, { read: true }))
      thrown(() => dir.statAt({}, 'x/y/z/missing/more'))
      thrown(() => dir.openAt({}, 'x/y/z/../../../..', {}, { read: true }))
      dir.readDirectory()
    }
    expect(openFds()).toBe(before)
  })

  it.runIf(existsSync('/dev/full'))('reports a failed write on a file stream as last-operation-failed with the filesystem error code', () => {
    const fs = createFilesystem([{ host: '/dev', guest: '/dev' }])
    const [[dev]] = fs.preopens.getDirectories()
    const full = dev.openAt({}, 'full', {}, { write: true })
    const error = thrown(() => full.writeViaStream(0n).blockingWriteAndFlush(bytes('x'))) as { tag: string; val: never }
    expect(error.tag).toBe('last-operation-failed')
    expect(fs.types.filesystemErrorCode(error.val)).toBe('insufficient-space')
    const appended = thrown(() => full.appendViaStream().blockingWriteAndFlush(bytes('x'))) as { tag: string; val: never }
    expect(appended.tag).toBe('last-operation-failed')
    full[Symbol.dispose]()
    dev[Symbol.dispose]()
  })
})
