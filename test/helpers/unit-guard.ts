import { createRequire, syncBuiltinESMExports } from 'node:module'

import { afterEach, expect } from 'vitest'

/**
 * Keeps the unit tier pure (setupFiles of the `unit` project): a unit test that starts a child
 * process (a toolchain, a registry, componentize-js's wizer), a file watcher or a worker thread
 * fails, naming what it started, with the fix: such a test belongs in test/component/.
 * The call itself still goes through, so the test's own outcome stays as it would be.
 */
const require = createRequire(import.meta.url)
const started = new Set<string>()

function watch<T extends object>(module: T, names: (keyof T & string)[], label: string): void {
  for (const name of names) {
    const original = module[name] as unknown as (...args: unknown[]) => unknown
    if (typeof original !== 'function') continue
    ;(module as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
      started.add(`${label}.${name}(${JSON.stringify(String(args[0]))})`)
      return original.apply(this, args)
    }
  }
}

watch(require('node:child_process'), ['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync', 'fork'], 'child_process')
watch(require('node:fs'), ['watch', 'watchFile'], 'fs')
const threads = require('node:worker_threads')
const OriginalWorker = threads.Worker
threads.Worker = class extends OriginalWorker {
  constructor(...args: ConstructorParameters<typeof OriginalWorker>) {
    started.add(`new Worker(${JSON.stringify(String(args[0]))})`)
    super(...args)
  }
}
// ESM imports of node:child_process etc. see the wrapped functions too.
syncBuiltinESMExports()

afterEach(() => {
  if (started.size === 0) return
  const what = [...started].join(', ')
  started.clear()
  expect.fail(`a unit test must not start processes, watchers or workers (${what}): move it to test/component/`)
})
