import type { CompletionCommand, CompletionModel } from './model.js'

/**
 * Completion scripts for bash, zsh and fish, printed from the completion model: command and
 * topic words, each command's flags (long and short), the choices of flag values and arguments,
 * and file names where a value is a path. Each script carries its own tables, so it needs no
 * call back into wasmctl while completing (completion stays instant, even where starting node
 * is slow).
 */
export const SHELLS = ['bash', 'zsh', 'fish'] as const
export type Shell = (typeof SHELLS)[number]

/** The file names clap_complete gives (wash's `completions -d DIR` writes these). */
export function completionFileName(shell: Shell, bin: string): string {
  return shell === 'bash' ? `${bin}.bash` : shell === 'zsh' ? `_${bin}` : `${bin}.fish`
}

export function completionScript(shell: Shell, model: CompletionModel): string {
  return shell === 'bash' ? bashScript(model) : shell === 'zsh' ? zshScript(model) : fishScript(model)
}

/** A word every shell reads literally inside single quotes (the model holds only safe words). */
function singleQuoted(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`
}

function functionName(bin: string): string {
  return `_${bin.replace(/[^A-Za-z0-9_]/g, '_')}`
}

function flagWords(command: CompletionCommand): string[] {
  return command.flags.flatMap((flag) => [`--${flag.name}`, ...(flag.char ? [`-${flag.char}`] : [])])
}

function valueFlags(command: CompletionCommand): { words: string[]; options?: string[] }[] {
  return command.flags
    .filter((flag) => flag.takesValue)
    .map((flag) => ({ words: [`--${flag.name}`, ...(flag.char ? [`-${flag.char}`] : [])], ...(flag.options ? { options: flag.options } : {}) }))
}

function pathsWithChildren(model: CompletionModel): string[] {
  return [...model.children.keys()].sort()
}

function bashScript(model: CompletionModel): string {
  const fn = functionName(model.bin)
  const lines: string[] = [
    `# bash completion for ${model.bin}`,
    `# Load it with:  source <(${model.bin} completions bash)`,
    `# or install it: ${model.bin} completions bash > ~/.local/share/bash-completion/completions/${model.bin}`,
    '',
    `${fn}_children() {`,
    '  case "$1" in',
    ...pathsWithChildren(model).map((path) => `    ${singleQuoted(path)}) echo ${singleQuoted(model.children.get(path)!.map((entry) => entry.word).join(' '))} ;;`),
    '  esac',
    '}',
    '',
    `${fn}_flags() {`,
    '  case "$1" in',
    ...model.commands.map((command) => `    ${singleQuoted(command.path)}) echo ${singleQuoted(flagWords(command).join(' '))} ;;`),
    '  esac',
    '}',
    '',
    '# Prints the choices of a flag value ("" for a file name); fails when the flag takes no value.',
    `${fn}_flag_value() {`,
    '  case "$1 $2" in',
    ...model.commands.flatMap((command) =>
      valueFlags(command).map((flag) => `    ${flag.words.map((word) => singleQuoted(`${command.path} ${word}`)).join('|')}) echo ${singleQuoted((flag.options ?? []).join(' '))} ;;`),
    ),
    '    *) return 1 ;;',
    '  esac',
    '}',
    '',
    `${fn}_args() {`,
    '  case "$1" in',
    ...model.commands.filter((command) => command.argOptions).map((command) => `    ${singleQuoted(command.path)}) echo ${singleQuoted(command.argOptions!.join(' '))} ;;`),
    '  esac',
    '}',
    '',
    `${fn}() {`,
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="" cmdpath="" word i values',
    '  (( COMP_CWORD > 1 )) && prev="${COMP_WORDS[COMP_CWORD-1]}"',
    '  COMPREPLY=()',
    '  # The command is the run of words after the program name that name a command or topic.',
    '  for (( i = 1; i < COMP_CWORD; i++ )); do',
    '    word="${COMP_WORDS[i]}"',
    `    if [[ " $(${fn}_children "$cmdpath") " == *" $word "* ]]; then cmdpath="\${cmdpath:+$cmdpath }$word"; else break; fi`,
    '  done',
    `  if values="$(${fn}_flag_value "$cmdpath" "$prev")"; then`,
    '    if [[ -n "$values" ]]; then COMPREPLY=( $(compgen -W "$values" -- "$cur") ); else compopt -o filenames 2>/dev/null; COMPREPLY=( $(compgen -f -- "$cur") ); fi',
    '    return 0',
    '  fi',
    '  if [[ "$cur" == -* ]]; then',
    `    COMPREPLY=( $(compgen -W "$(${fn}_flags "$cmdpath")" -- "$cur") )`,
    '    return 0',
    '  fi',
    `  local children="$(${fn}_children "$cmdpath")"`,
    '  if [[ -n "$children" && ( $i -eq $COMP_CWORD ) ]]; then',
    '    COMPREPLY=( $(compgen -W "$children" -- "$cur") )',
    '    return 0',
    '  fi',
    `  local args="$(${fn}_args "$cmdpath")"`,
    '  if [[ -n "$args" ]]; then COMPREPLY=( $(compgen -W "$args" -- "$cur") ); else compopt -o filenames 2>/dev/null; COMPREPLY=( $(compgen -f -- "$cur") ); fi',
    '  return 0',
    '}',
    '',
    `complete -F ${fn} ${model.bin}`,
  ]
  return lines.join('\n') + '\n'
}

