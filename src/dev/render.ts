import path from 'node:path'

import type { DevEvent } from './events.js'

/**
 * How a dev session looks: NDJSON lines for `--json`, and for people a log of what happened plus,
 * on a terminal, one status line kept at the bottom (building / serving vN at URL / build failed).
 * Both are pure formatters over the bus events; the command decides where the text goes.
 */

/**
 * One event as one line of JSON (`{"event": "build.ok", "time": ..., ...}`, the shape `up --json`
 * uses too), or undefined for events that are not part of the stream.
 */
export function toNdjson(event: DevEvent): string | undefined {
  if (event.type === 'build.request') return undefined
  if (event.type === 'log' && event.level === 'debug') return undefined
  const { type, ...fields } = event
  if (event.type === 'config.reload') return JSON.stringify({ event: type, time: event.time, file: event.file })
  return JSON.stringify({ event: type, ...fields })
}

export interface TerminalRendererOptions {
  /** Writes to the terminal (stderr: the dev log is progress, not a result). */
  write: (text: string) => void
  /** Redraw a status line at the bottom; plain lines only when false (CI logs, pipes). */
  tty: boolean
  color?: boolean
  /** Terminal width, to keep the status line on one row. */
  columns?: () => number | undefined
  /** Show request lines (on by default) and debug logs (off by default). */
  requests?: boolean
  debug?: boolean
}

export interface TerminalRenderer {
  render(event: DevEvent): void
  /** Clears the status line (before the command prints its last words). */
  dispose(): void
}

const KEYS_HELP = 'r rebuild · o open · q quit'

