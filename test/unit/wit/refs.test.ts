import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { depsFolderName, formatPackage, requirementOf, scanWitFolder, scanWitText } from '../../../src/wit/refs.js'

const names = (ids: { name: string; version?: string }[]) => ids.map(formatPackage)

function witFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wasmctl-wit-refs-'))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    writeFileSync(path.join(dir, name), text)
  }
  return dir
}

describe('scanWitText', () => {
  it('finds foreign packages in use, import, export and include, with pre-release versions and without', () => {
    const scanned = scanWitText(`
      package acme:app@0.1.0;
      interface handler {
        use wasi:io/streams@0.2.0-rc-2023-11-10.{input-stream, output-stream};
        use wasi:logging/logging.{level};
      }
      world app {
        import wasi:keyvalue/store@0.2.0-draft;
        import %wasmcloud:bus/lattice@1.0.0;
        export wasi:http/incoming-handler@0.2.0;
        include wasi:cli/imports@0.2.0 with { environment as env };
        import run: func();
        import handler;
      }
    `)
    expect(names(scanned.declared)).toEqual(['acme:app@0.1.0'])
    expect(names(scanned.references)).toEqual([
      'wasi:cli@0.2.0',
      'wasi:http@0.2.0',
      'wasi:io@0.2.0-rc-2023-11-10',
      'wasi:keyvalue@0.2.0-draft',
      'wasi:logging',
      'wasmcloud:bus@1.0.0',
    ])
  })

  it('ignores comments and references to packages the text declares itself (nested package blocks too)', () => {
    const scanned = scanWitText(`
      // use wasi:commented/out@1.0.0.{x};
      /* import wasi:also/out@1.0.0; */
      package acme:app;
      world app { import acme:lib/api@0.3.0; }
      package acme:lib@0.3.0 { interface api { f: func(); } }
    `)
    expect(names(scanned.declared)).toEqual(['acme:app', 'acme:lib@0.3.0'])
    expect(scanned.references).toEqual([])
  })
})

describe('scanWitFolder', () => {
  it('reports what neither the project nor wit/deps declares, following references inside deps', () => {
    const dir = witFolder({
      'world.wit': 'package acme:app;\nworld app { import wasi:http/outgoing-handler@0.2.0; import wasi:clocks/wall-clock@0.2.0; }\n',
      'deps/wasi-http-0.2.0/package.wit': 'package wasi:http@0.2.0;\ninterface types { use wasi:io/streams@0.2.0.{input-stream}; }\ninterface outgoing-handler { use types.{x}; }\n',
      // wit-deps' layout: a folder per package name, several files.
      'deps/clocks/wall-clock.wit': 'package wasi:clocks@0.2.0;\ninterface wall-clock { now: func() -> u64; }\n',
      'deps/clocks/world.wit': 'package wasi:clocks@0.2.0;\nworld imports { import wall-clock; }\n',
    })
    const scan = scanWitFolder(dir)
    expect(names(scan.root.references)).toEqual(['wasi:clocks@0.2.0', 'wasi:http@0.2.0'])
    expect(names(scan.deps.map((dep) => dep.id)).sort()).toEqual(['wasi:clocks@0.2.0', 'wasi:http@0.2.0'])
    expect(names(scan.missing)).toEqual(['wasi:io@0.2.0'])
  })

  it('takes any version of a package for an unversioned reference, and only the exact one for a versioned one', () => {
    const dir = witFolder({
      'world.wit': 'package acme:app;\nworld app { import wasi:logging/logging; import wasi:io/poll@0.2.1; }\n',
      'deps/logging.wit': 'package wasi:logging@0.1.0-draft;\ninterface logging {}\n',
      'deps/io/poll.wit': 'package wasi:io@0.2.0;\ninterface poll {}\n',
    })
    expect(names(scanWitFolder(dir).missing)).toEqual(['wasi:io@0.2.1'])
  })

  it('finds nothing missing in a folder without references, and nothing at all in a missing folder', () => {
    expect(scanWitFolder(witFolder({ 'world.wit': 'package acme:app;\nworld app { export run: func(); }\n' })).missing).toEqual([])
    expect(scanWitFolder(path.join(os.tmpdir(), 'wasmctl-no-such-wit-folder')).missing).toEqual([])
  })
})

describe('names', () => {
  it('uses wkg folder names and version requirements', () => {
    expect(depsFolderName({ name: 'wasi:http', version: '0.2.0' })).toBe('wasi-http-0.2.0')
    expect(depsFolderName({ name: 'wasi:logging' })).toBe('wasi-logging')
    expect(requirementOf({ name: 'wasi:http', version: '0.2.0-draft' })).toBe('=0.2.0-draft')
    expect(requirementOf({ name: 'wasi:logging' })).toBe('*')
  })
})

describe('bundled templates', () => {
  // `build` fetches only what wit/deps lacks; templates ship their deps, so building one never
  // contacts a registry (CI has no network).
  const templates = path.join(import.meta.dirname, '..', '..', '..', 'templates')
  for (const name of readdirSync(templates).filter((entry) => !entry.startsWith('_'))) {
    it(`${name}: a new project's wit/deps holds every package its WIT refers to`, () => {
      const meta = JSON.parse(readFileSync(path.join(templates, name, 'template.json'), 'utf8')) as { witDeps?: string[] }
      const dir = mkdtempSync(path.join(os.tmpdir(), 'wasmctl-template-wit-'))
      const wit = path.join(dir, 'wit')
      mkdirSync(wit)
      if (existsSync(path.join(templates, name, 'files', 'wit'))) cpSync(path.join(templates, name, 'files', 'wit'), wit, { recursive: true })
      for (const set of meta.witDeps ?? []) cpSync(path.join(templates, '_wit', set), path.join(wit, 'deps'), { recursive: true })
      expect(names(scanWitFolder(wit).missing)).toEqual([])
    })
  }
})
