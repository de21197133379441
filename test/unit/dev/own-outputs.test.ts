import { closeSync, fstatSync, mkdirSync, openSync } from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { ownOutputFiles } from '../../../src/dev/watcher.js'
import { tempDir } from '../../helpers/tmp.js'

describe('ownOutputFiles', () => {
  it('names the regular file behind a descriptor once, by device and inode', () => {
    const dir = tempDir('wasmctl-own-')
    const fd = openSync(path.join(dir, 'dev.log'), 'a')
    const again = openSync(path.join(dir, 'dev.log'), 'a')
    try {
      const { dev, ino } = fstatSync(fd)
      expect(ownOutputFiles([fd, again])).toEqual([{ dev, ino }])
    } finally {
      closeSync(fd)
      closeSync(again)
    }
  })

  it('names nothing for a folder or a closed descriptor (a TTY or a pipe is not a file either)', () => {
    const dir = tempDir('wasmctl-own-')
    mkdirSync(path.join(dir, 'sub'))
    const fd = openSync(path.join(dir, 'sub'), 'r')
    try {
      expect(ownOutputFiles([fd, 987_654])).toEqual([])
    } finally {
      closeSync(fd)
    }
  })
})
