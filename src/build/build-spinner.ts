import type { Spinner } from '../ui/spinner.js'
import type { BuildEvent } from './events.js'

/**
 * The live line `wasmctl build` shows at a terminal while it waits (issue 15): the current step
 * and the time it has taken so far, redrawn every tenth of a second. The build runs off the main
 * thread (off-thread.ts), so the timer keeps turning through componentize-js's synchronous wizer
 * run. Anything else the build prints is written between frames. CI logs never see this (the
 * spinner is silent without a TTY; plain log lines are printed there as before).
 */
export interface BuildSpinner {
  /** Takes a step event (true), or returns false for the caller to print as usual. */
  event(event: BuildEvent): boolean
  /** Prints a line without tearing the spinner's frame. */
  print(write: () => void): void
  stop(): void
}

export function createBuildSpinner(spinner: Spinner, now: () => number = () => performance.now()): BuildSpinner {
  const started = now()
  let stepStarted = started
  let step = 'starting the build'
  let running = true
  const text = () => `${step} · ${((now() - stepStarted) / 1000).toFixed(1)} s (total ${((now() - started) / 1000).toFixed(1)} s)`
  spinner.start(text())
  const timer = setInterval(() => running && spinner.update(text()), 100)
  timer.unref?.()
  return {
    event(event) {
      if (event.type !== 'step') return false
      step = event.message
      stepStarted = now()
      spinner.update(text())
      return true
    },
    print(write) {
      if (!running) return write()
      spinner.stop()
      write()
      spinner.start(text())
    },
    stop() {
      if (!running) return
      running = false
      clearInterval(timer)
      spinner.stop()
    },
  }
}
