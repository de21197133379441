import { appendFileSync, linkSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { afterEach, describe, expect, it } from 'vitest'

import { createDevBus } from '../../../src/dev/bus.js'
import { WatchController, type FileIdentity } from '../../../src/dev/watcher.js'
import type { Project } from '../../../src/project/index.js'
import { makeProject, record, sleep } from '../../helpers/dev-project.js'

/**
 * Files that cannot affect the build never start one: the file the process's own output is
 * redirected to (by identity, whatever path reaches it) and the folders given with --ignore-dir.
 * Real chokidar on a real folder.
 */
const open: WatchController[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((watcher) => watcher.close()))
})

async function watch(project: Project, options: { ownOutputs?: FileIdentity[]; ignoreDirs?: string[] }) {
  const bus = createDevBus()
  const log = record(bus)
  const watcher = new WatchController({ bus, project, ...options })
  open.push(watcher)
  await watcher.start()
  return log
}

const settle = () => sleep(400)
const changes = (log: ReturnType<typeof record>) => log.of('watch.change')

describe('dev watcher and files that cannot affect the build', () => {
  it('never reacts to the file its own output goes to, under any of its names', async () => {
    const project = makeProject({ 'dev.log': '' })
    const logFile = path.join(project.dir, 'dev.log')
    linkSync(logFile, path.join(project.dir, 'also-dev.log'))
    const { dev, ino } = statSync(logFile)
    const log = await watch(project, { ownOutputs: [{ dev, ino }] })
    for (let i = 0; i < 5; i++) {
      appendFileSync(logFile, `{"event":"build.start","build":${i}}\n`)
      await sleep(50)
    }
    await settle()
    expect(changes(log)).toEqual([])

    writeFileSync(path.join(project.dir, 'src/index.ts'), 'export const body = "v2"\n')
    await settle()
    expect(changes(log)).toMatchObject([{ files: ['src/index.ts'] }])
  })

  it('reacts to another log file: only the process’s own output is ignored', async () => {
    const project = makeProject({ 'dev.log': '', 'notes.log': '' })
    const { dev, ino } = statSync(path.join(project.dir, 'dev.log'))
    const log = await watch(project, { ownOutputs: [{ dev, ino }] })
    appendFileSync(path.join(project.dir, 'notes.log'), 'a line\n')
    await settle()
    expect(changes(log)).toMatchObject([{ files: ['notes.log'] }])
  })

  it('ignores the --ignore-dir folders, relative to the project or absolute', async () => {
    const project = makeProject({ 'generated/a.txt': '', 'dist/b.txt': '' })
    const log = await watch(project, { ownOutputs: [], ignoreDirs: ['generated', path.join(project.dir, 'dist')] })
    writeFileSync(path.join(project.dir, 'generated/a.txt'), 'new\n')
    mkdirSync(path.join(project.dir, 'generated/deeper'))
    writeFileSync(path.join(project.dir, 'generated/deeper/c.txt'), 'new\n')
    writeFileSync(path.join(project.dir, 'dist/b.txt'), 'new\n')
    await settle()
    expect(changes(log)).toEqual([])
    // A sibling whose name merely starts the same is not inside.
    writeFileSync(path.join(project.dir, 'generated-notes.txt'), 'new\n')
    await settle()
    expect(changes(log)).toMatchObject([{ files: ['generated-notes.txt'] }])
  })
})
