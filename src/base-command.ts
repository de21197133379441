import { Command, Flags, type Interfaces } from '@oclif/core'

import { ExitStatus, WasmctlError, isWasmctlError } from './errors.js'
import { createLogger, debugFromEnv, type LogLevel, type Logger, writeStdout } from './ui/output.js'
import { createSpinner, type Spinner } from './ui/spinner.js'

/**
 * The one oclif subclass. It owns the JSON envelope, the mapping of errors to exit codes, and
 * Ctrl-C: commands only parse flags, call a domain function and return (or render) its result.
 *
 * JSON mode: stdout carries exactly one document,
 *   {"status":0,"result":{...},"warnings":[]}  or  {"status":N,"error":{"code","message","hints"}}
 * (plus "warnings" when there were any).
 * Human mode: the result on stdout, everything else on stderr, errors as one line plus hints.
 */
export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    'log-level': Flags.option({
      options: ['error', 'warn', 'info', 'debug'] as const,
      description: 'How much to print on stderr; debug also shows stack traces.',
      helpGroup: 'GLOBAL',
      env: 'WASMCTL_LOG_LEVEL',
    })(),
    output: Flags.option({
      char: 'o',
      options: ['text', 'json'] as const,
      description:
        "Output format, as wash's -o/--output: json prints wash's flat JSON (its field names, plus \"success\"); --json prints wasmctl's envelope. (-o no longer names a file: use --destination.)",
      helpGroup: 'GLOBAL',
    })(),
  }

  /**
   * The flat document `-o json` prints for a command wash also has, in wash's field names
   * (`component_path`, `public_key`, ...). Without it, `-o json` prints the command's own result
   * flat. `success: true` is added either way, as wash adds it.
   */
  static washJson?: (result: never, flags: Record<string, unknown>) => Record<string, unknown>

  protected logger!: Logger
  /** The flags as parsed, for `washJson` (wash derives some fields from them, e.g. build's `built`). */
  private parsedFlags: Record<string, unknown> = {}
  private readonly warnings: string[] = []
  private readonly abortController = new AbortController()
  private jsonPrinted = false
  private signalHandler?: (signal: NodeJS.Signals) => void
  private hardExitTimer?: NodeJS.Timeout

  /** Fires on the first Ctrl-C / SIGTERM; pass it to every long operation. */
  protected get signal(): AbortSignal {
    return this.abortController.signal
  }

  protected get json(): boolean {
    return this.jsonEnabled()
  }

  /** `-o json` / `--output json`: wash's flat JSON instead of wasmctl's envelope (`--json` wins when both are given). */
  protected get washOutput(): boolean {
    return washOutputRequested(this.argv ?? []) && !super.jsonEnabled()
  }

  /** Both `--json` and `-o json` are machine output: no prompts, no spinner, stdout holds only the document. */
  override jsonEnabled(): boolean {
    return super.jsonEnabled() || washOutputRequested(this.argv ?? [])
  }

  override async init(): Promise<void> {
    await super.init()
    this.logger = createLogger(this.resolveLogLevel())
    this.signalHandler = (signal) => this.onSignal(signal)
    process.on('SIGINT', this.signalHandler)
    process.on('SIGTERM', this.signalHandler)
  }

  // oclif's own constraints are { [name: string]: any }; parsed flags are kept for washJson.
  protected override async parse<F extends Record<string, any>, B extends Record<string, any>, A extends Record<string, any>>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const parsed = await super.parse(options, argv)
    this.parsedFlags = parsed.flags as Record<string, unknown>
    return parsed
  }

  /** Human-mode output of the result; in JSON mode the returned result is printed instead. */
  protected print(text: string): void {
    if (!this.json) writeStdout(text)
  }

  protected async spinner(): Promise<Spinner> {
    return createSpinner({ json: this.json, quiet: !this.logger.enabled('info') })
  }

  override warn(input: string | Error): string | Error {
    const message = typeof input === 'string' ? input : input.message
    // wash's JSON has no warnings field: under -o json they go to stderr, as wash logs them.
    if (this.json && !this.washOutput) this.warnings.push(message)
    else this.logger.warn(message)
    return input
  }

  /** Prints the one final JSON document; whatever asks later (a late signal, a second error) is dropped. */
  override logJson(json: unknown): void {
    if (this.jsonPrinted) return
    this.jsonPrinted = true
    writeStdout(this.formatJson(json))
  }

  /** How the final document is laid out; commands that stream NDJSON print it on one line. */
  protected formatJson(json: unknown): string {
    return JSON.stringify(json, null, 2)
  }

  override toSuccessJson(result: unknown): unknown {
    if (this.washOutput) {
      const { washJson } = this.constructor as typeof BaseCommand
      const flat: unknown = washJson ? washJson(result as never, this.parsedFlags) : result
      // wash's documents are always objects; a list (or a scalar) is kept whole under "result".
      return flat !== null && typeof flat === 'object' && !Array.isArray(flat) ? { ...flat, success: true } : { result: flat, success: true }
    }
    return { status: ExitStatus.ok, result, warnings: this.warnings }
  }

  override toErrorJson(error: unknown): unknown {
    const wasmctlError = toWasmctlError(error)
    if (this.washOutput) return washErrorJson(wasmctlError)
    const { message, hints, ...rest } = wasmctlError.toJSON()
    const envelope = { status: wasmctlError.exit, error: { ...rest, message: escapeControlCharacters(message), hints: hints.map(escapeControlCharacters) } }
    // A warning often explains the failure (a Docker config that could not be read, then "unauthorized").
    return this.warnings?.length ? { ...envelope, warnings: this.warnings } : envelope
  }

  override async catch(error: Error & { oclif?: { exit?: number }; code?: string }): Promise<void> {
    // this.exit(n) and oclif's own exits are not failures to report.
    if (error?.code === 'EEXIT') throw error
    const wasmctlError = toWasmctlError(error)
    process.exitCode = wasmctlError.exit
    if (this.washOutput) {
      // wash prints its error document on stderr, leaving stdout empty.
      this.jsonPrinted = true
      process.stderr.write(`${this.formatJson(this.toErrorJson(wasmctlError))}\n`)
    } else if (this.json) {
      this.logJson(this.toErrorJson(wasmctlError))
    } else {
      process.stderr.write(`Error: ${escapeControlCharacters(wasmctlError.message)} (${wasmctlError.code})\n`)
      for (const hint of wasmctlError.hints) process.stderr.write(`  hint: ${escapeControlCharacters(hint)}\n`)
    }
    if (this.logger?.enabled('debug') || (!this.logger && debugFromEnv())) {
      const original = wasmctlError.cause ?? error
      process.stderr.write(`${(original as Error)?.stack ?? String(original)}\n`)
    }
  }

  override async finally(error: Error | undefined): Promise<void> {
    clearTimeout(this.hardExitTimer)
    if (this.signalHandler) {
      process.off('SIGINT', this.signalHandler)
      process.off('SIGTERM', this.signalHandler)
    }
    await super.finally(error)
  }

  private onSignal(signal: NodeJS.Signals): void {
    if (this.abortController.signal.aborted) this.exitInterrupted(signal)
    this.abortController.abort(interruptedBy(signal))
    // Long operations watch `this.signal` and clean up (temp files, child processes) within
    // moments; a command that does not watch it is stopped here after a short grace period.
    // Cleared when the command finishes; unref'd so it never keeps a finished process alive.
    this.hardExitTimer ??= setTimeout(() => this.exitInterrupted(signal), 3000).unref()
  }

  private exitInterrupted(signal: NodeJS.Signals): never {
    // Once the outcome is reported (a server that stopped cleanly, then lingers), exit with it.
    if (this.jsonPrinted) process.exit(process.exitCode ?? ExitStatus.ok)
    if (this.washOutput) process.stderr.write(`${this.formatJson(this.toErrorJson(interruptedBy(signal)))}\n`)
    else if (this.json) this.logJson(this.toErrorJson(interruptedBy(signal)))
    else process.stderr.write(`\nInterrupted (${signal}).\n`)
    process.exit(ExitStatus.interrupted)
  }

  private resolveLogLevel(): LogLevel {
    const index = this.argv.findIndex((arg) => arg === '--log-level' || arg.startsWith('--log-level='))
    const fromArgv = index === -1 ? undefined : this.argv[index].includes('=') ? this.argv[index].split('=')[1] : this.argv[index + 1]
    const level = fromArgv ?? process.env.WASMCTL_LOG_LEVEL
    if (level === 'error' || level === 'warn' || level === 'info' || level === 'debug') return level
    return debugFromEnv() ? 'debug' : this.jsonEnabled() ? 'warn' : 'info'
  }
}

