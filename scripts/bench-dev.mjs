#!/usr/bin/env node
// Save-to-serving latency of `wasmctl dev` on a ts-http project: the time from writing a new
// handler source to the first request that returns the new body, over 10 edits, while a steady
// background load runs against the server and every failed request is counted.
//
//   node scripts/bench-dev.mjs [--edits 10] [--rate 50] [--clients 2] [--json]
//
// --rate is the background load in requests per second (spread over --clients connections); a
// steady load, as a browser and a polling script give. --rate 0 sends as fast as the host
// answers, which on a 2-core machine also measures how much the load slows the builds down.
//
// Needs dist/ (npm run build). Creates the project in a temporary folder, with its own key
// directory, and removes both afterwards. Only 127.0.0.1 is contacted.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

import { execa } from 'execa'

const { values: options } = parseArgs({
  options: {
    edits: { type: 'string', default: '10' },
    clients: { type: 'string', default: '2' },
    rate: { type: 'string', default: '50' },
    json: { type: 'boolean', default: false },
  },
})
const EDITS = Number(options.edits)
const CLIENTS = Number(options.clients)
const RATE = Number(options.rate)
const POLL_MS = 10
/** Ceiling for one edit to be served; a slower edit fails the run rather than hanging it. */
const EDIT_TIMEOUT_MS = 60_000

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const bin = path.join(repo, 'bin', 'run.js')
const work = mkdtempSync(path.join(os.tmpdir(), 'wasmctl-bench-dev-'))
const env = { CI: 'true', NO_COLOR: '1', WASMCTL_KEYS: path.join(work, 'keys') }
const log = (message) => process.stderr.write(`${message}\n`)

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS + 2 })
function get(url) {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent, timeout: 30_000 }, (response) => {
      const chunks = []
      response.on('data', (chunk) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString() }))
      response.on('error', reject)
    })
    request.on('timeout', () => request.destroy(new Error('request timed out')))
    request.on('error', reject)
  })
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

