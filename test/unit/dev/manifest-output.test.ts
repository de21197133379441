import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

import { describe, expect, it } from 'vitest'

import { createDevBus } from '../../../src/dev/bus.js'
import { attachManifestOutput, checkManifestOutputDir, devManifestImage, manifestDirToIgnore, renderDevManifest } from '../../../src/dev/manifest-output.js'
import { readManifest, validateLoaded } from '../../../src/manifest/io.js'
import { projectArtifacts, readProject } from '../../../src/project/index.js'
import type { ComponentWorld } from '../../../src/wasm/world.js'
import { makeProject, record, scratchDir } from '../../helpers/dev-project.js'

const httpWorld: ComponentWorld = { imports: ['wasi:cli/environment@0.2.3'], exports: ['wasi:http/incoming-handler@0.2.10'] }

function buildOk(build: number, artifact: string) {
  return { build, durationMs: 1, digest: `sha256:${'0'.repeat(64)}`, artifact, size: 1, cached: false, signed: true, recovered: false }
}

function reloadOk(build: number) {
  return { build, version: build, url: 'http://127.0.0.1:1/', digest: `sha256:${'0'.repeat(64)}`, durationMs: 1 }
}

/** A session bus with the manifest output attached, writing into memory. */
function harness(world: () => ComponentWorld = () => httpWorld) {
  const project = makeProject()
  const bus = createDevBus()
  const log = record(bus)
  const writes: { file: string; text: string }[] = []
  const dir = scratchDir('manifests-')
  const read: string[] = []
  let failWrites = false
  const output = attachManifestOutput({
    bus,
    project,
    dir,
    readWorld: (artifact) => {
      read.push(artifact)
      return world()
    },
    write: async (file, text) => {
      if (failWrites) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })
      writes.push({ file, text })
    },
  })
  return { project, bus, log, writes, dir, read, output, failWrites: (fail: boolean) => (failWrites = fail) }
}

