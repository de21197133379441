#!/usr/bin/env node
// The embedded host against jco's own per-request-isolation server, same component, same machine,
// same run, same load generator (wrk): `wasmctl up` beside `jco serve --isolate-requests instance`
// serving the ts-http template's build, at concurrency 1 and 8. Reports requests/s, p50/p99
// latency, non-2xx responses, cold start to first response, and RSS (process tree) side by side.
// Target (issue 6): wasmctl >= 10x jco's requests/s at concurrency 8, with zero non-2xx.
//
// Usage: node scripts/bench-host.mjs [--duration 10] [--runs 3] [--skip-jco] [--bin path/to/run.js] [--component file.wasm] [--json]
//   --runs: each load is run that many times and the run with the median requests/s is reported
//   (the machine is shared: single runs scatter). --bin: another build of wasmctl (before/after).
//   (run `npm run build` first; needs `wrk` (apt install wrk). Without --component, the ts-http
//   template is scaffolded and built once, then cached under test/.cache/bench/.)
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

import { descendants, freePort, treeRssMiB } from './lib/process.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const jco = path.join(root, 'node_modules', '.bin', 'jco')
const { values: options } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    runs: { type: 'string', default: '1' },
    'skip-jco': { type: 'boolean', default: false },
    bin: { type: 'string' },
    component: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
})
const bin = options.bin ? path.resolve(options.bin) : path.join(root, 'bin', 'run.js')
const scratch = mkdtempSync(path.join(os.tmpdir(), 'wasmctl-bench-host-'))
const log = (message) => process.stderr.write(`${message}\n`)

if (spawnSync('wrk', ['--version']).error) {
  log('wrk is not installed: apt-get install -y wrk')
  process.exit(1)
}

function hashTree(hash, dir) {
  for (const entry of readdirSync(dir).sort()) {
    const full = path.join(dir, entry)
    if (statSync(full).isDirectory()) hashTree(hash, full)
    else hash.update(path.relative(root, full)).update(readFileSync(full))
  }
}

/** The ts-http template, scaffolded and built by wasmctl itself; cached by the template's content. */
function tsHttpComponent() {
  const hash = createHash('sha256')
  hashTree(hash, path.join(root, 'templates', 'ts-http'))
  hashTree(hash, path.join(root, 'templates', '_wit'))
  const cached = path.join(root, 'test', '.cache', 'bench', `ts-http-${hash.digest('hex').slice(0, 16)}.wasm`)
  if (existsSync(cached)) return cached
  log('building the ts-http template (once; cached for later runs)...')
  const run = (args, cwd) => {
    const result = spawnSync('node', [bin, ...args], { cwd, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, CI: 'true' } })
    if (result.status !== 0) throw new Error(`wasmctl ${args.join(' ')} failed`)
  }
  run(['new', 'actor', 'bench-http', '--template', 'ts-http', '--yes'], scratch)
  run(['build', '--build-only'], path.join(scratch, 'bench-http'))
  mkdirSync(path.dirname(cached), { recursive: true })
  copyFileSync(path.join(scratch, 'bench-http', 'build', 'bench-http.wasm'), cached)
  return cached
}

/** Starts a server and measures the time until its first 200 response. */
async function start(name, command, args, env, port) {
  const started = performance.now()
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CI: 'true', ...env } })
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)))
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited early: ${stderr}`)
    try {
      const response = await fetch(`http://127.0.0.1:${port}/`)
      await response.arrayBuffer()
      if (response.status === 200) break
    } catch {
      // not listening yet
    }
    if (performance.now() - started > 60_000) throw new Error(`${name} did not answer within 60 s: ${stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  return { child, coldStartMs: Math.round(performance.now() - started) }
}

async function stop(child) {
  // jco serve runs the component in a child process that outlives it if only the parent is killed.
  const pids = [...descendants(child.pid), child.pid]
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM')
    } catch {
      // already gone
    }
  }
  await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)))
}

function wrk(port, threads, connections, seconds, pid) {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', `http://127.0.0.1:${port}/`])
    let out = ''
    let peakRss = 0
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, treeRssMiB(pid))), 250)
    child.stdout.on('data', (chunk) => (out += chunk))
    child.on('error', reject)
    child.on('exit', () => {
      clearInterval(sampler)
      const number = (pattern) => Number(pattern.exec(out)?.[1] ?? 0)
      const latency = (label) => {
        const match = new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out)
        if (!match) return undefined
        const scale = { us: 0.001, ms: 1, s: 1000 }[match[2]]
        return Math.round(Number(match[1]) * scale * 100) / 100
      }
      resolve({
        requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
        requests: number(/(\d+) requests in/),
        p50Ms: latency('50'),
        p99Ms: latency('99'),
        non2xx: number(/Non-2xx or 3xx responses:\s+(\d+)/),
        socketErrors: /Socket errors: (.*)/.exec(out)?.[1] ?? 'none',
        peakRssMiB: Math.round(peakRss),
      })
    })
  })
}

