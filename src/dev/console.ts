import type { DevEvent } from './events.js'
import { createTerminalRenderer, toNdjson } from './render.js'

/**
 * Where a dev session's events go: NDJSON lines on stdout with `--json` (one object per line and
 * nothing else), otherwise the human log and status line on stderr. The command hands in the
 * streams, so nothing here picks its own output.
 */
export interface DevConsoleOptions {
  json: boolean
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WriteStream | NodeJS.WritableStream
  color?: boolean
  debug?: boolean
}

export interface DevConsole {
  render(event: DevEvent): void
  dispose(): void
}

export function createDevConsole(options: DevConsoleOptions): DevConsole {
  if (options.json) {
    return {
      render(event) {
        const line = toNdjson(event)
        if (line) options.stdout.write(line + '\n')
      },
      dispose() {},
    }
  }
  const stderr = options.stderr as NodeJS.WriteStream
  const tty = Boolean(stderr.isTTY)
  const renderer = createTerminalRenderer({
    write: (text) => void stderr.write(text),
    tty,
    color: options.color ?? (tty && !process.env.NO_COLOR),
    columns: () => stderr.columns,
    debug: options.debug,
  })
  return { render: (event) => renderer.render(event), dispose: () => renderer.dispose() }
}
