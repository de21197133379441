import { existsSync } from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { repoRoot } from '../helpers/cli.js'
import { startCli } from '../helpers/long-running.js'
import { tempDir } from '../helpers/tmp.js'

// wasmCloud's own inter-component-call fixtures (../shared/fixtures/wasmcloud-components, README
// there), read in place: the caller's wasi:http handler calls the callee's exported
// wasmcloud:example/receiver, which logs through wasi:logging. wasmCloud's
// integration_inter_component_call.rs expects a success status for GET /.
const fixtures = path.resolve(repoRoot, process.env.WASMCTL_WASMCLOUD_COMPONENTS ?? '../shared/fixtures/wasmcloud-components')

function fixture(name: string): string {
  const file = path.join(fixtures, name)
  if (!existsSync(file)) throw new Error(`${file} is missing: set WASMCTL_WASMCLOUD_COMPONENTS to the wasmcloud-components fixtures folder`)
  return file
}

describe('wasmCloud-built linked components under wasmctl up', () => {
  it('inter_component_call caller + callee: every request reaches the callee (integration_inter_component_call.rs)', async () => {
    const dir = tempDir('wasmctl-wc-links-')
    const up = startCli(['up', fixture('inter_component_call_caller.wasm'), fixture('inter_component_call_callee.wasm'), '--port', '0', '--json'], {
      cwd: dir,
      env: { WASMCTL_CACHE_DIR: path.join(dir, 'cache') },
    })
    const { url } = await up.waitForEvent('host.ready', { timeoutMs: 120_000 })
    for (let round = 1; round <= 3; round++) {
      const from = up.mark()
      const response = await fetch(`${url}/`, { headers: { host: 'test' } })
      expect(response.status).toBe(200)
      await response.arrayBuffer()
      // The callee's own log line, once per request: the call crossed into the other component.
      await up.waitForEvent('log', { from, where: (event) => event.context === 'receiver' && event.message === 'invoke' })
      await up.waitForEvent('request', { from })
      const logs = up.of('log', from).filter((event) => event.context === 'receiver')
      expect(logs).toHaveLength(1)
      // Attributed to the component that logged, not to the one taking the request.
      expect(logs[0].component).toBe('inter_component_call_callee')
    }
  }, 180_000)

  it('the caller alone is refused: its receiver import has no provider', async () => {
    const dir = tempDir('wasmctl-wc-links-alone-')
    const up = startCli(['up', fixture('inter_component_call_caller.wasm'), '--port', '0', '--json'], { cwd: dir, env: { WASMCTL_CACHE_DIR: path.join(dir, 'cache') } })
    const exit = await up.exited
    expect(exit.exitCode).not.toBe(0)
    expect(exit.stdout).toContain('wasmcloud:example/receiver')
  }, 180_000)
})
