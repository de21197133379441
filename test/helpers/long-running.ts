import { createInterface } from 'node:readline'

import { execa, type ResultPromise } from 'execa'
import { afterAll, onTestFinished } from 'vitest'

import { binRun } from './cli.js'

/**
 * One harness for the CLI commands that keep running (`wasmctl up`, `wasmctl dev`): start the
 * built CLI as a process, wait for an NDJSON event or an output line, stop it with a signal and
 * collect its exit. A process still running when its test ends (or, when started in beforeAll,
 * when its file ends) is stopped: SIGTERM, then SIGKILL after a grace period.
 */

/** A JSON line on stdout: an NDJSON event (`event` names it) or the closing --json document. */
export type CliEvent = Record<string, any>

export interface CliExit {
  exitCode?: number
  signal?: string
  /** All of stdout (JSON lines included) and of stderr, as printed. */
  stdout: string
  stderr: string
}

export interface StartCliOptions {
  cwd?: string
  env?: Record<string, string | undefined>
  /** 'pipe' to type into the process (see `write`); closed by default, as in CI. */
  stdin?: 'ignore' | 'pipe'
  /**
   * Runs the command inside script(1), which gives it a real pseudo-terminal (CI is then unset,
   * or keys would not be read). Output arrives with terminal control sequences in it.
   */
  tty?: boolean
}

interface WaitOptions {
  /** Only events (or lines) from this index on; see `mark()`. */
  from?: number
  timeoutMs?: number
}

const STOP_GRACE_MS = 3000
const running = new Set<LongRunningCli>()

export class LongRunningCli {
  /** stdout lines that are JSON objects (NDJSON events and the final document), in order. */
  readonly events: CliEvent[] = []
  /** stdout lines that are not JSON (human mode). */
  readonly stdoutLines: string[] = []
  readonly stderrLines: string[] = []
  /** stdout as received, control sequences included (what a terminal shows). */
  screen = ''
  private readonly rawStdout: string[] = []
  /** Settles once the process exited, with everything it printed. */
  readonly exited: Promise<CliExit>
  private listeners = new Set<() => void>()
  private exit: CliExit | undefined

