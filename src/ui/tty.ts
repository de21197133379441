/** Whether wasmctl may talk to a person: prompts, spinners and key presses need both ends to be a TTY. */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false'
}

export function isInteractive(options: { json?: boolean } = {}): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY && !isCI() && !options.json)
}

/** Progress on stderr (spinners, bars) only makes sense when stderr is a terminal. */
export function stderrIsTTY(): boolean {
  return Boolean(process.stderr.isTTY)
}

/**
 * A terminal that can show a spinner: a TTY that reports its width. A pseudo-terminal with no size
 * (`script` without a window, some CI runners) reports 0 columns, and ora then clears lines without end.
 */
export function stderrCanAnimate(): boolean {
  return stderrIsTTY() && (process.stderr.columns ?? 0) > 0
}
