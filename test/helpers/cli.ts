import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { execa, type Options, type Result } from 'execa'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const binRun = path.join(repoRoot, 'bin', 'run.js')

export interface CliResult {
  exitCode: number
  stdout: string
  stderr: string
  /** Parsed stdout when it holds one JSON document (it always should with --json). */
  json?: any
  durationMs: number
}

/**
 * Runs the built CLI as a real process: no TTY, stdin closed, CI set (so nothing may prompt).
 * Never rejects on a non-zero exit: tests assert on exitCode.
 */
export async function runCli(args: string[], options: Options & { env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  const started = performance.now()
  const result = (await execa('node', [binRun, ...args], {
    reject: false,
    stdin: 'ignore',
    timeout: 240_000,
    ...options,
    env: { CI: 'true', NO_COLOR: '1', ...options.env },
  })) as Result
  const stdout = String(result.stdout ?? '')
  let json: unknown
  if (args.includes('--json')) {
    try {
      json = JSON.parse(stdout)
    } catch {
      json = undefined
    }
  }
  return {
    exitCode: result.exitCode ?? -1,
    stdout,
    stderr: String(result.stderr ?? ''),
    json,
    durationMs: performance.now() - started,
  }
}
