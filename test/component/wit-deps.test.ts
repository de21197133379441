import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { componentEmbed, componentNew, componentWit, parse } from '@bytecodealliance/jco'
import { beforeAll, describe, expect, it } from 'vitest'

import { buildProject } from '../../src/build/build.js'
import { digestOf } from '../../src/oci/cache.js'
import { RegistryClient } from '../../src/oci/client.js'
import { MediaTypes } from '../../src/oci/media-types.js'
import { canonicalJson } from '../../src/oci/push.js'
import { parseProject } from '../../src/project/load.js'
import { fetchWitDeps, type FetchWitDepsOptions, type WitDepsResult } from '../../src/wit/fetch.js'
import { parseLock } from '../../src/wit/lock.js'
import { freePort, startRegistryProxy, useRegistry } from '../helpers/registry.js'
import { tempDir } from '../helpers/tmp.js'

/**
 * `wasmctl wit deps` against a real registry (docker-registry) holding real wasm-encoded WIT
 * packages: `wasi:example@0.1.0` and `acme:greeter@0.2.0`, which uses it. The packages are
 * written in WAT (test/fixtures/wit-deps) and assembled by jco's wasm-tools, the encoding
 * `wkg wit build` produces.
 */
const registry = useRegistry()
const fixtures = path.join(import.meta.dirname, '..', 'fixtures', 'wit-deps')
const packages: Record<string, Uint8Array> = {}

/** Pushes a package as `wkg publish` does: one application/wasm layer, the wasm config. */
async function publish(host: string, repository: string, tag: string, bytes: Uint8Array): Promise<string> {
  const client = new RegistryClient({ registry: host, insecure: true })
  const layerDigest = digestOf(bytes)
  const config = Buffer.from(JSON.stringify({ created: '2025-01-01T00:00:00Z', author: null, architecture: 'wasm', os: 'wasip2', layerDigests: [layerDigest], component: null }))
  await client.ensureBlob(repository, layerDigest, bytes)
  await client.ensureBlob(repository, digestOf(config), config)
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.wasmConfig, digest: digestOf(config), size: config.length },
    layers: [{ mediaType: MediaTypes.wasmLayer, digest: layerDigest, size: bytes.length, annotations: { 'org.opencontainers.image.title': `${repository.split('/').pop()}.wasm` } }],
    annotations: { 'org.opencontainers.image.version': tag },
  }
  await client.putManifest(repository, tag, Buffer.from(canonicalJson(manifest)), MediaTypes.ociManifest)
  return layerDigest
}

/** The same package with a custom section appended: other bytes, same WIT. */
function republished(bytes: Uint8Array): Uint8Array {
  const name = Buffer.from('republished')
  return Buffer.concat([bytes, Buffer.from([0x00, name.length + 2, name.length]), name, Buffer.from([1])])
}

const ROOT_WIT = 'package test:app@0.1.0;\n\nworld app {\n  import acme:greeter/hello@0.2.0;\n  export wasi:example/greet@0.1.0;\n}\n'

function project(options: { host: string; world?: string; extraToml?: string }) {
  const dir = tempDir('wasmctl-wit-deps-')
  mkdirSync(path.join(dir, 'wit'))
  writeFileSync(path.join(dir, 'wit', 'world.wit'), options.world ?? ROOT_WIT)
  const toml = [
    'name = "app"',
    'version = "0.1.0"',
    'language = "rust"',
    'type = "component"',
    options.extraToml ?? '',
    '[[registry.pull.sources]]',
    'target = "wasi"',
    `source = "oci://${options.host}/wit"`,
    '[[registry.pull.sources]]',
    'target = "acme:greeter"',
    `source = "oci://${options.host}/wit"`,
    '',
  ].join('\n')
  writeFileSync(path.join(dir, 'wasmcloud.toml'), toml)
  return parseProject(toml, path.join(dir, 'wasmcloud.toml'), {})
}

async function fetchDeps(p: ReturnType<typeof project>, options: FetchWitDepsOptions = {}): Promise<WitDepsResult> {
  return fetchWitDeps(p, { env: {}, ...options })
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; hints: string[] }> {
  try {
    await promise
  } catch (error) {
    return error as { code: string; message: string; hints: string[] }
  }
  throw new Error('expected a failure')
}