async function measure(name, launch) {
  const port = await freePort()
  const { command, args, env } = launch(port)
  log(`${name}: starting`)
  const { child, coldStartMs } = await start(name, command, args, env, port)
  const idleRssMiB = Math.round(treeRssMiB(child.pid))
  const result = { name, coldStartMs, idleRssMiB, load: {} }
  for (const [threads, connections] of [
    [1, 1],
    [2, 8],
  ]) {
    const runs = []
    for (let run = 0; run < Number(options.runs); run++) {
      log(`${name}: wrk -t${threads} -c${connections} -d${options.duration}s (run ${run + 1} of ${options.runs})`)
      runs.push(await wrk(port, threads, connections, options.duration, child.pid))
    }
    runs.sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)
    result.load[`c${connections}`] = { ...runs[Math.floor(runs.length / 2)], allRequestsPerSecond: runs.map((run) => run.requestsPerSecond) }
  }
  await stop(child)
  return result
}

const component = options.component ? path.resolve(options.component) : tsHttpComponent()
const cache = path.join(scratch, 'cache')
const upArgs = (port) => [bin, 'up', component, '--port', String(port)]
// wasmctl with an empty transpile cache first (what a first `up` pays), then with the cache it filled.
const upCold = await measure('wasmctl up', (port) => ({ command: 'node', args: upArgs(port), env: { WASMCTL_CACHE_DIR: cache } }))
const warmPort = await freePort()
const upWarmStart = await start('wasmctl up (cached transpile)', 'node', upArgs(warmPort), { WASMCTL_CACHE_DIR: cache }, warmPort)
upWarmStart.idleRssMiB = Math.round(treeRssMiB(upWarmStart.child.pid))
await stop(upWarmStart.child)
const skipped = { coldStartMs: 0, idleRssMiB: 0, load: Object.fromEntries(['c1', 'c8'].map((key) => [key, { requestsPerSecond: NaN, p50Ms: 0, p99Ms: 0, non2xx: 0, socketErrors: '-', peakRssMiB: 0 }])) }
const jcoResult = options['skip-jco'] ? skipped : await measure('jco serve --isolate-requests instance', (port) => ({
  command: jco,
  args: ['serve', '--isolate-requests', 'instance', '--host', '127.0.0.1', '--port', String(port), '--jco-dir', path.join(scratch, 'jco-out'), component],
  env: {},
}))

const ratio = (key) => Math.round((upCold.load[key].requestsPerSecond / jcoResult.load[key].requestsPerSecond) * 10) / 10
const summary = {
  component: path.relative(root, component),
  cpus: os.availableParallelism(),
  durationSeconds: Number(options.duration),
  wasmctl: { ...upCold, coldStartCachedMs: upWarmStart.coldStartMs, idleRssCachedMiB: upWarmStart.idleRssMiB },
  jco: jcoResult,
  speedup: { c1: ratio('c1'), c8: ratio('c8') },
  target: { c8SpeedupAtLeast: 10, met: ratio('c8') >= 10 && upCold.load.c8.non2xx === 0 && upCold.load.c1.non2xx === 0 },
}
rmSync(scratch, { recursive: true, force: true })

if (options.json) {
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`)
} else {
  const rows = [
    ['', 'wasmctl up', 'jco serve (instance)'],
    ['cold start to first response', `${upCold.coldStartMs} ms (${upWarmStart.coldStartMs} ms cached)`, `${jcoResult.coldStartMs} ms`],
    ['RSS idle', `${upCold.idleRssMiB} MiB (${upWarmStart.idleRssMiB} MiB cached)`, `${jcoResult.idleRssMiB} MiB`],
  ]
  for (const key of ['c1', 'c8']) {
    const a = upCold.load[key]
    const b = jcoResult.load[key]
    rows.push([`${key}: requests/s`, `${a.requestsPerSecond}`, `${b.requestsPerSecond}`])
    rows.push([`${key}: p50 / p99`, `${a.p50Ms} / ${a.p99Ms} ms`, `${b.p50Ms} / ${b.p99Ms} ms`])
    rows.push([`${key}: non-2xx, socket errors`, `${a.non2xx}, ${a.socketErrors}`, `${b.non2xx}, ${b.socketErrors}`])
    rows.push([`${key}: peak RSS`, `${a.peakRssMiB} MiB`, `${b.peakRssMiB} MiB`])
  }
  const width = rows.map((row) => row.map((cell) => cell.length)).reduce((a, b) => a.map((w, i) => Math.max(w, b[i])))
  for (const row of rows) process.stdout.write(`${row.map((cell, i) => cell.padEnd(width[i])).join('  ')}\n`)
  process.stdout.write(`\nspeedup: ${summary.speedup.c1}x at c=1, ${summary.speedup.c8}x at c=8 (${os.availableParallelism()} CPUs, ${options.duration} s per run)\n`)
  process.stdout.write(`target (>= 10x at c=8, zero non-2xx): ${options['skip-jco'] ? 'not checked (--skip-jco)' : summary.target.met ? 'met' : 'NOT met'}\n`)
}
process.exitCode = summary.target.met || options['skip-jco'] ? 0 : 1
