/**
 * What shell completion needs to know about the CLI: every command path (`keys gen`, with aliases
 * such as `claims sign`), the topics in between (`keys`), and each command's flags and the
 * choices of its values and arguments. Built from oclif's command list (the manifest) through
 * structural types, so this module never imports oclif.
 */
export interface CompletionFlag {
  /** Long name without dashes. */
  name: string
  char?: string
  description?: string
  /** Takes a value (`--template T`) rather than being a switch. */
  takesValue: boolean
  /** The values to offer; none means a file name. */
  options?: string[]
}

export interface CompletionCommand {
  /** Words separated by spaces: `keys gen`. */
  path: string
  description?: string
  flags: CompletionFlag[]
  /** Choices for the first positional argument, when it has some (`completions bash|zsh|fish`). */
  argOptions?: string[]
}

export interface CompletionModel {
  bin: string
  commands: CompletionCommand[]
  /** Every path that has words below it (`""` for the root), with the words and their descriptions. */
  children: Map<string, { word: string; description: string }[]>
}

/** The parts of an oclif command (a manifest entry or a loaded class) that completion reads. */
export interface CommandLike {
  id: string
  aliases?: string[]
  hidden?: boolean
  summary?: string
  description?: string
  flags?: Record<string, FlagLike | undefined>
  args?: Record<string, { options?: readonly string[]; hidden?: boolean } | undefined>
}

export interface FlagLike {
  name?: string
  char?: string
  type?: string
  hidden?: boolean
  options?: readonly string[]
  allowNo?: boolean
  aliases?: string[]
  summary?: string
  description?: string
}

/** Names a shell may see unquoted: anything else is left out rather than risk breaking the script. */
const SAFE_WORD = /^[A-Za-z0-9][A-Za-z0-9._+@=-]*$/

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0].trim()
}

function flagsOf(command: CommandLike, suggested: Record<string, readonly string[]> = {}): CompletionFlag[] {
  const flags: CompletionFlag[] = []
  for (const [key, flag] of Object.entries(command.flags ?? {})) {
    if (!flag || flag.hidden) continue
    const name = flag.name ?? key
    if (!SAFE_WORD.test(name)) continue
    const takesValue = flag.type === 'option'
    const options = (flag.options ?? (takesValue ? suggested[name] : undefined))?.filter((option) => SAFE_WORD.test(option))
    const char = flag.char && /^[A-Za-z0-9]$/.test(flag.char) ? flag.char : undefined
    const description = firstLine(flag.summary ?? flag.description)
    flags.push({ name, ...(char ? { char } : {}), ...(description ? { description } : {}), takesValue, ...(options && options.length > 0 ? { options } : {}) })
    for (const alias of flag.aliases ?? []) {
      if (SAFE_WORD.test(alias)) flags.push({ name: alias, ...(description ? { description } : {}), takesValue, ...(options && options.length > 0 ? { options } : {}) })
    }
    if (flag.allowNo) flags.push({ name: `no-${name}`, description: description ? `not: ${description}` : '', takesValue: false })
  }
  if (!flags.some((flag) => flag.name === 'help')) flags.push({ name: 'help', char: 'h', description: 'Show help for this command.', takesValue: false })
  return flags.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/**
 * The completion model of a CLI. `topics` gives descriptions to the intermediate words
 * (`keys`); ids use `:` between words, as oclif stores them. `suggestions` offers values for
 * free-form flags (command id -> flag name -> values), such as the template names of `new`.
 */
export function buildCompletionModel(
  bin: string,
  commands: readonly CommandLike[],
  topics: Record<string, string | undefined> = {},
  suggestions: Record<string, Record<string, readonly string[]>> = {},
): CompletionModel {
  const byPath = new Map<string, CompletionCommand>()
  for (const command of commands) {
    if (command.hidden) continue
    const flags = flagsOf(command, suggestions[command.id])
    const argOptions = Object.values(command.args ?? {}).find((arg) => arg && !arg.hidden)?.options?.filter((option) => SAFE_WORD.test(option))
    const description = firstLine(command.summary ?? command.description)
    for (const id of [command.id, ...(command.aliases ?? [])]) {
      const words = id.split(/[: ]/)
      if (words.some((word) => !SAFE_WORD.test(word))) continue
      const path = words.join(' ')
      if (!byPath.has(path)) byPath.set(path, { path, description, flags, ...(argOptions && argOptions.length > 0 ? { argOptions: [...argOptions] } : {}) })
    }
  }
  const children = new Map<string, { word: string; description: string }[]>()
  for (const path of byPath.keys()) {
    const words = path.split(' ')
    for (let depth = 0; depth < words.length; depth++) {
      const parent = words.slice(0, depth).join(' ')
      const child = words.slice(0, depth + 1).join(' ')
      const list = children.get(parent) ?? []
      if (!list.some((entry) => entry.word === words[depth])) {
        list.push({ word: words[depth], description: byPath.get(child)?.description || firstLine(topics[child.replaceAll(' ', ':')]) || '' })
      }
      children.set(parent, list)
    }
  }
  for (const list of children.values()) list.sort((a, b) => (a.word < b.word ? -1 : a.word > b.word ? 1 : 0))
  const sorted = [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return { bin, commands: sorted, children }
}