/** zsh's `_describe` entries: `word:description`, with the colons in words escaped. */
function describeEntries(entries: { word: string; description?: string }[]): string {
  return entries.map((entry) => singleQuoted(`${entry.word.replaceAll(':', '\\:')}:${(entry.description ?? '').replaceAll('\n', ' ')}`)).join(' ')
}

function zshScript(model: CompletionModel): string {
  const fn = functionName(model.bin)
  const lines: string[] = [
    `#compdef ${model.bin}`,
    `# zsh completion for ${model.bin}`,
    `# Load it with:  source <(${model.bin} completions zsh)   (after compinit)`,
    `# or install it: ${model.bin} completions zsh -d DIR, with DIR on $fpath`,
    '',
    `${fn}_children() {`,
    '  case "$1" in',
    ...pathsWithChildren(model).map((path) => `    ${singleQuoted(path)}) reply=(${describeEntries(model.children.get(path)!)}) ;;`),
    '    *) reply=() ;;',
    '  esac',
    '}',
    '',
    `${fn}_flags() {`,
    '  case "$1" in',
    ...model.commands.map(
      (command) =>
        `    ${singleQuoted(command.path)}) reply=(${describeEntries(
          command.flags.flatMap((flag) => [{ word: `--${flag.name}`, description: flag.description }, ...(flag.char ? [{ word: `-${flag.char}`, description: flag.description }] : [])]),
        )}) ;;`,
    ),
    '    *) reply=() ;;',
    '  esac',
    '}',
    '',
    '# Sets reply to the choices of a flag value (empty for a file name); fails when the flag takes no value.',
    `${fn}_flag_value() {`,
    '  case "$1 $2" in',
    ...model.commands.flatMap((command) =>
      valueFlags(command).map((flag) => `    ${flag.words.map((word) => singleQuoted(`${command.path} ${word}`)).join('|')}) reply=(${(flag.options ?? []).map(singleQuoted).join(' ')}) ;;`),
    ),
    '    *) return 1 ;;',
    '  esac',
    '}',
    '',
    `${fn}_args() {`,
    '  case "$1" in',
    ...model.commands.filter((command) => command.argOptions).map((command) => `    ${singleQuoted(command.path)}) reply=(${command.argOptions!.map(singleQuoted).join(' ')}) ;;`),
    '    *) reply=() ;;',
    '  esac',
    '}',
    '',
    `${fn}() {`,
    // Not `path`: in zsh that is $PATH as an array.
    '  local cmdpath="" word i cur="${words[CURRENT]}" prev="${words[CURRENT-1]}"',
    '  local -a reply names',
    '  for (( i = 2; i < CURRENT; i++ )); do',
    '    word="${words[i]}"',
    `    ${fn}_children "$cmdpath"`,
    '    names=(${reply%%:*})',
    '    if (( ${names[(Ie)$word]} )); then cmdpath="${cmdpath:+$cmdpath }$word"; else break; fi',
    '  done',
    `  if (( CURRENT > 2 )) && ${fn}_flag_value "$cmdpath" "$prev"; then`,
    '    if (( ${#reply} )); then compadd -a reply; else _files; fi',
    '    return',
    '  fi',
    '  if [[ "$cur" == -* ]]; then',
    `    ${fn}_flags "$cmdpath"`,
    "    _describe -t flags 'flag' reply",
    '    return',
    '  fi',
    `  ${fn}_children "$cmdpath"`,
    '  if (( ${#reply} && i == CURRENT )); then',
    "    _describe -t commands 'command' reply",
    '    return',
    '  fi',
    `  ${fn}_args "$cmdpath"`,
    '  if (( ${#reply} )); then compadd -a reply; else _files; fi',
    '}',
    '',
    '# Autoloaded from $fpath the file body is the completion; sourced, it registers the function.',
    `if [[ "\${funcstack[1]}" == "${fn}" ]]; then`,
    `  ${fn} "$@"`,
    'else',
    `  compdef ${fn} ${model.bin}`,
    'fi',
  ]
  return lines.join('\n') + '\n'
}

