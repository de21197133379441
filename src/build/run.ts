import { fsError, interrupted, throwIfAborted, WasmctlError } from '../errors.js'
import type { BuildEvent } from './events.js'

/**
 * Runs one toolchain process: output goes line by line to `onEvent` (the command prints it on
 * stderr), the last lines of stderr are kept for the error, and Ctrl-C ends the whole process
 * tree. The child leads its own process group (`detached`) so that killing the group also ends the
 * compilers and linkers it started (cargo → rustc → lld, sh → make → clang).
 */
export interface RunToolOptions {
  /** The toolchain, for output prefixes and error messages. */
  tool: string
  file: string
  args?: string[]
  cwd: string
  /** Run `file` through the shell (`[component] build_command`). */
  shell?: boolean
  /** Added to the inherited environment. */
  env?: Record<string, string | undefined>
  signal?: AbortSignal
  onEvent?: (event: BuildEvent) => void
  /** stdout carries data (cargo's JSON messages), not output for people. */
  stdoutIsData?: boolean
}

export interface RunToolResult {
  stdout: string
  stderr: string
}

const TAIL_LINES = 20
const KILL_GRACE_MS = 2000

export async function runTool(options: RunToolOptions): Promise<RunToolResult> {
  throwIfAborted(options.signal, 'build')
  const { execa } = await import('execa')
  const commandLine = options.shell ? options.file : [options.file, ...(options.args ?? [])].map(quoteArg).join(' ')
  options.onEvent?.({ type: 'command', tool: options.tool, command: commandLine, cwd: options.cwd })
  const child = execa(options.file, options.args ?? [], {
    cwd: options.cwd,
    shell: options.shell ?? false,
    env: options.env,
    extendEnv: true,
    stdin: 'ignore',
    detached: true,
    reject: false,
    cancelSignal: options.signal,
    forceKillAfterDelay: KILL_GRACE_MS,
    lines: false,
    buffer: true,
  })
  const stderrTail: string[] = []
  const stdoutTail: string[] = []
  forwardLines(child.stdout, (line) => {
    if (options.stdoutIsData) return
    keepTail(stdoutTail, line)
    options.onEvent?.({ type: 'output', tool: options.tool, stream: 'stdout', line })
  })
  forwardLines(child.stderr, (line) => {
    keepTail(stderrTail, line)
    options.onEvent?.({ type: 'output', tool: options.tool, stream: 'stderr', line })
  })
  const killGroup = () => killProcessGroup(child.pid)
  options.signal?.addEventListener('abort', killGroup, { once: true })
  let result
  try {
    result = await child
  } finally {
    options.signal?.removeEventListener('abort', killGroup)
  }
  if (options.signal?.aborted || result.isCanceled) {
    killGroup()
    throw interrupted('build')
  }
  if (result.failed) {
    const notFound = (result.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
    const tail = stderrTail.length > 0 ? stderrTail : stdoutTail
    const status = result.exitCode ?? result.signal ?? 'unknown'
    const reason = notFound ? `${options.file} was not found` : `exited with ${typeof status === 'number' ? `code ${status}` : status}`
    const summary = firstErrorLine(tail)
    // One line for people (the full output was streamed above); the tail is in details for --json.
    throw new WasmctlError('BUILD_FAILED', `${options.tool} failed: \`${commandLine}\` ${reason}${summary ? `: ${summary}` : ''}`, {
      hints: [notFound ? `install ${options.file}, or check its path` : 'fix the error shown above and build again'],
      details: { command: commandLine, cwd: options.cwd, exitCode: result.exitCode ?? null, signal: result.signal ?? null, stderrTail: tail },
    })
  }
  return { stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') }
}

/** The line most worth quoting: the first that reports an error (`file.c:3:5: error: ...`), else the last. */
function firstErrorLine(lines: string[]): string | undefined {
  const meaningful = lines.map((line) => line.trim()).filter(Boolean)
  return meaningful.find((line) => /\berror\b/i.test(line)) ?? meaningful.at(-1)
}

function keepTail(tail: string[], line: string): void {
  tail.push(line)
  if (tail.length > TAIL_LINES) tail.shift()
}

/** Splits a stream into lines as they arrive, so long builds show progress live. */
function forwardLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return
  let pending = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    pending += chunk
    const lines = pending.split(/\r?\n/)
    pending = lines.pop() ?? ''
    for (const line of lines) onLine(line)
  })
  stream.on('end', () => {
    if (pending) onLine(pending)
    pending = ''
  })
}

/** Ends the child's whole process group: SIGTERM now, SIGKILL for whatever is still there after a grace period. */
function killProcessGroup(pid: number | undefined): void {
  if (!pid) return
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal)
    } catch {
      // The group is already gone.
    }
  }
  signalGroup('SIGTERM')
  setTimeout(() => signalGroup('SIGKILL'), KILL_GRACE_MS).unref()
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`
}

/** Reads the file a toolchain was told to write; a tool that "succeeded" without writing it is an error. */
export async function readToolOutput(file: string, tool: string): Promise<Uint8Array> {
  const { readFile } = await import('node:fs/promises')
  try {
    return await readFile(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw fsError(error, `read the ${tool} output`, file)
    throw new WasmctlError('BUILD_ARTIFACT_MISSING', `${tool} exited successfully but did not write ${file}`, {
      hints: [`run the ${tool} command shown above by hand to see what it wrote`],
      details: { artifact: file },
    })
  }
}

/** Runs `work` with a fresh temporary folder that is removed afterwards, whatever happens. */
export async function withWorkDir<T>(prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  const { mkdtemp, rm } = await import('node:fs/promises')
  const os = await import('node:os')
  const path = await import('node:path')
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix))
  try {
    return await work(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
