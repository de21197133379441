#!/usr/bin/env node
// Save-to-serving latency of `wasmctl dev` on a ts-http project: the time from writing a new
// handler source to the first request that returns the new body, over 10 edits, while a steady
// background load runs against the server and every failed request is counted.
//
//   node scripts/bench-dev.mjs [--edits 10] [--rate 50] [--clients 2] [--path both|fast|full] [--json]
//
// --path: `fast` is the dev fast path for JS/TS (issue 15; the default of `wasmctl dev`), `full`
// is the componentize-js build on every save (WASMCTL_DEV_FAST=0), `both` measures full then fast
// in the same run. The fast path is measured twice: once with an empty cache (the one-time engine
// preparation for the world) and once, from a freshly scaffolded project, with the engine ready.
// RSS is the dev process tree's (the process, its threads and its children such as wizer).
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

import { treeRssMiB } from './lib/process.mjs'

const { values: options } = parseArgs({
  options: {
    edits: { type: 'string', default: '10' },
    clients: { type: 'string', default: '2' },
    rate: { type: 'string', default: '50' },
    json: { type: 'boolean', default: false },
    path: { type: 'string', default: 'both' },
  },
})
if (!['both', 'fast', 'full'].includes(options.path)) throw new Error('--path is both, fast or full')
const EDITS = Number(options.edits)
const CLIENTS = Number(options.clients)
const RATE = Number(options.rate)
const POLL_MS = 10
/** Ceiling for one edit to be served; a slower edit fails the run rather than hanging it. */
const EDIT_TIMEOUT_MS = 60_000

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const bin = path.join(repo, 'bin', 'run.js')
const work = mkdtempSync(path.join(os.tmpdir(), 'wasmctl-bench-dev-'))
const baseEnv = { CI: 'true', NO_COLOR: '1', WASMCTL_KEYS: path.join(work, 'keys') }
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
let session = 0
async function measure(mode, cacheDir, edits) {
  const env = { ...baseEnv, WASMCTL_CACHE_DIR: cacheDir, WASMCTL_DEV_FAST: mode === 'fast' ? '1' : '0', WASMCTL_DEV_FAST_TIMINGS: '1' }
  const project = path.join(work, `bench-${++session}`)
  await execa('node', [bin, 'new', 'actor', 'bench', '--template', 'ts-http', '--yes', '--output-dir', project, '--no-git-init'], { env, stdin: 'ignore' })
  const source = path.join(project, 'src', 'index.ts')
  const original = readFileSync(source, 'utf8')
  const withGreeting = (text) => original.replace(/const GREETING = .*/, `const GREETING = ${JSON.stringify(text)}`)

  const events = []
  const waiters = new Set()
  dev = execa('node', [bin, 'dev', '--json', '--port', '0', '--log-level', 'debug'], { cwd: project, env, stdin: 'ignore', reject: false, buffer: false })
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
  const pid = dev.pid
  const sampler = setInterval(() => {
    const mib = treeRssMiB(pid)
    if (mib === 0) return
    rss.lastMiB = mib
    rss.peakMiB = Math.max(rss.peakMiB, mib)
  }, 200)
  sampler.unref()

  const started = performance.now()
  const url = (await waitFor('host.ready')).url
  await waitFor('reload.ok')
  const coldMs = performance.now() - started
  log(`[${mode}] first build served after ${(coldMs / 1000).toFixed(1)} s at ${url}`)
  const prepared = events.find((event) => event.event === 'log' && /engine prepared/.test(event.message))
  if (edits === 0) {
    clearInterval(sampler)
    await stopDev()
    return { mode, coldStartMs: Math.round(coldMs), enginePrepared: prepared?.message, load: os.loadavg().map((value) => Number(value.toFixed(2))) }
  }

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
  for (let i = 1; i <= edits; i++) {
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
    const fastSteps = events.slice(from).find((event) => event.event === 'log' && /^fast path: /.test(event.message))?.message
    samples.push({ edit: i, latencyMs: Math.round(servedAt - written), buildMs: built?.durationMs, reloadMs: reloaded?.durationMs, builds, fastSteps, load1: Number(os.loadavg()[0].toFixed(2)) })
    log(`[${mode}] edit ${i}: served after ${Math.round(servedAt - written)} ms (build ${built?.durationMs} ms, swap ${reloaded?.durationMs} ms)`)
    await sleep(300)
  }
  load.stop = true
  await Promise.all(clients)
  const loadSeconds = (performance.now() - loadStarted) / 1000

  const latencies = samples.map((sample) => sample.latencyMs)
  // The last save's artifact: wait for it (bounded), so the figures include its memory.
  const deadline = performance.now() + (mode === 'fast' ? 60_000 : 0)
  while (performance.now() < deadline && !events.slice(-50).some((event) => event.event === 'log' && /artifact ready|could not be made/.test(event.message))) await sleep(200)
  const artifactsReady = events.filter((event) => event.event === 'log' && /artifact ready/.test(event.message)).length
  clearInterval(sampler)
  await stopDev()
  return {
    mode,
    edits,
    coldStartMs: Math.round(coldMs),
    enginePrepared: prepared?.message,
    saveToServingMs: { median: median(latencies), min: Math.min(...latencies), max: Math.max(...latencies) },
    buildMs: { median: median(samples.map((sample) => sample.buildMs)) },
    swapMs: { median: median(samples.map((sample) => sample.reloadMs)) },
    requests: { ok: load.ok, failed: load.failed, perSecond: Math.round((load.ok + load.failed) / loadSeconds) },
    rss,
    artifactsReady,
    samples,
    failures: load.failures.slice(0, 10),
    hostErrors: events.filter((event) => event.event === 'log' && event.level === 'error').map((event) => event.message).slice(0, 10),
    load: os.loadavg().map((value) => Number(value.toFixed(2))),
  }
}