describe('the manifest wasmctl dev writes (wash dev --manifest-output-dir)', () => {
  it('is wash dev\'s: dev-<name>, no version annotation, 100 instances, the build as file://, providers from the world', () => {
    const project = makeProject()
    const image = pathToFileURL(projectArtifacts(project).signed).href
    const manifest = renderDevManifest(project, httpWorld, image)
    expect(manifest.name).toBe('dev-demo')
    expect(manifest.fileName).toBe('dev-demo.yaml')
    const loaded = readManifest(manifest.yaml)
    expect(validateLoaded(loaded)).toMatchObject({ valid: true, errors: [] })
    const raw = loaded.raw as { metadata: { annotations: Record<string, string> }; spec: { components: { name: string; properties: { image: string }; traits?: { type: string; properties: Record<string, unknown> }[] }[] } }
    expect(raw.metadata.annotations).not.toHaveProperty('version')
    const [component, ...providers] = raw.spec.components
    expect(component).toMatchObject({ name: 'demo', properties: { image } })
    expect(component.traits).toContainEqual({ type: 'spreadscaler', properties: { instances: 100 } })
    expect(providers.map((provider) => provider.properties.image)).toEqual([expect.stringMatching(/^ghcr\.io\/wasmcloud\/http-server:/)])
    expect(manifest.warnings).toEqual([])
  })

  it('names the served artifact when it is the project\'s build output, else the signed one in the build folder', () => {
    const project = makeProject()
    const { signed, unsigned } = projectArtifacts(project)
    expect(devManifestImage(project, signed)).toBe(pathToFileURL(signed).href)
    expect(devManifestImage(project, unsigned)).toBe(pathToFileURL(unsigned).href)
    // The JavaScript fast path serves a rotating cache file that the session removes.
    expect(devManifestImage(project, '/home/me/.cache/wasmctl/dev-fast/abc/123/000001.wasm')).toBe(pathToFileURL(signed).href)
    expect(devManifestImage(project, undefined)).toBe(pathToFileURL(signed).href)
    expect(devManifestImage(project, signed)).toMatch(/^file:\/\/\//)
  })

  it('keeps the watcher off the folder unless that would hide the project', () => {
    const project = '/work/app'
    expect(manifestDirToIgnore(project, '/work/app/manifests')).toBe('/work/app/manifests')
    expect(manifestDirToIgnore(project, '/tmp/out')).toBe('/tmp/out')
    expect(manifestDirToIgnore(project, '/work/app')).toBeUndefined()
    expect(manifestDirToIgnore(project, '/work')).toBeUndefined()
    expect(manifestDirToIgnore(project, '/work/app-manifests')).toBe('/work/app-manifests')
  })

  it('requires an existing folder, as wash dev does', () => {
    const dir = scratchDir('out-')
    expect(checkManifestOutputDir(dir)).toBe(dir)
    expect(checkManifestOutputDir(path.basename(dir), path.dirname(dir))).toBe(dir)
    expect(() => checkManifestOutputDir(path.join(dir, 'missing'))).toThrow(expect.objectContaining({ code: 'FS_ERROR', message: expect.stringMatching(/no such file or directory/) }))
    writeFileSync(path.join(dir, 'file.yaml'), '')
    expect(() => checkManifestOutputDir(path.join(dir, 'file.yaml'))).toThrow(expect.objectContaining({ code: 'FS_ERROR', message: expect.stringMatching(/is not a folder/) }))
  })
})

describe('attachManifestOutput', () => {
  it('writes <dir>/dev-<name>.yaml after a build serves, naming that build, and logs where', async () => {
    const { project, bus, log, writes, dir, read, output } = harness()
    const { signed } = projectArtifacts(project)
    bus.emit('build.ok', buildOk(1, signed))
    expect(writes).toEqual([])
    bus.emit('reload.ok', reloadOk(1))
    await output.flushed()
    expect(read).toEqual([signed])
    expect(writes).toHaveLength(1)
    expect(writes[0].file).toBe(path.join(dir, 'dev-demo.yaml'))
    expect(writes[0].text).toContain(`image: ${pathToFileURL(signed).href}`)
    expect(log.of('log').map((event) => event.message)).toContain(`wrote ${path.join(dir, 'dev-demo.yaml')}`)
  })

  it('writes again only when the manifest changed (a new world, a reloaded wasmcloud.toml)', async () => {
    let world = httpWorld
    const { project, bus, writes, output } = harness(() => world)
    const { signed } = projectArtifacts(project)
    bus.emit('build.ok', buildOk(1, signed))
    bus.emit('reload.ok', reloadOk(1))
    bus.emit('build.ok', buildOk(2, signed))
    bus.emit('reload.ok', reloadOk(2))
    await output.flushed()
    expect(writes).toHaveLength(1)

    world = { imports: [...httpWorld.imports, 'wasi:keyvalue/store@0.2.0-draft'], exports: httpWorld.exports }
    bus.emit('build.ok', buildOk(3, signed))
    bus.emit('reload.ok', reloadOk(3))
    await output.flushed()
    expect(writes).toHaveLength(2)
    expect(writes[1].text).toContain('keyvalue-nats')

    writeFileSync(project.file, `${'name = "demo"\nversion = "0.1.0"\nlanguage = "typescript"\n'}[dev]\nport = 9123\n`)
    bus.emit('config.reload', { file: project.file, project: readProject(project.file) })
    bus.emit('build.ok', buildOk(4, signed))
    bus.emit('reload.ok', reloadOk(4))
    await output.flushed()
    expect(writes).toHaveLength(3)
    expect(writes[2].text).toContain(':9123')
  })

  it('reports a manifest it cannot make or write as a warning and keeps the session going', async () => {
    let broken = true
    const { project, bus, log, writes, output, failWrites } = harness(() => {
      if (broken) throw new Error('this is a core WebAssembly module, not a component')
      return httpWorld
    })
    const { signed } = projectArtifacts(project)
    bus.emit('build.ok', buildOk(1, signed))
    bus.emit('reload.ok', reloadOk(1))
    bus.emit('reload.ok', reloadOk(1))
    await output.flushed()
    expect(writes).toEqual([])
    expect(log.of('fatal')).toEqual([])
    expect(log.of('log').filter((event) => event.level === 'warn' && /not a component/.test(event.message))).toHaveLength(1)

    broken = false
    failWrites(true)
    bus.emit('reload.ok', reloadOk(1))
    await output.flushed()
    expect(log.of('log').some((event) => event.level === 'warn' && /cannot write manifest .*permission denied/.test(event.message))).toBe(true)

    // The failed write is not remembered as written: the next reload writes the same manifest.
    failWrites(false)
    bus.emit('reload.ok', reloadOk(1))
    await output.flushed()
    expect(writes).toHaveLength(1)
  })

  it('reads the world from the served build, and from the signed output when no build of that number was seen', async () => {
    const { project, bus, read, output } = harness()
    const fast = path.join(scratchDir('fast-'), '000001.wasm')
    mkdirSync(path.dirname(fast), { recursive: true })
    bus.emit('build.ok', buildOk(1, fast))
    bus.emit('reload.ok', reloadOk(1))
    bus.emit('reload.ok', reloadOk(7))
    await output.flushed()
    expect(read).toEqual([fast, projectArtifacts(project).signed])
  })

  it('stops listening once closed', async () => {
    const { project, bus, writes, output } = harness()
    output.close()
    bus.emit('build.ok', buildOk(1, projectArtifacts(project).signed))
    bus.emit('reload.ok', reloadOk(1))
    await output.flushed()
    expect(writes).toEqual([])
  })
})