/** fish reads `\\` and `\'` as escapes inside single quotes. */
function fishQuoted(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

function fishScript(model: CompletionModel): string {
  const fn = `__${model.bin.replace(/[^A-Za-z0-9_]/g, '_')}`
  const known = new Set<string>([...model.children.keys()].filter(Boolean))
  for (const command of model.commands) known.add(command.path)
  const lines: string[] = [
    `# fish completion for ${model.bin}`,
    `# Load it with:  ${model.bin} completions fish | source`,
    `# or install it: ${model.bin} completions fish > ~/.config/fish/completions/${model.bin}.fish`,
    '',
    `# Prints the command path typed so far (\`keys gen\`), "" before any command.`,
    `function ${fn}_path`,
    '    set -l words (commandline -opc)',
    `    set -l known ${[...known].sort().map(singleQuoted).join(' ')}`,
    "    set -l cmdpath ''",
    '    for word in $words[2..-1]',
    '        set -l candidate (string trim -- "$cmdpath $word")',
    '        if contains -- $candidate $known',
    '            set cmdpath $candidate',
    '        else',
    '            break',
    '        end',
    '    end',
    '    echo $cmdpath',
    'end',
    '',
    `function ${fn}_at`,
    `    test (${fn}_path) = "$argv[1]"`,
    'end',
    '',
    `complete -c ${model.bin} -f`,
  ]
  for (const parent of pathsWithChildren(model)) {
    for (const entry of model.children.get(parent)!) {
      lines.push(`complete -c ${model.bin} -n ${fishQuoted(`${fn}_at ${fishQuoted(parent)}`)} -a ${fishQuoted(entry.word)}${entry.description ? ` -d ${fishQuoted(entry.description)}` : ''}`)
    }
  }
  for (const command of model.commands) {
    const condition = `-n ${fishQuoted(`${fn}_at ${fishQuoted(command.path)}`)}`
    for (const flag of command.flags) {
      const value = flag.takesValue ? (flag.options ? ` -x -a ${fishQuoted(flag.options.join(' '))}` : ' -r -F') : ''
      lines.push(
        `complete -c ${model.bin} ${condition} -l ${flag.name}${flag.char ? ` -s ${flag.char}` : ''}${value}${flag.description ? ` -d ${fishQuoted(flag.description)}` : ''}`,
      )
    }
    if (command.argOptions) lines.push(`complete -c ${model.bin} ${condition} -a ${fishQuoted(command.argOptions.join(' '))}`)
    else if (!model.children.has(command.path)) lines.push(`complete -c ${model.bin} ${condition} -F`)
  }
  return lines.join('\n') + '\n'
}
