import { writeFileSync } from 'node:fs'

import { describe, expect, it } from 'vitest'

import { createDevBus } from '../../../src/dev/bus.js'
import { ConfigController } from '../../../src/dev/config-controller.js'
import { makeProject, record } from '../../helpers/dev-project.js'

describe('dev config controller and wash project rules', () => {
  it('keeps the running settings when the file turns into a provider project', () => {
    const project = makeProject()
    const bus = createDevBus()
    const log = record(bus)
    const config = new ConfigController(bus, project)
    writeFileSync(project.file, 'name = "demo"\nversion = "0.1.0"\ntype = "provider"\n')
    bus.emit('watch.change', { files: ['wasmcloud.toml'], reconfigure: true })
    expect(log.of('config.reload')).toEqual([])
    expect(log.of('config.error')[0]).toMatchObject({ code: 'PROJECT_PROVIDER_UNSUPPORTED' })
    expect(config.current).toBe(project)
  })

  it('passes on the reader’s warnings as log lines when it reloads', () => {
    const project = makeProject()
    const bus = createDevBus()
    const log = record(bus)
    new ConfigController(bus, project)
    writeFileSync(project.file, 'name = "demo"\nversion = "0.1.0"\ntype = "actor"\nlanguage = "typescript"\n')
    bus.emit('watch.change', { files: ['wasmcloud.toml'], reconfigure: true })
    expect(log.of('config.reload')).toHaveLength(1)
    expect(log.of('log')).toMatchObject([{ level: 'warn', source: 'config', message: expect.stringMatching(/type = "actor" is deprecated/) }])
  })
})
