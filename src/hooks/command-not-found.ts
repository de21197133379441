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
  // `build extra`: a real command with an argument it does not take (oclif looks for a command
  // `build:extra` first). Say that, as for any other command, rather than "not a command".
  const words = options.id.split(':')
  const command = words.map((_, end) => words.slice(0, words.length - end).join(':')).find((id, at) => at > 0 && ids.includes(id))
  if (command !== undefined) {
    const extra = words.slice(command.split(':').length).join(' ')
    return report(this, options.argv, new WasmctlError('USAGE', `Unexpected argument: ${extra}`, { hints: [`run \`wasmctl ${command.replaceAll(':', ' ')} --help\` to see its usage`] }))
  }
  const guess = ids.length > 0 ? closest(options.id, ids) : undefined
  const plausible = guess !== undefined && distance(options.id, guess) <= Math.max(2, Math.floor(options.id.length / 3))
  const suggestion = plausible ? guess.replaceAll(':', ' ') : undefined
  const error = new WasmctlError(
    'USAGE',
    `"${typed}" is not a wasmctl command${suggestion ? `. Did you mean "${suggestion}"?` : ''}`,
    { hints: ['run `wasmctl --help` for the list of commands'] },
  )
  return report(this, options.argv, error)
}

function report(context: { exit(code: number): void }, argv: string[] | undefined, error: WasmctlError): void {
  process.exitCode = error.exit
  if (argv?.includes('--json') || process.argv.includes('--json')) {
    writeStdout(JSON.stringify({ status: error.exit, error: error.toJSON() }, null, 2))
  } else {
    process.stderr.write(`Error: ${error.message} (${error.code})\n  hint: ${error.hints[0]}\n`)
  }
  return context.exit(error.exit)
}

export default hook
