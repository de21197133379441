import { stderrCanAnimate } from './tty.js'

/**
 * A spinner on stderr, only for a person at a terminal: silent in JSON mode and when stderr is not
 * a TTY (CI logs should not fill with frames). Plain progress lines go through the logger instead.
 */
export interface Spinner {
  start(text: string): void
  update(text: string): void
  succeed(text?: string): void
  fail(text?: string): void
  stop(): void
}

const silent: Spinner = { start() {}, update() {}, succeed() {}, fail() {}, stop() {} }

export async function createSpinner(options: { json?: boolean; quiet?: boolean } = {}): Promise<Spinner> {
  if (options.json || options.quiet || !stderrCanAnimate()) return silent
  const { default: ora } = await import('ora')
  const spinner = ora({ stream: process.stderr, discardStdin: false })
  return {
    start: (text) => void spinner.start(text),
    update: (text) => void (spinner.text = text),
    succeed: (text) => void spinner.succeed(text),
    fail: (text) => void spinner.fail(text),
    stop: () => void spinner.stop(),
  }
}
