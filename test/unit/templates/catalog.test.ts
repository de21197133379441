import { describe, expect, it } from 'vitest'

import { checkToolchain } from '../../../src/build/toolchains.js'
import { describeWorld, templateCatalog } from '../../../src/templates/catalog.js'

describe('templateCatalog', () => {
  it('lists every template with its world and the toolchain check build uses', async () => {
    const catalog = await templateCatalog()
    expect(catalog.map((t) => t.name)).toEqual(['ts-http', 'c-cli', 'go-http', 'js-http', 'rust-http', 'ts-kv-counter'])
    const kv = catalog.find((t) => t.name === 'ts-kv-counter')!
    expect(kv.world).toBe(
      'exports wasi:http/incoming-handler@0.2.10; imports wasi:keyvalue/store@0.2.0-draft, wasi:keyvalue/atomics@0.2.0-draft',
    )
    for (const listing of catalog.filter((t) => t.name !== 'rust-http')) {
      const status = await checkToolchain(listing.toolchain.name as Parameters<typeof checkToolchain>[0])
      expect(listing.toolchain.present, listing.name).toBe(status.present)
      if (!status.present) expect(listing.toolchain.install).toBe(status.install)
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

  it('describes a world in one line', () => {
    expect(describeWorld({ exports: ['a:b/c'], imports: [] })).toBe('exports a:b/c')
    expect(describeWorld({ exports: [], imports: ['x:y/z', 'x:y/w'] })).toBe('imports x:y/z, x:y/w')
  })
})
