import { describe, expect, it } from 'vitest'

import { type LinkRule, type LinkWorld, planLinks } from '../../../src/host/link.js'
import { refusal } from '../../helpers/refusal.js'

// Link rules (a manifest's link traits between components, one rule each): which component serves
// an import, per importer and per wasmCloud link name.
const HTTP = 'wasi:http/incoming-handler@0.2.2'
const RECEIVER = 'wasmcloud:example/receiver@0.1.0'
const world = (name: string, imports: string[], exports: string[]): LinkWorld => ({ name, origin: `${name}.wasm`, imports, exports })

// caller imports the receiver that left and right both export.
const worlds = () => [world('caller', [RECEIVER, 'wasi:logging/logging@0.1.0-draft'], [HTTP]), world('left', [], [RECEIVER]), world('right', [], [RECEIVER])]

describe('planLinks with rules', () => {
  it('a default rule picks the exporter where two offer the interface', () => {
    const plan = planLinks(worlds(), {}, [{ interface: 'wasmcloud:example/receiver', target: 'right' }])
    expect(plan.links[0].get(RECEIVER)).toEqual({ exporter: 2, export: RECEIVER })
    expect(plan.named[0].size).toBe(0)
    // left is passed over: it stays out of the chain.
    expect(plan.order).toEqual([2, 0])
  })

  it('rules under different link names link one import to several exporters, without ambiguity', () => {
    const rules: LinkRule[] = [
      { source: 'caller', interface: 'wasmcloud:example/receiver', target: 'left' },
      { source: 'caller', interface: 'wasmcloud:example/receiver', target: 'right', name: 'backup' },
    ]
    const plan = planLinks(worlds(), {}, rules)
    expect(plan.links[0].get(RECEIVER)).toEqual({ exporter: 1, export: RECEIVER })
    expect(plan.named[0].get(RECEIVER)).toEqual(new Map([['backup', { exporter: 2, export: RECEIVER }]]))
    // Every linked target is instantiated before the importer.
    expect(plan.order.slice(0, 2).sort()).toEqual([1, 2])
    expect(plan.order.at(-1)).toBe(0)
    // Host-provided imports stay unlinked.
    expect(plan.links[0].has('wasi:logging/logging@0.1.0-draft')).toBe(false)
  })

  it('rules with only other names leave no default link (a call that selects none fails, as on wasmCloud)', () => {
    const plan = planLinks(worlds(), {}, [
      { interface: 'wasmcloud:example/receiver', target: 'left', name: 'a' },
      { interface: 'wasmcloud:example/receiver', target: 'right', name: 'b' },
    ])
    expect(plan.links[0].has(RECEIVER)).toBe(false)
    expect([...plan.named[0].get(RECEIVER)!.keys()].sort()).toEqual(['a', 'b'])
  })

  it('a rule for one importer beats a rule for every importer; a --link-component pick beats both for the default link', () => {
    const rules: LinkRule[] = [
      { interface: 'wasmcloud:example/receiver', target: 'left' },
      { source: 'caller', interface: 'wasmcloud:example/receiver', target: 'right' },
    ]
    expect(planLinks(worlds(), {}, rules).links[0].get(RECEIVER)?.exporter).toBe(2)
    expect(planLinks(worlds(), { 'wasmcloud:example/receiver': 'left' }, rules).links[0].get(RECEIVER)?.exporter).toBe(1)
  })

  it('a rule for every importer applies per importer, never linking a component to itself', () => {
    const chain = [world('front', [RECEIVER], [HTTP]), world('middle', [RECEIVER], [RECEIVER]), world('end', [], [RECEIVER])]
    const plan = planLinks(chain, {}, [
      { source: 'front', interface: 'wasmcloud:example/receiver', target: 'middle' },
      { interface: 'wasmcloud:example/receiver', target: 'end' },
    ])
    expect(plan.links[0].get(RECEIVER)?.exporter).toBe(1)
    expect(plan.links[1].get(RECEIVER)?.exporter).toBe(2)
    expect(plan.order).toEqual([2, 1, 0])
  })

  it('detects a cycle through a named link', () => {
    const cyclic = [world('front', [RECEIVER], [HTTP]), world('a', ['x:y/back'], [RECEIVER]), world('b', ['x:y/back'], [RECEIVER]), world('c', [RECEIVER], ['x:y/back'])]
    const error = refusal(() =>
      planLinks(cyclic, {}, [
        { source: 'front', interface: 'wasmcloud:example/receiver', target: 'a' },
        { source: 'front', interface: 'wasmcloud:example/receiver', target: 'b', name: 'other' },
        { source: 'c', interface: 'wasmcloud:example/receiver', target: 'a' },
      ]),
    )
    expect(error.code).toBe('HOST_LINK_CYCLE')
    expect(error.message).toMatch(/c → a → c|a → c → a/)
  })

  it('refuses rules naming what does not exist, with a hint', () => {
    const cases: [LinkRule, RegExp, RegExp][] = [
      [{ interface: 'wasmcloud:example/receiver', target: 'nobody' }, /no component is named nobody/, /caller, left, right/],
      [{ source: 'ghost', interface: 'wasmcloud:example/receiver', target: 'left' }, /no component is named ghost/, /caller, left, right/],
      [{ interface: 'wasmcloud:example/sender', target: 'left' }, /left does not export wasmcloud:example\/sender/, /no linked component exports/],
      [{ source: 'left', interface: 'wasmcloud:example/receiver', target: 'right' }, /left does not import wasmcloud:example\/receiver/, /imports/],
      [{ interface: 'not an interface', target: 'left' }, /is not an interface name/, /namespace:package\/interface/],
      [{ source: 'left', interface: 'wasmcloud:example/receiver', target: 'left' }, /cannot be linked to itself/, /another component/],
      [{ interface: 'wasmcloud:example/receiver', target: 'left', name: '' }, /link name is empty/, /default/],
    ]
    for (const [rule, message, hint] of cases) {
      const error = refusal(() => planLinks(worlds(), {}, [rule]))
      expect(error.code).toBe('HOST_LINK_INVALID')
      expect(error.message).toMatch(message)
      expect(error.hints.join('\n')).toMatch(hint)
    }
  })

  it('refuses two rules giving one import two targets under the same name', () => {
    const error = refusal(() =>
      planLinks(worlds(), {}, [
        { interface: 'wasmcloud:example/receiver', target: 'left', name: 'x' },
        { interface: 'wasmcloud:example/receiver', target: 'right', name: 'x' },
      ]),
    )
    expect(error.code).toBe('HOST_LINK_INVALID')
    expect(error.message).toContain('two links named x')
  })

  it('refuses a rule whose target exports another version of the interface', () => {
    const versions = [world('caller', [RECEIVER], [HTTP]), world('old', [], ['wasmcloud:example/receiver@0.0.9']), world('new', [], [RECEIVER])]
    const error = refusal(() => planLinks(versions, {}, [{ interface: 'wasmcloud:example/receiver', target: 'old' }]))
    expect(error.code).toBe('HOST_LINK_INVALID')
    expect(error.message).toContain('wasmcloud:example/receiver@0.0.9')
  })

  it('accepts a versioned interface in a rule', () => {
    expect(planLinks(worlds(), {}, [{ interface: RECEIVER, target: 'left' }]).links[0].get(RECEIVER)?.exporter).toBe(1)
  })

  it('without rules, two exporters stay ambiguous', () => {
    expect(refusal(() => planLinks(worlds())).code).toBe('HOST_LINK_AMBIGUOUS')
  })
})