let dev
try {
  const project = path.join(work, 'bench')
  await execa('node', [bin, 'new', 'actor', 'bench', '--template', 'ts-http', '--yes', '--output-dir', project, '--no-git-init'], { env, stdin: 'ignore' })
  const source = path.join(project, 'src', 'index.ts')
  const original = readFileSync(source, 'utf8')
  const withGreeting = (text) => original.replace(/const GREETING = .*/, `const GREETING = ${JSON.stringify(text)}`)

  const events = []
  const waiters = new Set()
  dev = execa('node', [bin, 'dev', '--json', '--port', '0'], { cwd: project, env, stdin: 'ignore', reject: false, buffer: false })
  createInterface({ input: dev.stdout }).on('line', (line) => {
    events.push(JSON.parse(line))
    for (const waiter of waiters) waiter()
  })
  const waitFor = (type, from = 0, timeoutMs = 180_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = events.slice(from).find((event) => event.event === type)
        if (!found) return
        waiters.delete(check)
        clearTimeout(timer)
        resolve(found)
      }
      const timer = setTimeout(() => reject(new Error(`no ${type} event within ${timeoutMs} ms`)), timeoutMs)
      waiters.add(check)
      check()
    })

  // Resident memory of the dev process (its build worker and host workers are threads in it).
  const rss = { peakMiB: 0, lastMiB: 0 }
  const sampler = setInterval(() => {
    try {
      const kib = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${dev.pid}/status`, 'utf8'))?.[1] ?? 0)
      rss.lastMiB = Math.round(kib / 1024)
      rss.peakMiB = Math.max(rss.peakMiB, rss.lastMiB)
    } catch {
      // not Linux, or the process is gone
    }
  }, 200)
  sampler.unref()

  const started = performance.now()
  const url = (await waitFor('host.ready')).url
  await waitFor('reload.ok')
  const coldMs = performance.now() - started
  log(`first build served after ${(coldMs / 1000).toFixed(1)} s at ${url}`)

  // Steady background load: each client sends its next request as soon as the previous answered.
  const load = { ok: 0, failed: 0, failures: [], stop: false }
  const interval = RATE > 0 ? (1000 * CLIENTS) / RATE : 0
  const client = async (index) => {
    let next = performance.now() + (interval * index) / CLIENTS
    while (!load.stop) {
      if (interval > 0) {
        await sleep(Math.max(0, next - performance.now()))
        next += interval
      }
      try {
        const { status, body } = await get(`${url}/load`)
        if (status === 200) load.ok++
        else {
          load.failed++
          load.failures.push(`${status} ${body.trim()}`)
        }
      } catch (error) {
        load.failed++
        load.failures.push(String(error.message ?? error))
      }
    }
  }
  const clients = Array.from({ length: CLIENTS }, (_, index) => client(index))
  const loadStarted = performance.now()

  const samples = []
  for (let i = 1; i <= EDITS; i++) {
    const marker = `bench edit ${i} ${Date.now()}`
    const from = events.length
    const written = performance.now()
    writeFileSync(source, withGreeting(marker))
    let servedAt
    while (performance.now() - written < EDIT_TIMEOUT_MS) {
      const { status, body } = await get(`${url}/probe`).catch((error) => ({ status: 0, body: String(error.message ?? error) }))
      // The probe is load too: anything but a 200 (old or new body) is a failed request.
      if (status === 200) load.ok++
      else {
        load.failed++
        load.failures.push(`probe: ${status} ${body.trim()}`)
      }
      if (status === 200 && body === `${marker}\n`) {
        servedAt = performance.now()
        break
      }
      await sleep(POLL_MS)
    }
    if (servedAt === undefined) throw new Error(`edit ${i} was not served within ${EDIT_TIMEOUT_MS} ms`)
    const built = events.slice(from).find((event) => event.event === 'build.ok')
    const reloaded = events.slice(from).find((event) => event.event === 'reload.ok')
    const builds = events.slice(from).filter((event) => event.event === 'build.start').length
    samples.push({ edit: i, latencyMs: Math.round(servedAt - written), buildMs: built?.durationMs, reloadMs: reloaded?.durationMs, builds })
    log(`edit ${i}: served after ${Math.round(servedAt - written)} ms (build ${built?.durationMs} ms, swap ${reloaded?.durationMs} ms)`)
    await sleep(300)
  }
  load.stop = true
  await Promise.all(clients)
  const loadSeconds = (performance.now() - loadStarted) / 1000

  const latencies = samples.map((sample) => sample.latencyMs)
  const result = {
    edits: EDITS,
    clients: CLIENTS,
    rate: RATE || 'unlimited',
    coldStartMs: Math.round(coldMs),
    saveToServingMs: {
      median: median(latencies),
      min: Math.min(...latencies),
      max: Math.max(...latencies),
    },
    buildMs: { median: median(samples.map((sample) => sample.buildMs)) },
    swapMs: { median: median(samples.map((sample) => sample.reloadMs)) },
    requests: { ok: load.ok, failed: load.failed, perSecond: Math.round((load.ok + load.failed) / loadSeconds) },
    rss,
    samples,
    failures: load.failures.slice(0, 10),
    hostErrors: events.filter((event) => event.event === 'log' && event.level === 'error').map((event) => event.message).slice(0, 10),
    machine: { cpus: os.availableParallelism(), node: process.version, load: os.loadavg().map((value) => Number(value.toFixed(2))) },
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
  } else {
    process.stdout.write(
      [
        `wasmctl dev, ts-http, ${EDITS} edits, background load ${RATE ? `${RATE} req/s` : 'unlimited'} over ${CLIENTS} connections, ${result.machine.cpus} CPUs`,
        `  save-to-serving   median ${result.saveToServingMs.median} ms   min ${result.saveToServingMs.min} ms   max ${result.saveToServingMs.max} ms`,
        `  of which          build median ${result.buildMs.median} ms, swap median ${result.swapMs.median} ms`,
        `  first build served after ${(result.coldStartMs / 1000).toFixed(1)} s`,
        `  background load   ${load.ok} ok, ${load.failed} failed (${result.requests.perSecond} req/s)`,
        `  dev process RSS   peak ${rss.peakMiB} MiB, at the end ${rss.lastMiB} MiB`,
        `  load average      ${result.machine.load.join(' ')}`,
        '',
      ].join('\n'),
    )
  }
  process.exitCode = load.failed === 0 ? 0 : 1
} finally {
  if (dev && dev.exitCode === null) {
    dev.kill('SIGINT')
    await dev
  }
  agent.destroy()
  rmSync(work, { recursive: true, force: true })
}