async function stopDev() {
  if (dev && dev.exitCode === null) {
    dev.kill('SIGINT')
    await dev
  }
  dev = undefined
}

try {
  const runs = []
  if (options.path !== 'fast') runs.push(await measure('full', path.join(work, 'cache-full'), EDITS))
  if (options.path !== 'full') {
    const cache = path.join(work, 'cache-fast')
    const preparation = await measure('fast', cache, 0)
    runs.push({ ...(await measure('fast', cache, EDITS)), preparation })
  }
  const result = { edits: EDITS, clients: CLIENTS, rate: RATE || 'unlimited', runs, machine: { cpus: os.availableParallelism(), node: process.version } }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
  } else {
    const lines = [`wasmctl dev, ts-http, ${EDITS} edits, background load ${RATE ? `${RATE} req/s` : 'unlimited'} over ${CLIENTS} connections, ${result.machine.cpus} CPUs`]
    for (const run of runs) {
      lines.push(
        `[${run.mode}] save-to-serving   median ${run.saveToServingMs.median} ms   min ${run.saveToServingMs.min} ms   max ${run.saveToServingMs.max} ms`,
        `[${run.mode}] of which          build median ${run.buildMs.median} ms, swap median ${run.swapMs.median} ms`,
        `[${run.mode}] first response    ${(run.coldStartMs / 1000).toFixed(1)} s${run.preparation ? ` (with an empty cache, engine preparation included: ${(run.preparation.coldStartMs / 1000).toFixed(1)} s; ${run.preparation.enginePrepared ?? ''})` : ''}`,
        `[${run.mode}] background load   ${run.requests.ok} ok, ${run.requests.failed} failed (${run.requests.perSecond} req/s)`,
        `[${run.mode}] dev process tree  RSS peak ${run.rss.peakMiB} MiB, at the end ${run.rss.lastMiB} MiB; signed artifacts ready: ${run.artifactsReady}`,
        `[${run.mode}] load average      ${run.load.join(' ')}`,
      )
    }
    process.stdout.write(`${lines.join('\n')}\n`)
  }
  process.exitCode = runs.every((run) => !run.requests || run.requests.failed === 0) ? 0 : 1
} finally {
  await stopDev()
  agent.destroy()
  rmSync(work, { recursive: true, force: true })
}
