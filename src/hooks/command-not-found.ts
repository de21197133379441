import type { Hook } from '@oclif/core'
import { closest, distance } from 'fastest-levenshtein'

import { WasmctlError } from '../errors.js'
import { writeStdout } from '../ui/output.js'

/**
 * An unknown command is a usage error with a suggestion, printed the same way as every other
 * error (one line, JSON envelope with --json). oclif's not-found plugin only suggests on a TTY and
 * offers to run the guess; wasmctl never runs a command the user did not type.
 */
const hook: Hook.CommandNotFound = async function (options) {
  const visible = options.config.commands.filter((command) => !command.hidden)
  const ids = [...visible.map((command) => command.id), ...visible.flatMap((command) => command.aliases)]
  const typed = options.id.replaceAll(':', ' ')
  const guess = ids.length > 0 ? closest(options.id, ids) : undefined
  const plausible = guess !== undefined && distance(options.id, guess) <= Math.max(2, Math.floor(options.id.length / 3))
  const suggestion = plausible ? guess.replaceAll(':', ' ') : undefined
  const error = new WasmctlError(
    'USAGE',
    `"${typed}" is not a wasmctl command${suggestion ? `. Did you mean "${suggestion}"?` : ''}`,
    { hints: ['run `wasmctl --help` for the list of commands'] },
  )
  process.exitCode = error.exit
  if (options.argv?.includes('--json') || process.argv.includes('--json')) {
    writeStdout(JSON.stringify({ status: error.exit, error: error.toJSON() }, null, 2))
  } else {
    process.stderr.write(`Error: ${error.message} (${error.code})\n  hint: ${error.hints[0]}\n`)
  }
  this.exit(error.exit)
}

export default hook
