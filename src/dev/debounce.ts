/**
 * Collects changed paths and flushes them once the burst is over: `quietMs` after the last
 * change, or `maxWaitMs` after the first one so that a file written continuously still gets
 * built. An editor's save is often several events (write, chmod, rename); a formatter on save
 * adds more; all of them become one build.
 */
export interface ChangeBatcher {
  add(file: string): void
  /** Drops anything pending (the session is stopping). */
  cancel(): void
  readonly pending: number
}

export interface ChangeBatch {
  files: string[]
}

/** Timers may fire a fraction of a millisecond before performance.now() says they are due. */
const TIMER_SLACK_MS = 1

export function createChangeBatcher(options: { quietMs: number; maxWaitMs: number; flush: (batch: ChangeBatch) => void }): ChangeBatcher {
  let files = new Set<string>()
  let timer: NodeJS.Timeout | undefined
  let immediate: NodeJS.Immediate | undefined
  let firstChange = 0
  let lastChange = 0

  const due = () => Math.min(lastChange + options.quietMs, firstChange + options.maxWaitMs)
  const schedule = () => {
    clearTimeout(timer)
    timer = setTimeout(check, Math.max(0, due() - performance.now()))
  }
  /**
   * A timer that fires after the event loop was busy runs before the file events queued meanwhile
   * are delivered; deciding after them (setImmediate runs after the I/O phase) keeps such a stall
   * from splitting one burst into two builds.
   */
  const check = () => {
    immediate = setImmediate(() => {
      immediate = undefined
      if (files.size === 0) return
      if (performance.now() + TIMER_SLACK_MS < due()) return schedule()
      const batch = { files: [...files].sort() }
      files = new Set()
      options.flush(batch)
    })
  }

  return {
    add(file) {
      lastChange = performance.now()
      if (files.size === 0) firstChange = lastChange
      files.add(file)
      if (!immediate) schedule()
    },
    cancel() {
      clearTimeout(timer)
      if (immediate) clearImmediate(immediate)
      immediate = undefined
      files = new Set()
    },
    get pending() {
      return files.size
    },
  }
}
