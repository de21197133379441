import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { execa } from 'execa'
import { afterEach, describe, expect, it } from 'vitest'

import { createDevBus } from '../../../src/dev/bus.js'
import { WatchController } from '../../../src/dev/watcher.js'
import type { Project } from '../../../src/project/index.js'
import { makeProject, record, sleep } from '../../helpers/dev-project.js'

const open: WatchController[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((watcher) => watcher.close()))
})

async function watch(project: Project, debounceMs?: number) {
  const bus = createDevBus()
  const log = record(bus)
  const watcher = new WatchController({ bus, project, debounceMs })
  open.push(watcher)
  await watcher.start()
  return { bus, log, watcher }
}

/** Blocks for `ms`, so a burst keeps its timing even when the machine is busy (a timer may fire late). */
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/** Long enough for inotify, chokidar and the debounce to have said everything they will say. */
const settle = () => sleep(400)

describe('dev watcher', () => {
  it('turns a burst of 20 saves within 100 ms into one change', async () => {
    const project = makeProject()
    const { log } = await watch(project)
    const file = path.join(project.dir, 'src/index.ts')
    // A busy machine can stretch the burst itself past 100 ms; only a burst that fits is the case.
    for (let attempt = 1; ; attempt++) {
      const from = log.events.length
      const started = performance.now()
      for (let i = 0; i < 20; i++) {
        writeFileSync(file, `export const body = "attempt ${attempt} save ${i}"\n`)
        pause(1)
      }
      const fitted = performance.now() - started < 100
      await settle()
      if (!fitted && attempt < 5) continue
      expect(fitted).toBe(true)
      const changes = log.events.slice(from).filter((event) => event.type === 'watch.change')
      expect(changes).toHaveLength(1)
      expect(changes[0]).toMatchObject({ files: ['src/index.ts'], reconfigure: false })
      break
    }
  })

  it('sees every save whose data arrives just after the file was truncated', async () => {
    // A writer opens with O_TRUNC, then writes: chokidar reports the truncation and drops the
    // write's event (it comes within its 5 ms throttle), so the content must be read later.
    const project = makeProject()
    const { log } = await watch(project)
    const file = path.join(project.dir, 'src/index.ts')
    // Another process writes, as an editor does: this one keeps the watcher's thread free meanwhile.
    const writer = `const fs = require('node:fs'); const fd = fs.openSync(process.argv[1], 'w'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); fs.writeSync(fd, process.argv[2]); fs.closeSync(fd)`
    for (let i = 0; i < 5; i++) {
      await execa(process.execPath, ['-e', writer, file, `export const body = "slow save ${i}"\n`])
      await settle()
    }
    expect(log.of('watch.change').map((event) => event.files)).toEqual(Array.from({ length: 5 }, () => ['src/index.ts']))
  })

  it('never reacts to its own outputs, ignored files or saves that change nothing', async () => {
    const project = makeProject({ '.gitignore': 'coverage/\n', 'coverage/keep': '' })
    const { log } = await watch(project)
    mkdirSync(path.join(project.dir, 'build'), { recursive: true })
    writeFileSync(path.join(project.dir, 'build/demo_s.wasm'), 'not really wasm')
    writeFileSync(path.join(project.dir, 'build/.wasmctl-build.json'), '{}')
    mkdirSync(path.join(project.dir, '.wasmctl'), { recursive: true })
    writeFileSync(path.join(project.dir, '.wasmctl/keyvalue.json'), '{}')
    writeFileSync(path.join(project.dir, 'coverage/report.txt'), 'x')
    mkdirSync(path.join(project.dir, 'node_modules/dep'), { recursive: true })
    writeFileSync(path.join(project.dir, 'node_modules/dep/index.js'), 'x')
    writeFileSync(path.join(project.dir, 'src/.index.ts.swp'), 'x')
    // Same bytes as before: an editor's save without edits.
    writeFileSync(path.join(project.dir, 'src/index.ts'), 'export const body = "v1"\n')
    await settle()
    expect(log.of('watch.change')).toEqual([])
  })

  it('sees an atomic save (write a temp file, rename it over the source) as one change', async () => {
    const project = makeProject()
    const { log } = await watch(project)
    // What `sed -i` and many editors do: a temp file beside the source, renamed over it.
    const temp = path.join(project.dir, 'src/sedX1b2C3')
    writeFileSync(temp, 'export const body = "renamed"\n')
    await sleep(20)
    renameSync(temp, path.join(project.dir, 'src/index.ts'))
    await settle()
    expect(log.of('watch.change')).toHaveLength(1)
    expect(log.of('watch.change')[0].files).toContain('src/index.ts')
    writeFileSync(path.join(project.dir, 'src/extra.ts'), 'export {}\n')
    await settle()
    expect(log.of('watch.change')[1]).toMatchObject({ files: ['src/extra.ts'] })
  })

  it('marks changes to wasmcloud.toml, the WIT folder and .gitignore as reconfigure', async () => {
    const project = makeProject()
    const { log } = await watch(project)
    appendFileSync(path.join(project.dir, 'wasmcloud.toml'), 'revision = 2\n')
    await settle()
    writeFileSync(path.join(project.dir, 'wit/world.wit'), 'package demo:app;\nworld app { export run: func(); }\n')
    await settle()
    writeFileSync(path.join(project.dir, '.gitignore'), 'tmp/\n')
    await settle()
    writeFileSync(path.join(project.dir, 'src/index.ts'), 'export const body = "v2"\n')
    await settle()
    expect(log.of('watch.change').map((event) => [event.files, event.reconfigure])).toEqual([
      [['wasmcloud.toml'], true],
      [['wit/world.wit'], true],
      [['.gitignore'], true],
      [['src/index.ts'], false],
    ])
  })

  it('takes new ignore rules when the project is reloaded', async () => {
    const project = makeProject()
    const { bus, log } = await watch(project)
    writeFileSync(path.join(project.dir, '.gitignore'), 'src/generated.ts\n')
    bus.emit('config.reload', { file: project.file, project })
    writeFileSync(path.join(project.dir, 'src/generated.ts'), 'export {}\n')
    await settle()
    expect(log.of('watch.change').flatMap((event) => event.files)).not.toContain('src/generated.ts')
  })
})
