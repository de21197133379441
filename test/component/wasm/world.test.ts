import { readFileSync } from 'node:fs'

import { beforeAll, describe, expect, it } from 'vitest'

import { componentWorld } from '../../../src/wasm/world.js'
import { helloHttpComponent } from '../../helpers/components.js'

describe('componentWorld on a real componentize-js component', () => {
  let wasm: Uint8Array
  beforeAll(async () => {
    wasm = readFileSync(await helloHttpComponent())
  }, 240_000)

  it('matches the world jco decodes', async () => {
    const world = componentWorld(wasm)
    expect(world.exports).toEqual(['wasi:http/incoming-handler@0.2.10'])
    const { componentWit } = await import('@bytecodealliance/jco')
    const wit = await componentWit(wasm)
    const lines = (kind: string) => [...wit.matchAll(new RegExp(`^\\s*${kind} ([^;]+);`, 'gm'))].map((m) => m[1])
    expect(world.imports).toEqual(lines('import'))
    expect(world.exports).toEqual(lines('export'))
  })
})