/**
 * Whether the command line asks for wash's JSON: `-o json`, `-ojson`, `-o=json`, `--output json` or
 * `--output=json`, before any `--`. Read from argv because the mode must be known before parsing
 * (a usage error is reported in it too).
 */
export function washOutputRequested(argv: readonly string[]): boolean {
  let requested = false
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]
    if (arg === '--') break
    let value: string | undefined
    if (arg === '-o' || arg === '--output') value = argv[index + 1]
    else if (arg.startsWith('--output=')) value = arg.slice('--output='.length)
    else if (arg.startsWith('-o') && !arg.startsWith('--')) value = arg.slice(2).replace(/^=/, '')
    else continue
    // The last one wins, as the parser reads it.
    requested = value === 'json'
  }
  return requested
}

/** wash's error document under -o json (`{"success":false,"error":"..."}`), plus wasmctl's code and hints. */
export function washErrorJson(error: WasmctlError): Record<string, unknown> {
  return { success: false, error: escapeControlCharacters(error.message), code: error.code, hints: error.hints.map(escapeControlCharacters) }
}

/** Maps anything thrown to a WasmctlError: oclif parse errors are usage errors, the rest is a bug. */
export function toWasmctlError(error: unknown): WasmctlError {
  if (isWasmctlError(error)) return error
  const err = error as Error & { parse?: unknown; oclif?: { exit?: number }; code?: string; name?: string }
  if (err && typeof err === 'object' && ('parse' in err || err.oclif?.exit === 2)) {
    const lines = String(err.message)
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !/^see more help/i.test(line))
    const hints = ['run the command with --help to see its usage']
    // `-o FILE` named the output file of sign and pull before -o became wash's output format.
    if (/--output=.* to be one of/.test(lines.join(' '))) hints.unshift('-o/--output is the output format (text or json), as in wash: write the file with --destination')
    return new WasmctlError('USAGE', lines.join(' '), { cause: error, hints })
  }
  if (err?.name === 'AbortError' || err?.code === 'ABORT_ERR') {
    return new WasmctlError('INTERRUPTED', 'interrupted', { cause: error })
  }
  if (err && typeof err === 'object' && typeof err.oclif?.exit === 'number' && err.message) {
    // Errors oclif raises itself (this.error, unknown topic) are reported as usage problems.
    return new WasmctlError('USAGE', err.message.split('\n')[0], { cause: error })
  }
  return new WasmctlError('INTERNAL', `internal error: ${err?.message ?? String(error)}`, {
    cause: error,
    hints: ['this is a bug in wasmctl: rerun with --log-level debug and report the output'],
  })
}

/**
 * Error text may quote file names, registry answers or a guest's output: control characters (a
 * raw NUL, an escape sequence that rewrites the terminal, a bidirectional override) are shown as
 * escapes instead of reaching the terminal or a log.
 */
export function escapeControlCharacters(text: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }
  return text.replace(/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu, (char) => {
    if (named[char]) return named[char]
    const code = char.codePointAt(0)!
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

function interruptedBy(signal: NodeJS.Signals): WasmctlError {
  return new WasmctlError('INTERRUPTED', `interrupted by ${signal}`, { hints: ['run the command again to retry'] })
}

/** A flag default read from the first of several environment variables (WASMCTL_* and wash's names). */
export function fromEnv(...names: string[]): string | undefined {
  for (const name of names) {
    const value = process.env[name]
    if (value !== undefined && value !== '') return value
  }
  return undefined
}
