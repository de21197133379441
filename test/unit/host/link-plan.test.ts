import { describe, expect, it } from 'vitest'

import { WasmctlError } from '../../../src/errors.js'
import { loadLinkedComponents, type LinkWorld, parseLinkNames, planLinks, projectComponentLinks } from '../../../src/host/link.js'
import { refusal } from '../../helpers/refusal.js'

// Which export satisfies which import when components are linked (`wasmctl up a.wasm b.wasm`).
const HTTP = 'wasi:http/incoming-handler@0.2.2'
const world = (name: string, imports: string[], exports: string[]): LinkWorld => ({ name, origin: `${name}.wasm`, imports, exports })

describe('planLinks', () => {
  it('orders exporters before importers, the HTTP entry last, whatever the argument order', () => {
    const plan = planLinks([
      world('callee', ['wasi:logging/logging@0.1.0-draft'], ['a:b/greeter@0.1.0']),
      world('front', ['a:b/shouter@0.1.0', 'wasi:http/types@0.2.2'], [HTTP]),
      world('middle', ['a:b/greeter@0.1.0'], ['a:b/shouter@0.1.0']),
    ])
    expect(plan.order).toEqual([0, 2, 1])
    expect(plan.entry).toBe(1)
    expect(plan.links[1].get('a:b/shouter@0.1.0')).toEqual({ exporter: 2, export: 'a:b/shouter@0.1.0' })
    // Host-provided imports stay unlinked.
    expect([...plan.links[0].keys()]).toEqual([])
    expect([...plan.links[1].keys()]).toEqual(['a:b/shouter@0.1.0'])
  })

  it('refuses a cycle, naming it', () => {
    const error = refusal(() =>
      planLinks([world('front', ['a:b/one'], [HTTP]), world('one', ['a:b/two'], ['a:b/one']), world('two', ['a:b/one'], ['a:b/two'])]),
    )
    expect(error.code).toBe('HOST_LINK_CYCLE')
    expect(error.message).toContain('one → two → one')
  })

  it('refuses an interface two components export unless a link name picks one', () => {
    const worlds = [world('front', ['a:b/one@1.0.0'], [HTTP]), world('left', [], ['a:b/one@1.0.0']), world('right', [], ['a:b/one@1.0.0'])]
    const error = refusal(() => planLinks(worlds))
    expect(error.code).toBe('HOST_LINK_AMBIGUOUS')
    expect(error.message).toContain('left and right')
    const plan = planLinks(worlds, parseLinkNames(['a:b/one@1.0.0=right']))
    expect(plan.order).toEqual([2, 0])
    expect(refusal(() => planLinks(worlds, { 'a:b/one': 'nobody' })).code).toBe('INPUT_INVALID')
  })

  it('needs exactly one entry, and refuses a component that offers nothing', () => {
    expect(refusal(() => planLinks([world('a', [], ['a:b/one']), world('b', ['a:b/one'], [])])).message).toMatch(/exports wasi:http\/incoming-handler/)
    expect(refusal(() => planLinks([world('a', [], [HTTP]), world('b', [], [HTTP])])).message).toMatch(/a and b both export a request handler/)
    expect(refusal(() => planLinks([world('front', [], [HTTP]), world('args.txt', [], [])])).message).toMatch(/args\.txt\.wasm exports nothing/)
  })

  it('a command component may be the entry when no component handles HTTP', () => {
    expect(planLinks([world('lib', [], ['a:b/one']), world('tool', ['a:b/one'], ['wasi:cli/run@0.2.0'])]).order).toEqual([0, 1])
  })

  it('rejects a malformed --link-component', () => {
    expect(refusal(() => parseLinkNames(['a:b/one'])).code).toBe('INPUT_INVALID')
  })
})

