import { appendFileSync, writeFileSync } from 'node:fs'

import { describe, expect, it } from 'vitest'

import { createDevBus } from '../../../src/dev/bus.js'
import { ConfigController } from '../../../src/dev/config-controller.js'
import { makeProject, record } from '../../helpers/dev-project.js'

describe('dev config controller', () => {
  it('reloads wasmcloud.toml on a reconfiguring change and announces the new settings', () => {
    const project = makeProject()
    const bus = createDevBus()
    const log = record(bus)
    const config = new ConfigController(bus, project)
    appendFileSync(project.file, '[dev]\nport = 9123\n')
    bus.emit('watch.change', { files: ['src/index.ts'], reconfigure: false })
    expect(log.of('config.reload')).toEqual([])
    bus.emit('watch.change', { files: ['wasmcloud.toml'], reconfigure: true })
    expect(log.of('config.reload')).toHaveLength(1)
    expect(log.of('config.reload')[0].project.dev.port).toBe(9123)
    expect(config.current.dev.port).toBe(9123)
  })

  it('keeps the last good settings when the file becomes invalid, and says where it is wrong', () => {
    const project = makeProject()
    const bus = createDevBus()
    const log = record(bus)
    const config = new ConfigController(bus, project)
    writeFileSync(project.file, 'name = "demo"\nversion = "0.1.0"\n[dev\nport = 1\n')
    bus.emit('watch.change', { files: ['wasmcloud.toml'], reconfigure: true })
    expect(log.of('config.reload')).toEqual([])
    expect(log.of('config.error')[0]).toMatchObject({ code: 'PROJECT_INVALID', location: { file: project.file, line: 3 } })
    expect(config.current).toBe(project)
  })
})
