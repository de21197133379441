import { interrupted, WasmctlError } from '../errors.js'
import { isInteractive } from './tty.js'

/**
 * Prompts that never hang: when wasmctl cannot ask (no TTY, CI, --json) a missing value is an
 * INPUT_REQUIRED error naming the flag that provides it. inquirer is imported lazily so commands
 * that never prompt do not pay for loading it.
 */
export interface PromptContext {
  json?: boolean
}

function required(flag: string, what: string): WasmctlError {
  return new WasmctlError('INPUT_REQUIRED', `${what} is required: pass ${flag}`, {
    hints: [`non-interactive runs (no TTY, CI set, or --json) must pass ${flag}`],
    details: { flag },
  })
}

/** Ctrl-C at a prompt is an interruption (exit 130), not a crash: inquirer throws ExitPromptError. */
async function asked<T>(question: () => Promise<T>): Promise<T> {
  try {
    return await question()
  } catch (error) {
    if ((error as Error)?.name === 'ExitPromptError' || (error as Error)?.name === 'AbortPromptError') throw interrupted('prompt')
    throw error
  }
}

export async function promptText(
  context: PromptContext,
  options: { flag: string; message: string; default?: string; validate?: (value: string) => string | true },
): Promise<string> {
  if (!isInteractive(context)) throw required(options.flag, options.message)
  const { input } = await import('@inquirer/prompts')
  return asked(() => input({ message: options.message, default: options.default, validate: options.validate }))
}

export async function promptSelect<T extends string>(
  context: PromptContext,
  options: { flag: string; message: string; choices: { value: T; name?: string; description?: string }[]; default?: T },
): Promise<T> {
  if (!isInteractive(context)) throw required(options.flag, options.message)
  const { select } = await import('@inquirer/prompts')
  return asked(() => select({ message: options.message, choices: options.choices, default: options.default }))
}

export async function promptConfirm(
  context: PromptContext,
  options: { flag: string; message: string; default?: boolean },
): Promise<boolean> {
  if (!isInteractive(context)) throw required(options.flag, options.message)
  const { confirm } = await import('@inquirer/prompts')
  return asked(() => confirm({ message: options.message, default: options.default }))
}

/** Throws INPUT_REQUIRED up front, for values a command cannot do without and cannot ask for. */
export function requireValue<T>(value: T | undefined, context: PromptContext, flag: string, what: string): T {
  if (value === undefined || value === '') throw required(flag, what)
  return value
}

/** A masked prompt for a secret; undefined when wasmctl may not ask (the caller then names the variable to set). */
export function passwordAsker(context: PromptContext): ((message: string) => Promise<string>) | undefined {
  if (!isInteractive(context)) return undefined
  return async (message) => {
    const { password } = await import('@inquirer/prompts')
    return asked(() => password({ message, mask: '*' }))
  }
}