/** All of wit/ as one WIT source (dependencies as nested package blocks), for jco's WIT resolver. */
function combinedWit(witDir: string): string {
  const deps = path.join(witDir, 'deps')
  const nested = readdirSync(deps).map((folder) => {
    const text = readdirSync(path.join(deps, folder))
      .map((file) => readFileSync(path.join(deps, folder, file), 'utf8'))
      .join('\n')
    const header = /package ([^;]+);\n/.exec(text)!
    return `package ${header[1]} {\n${text.replaceAll(header[0], '')}\n}\n`
  })
  return [readFileSync(path.join(witDir, 'world.wit'), 'utf8'), ...nested].join('\n')
}

/** The project's world as wasm-tools resolves it with the fetched dependencies (throws when they do not resolve). */
async function resolvedWorld(witDir: string, world: string): Promise<string> {
  return componentWit(await componentNew(await componentEmbed({ witSource: combinedWit(witDir), dummy: true, world })))
}

beforeAll(async () => {
  for (const name of ['wasi-example-0.1.0', 'acme-greeter-0.2.0']) packages[name] = await parse(readFileSync(path.join(fixtures, `${name}.wat`), 'utf8'))
  await publish(registry.host, 'wit/wasi/example', '0.1.0', packages['wasi-example-0.1.0'])
  await publish(registry.host, 'wit/acme/greeter', '0.2.0', packages['acme-greeter-0.2.0'])
}, 60_000)