  constructor(readonly child: ResultPromise) {
    child.stdout!.on('data', (chunk: Buffer) => {
      this.screen += chunk.toString()
      this.changed()
    })
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.rawStdout.push(line)
      const event = parseEvent(line)
      if (event) this.events.push(event)
      else this.stdoutLines.push(line)
      this.changed()
    })
    createInterface({ input: child.stderr! }).on('line', (line) => {
      this.stderrLines.push(line)
      this.changed()
    })
    this.exited = (async () => {
      const result = await child
      // readline delivers the last lines on its own schedule; give it the turn before reporting.
      await new Promise((resolve) => setImmediate(resolve))
      this.exit = {
        exitCode: result.exitCode,
        signal: result.signal,
        stdout: this.rawStdout.join('\n'),
        stderr: this.stderrLines.join('\n'),
      }
      running.delete(this)
      this.changed()
      return this.exit
    })()
  }

  get pid(): number {
    return this.child.pid!
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return this.exit === undefined && this.child.exitCode === null && this.child.signalCode === null
  }

  /** The index the next event will have: wait for events from here on. */
  mark(): number {
    return this.events.length
  }

  /** The events of a type, from an index on. */
  of(type: string, from = 0): CliEvent[] {
    return this.events.slice(from).filter((event) => event.event === type)
  }

  /** The first event of a type (from `from` on, matching `where`); rejects if the process exits first. */
  waitForEvent(type: string, options: WaitOptions & { where?: (event: CliEvent) => boolean } = {}): Promise<CliEvent> {
    const { from = 0, where = () => true } = options
    return this.until(() => this.events.slice(from).find((event) => event.event === type && where(event)), `a ${type} event`, options.timeoutMs)
  }

  /** The match of the first stderr line (or non-JSON stdout line, with stream: 'stdout') that matches. */
  waitForLine(pattern: RegExp, options: WaitOptions & { stream?: 'stdout' | 'stderr' } = {}): Promise<RegExpExecArray> {
    const { stream = 'stderr', from = 0 } = options
    const lines = stream === 'stdout' ? this.stdoutLines : this.stderrLines
    return this.until(() => lines.slice(from).map((line) => pattern.exec(line)).find((match) => match !== null) ?? undefined, `a ${stream} line matching ${pattern}`, options.timeoutMs)
  }

  /** Until what the terminal shows matches (for `tty` runs, whose redraws are not lines). */
  waitForScreen(pattern: RegExp, options: Omit<WaitOptions, 'from'> = {}): Promise<RegExpExecArray> {
    return this.until(() => pattern.exec(this.screen) ?? undefined, `the screen to match ${pattern}`, options.timeoutMs)
  }

  /** Types into the process (started with stdin: 'pipe' or tty). */
  write(text: string): void {
    this.child.stdin!.write(text)
  }

  /** Sends a signal and resolves with the exit (SIGKILL after `graceMs` if it does not exit). */
  async stop(signal: NodeJS.Signals = 'SIGINT', graceMs = 30_000): Promise<CliExit> {
    if (this.alive) this.child.kill(signal)
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs)
    try {
      return await this.exited
    } finally {
      clearTimeout(timer)
    }
  }

  /** Everything so far, for failure messages. */
  transcript(): string {
    return ['stdout:', ...this.rawStdout, 'stderr:', ...this.stderrLines].join('\n')
  }

  private changed(): void {
    for (const listener of this.listeners) listener()
  }

  private until<T>(check: () => T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer)
        this.listeners.delete(done)
      }
      const done = () => {
        const found = check()
        if (found !== undefined) {
          cleanup()
          resolve(found)
        } else if (this.exit) {
          cleanup()
          reject(new Error(`the process exited (${this.exit.exitCode ?? this.exit.signal}) before ${what}\n${this.transcript()}`))
        }
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.transcript()}`))
      }, timeoutMs)
      this.listeners.add(done)
      done()
    })
  }
}

function parseEvent(line: string): CliEvent | undefined {
  if (!line.startsWith('{')) return undefined
  try {
    const value = JSON.parse(line)
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined
  } catch {
    return undefined
  }
}

const shellQuote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`

/** Stops a process left running: SIGTERM lets it stop its own children, SIGKILL if it will not. */
async function cleanUp(cli: LongRunningCli): Promise<void> {
  if (!cli.alive) return
  await cli.stop('SIGTERM', STOP_GRACE_MS)
}

/**
 * Starts `wasmctl <args>` as CI runs it (CI=true, NO_COLOR, stdin closed). Started inside a test,
 * it is stopped when that test ends; started in beforeAll, when the file ends.
 */
export function startCli(args: string[], options: StartCliOptions = {}): LongRunningCli {
  const env = { CI: options.tty ? '' : 'true', NO_COLOR: '1', ...(options.tty ? { TERM: 'xterm' } : {}), ...options.env }
  const [file, argv] = options.tty
    ? ['script', ['-qfec', ['node', binRun, ...args].map(shellQuote).join(' '), '/dev/null']]
    : ['node', [binRun, ...args]]
  const child = execa(file, argv, {
    cwd: options.cwd,
    env,
    stdin: options.tty ? 'pipe' : (options.stdin ?? 'ignore'),
    reject: false,
    buffer: false,
  })
  const cli = new LongRunningCli(child)
  running.add(cli)
  try {
    onTestFinished(() => cleanUp(cli))
  } catch {
    // Not inside a test (beforeAll): the file-level hook below stops it.
  }
  return cli
}

// Registered once per test file that imports this module (vitest isolates modules per file).
afterAll(async () => {
  await Promise.all([...running].map((cli) => cleanUp(cli)))
})
