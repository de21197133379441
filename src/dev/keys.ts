import { spawn } from 'node:child_process'

import type { DevSession } from './session.js'

/**
 * Single-key commands for a dev session at a terminal: `r` rebuild, `o` open in the browser, `q`
 * quit. Raw mode is only ever set on a TTY and is always restored; in raw mode Ctrl-C arrives as a
 * byte instead of SIGINT, so it is mapped to `interrupt` (the same as a SIGINT would do).
 */
export type DevKey = 'rebuild' | 'open' | 'quit' | 'interrupt'

const KEYS: Record<string, DevKey> = { r: 'rebuild', R: 'rebuild', o: 'open', O: 'open', q: 'quit', Q: 'quit', '\u0003': 'interrupt', '\u0004': 'quit' }

/** Starts listening; returns the function that restores the terminal. A non-TTY input is left alone. */
export function listenForKeys(input: NodeJS.ReadStream, onKey: (key: DevKey) => void): () => void {
  if (!input.isTTY || typeof input.setRawMode !== 'function') return () => {}
  const wasRaw = input.isRaw
  input.setRawMode(true)
  input.setEncoding('utf8')
  const onData = (chunk: string) => {
    for (const char of chunk) {
      const key = KEYS[char]
      if (key) onKey(key)
    }
  }
  input.on('data', onData)
  input.resume()
  let restored = false
  return () => {
    if (restored) return
    restored = true
    input.off('data', onData)
    input.setRawMode(wasRaw)
    input.pause()
  }
}

/** The platform's "open this URL" command; false when there is none (a headless box). */
export function openInBrowser(url: string, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  const [command, args] =
    platform === 'darwin' ? ['open', [url]] : platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]]
  return new Promise((resolve) => {
    try {
      const child = spawn(command, args, { stdio: 'ignore', detached: true })
      child.once('error', () => resolve(false))
      child.once('spawn', () => {
        child.unref()
        resolve(true)
      })
    } catch {
      resolve(false)
    }
  })
}

/** The keys of a session at a terminal: r rebuilds, o opens the URL, q quits, Ctrl-C interrupts. */
export function bindSessionKeys(session: DevSession, input: NodeJS.ReadStream): () => void {
  return listenForKeys(input, (key) => {
    if (key === 'rebuild') session.rebuild()
    else if (key === 'open') void openUrl(session)
    else void session.stop(key === 'interrupt' ? 'signal' : 'quit')
  })
}

/** Opens the session's URL, or says where to go when this machine has no way to open it. */
export async function openUrl(session: DevSession, url = session.url): Promise<void> {
  if (!url || (await openInBrowser(url))) return
  session.bus.emit('log', { level: 'warn', message: `no browser could be started here: open ${url} yourself`, source: 'dev' })
}
