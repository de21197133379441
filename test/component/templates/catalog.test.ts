import { describe, expect, it } from 'vitest'

import { checkToolchain } from '../../../src/build/toolchains.js'
import { templateCatalog } from '../../../src/templates/catalog.js'
import { listTemplates } from '../../../src/templates/registry.js'

// The catalog against the real toolchain checks of this machine (clang, cargo, tinygo).
describe('templateCatalog', () => {
  it('lists every template with its world and the toolchain check build uses', async () => {
    const catalog = await templateCatalog()
    expect(catalog.map((t) => t.name)).toEqual(listTemplates().map((t) => t.name))
    const kv = catalog.find((t) => t.name === 'ts-kv-counter')!
    expect(kv.world).toBe(
      'exports wasi:http/incoming-handler@0.2.10; imports wasi:keyvalue/store@0.2.0-draft, wasi:keyvalue/atomics@0.2.0-draft',
    )
    for (const listing of catalog) {
      const template = listTemplates().find((t) => t.name === listing.name)!
      const status = await checkToolchain(listing.toolchain.name as Parameters<typeof checkToolchain>[0])
      // A template that pins a target (rust-http: wasm32-wasip2) also needs that target.
      const targetPresent = template.target === undefined || status.targets === undefined || status.targets.includes(template.target)
      expect(listing.toolchain.present, listing.name).toBe(status.present && targetPresent)
      if (!status.present) expect(listing.toolchain.install, listing.name).toBe(status.install)
    }
    // rust-http pins wasm32-wasip2: cargo alone (say, Debian's with only wasm32-wasi) is not enough.
    const cargo = await checkToolchain('cargo')
    const rust = catalog.find((t) => t.name === 'rust-http')!.toolchain
    expect(rust.present).toBe(cargo.present && Boolean(cargo.targets?.includes('wasm32-wasip2')))
    if (cargo.present && !rust.present) {
      expect(rust.install).toBe('rustup target add wasm32-wasip2')
      expect(rust.missing).toContain('the wasm32-wasip2 target')
    }
    // componentize-js ships with wasmctl, so the JS templates always have their toolchain.
    expect(catalog.find((t) => t.name === 'ts-http')!.toolchain).toMatchObject({ name: 'componentize-js', present: true })
  })
})