describe('wit deps from an OCI registry', () => {
  it('fetches what wit/ imports and what those packages use, as WIT text in wkg layout, and locks the digests', async () => {
    const p = project({ host: registry.host })
    const cacheRoot = tempDir('wasmctl-wit-cache-')
    const result = await fetchDeps(p, { cacheRoot })

    expect(result.skipped).toBeUndefined()
    expect(result.packages.map((pkg) => [pkg.package, pkg.source, pkg.reference])).toEqual([
      ['acme:greeter@0.2.0', 'registry', `${registry.host}/wit/acme/greeter:0.2.0`],
      ['wasi:example@0.1.0', 'registry', `${registry.host}/wit/wasi/example:0.1.0`],
    ])
    expect(readdirSync(path.join(p.witDir, 'deps')).sort()).toEqual(['acme-greeter-0.2.0', 'wasi-example-0.1.0'])
    const greeter = readFileSync(path.join(p.witDir, 'deps', 'acme-greeter-0.2.0', 'package.wit'), 'utf8')
    expect(greeter).toContain('package acme:greeter@0.2.0;')
    expect(greeter).toContain('use wasi:example/types@0.1.0.{greeting};')
    expect(greeter).toContain('tally: func(items: list<option<tuple<u8, string>>>) -> result<u64, string>;')
    const example = readFileSync(path.join(p.witDir, 'deps', 'wasi-example-0.1.0', 'package.wit'), 'utf8')
    expect(example).toMatch(/resource counter \{\n\s+constructor\(start: u32\);\n\s+next: func\(\) -> u32;\n\s+\}/)

    // The printed packages are valid WIT that resolves with the project's world.
    const world = await resolvedWorld(p.witDir, 'test:app/app@0.1.0')
    expect(world).toContain('import acme:greeter/hello@0.2.0;')
    expect(world).toContain('export wasi:example/greet@0.1.0;')

    // wash's lock file name (no wkg.lock in the project) and wkg's format.
    expect(result.lockFile).toBe(path.join(path.dirname(p.file), 'wasmcloud.lock'))
    const lock = parseLock(readFileSync(result.lockFile!, 'utf8'))
    expect(lock.packages).toEqual([
      { name: 'acme:greeter', registry: registry.host, versions: [{ requirement: '=0.2.0', version: '0.2.0', digest: digestOf(packages['acme-greeter-0.2.0']) }] },
      { name: 'wasi:example', registry: registry.host, versions: [{ requirement: '=0.1.0', version: '0.1.0', digest: digestOf(packages['wasi-example-0.1.0']) }] },
    ])
  })

  it('needs no network once fetched: wit/deps complete → nothing to do; deps gone but locked → the cache by digest', async () => {
    const proxy = await startRegistryProxy(registry)
    const p = project({ host: proxy.host })
    const cacheRoot = tempDir('wasmctl-wit-cache-')
    await fetchDeps(p, { cacheRoot })
    const afterFirst = proxy.requests.length
    expect(afterFirst).toBeGreaterThan(0)

    const again = await fetchDeps(p, { cacheRoot })
    expect(again.skipped).toBe('satisfied')
    expect(again.packages.map((pkg) => pkg.source)).toEqual(['present', 'present'])

    rmSync(path.join(p.witDir, 'deps'), { recursive: true })
    await proxy.stop()
    const fromCache = await fetchDeps(p, { cacheRoot })
    expect(fromCache.packages.map((pkg) => [pkg.package, pkg.source])).toEqual([
      ['acme:greeter@0.2.0', 'cache'],
      ['wasi:example@0.1.0', 'cache'],
    ])
    expect(proxy.requests.length).toBe(afterFirst)
    expect(readdirSync(path.join(p.witDir, 'deps')).sort()).toEqual(['acme-greeter-0.2.0', 'wasi-example-0.1.0'])

    // With neither deps nor cache, the stopped registry is a clear error.
    rmSync(path.join(p.witDir, 'deps'), { recursive: true })
    const error = await failure(fetchDeps(p, { cacheRoot: tempDir('wasmctl-wit-cache-') }))
    expect(error.code).toBe('WIT_DEPS_UNREACHABLE')
    expect(error.hints.join('\n')).toContain('--skip-fetch')
    expect(existsSync(path.join(p.witDir, 'deps'))).toBe(false)
  })

  it('refuses a package republished under a locked version until --update, which locks the new content', async () => {
    const p = project({ host: registry.host, world: 'package test:app@0.1.0;\nworld app { import wasi:example/greet@0.1.0; }\n' })
    const cacheRoot = tempDir('wasmctl-wit-cache-')
    const first = await fetchDeps(p, { cacheRoot })
    const locked = first.packages[0].digest
    const changed = republished(packages['wasi-example-0.1.0'])
    await publish(registry.host, 'wit/wasi/example', '0.1.0', changed)
    try {
      rmSync(path.join(p.witDir, 'deps'), { recursive: true })
      const error = await failure(fetchDeps(p, { cacheRoot: tempDir('wasmctl-wit-cache-') }))
      expect(error.code).toBe('WIT_DEPS_DIGEST_MISMATCH')
      expect(error.message).toContain(locked!)
      expect(error.hints.join('\n')).toContain('--update')

      const updated = await fetchDeps(p, { cacheRoot, update: true })
      expect(updated.packages.map((pkg) => [pkg.package, pkg.digest])).toEqual([['wasi:example@0.1.0', digestOf(changed)]])
      expect(parseLock(readFileSync(updated.lockFile!, 'utf8')).packages[0].versions[0].digest).toBe(digestOf(changed))
    } finally {
      await publish(registry.host, 'wit/wasi/example', '0.1.0', packages['wasi-example-0.1.0'])
    }
  })

  it('reports a missing version, a repository that is not a WIT package, and an unreachable registry with codes', async () => {
    const missing = project({ host: registry.host, world: 'package test:app;\nworld app { import wasi:example/greet@9.9.9; }\n' })
    const notFound = await failure(fetchDeps(missing, { cacheRoot: tempDir('wasmctl-wit-cache-') }))
    expect(notFound.code).toBe('WIT_DEPS_NOT_FOUND')
    expect(notFound.message).toContain(`${registry.host}/wit/wasi/example:9.9.9`)

    const component = await componentNew(await componentEmbed({ witSource: 'package acme:broken@1.0.0;\nworld w { export run: func(); }\n', dummy: true, world: 'acme:broken/w@1.0.0' }))
    await publish(registry.host, 'wit/wasi/broken', '1.0.0', component)
    const broken = project({ host: registry.host, world: 'package test:app;\nworld app { import wasi:broken/api@1.0.0; }\n' })
    const malformed = await failure(fetchDeps(broken, { cacheRoot: tempDir('wasmctl-wit-cache-') }))
    expect(malformed.code).toBe('WIT_DEPS_MALFORMED')
    expect(existsSync(path.join(broken.witDir, 'deps'))).toBe(false)

    const closed = project({ host: `127.0.0.1:${await freePort()}` })
    const unreachable = await failure(fetchDeps(closed, { cacheRoot: tempDir('wasmctl-wit-cache-') }))
    expect(unreachable.code).toBe('WIT_DEPS_UNREACHABLE')
  })

  it('fetches an unversioned wasi:logging as 0.1.0-draft and writes it unversioned, as wash does', async () => {
    const logging = await parse(`(component
      (type (;0;) (component
        (type (;0;) (instance
          (type (;0;) (enum "trace" "debug" "info" "warn" "error" "critical"))
          (export (;1;) "level" (type (eq 0)))
          (type (;2;) (func (param "level" 1) (param "context" string) (param "message" string)))
          (export (;0;) "log" (func (type 2)))))
        (export (;0;) "wasi:logging/logging@0.1.0-draft" (instance (type 0)))))
      (export (;1;) "logging" (type 0)))`)
    await publish(registry.host, 'wit/wasi/logging', '0.1.0-draft', logging)
    const p = project({ host: registry.host, world: 'package test:app@0.1.0;\n\nworld app {\n  import wasi:logging/logging;\n}\n' })
    const result = await fetchDeps(p, { cacheRoot: tempDir('wasmctl-wit-cache-') })
    expect(result.packages.map((pkg) => [pkg.package, pkg.requirement, pkg.reference])).toEqual([['wasi:logging', '=0.1.0-draft', `${registry.host}/wit/wasi/logging:0.1.0-draft`]])
    const text = readFileSync(path.join(p.witDir, 'deps', 'wasi-logging-0.1.0-draft', 'package.wit'), 'utf8')
    expect(text.startsWith('package wasi:logging;\n')).toBe(true)
    expect(parseLock(readFileSync(result.lockFile!, 'utf8')).packages).toEqual([
      { name: 'wasi:logging', registry: registry.host, versions: [{ requirement: '=0.1.0-draft', version: '0.1.0-draft', digest: digestOf(logging) }] },
    ])
    await resolvedWorld(p.witDir, 'test:app/app@0.1.0')
    expect((await fetchDeps(p)).skipped).toBe('satisfied')
  })

  it('copies packages from a local folder named in wkg.toml [overrides], without a lock entry', async () => {
    const p = project({ host: `127.0.0.1:${await freePort()}`, world: 'package test:app@0.1.0;\n\nworld app {\n  import acme:local/api@1.0.0;\n}\n' })
    const dir = path.dirname(p.file)
    mkdirSync(path.join(dir, 'vendor', 'local'), { recursive: true })
    writeFileSync(path.join(dir, 'vendor', 'local', 'api.wit'), 'package acme:local@1.0.0;\n\ninterface api {\n  ping: func() -> string;\n}\n')
    writeFileSync(path.join(dir, 'wkg.toml'), '[overrides."acme:local"]\npath = "vendor/local"\n')
    const result = await fetchDeps(p)
    expect(result.packages.map((pkg) => [pkg.package, pkg.source])).toEqual([['acme:local@1.0.0', 'local']])
    expect(readFileSync(path.join(p.witDir, 'deps', 'acme-local-1.0.0', 'api.wit'), 'utf8')).toContain('ping: func() -> string;')
    expect(parseLock(readFileSync(result.lockFile!, 'utf8')).packages).toEqual([])
    await resolvedWorld(p.witDir, 'test:app/app@0.1.0')
  })

  it('is part of build unless skipFetch is set (wash build --skip-fetch)', async () => {
    const toml = '[component]\nbuild_command = "sh -c \'exit 3\'"\n'
    const skipped = project({ host: registry.host, extraToml: toml })
    await expect(buildProject(skipped, { buildOnly: true, skipFetch: true })).rejects.toMatchObject({ code: 'BUILD_FAILED' })
    expect(existsSync(path.join(skipped.witDir, 'deps'))).toBe(false)

    const fetched = project({ host: registry.host, extraToml: toml })
    await expect(buildProject(fetched, { buildOnly: true })).rejects.toMatchObject({ code: 'BUILD_FAILED' })
    expect(readdirSync(path.join(fetched.witDir, 'deps')).sort()).toEqual(['acme-greeter-0.2.0', 'wasi-example-0.1.0'])
  })
})