export function createTerminalRenderer(options: TerminalRendererOptions): TerminalRenderer {
  const paint = painter(options.color ?? false)
  let status = ''
  let url: string | undefined
  let version = 0

  const clear = () => (options.tty && status ? '\r\x1b[2K' : '')
  const fit = (text: string) => {
    const width = options.columns?.() ?? 0
    return width > 10 && visibleLength(text) > width - 1 ? truncateVisible(text, width - 2) + paint.reset('…') : text
  }
  const line = (text: string) => {
    options.write(`${clear()}${text}\n${options.tty ? fit(status) : ''}`)
  }
  const setStatus = (text: string) => {
    if (!options.tty) return
    const previous = clear()
    status = text
    options.write(`${previous || '\r\x1b[2K'}${fit(status)}`)
  }
  const serving = () => (version > 0 ? `${paint.green('●')} serving v${version} at ${paint.bold(url ?? '')}` : `${paint.yellow('○')} waiting for a good build at ${url ?? ''}`)

  return {
    dispose() {
      if (options.tty && status) options.write('\r\x1b[2K')
      status = ''
    },
    render(event) {
      switch (event.type) {
        case 'host.ready':
          url = event.url
          line(`${paint.bold('wasmctl dev')} listening at ${paint.bold(event.url)}${options.tty ? paint.dim(`  (${KEYS_HELP})`) : ''}`)
          for (const link of event.links ?? []) line(paint.dim(`linked: ${link.interfaces.join(', ')} from ${link.file}`))
          if (event.manifest) {
            const what = event.manifest.app ? `${event.manifest.app} (${event.manifest.file})` : event.manifest.file
            line(paint.dim(`manifest: ${what}${event.manifest.component ? `, the build as ${event.manifest.component}` : ''}`))
          }
          break
        case 'link.change': {
          const others = event.files.filter((file) => file !== event.manifest)
          if (event.manifest) line(`${paint.cyan('⚙')} manifest changed: ${path.basename(event.manifest)}`)
          if (others.length > 0) line(`${paint.cyan('⚙')} linked component changed: ${others.map((file) => path.basename(file)).join(', ')}`)
          break
        }
        case 'watch.ready':
          if (options.debug) line(paint.dim(`watching ${event.roots.join(', ')}`))
          break
        case 'watch.change':
          if (options.debug) line(paint.dim(`changed: ${event.files.join(', ')}${event.reconfigure ? ' (reconfigure)' : ''}`))
          break
        case 'build.start': {
          const why = event.reason === 'change' ? describeFiles(event.files) : event.reason === 'config' ? 'project settings changed' : event.reason === 'manual' ? 'rebuild requested' : ''
          if (!options.tty) line(`building${why ? ` (${why})` : ''}…`)
          setStatus(`${paint.cyan('◌')} building${why ? ` (${why})` : ''}…  ${paint.dim(version > 0 ? `v${version} serving` : '')}`)
          break
        }
        case 'build.ok':
          line(
            `${paint.green('✔')} ${event.recovered ? `${paint.green('build fixed')}: ` : ''}built in ${seconds(event.durationMs)}${event.cached ? ' (cached)' : ''} · ${event.digest.replace(/^(sha256:.{12}).*/, '$1')} · ${megabytes(event.size)}`,
          )
          break
        case 'build.error': {
          const where = event.location ? ` at ${event.location.file}:${event.location.line}${event.location.column ? `:${event.location.column}` : ''}` : ''
          const body = event.message.split('\n').map((text, index) => (index === 0 ? text : `  ${text}`))
          const keeps = version > 0 ? `v${version} keeps serving` : 'nothing is serving yet'
          line(`${paint.red('✖ build failed')}${where} (${keeps}):\n  ${body.join('\n')}${event.hints.map((hint) => `\n  ${paint.dim(`hint: ${hint}`)}`).join('')}`)
          setStatus(`${paint.red('✖')} build failed${where}${version > 0 ? ` · v${version} serving at ${url}` : ''} · fix and save, or press r`)
          break
        }
        case 'build.cancelled':
          if (options.debug) line(paint.dim(`build ${event.build} cancelled (${event.reason})`))
          break
        case 'reload.ok':
          version = event.version
          url = event.url
          line(
            `${paint.green('↻')} serving ${paint.bold(`v${event.version}`)} at ${event.url} ${paint.dim(`(loaded in ${event.durationMs} ms${event.linked?.length ? `, linked: ${event.linked.map((link) => link.name).join(', ')}` : ''}${event.manifest ? `, manifest ${event.manifest.app ?? path.basename(event.manifest.file)}: ${(event.manifest.components ?? []).map((component) => component.name).join(', ')}` : ''})`)}`,
          )
          setStatus(`${serving()}  ${paint.dim(KEYS_HELP)}`)
          break
        case 'reload.error':
          line(`${paint.red(event.code.startsWith('APP_') ? '✖ could not load the manifest' : event.linkChange ? '✖ could not load the linked components' : '✖ could not load the new build')}: ${event.message} (${event.code})${version > 0 ? ` (v${version} keeps serving)` : ''}${event.hints.map((hint) => `\n  ${paint.dim(`hint: ${hint}`)}`).join('')}`)
          setStatus(`${paint.red('✖')} load failed${version > 0 ? ` · v${version} serving at ${url}` : ''}`)
          break
        case 'request':
          if (options.requests !== false) {
            const colour = event.status >= 500 ? paint.red : event.status >= 400 ? paint.yellow : paint.dim
            line(colour(`${event.method} ${event.path} ${event.status} ${event.durationMs} ms${event.version ? ` v${event.version}` : ''}`))
          }
          break
        case 'config.reload':
          line(`${paint.cyan('⚙')} ${path.basename(event.file)} reloaded`)
          break
        case 'config.error':
          line(`${paint.red('✖')} ${event.message} (the previous settings stay in force)${event.hints.map((hint) => `\n  ${paint.dim(`hint: ${hint}`)}`).join('')}`)
          break
        case 'log':
          if (event.level !== 'debug' || options.debug) {
            const prefix = event.source ? paint.dim(`[${event.source}] `) : ''
            line(`${prefix}${event.level === 'error' ? paint.red(event.message) : event.level === 'warn' ? paint.yellow(event.message) : event.message}`)
          }
          break
        case 'fatal':
          line(`${paint.red('✖')} ${event.message}`)
          break
        case 'stopping':
          options.write(clear())
          status = ''
          break
      }
    },
  }
}

/** The line `wasmctl dev` ends with. */
export function formatDevSummary(summary: { builds: number; failedBuilds: number; reloads: number; requests: number }): string {
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`
  return `Stopped: ${count(summary.builds, 'build')} (${summary.failedBuilds} failed), ${count(summary.reloads, 'swap')}, ${count(summary.requests, 'request')}.`
}

function describeFiles(files: string[]): string {
  if (files.length === 0) return ''
  if (files.length === 1) return files[0]
  return `${files[0]} and ${files.length - 1} more`
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`
}

function megabytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g

function visibleLength(text: string): number {
  return text.replace(ANSI, '').length
}

/** The first `max` visible characters; colour codes are kept whole and do not count. */
function truncateVisible(text: string, max: number): string {
  let out = ''
  let visible = 0
  for (let index = 0; index < text.length && visible < max; ) {
    const code = text[index] === '\x1b' ? /^\x1b\[[0-9;]*m/.exec(text.slice(index)) : null
    if (code) {
      out += code[0]
      index += code[0].length
    } else {
      out += text[index++]
      visible++
    }
  }
  return out
}

/** Five colours do not justify a dependency; NO_COLOR and pipes get plain text (the caller decides). */
function painter(enabled: boolean) {
  const wrap = (open: number, close: number) => (text: string) => (enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text)
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
    reset: (text: string) => (enabled ? `${text}\x1b[0m` : text),
  }
}
