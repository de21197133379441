import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { ociReference, readOverrides, readPullSources, readWkgConfig, resolveLocation, type WkgConfig } from '../../../src/wit/config.js'

const empty: WkgConfig = { namespaceRegistries: {}, packageRegistryOverrides: {}, registries: {} }
const base = { sources: [], wkg: empty, projectFileDir: '/project' }

async function referenceOf(name: string, version: string, options: Partial<Parameters<typeof resolveLocation>[1]> = {}) {
  const location = await resolveLocation({ name, version }, { ...base, ...options, wellKnown: async () => undefined })
  if (location.kind !== 'oci') throw new Error(`not an OCI location: ${JSON.stringify(location)}`)
  return { reference: ociReference(location.location, { name, version }, version), registry: location.location.registry, insecure: location.location.insecure }
}

describe('where a WIT package is fetched from', () => {
  it('uses the well-known registries wash users rely on: wasi → wasi.dev (ghcr.io/webassembly), wasmcloud → wasmcloud.com', async () => {
    expect(await referenceOf('wasi:http', '0.2.0')).toEqual({ reference: 'ghcr.io/webassembly/wasi/http:0.2.0', registry: 'wasi.dev', insecure: undefined })
    expect(await referenceOf('wasmcloud:secrets', '0.1.0-draft')).toMatchObject({ reference: 'ghcr.io/wasmcloud/interfaces/wasmcloud/secrets:0.1.0-draft', registry: 'wasmcloud.com' })
  })

  it('lets [[registry.pull.sources]] win: a package entry over a namespace entry; a versioned target only for that version', async () => {
    const sources = readPullSources({
      registry: {
        pull: {
          sources: [
            { target: 'wasi', source: 'oci://127.0.0.1:5000/wit' },
            { target: 'wasi:http', source: 'oci://registry.example.com/http-only' },
            { target: 'acme:lib@2.0.0', source: 'oci://registry.example.com/v2' },
          ],
        },
      },
    })
    expect(await referenceOf('wasi:io', '0.2.0', { sources })).toEqual({ reference: '127.0.0.1:5000/wit/wasi/io:0.2.0', registry: '127.0.0.1:5000', insecure: true })
    expect((await referenceOf('wasi:http', '0.2.0', { sources })).reference).toBe('registry.example.com/http-only/wasi/http:0.2.0')
    expect((await referenceOf('acme:lib', '2.0.0', { sources, wkg: { ...empty, defaultRegistry: 'pkgs.example.com' } })).reference).toBe('registry.example.com/v2/acme/lib:2.0.0')
    expect((await referenceOf('acme:lib', '1.0.0', { sources, wkg: { ...empty, defaultRegistry: 'pkgs.example.com' } })).reference).toBe('pkgs.example.com/acme/lib:1.0.0')
  })

  it('reads the wkg config: package overrides, namespace registries (custom metadata too), protocol and auth', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wasmctl-wkg-config-'))
    const file = path.join(dir, 'config.toml')
    writeFileSync(
      file,
      [
        'default_registry = "pkgs.example.com"',
        '[namespace_registries]',
        'acme = "acme.example.com"',
        'wasi = { registry = "mirror", metadata = { preferredProtocol = "oci", oci = { registry = "mirror.example.com:5000", namespacePrefix = "wit/" } } }',
        '[package_registry_overrides]',
        '"acme:special" = "special.example.com"',
        '[registry."acme.example.com".oci]',
        'protocol = "http"',
        `auth = "${Buffer.from('robot:s3cret').toString('base64')}"`,
      ].join('\n'),
    )
    const wkg = readWkgConfig(file)
    expect(await referenceOf('wasi:http', '0.2.0', { wkg })).toMatchObject({ reference: 'mirror.example.com:5000/wit/wasi/http:0.2.0', registry: 'mirror' })
    expect(await referenceOf('acme:special', '1.0.0', { wkg })).toMatchObject({ reference: 'special.example.com/acme/special:1.0.0' })
    expect(await referenceOf('other:pkg', '1.0.0', { wkg })).toMatchObject({ reference: 'pkgs.example.com/other/pkg:1.0.0' })
    const acme = await resolveLocation({ name: 'acme:app', version: '1.0.0' }, { ...base, wkg, wellKnown: async () => ({ registry: 'oci.acme.example.com', namespacePrefix: 'pkgs/' }) })
    expect(acme).toEqual({
      kind: 'oci',
      location: { registry: 'acme.example.com', ociRegistry: 'oci.acme.example.com', prefix: 'pkgs/', insecure: true, user: 'robot', password: 's3cret' },
    })
  })

  it('fails with a hint for a namespace no registry serves, and refuses malformed pull sources as wash does', async () => {
    await expect(resolveLocation({ name: 'nobody:pkg', version: '1.0.0' }, base)).rejects.toMatchObject({ code: 'WIT_DEPS_NO_REGISTRY' })
    expect(() => readPullSources({ registry: { pull: { sources: [{ target: 'wasi', source: 'ftp://x' }] } } })).toThrow(/unrecognized registry pull source \[ftp:\/\/x\]/)
    expect(() => readPullSources({ registry: { pull: { sources: [{ target: 'Not A Target', source: 'oci://x' }] } } })).toThrow(expect.objectContaining({ code: 'WIT_DEPS_CONFIG_INVALID' }))
    expect(() => readPullSources({ registry: { pull: {} } })).toThrow(expect.objectContaining({ code: 'WIT_DEPS_CONFIG_INVALID' }))
    expect(readPullSources({ registry: { url: 'ghcr.io' } })).toEqual([])
  })

  it('maps file:// sources and [overrides] paths to local folders', async () => {
    const sources = readPullSources({ registry: { pull: { sources: [{ target: 'acme', source: 'file://../shared-wit' }] } } })
    expect(await resolveLocation({ name: 'acme:lib', version: '1.0.0' }, { ...base, sources })).toEqual({ kind: 'local', path: path.resolve('/project', '../shared-wit') })
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wasmctl-wkg-toml-'))
    writeFileSync(path.join(dir, 'wkg.toml'), '[overrides."acme:lib"]\npath = "vendor/lib"\n[overrides."wasi:http"]\nversion = "=0.2.1"\n')
    expect(readOverrides({}, dir)).toEqual({ 'acme:lib': { path: path.join(dir, 'vendor/lib') }, 'wasi:http': { version: '=0.2.1' } })
    // wasmcloud.toml's own [overrides] wins over wkg.toml, as in wash.
    expect(readOverrides({ overrides: { 'acme:lib': { version: '1.2.3' } } }, dir)).toEqual({ 'acme:lib': { version: '1.2.3' } })
  })
})
