import type { OciEvent } from '../oci/client.js'
import type { Logger } from './output.js'
import type { Spinner } from './spinner.js'

/** Registry events on stderr: notices and retries as log lines, transfer progress on a TTY spinner; warnings go to `warn` (the JSON envelope in --json). */
export function transferReporter(logger: Logger, spinner: Spinner, warn: (message: string) => void = logger.warn): (event: OciEvent) => void {
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`
  return (event) => {
    if (event.type === 'notice') logger.info(event.message)
    else if (event.type === 'warning') warn(event.message)
    else if (event.type === 'debug') logger.debug(event.message)
    else if (event.type === 'retry') logger.info(`retrying in ${event.delayMs} ms (attempt ${event.attempt}): ${event.reason}`)
    else if (event.type === 'blob') logger.debug(`blob ${event.digest} ${event.action}${event.from ? ` from ${event.from}` : ''}`)
    else if (event.type === 'progress' && event.total && event.total >= 1e6) {
      const percent = Math.floor((event.bytes / event.total) * 100)
      spinner.update(`${event.phase === 'upload' ? 'Uploading' : 'Downloading'} ${event.digest.slice(7, 19)} ${percent}% (${mb(event.bytes)} / ${mb(event.total)})`)
    }
  }
}
