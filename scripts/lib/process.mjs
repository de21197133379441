// Shared by the benchmark scripts: a free loopback port, and the resident memory of a process tree.
import { readdirSync, readFileSync } from 'node:fs'
import net from 'node:net'

/** A TCP port nothing listens on at the moment (127.0.0.1). */
export function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** The child processes of `pid`, read from /proc (Linux): every thread's children. */
function childrenOf(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number))
  } catch {
    return [] // gone, or not Linux
  }
}

/** `pid`'s descendants, children first. */
export function descendants(pid) {
  return childrenOf(pid).flatMap((child) => [child, ...descendants(child)])
}

/** Resident memory of a process and all its descendants, in MiB (threads share their process's). */
export function treeRssMiB(pid) {
  let kib = 0
  for (const member of [pid, ...descendants(pid)]) {
    try {
      kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${member}/status`, 'utf8'))?.[1] ?? 0)
    } catch {
      // gone meanwhile
    }
  }
  return kib / 1024
}
