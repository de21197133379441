import { type ByteSink, type ByteSource, InputStream, OutputStream, resourceCounter } from './io.js'

/**
 * wasi:cli for the embedded host: only what the user configured is visible (environment
 * variables from --env / [dev] env, never the host's), stdio goes where the host says, and
 * `exit` unwinds the guest with an ExitSignal instead of ending the process.
 */
export interface CliSettings {
  env: Record<string, string>
  args: string[]
  stdout: ByteSink
  stderr: ByteSink
  /** Absent: stdin is empty. */
  stdin?: ByteSource
}

/** Thrown through the guest's frames by wasi:cli/exit; the runner turns it into an exit code. */
export class ExitSignal extends Error {
  constructor(readonly code: number) {
    super(`component exited with code ${code}`)
    this.name = 'ExitSignal'
  }
}

class TerminalInput {
  constructor() {
    resourceCounter.created++
  }

  [Symbol.dispose](): void {}
}

class TerminalOutput {
  constructor() {
    resourceCounter.created++
  }

  [Symbol.dispose](): void {}
}

const emptySource: ByteSource = { read: () => undefined }

export function createCli(settings: () => CliSettings) {
  return {
    environment: {
      getEnvironment: (): [string, string][] => Object.entries(settings().env),
      getArguments: (): string[] => settings().args,
      initialCwd: (): string | undefined => undefined,
    },
    exit: {
      exit(status: { tag: 'ok' | 'err' }): never {
        throw new ExitSignal(status.tag === 'err' ? 1 : 0)
      },
      exitWithCode(code: number): never {
        throw new ExitSignal(code)
      },
    },
    // A new stream object per call: the glue disposes the object when the guest drops its handle.
    stdin: { getStdin: () => new InputStream(settings().stdin ?? emptySource) },
    stdout: { getStdout: () => new OutputStream(settings().stdout) },
    stderr: { getStderr: () => new OutputStream(settings().stderr) },
    terminalInput: { TerminalInput },
    terminalOutput: { TerminalOutput },
    // Not a terminal: components then print plain text.
    terminalStdin: { getTerminalStdin: () => undefined },
    terminalStdout: { getTerminalStdout: () => undefined },
    terminalStderr: { getTerminalStderr: () => undefined },
  }
}
