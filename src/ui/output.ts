/**
 * Where text goes: the result on stdout, everything else (progress, logs, child output) on
 * stderr. In JSON mode stdout carries exactly one document, written by the base command.
 */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug'

const order: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 }

export interface Logger {
  level: LogLevel
  error(message: string): void
  warn(message: string): void
  info(message: string): void
  debug(message: string): void
  enabled(level: LogLevel): boolean
}

export function debugFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.DEBUG ?? '').split(/[\s,]+/).some((pattern) => pattern === '*' || pattern.startsWith('wasmctl'))
}

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(line + '\n')): Logger {
  const enabled = (at: LogLevel) => order[at] <= order[level]
  return {
    level,
    enabled,
    error: (m) => enabled('error') && write(m),
    warn: (m) => enabled('warn') && write(`warning: ${m}`),
    info: (m) => enabled('info') && write(m),
    debug: (m) => enabled('debug') && write(`debug: ${m}`),
  }
}

export function writeStdout(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n')
}
