import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { afterAll, onTestFinished } from 'vitest'

/**
 * A temporary folder, removed when the test that made it finishes (called inside a test) or after
 * the test file (called at file or describe level).
 */
export function tempDir(prefix = 'wasmctl-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix))
  const remove = () => rmSync(dir, { recursive: true, force: true })
  try {
    onTestFinished(remove)
  } catch {
    afterAll(remove)
  }
  return dir
}
