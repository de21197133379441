import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { readProject, type Project } from '../../src/project/index.js'
import { tempDir } from './tmp.js'
import type { DevBus } from '../../src/dev/bus.js'
import type { DevEvent, DevEventType } from '../../src/dev/events.js'

// Made when a test file imports this module, so that it is removed when that file finishes
// (a folder made inside a test would register its clean-up too late to run).
const root = tempDir('wasmctl-dev-')

/** A fresh folder for one test, removed with the test file's. */
export function scratchDir(prefix = 'scratch-'): string {
  return mkdtempSync(path.join(root, prefix))
}

/** A small project on disk (wasmcloud.toml, src/, wit/), for the dev controllers. */
export function makeProject(files: Record<string, string> = {}, toml = ''): Project {
  const dir = scratchDir('project-')
  const all: Record<string, string> = {
    'wasmcloud.toml': `name = "demo"\nversion = "0.1.0"\nlanguage = "typescript"\n${toml}`,
    'src/index.ts': 'export const body = "v1"\n',
    'wit/world.wit': 'package demo:app;\nworld app {}\n',
    ...files,
  }
  for (const [name, content] of Object.entries(all)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    writeFileSync(path.join(dir, name), content)
  }
  return readProject(path.join(dir, 'wasmcloud.toml'))
}

/** Records every event on the bus, in order. */
export function record(bus: DevBus): { events: DevEvent[]; of<K extends DevEventType>(type: K): DevEvent<K>[] } {
  const events: DevEvent[] = []
  bus.onAny((event) => events.push(event))
  return { events, of: (type) => events.filter((event) => event.type === type) as never }
}

/** A wait on the real clock, for component tests (unit tests use fake timers). */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