describe('projectComponentLinks', () => {
  it('takes [[dev.overrides.imports]] entries naming a .wasm file, leaving provider images to the capability bindings', () => {
    const provider = { interface_spec: 'wasi:keyvalue/store@0.2.0-draft', image_ref: 'ghcr.io/wasmcloud/keyvalue-redis:0.28.1' }
    const dev = {
      port: 8080,
      overrides: { imports: [{ interface_spec: 'a:b/greeter@0.1.0', image_ref: './lib/greeter_s.wasm' }, { interface: 'a:b/other', uri: 'file:///opt/other.wasm' }, provider] },
    }
    const links = projectComponentLinks(dev, '/project')
    expect(links.files).toEqual(['/project/lib/greeter_s.wasm', '/opt/other.wasm'])
    expect(links.picks).toEqual({ 'a:b/greeter': 'greeter', 'a:b/other': 'other' })
    expect(links.dev).toEqual({ port: 8080, overrides: { imports: [provider] } })
    expect(links.rules).toEqual([])
    expect(projectComponentLinks(undefined, '/project')).toEqual({ files: [], picks: {}, rules: [], dev: undefined })
  })

  it('turns entries with a link_name into named link rules (wasmcloud:bus selects them), keeping the unnamed one as the default', () => {
    const dev = {
      overrides: {
        imports: [
          { interface_spec: 'a:b/greeter@0.1.0', image_ref: './english.wasm' },
          { interface_spec: 'a:b/greeter@0.1.0', image_ref: './french.wasm', link_name: 'fr' },
        ],
      },
    }
    const links = projectComponentLinks(dev, '/project')
    expect(links.files).toEqual(['/project/english.wasm', '/project/french.wasm'])
    expect(links.picks).toEqual({ 'a:b/greeter': 'english' })
    expect(links.rules).toEqual([
      { interface: 'a:b/greeter', target: 'english' },
      { interface: 'a:b/greeter', target: 'french', name: 'fr' },
    ])
    // The plan then has both links for the one import, 'default' serving unless the caller picks 'fr'.
    const plan = planLinks(
      [world('app', ['a:b/greeter@0.1.0'], [HTTP]), world('english', [], ['a:b/greeter@0.1.0']), world('french', [], ['a:b/greeter@0.1.0'])],
      links.picks,
      links.rules,
    )
    expect(plan.order.at(-1)).toBe(0)
    expect(plan.order).toHaveLength(3)
  })
})

describe('interface versions', () => {
  it('links only an export of the same version (an unversioned side matches any)', () => {
    const front = world('front', ['a:b/one@0.2.0'], [HTTP])
    expect(refusal(() => planLinks([front, world('old', [], ['a:b/one@0.1.0'])])).message).toMatch(/old\.wasm exports nothing/)
    expect(planLinks([front, world('any', [], ['a:b/one'])]).links[0].get('a:b/one@0.2.0')).toEqual({ exporter: 1, export: 'a:b/one' })
  })
})

describe('a linked file that cannot be read as a component', () => {
  const load = (bytes: Uint8Array) => loadLinkedComponents([{ bytes, name: 'other', origin: 'other.wasm' }, { bytes, name: 'bad', origin: 'bad.wasm' }], { cacheRoot: '/nonexistent', trust: {} })

  it('a damaged component is WASM_INVALID naming the file, as for the first one', async () => {
    // A component preamble, then a section that claims more bytes than follow.
    const damaged = Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 0x07, 0x5d, 0x01])
    await expect(load(damaged)).rejects.toMatchObject({ code: 'WASM_INVALID', message: expect.stringMatching(/^other\.wasm: /) })
  })

  it('a file that is not wasm at all is HOST_LINK_INVALID, hinting that arguments go after --', async () => {
    const error = await load(new TextEncoder().encode('input.txt contents')).catch((thrown: unknown) => thrown as WasmctlError)
    expect(error).toMatchObject({ code: 'HOST_LINK_INVALID' })
    expect(error.hints.join('\n')).toContain('after `--`')
  })
})

describe('--link-component picks that match nothing', () => {
  const worlds = [world('caller', ['a:b/greeter@0.1.0'], [HTTP]), world('callee', [], ['a:b/greeter@0.1.0'])]

  it('a component name that is not linked, or an interface nobody imports, is refused naming the components', () => {
    const nobody = refusal(() => planLinks(worlds, { 'a:b/greeter': 'nobody' }))
    expect(nobody).toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('no linked component is named nobody') })
    expect(nobody.hints.join('\n')).toContain('callee (exports a:b/greeter)')
    expect(refusal(() => planLinks(worlds, { 'x:y/z': 'callee' })).message).toContain('no linked component imports x:y/z')
    expect(planLinks(worlds, { 'a:b/greeter': 'callee' }).order).toEqual([1, 0])
  })
})
