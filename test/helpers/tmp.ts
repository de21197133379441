import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { afterAll } from 'vitest'

/** A temporary folder removed after the test file finishes. */
export function tempDir(prefix = 'wasmctl-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
