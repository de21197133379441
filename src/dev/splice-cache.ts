import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'

/**
 * A dev-loop speed-up for componentize-js builds. Every componentize() call first splices the WIT
 * world's bindings into the StarlingMonkey engine (~0.5 s of the ~1.7 s a warm build takes), yet
 * that result depends only on the engine, the enabled features, the WIT files and the world name,
 * never on the JavaScript. The build worker of `wasmctl dev` builds the same world over and over,
 * so it memoizes the splice, keyed by all of those inputs (a WIT edit changes the key).
 *
 * componentize-js has no option for this, so the memo wraps `splicer.spliceBindings` on the
 * package's own splicer module, which is a plain object that componentize() looks up on every
 * call. Only the dev worker does this, never `wasmctl build`; if a future componentize-js changes
 * that module's shape the memo is simply not installed and builds run as before.
 */
type Splice = (engine: Uint8Array, features: string[], witWorld: string | undefined, witPath: string | undefined, worldName: string | undefined, debug: boolean) => unknown

const MAX_ENTRIES = 4
let installed: Promise<boolean> | undefined

export function memoizeComponentizeSplicing(): Promise<boolean> {
  installed ??= install().catch(() => false)
  return installed
}

async function install(): Promise<boolean> {
  const entry = import.meta.resolve('@bytecodealliance/componentize-js')
  const module = (await import(new URL('../lib/spidermonkey-embedding-splicer.js', entry).href)) as { splicer?: { spliceBindings?: Splice } }
  const splicer = module.splicer
  if (typeof splicer?.spliceBindings !== 'function') return false
  const original = splicer.spliceBindings.bind(splicer)
  const memo = new Map<string, unknown>()
  splicer.spliceBindings = (engine, features, witWorld, witPath, worldName, debug) => {
    const key = spliceKey(engine, features, witWorld, witPath, worldName, debug)
    let result = memo.get(key)
    if (result === undefined) {
      result = original(engine, features, witWorld, witPath, worldName, debug)
      memo.set(key, result)
      if (memo.size > MAX_ENTRIES) memo.delete(memo.keys().next().value!)
    }
    // componentize() reads the result without changing it, but a copy keeps the memo safe if it ever does.
    return structuredClone(result)
  }
  return true
}

function spliceKey(engine: Uint8Array, features: string[], witWorld: string | undefined, witPath: string | undefined, worldName: string | undefined, debug: boolean): string {
  const hash = createHash('sha256')
  hash.update(engine)
  hash.update(JSON.stringify([features, witWorld ?? null, witPath ?? null, worldName ?? null, debug]))
  if (witPath) hashTree(hash, witPath)
  return hash.digest('hex')
}

function hashTree(hash: ReturnType<typeof createHash>, target: string): void {
  let info
  try {
    info = statSync(target)
  } catch {
    hash.update(`missing:${target}`)
    return
  }
  if (info.isFile()) {
    hash.update(`${target}\0`).update(readFileSync(target)).update('\0')
    return
  }
  for (const entry of readdirSync(target).sort()) hashTree(hash, path.join(target, entry))
}
