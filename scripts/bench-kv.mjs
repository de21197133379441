#!/usr/bin/env node
// Key-value through the embedded host against the backend alone (issue 12): the ts-kv-counter
// template's build under `wasmctl up`, one increment per request, at concurrency 8 (wrk), on the
// embedded store, Redis and NATS JetStream KV; beside it, a direct Node client loop doing the same
// operation (8 concurrent loops of the same backend's `increment`, in-process, no host), for the
// same time. Reports both requests/s and their ratio per backend.
//
// Usage: node scripts/bench-kv.mjs [--duration 10] [--component file.wasm] [--backends embedded,redis,nats] [--json]
//   Run `npm run build` first. Needs wrk, redis-server and nats-server (apt-get install -y wrk
//   redis-server nats-server); each server is started on a free 127.0.0.1 port with its data in a
//   temp folder, and stopped. Without --component, the newest cached ts-kv-counter build under
//   test/.cache/components/ is used (the integration tests make it), else it is built once.
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const { values: options } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    component: { type: 'string' },
    backends: { type: 'string', default: 'embedded,redis,nats' },
    json: { type: 'boolean', default: false },
  },
})
const duration = Number(options.duration)
const bin = path.join(root, 'bin', 'run.js')
const scratch = mkdtempSync(path.join(os.tmpdir(), 'wasmctl-bench-kv-'))
const log = (message) => process.stderr.write(`${message}\n`)
const CONCURRENCY = 8

for (const tool of ['wrk', 'redis-server', 'nats-server']) {
  if (spawnSync('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool}`]).status !== 0) {
    log(`${tool} is not installed: apt-get install -y wrk redis-server nats-server`)
    process.exit(1)
  }
}

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

function kvCounterComponent() {
  if (options.component) return path.resolve(options.component)
  const cache = path.join(root, 'test', '.cache', 'components')
  const cached = existsSync(cache)
    ? readdirSync(cache)
        .filter((name) => name.startsWith('template-ts-kv-counter-') && name.endsWith('.wasm'))
        .map((name) => path.join(cache, name))
        .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
    : []
  if (cached.length > 0) return cached[0]
  log('building the ts-kv-counter template (once)...')
  const run = (args, cwd) => {
    const result = spawnSync('node', [bin, ...args], { cwd, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, CI: 'true' } })
    if (result.status !== 0) throw new Error(`wasmctl ${args.join(' ')} failed`)
  }
  run(['new', 'actor', 'counter', '--template', 'ts-kv-counter', '--yes'], scratch)
  run(['build', '--build-only'], path.join(scratch, 'counter'))
  mkdirSync(cache, { recursive: true })
  const output = path.join(cache, 'template-ts-kv-counter-bench.wasm')
  copyFileSync(path.join(scratch, 'counter', 'build', 'counter.wasm'), output)
  return output
}

async function waitFor(check, what) {
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${what} did not come up`)
}

async function startRedis() {
  const port = await freePort()
  const dir = mkdtempSync(path.join(scratch, 'redis-'))
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  await waitFor(async () => spawnSync('redis-cli', ['-p', String(port), 'PING']).stdout?.toString().includes('PONG'), 'redis-server')
  return { link: `wasi:keyvalue=redis://127.0.0.1:${port}/0`, linkConfig: { URL: `redis://127.0.0.1:${port}/0` }, stop: () => child.kill() }
}

async function startNats() {
  const port = await freePort()
  const monitor = await freePort()
  const dir = mkdtempSync(path.join(scratch, 'nats-'))
  const binary = spawnSync('sh', ['-c', 'command -v nats-server']).stdout.toString().trim() || '/usr/sbin/nats-server'
  const child = spawn(binary, ['-js', '-a', '127.0.0.1', '-p', String(port), '-m', String(monitor), '-sd', dir], { stdio: 'ignore' })
  await waitFor(async () => (await fetch(`http://127.0.0.1:${monitor}/healthz`)).ok, 'nats-server')
  const uri = `nats://127.0.0.1:${port}`
  return {
    link: `wasi:keyvalue=${uri}?bucket=bench&enable_bucket_auto_create=true`,
    linkConfig: { cluster_uri: uri, bucket: 'bench', enable_bucket_auto_create: 'true' },
    stop: () => child.kill(),
  }
}

/** `wasmctl up` on the component; resolves with its URL once host.ready arrives. */
function startUp(component, link) {
  const child = spawn('node', [bin, 'up', component, '--port', '0', '--json', ...(link ? ['--link', link] : [])], { cwd: scratch, stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let buffered = ''
    child.stdout.on('data', (chunk) => {
      buffered += chunk
      for (const line of buffered.split('\n')) {
        if (!line.startsWith('{')) continue
        const event = JSON.parse(line)
        if (event.event === 'host.ready') return resolve({ url: event.url, stop: () => child.kill('SIGTERM') })
      }
    })
    child.once('exit', (code) => reject(new Error(`wasmctl up exited with ${code}`)))
  })
}

function wrk(url, seconds = duration) {
  const result = spawnSync('wrk', ['-t', '2', '-c', String(CONCURRENCY), '-d', `${seconds}s`, url], { encoding: 'utf8' })
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(result.stdout)?.[1] ?? NaN)
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(result.stdout)?.[1] ?? 0)
  return { rps, non2xx }
}

/** The same operation without the host: CONCURRENCY loops of `increment` on the backend, in this process. */
async function direct(backendName, linkConfig) {
  const { openKeyValueBackend } = await import(path.join(root, 'dist', 'capabilities', 'index.js'))
  const backend = await openKeyValueBackend({ backend: backendName, linkConfig, linkName: 'default' }, { embeddedFile: undefined })
  const end = performance.now() + duration * 1000
  let done = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        await backend.increment('default', '/direct', 1n)
        done++
      }
    }),
  )
  await backend.close()
  return done / duration
}

const component = kvCounterComponent()
const rows = []
try {
  for (const name of options.backends.split(',')) {
    const server = name === 'redis' ? await startRedis() : name === 'nats' ? await startNats() : undefined
    try {
      const up = await startUp(component, server?.link)
      wrk(`${up.url}/warm-up`, 2) // first instances, JIT
      const host = wrk(`${up.url}/bench`)
      up.stop()
      const directRps = await direct(name, server?.linkConfig ?? {})
      rows.push({ backend: name, hostRps: Math.round(host.rps), non2xx: host.non2xx, directRps: Math.round(directRps), ratio: Math.round((host.rps / directRps) * 100) / 100 })
    } finally {
      server?.stop()
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true })
}

if (options.json) process.stdout.write(`${JSON.stringify({ concurrency: CONCURRENCY, durationS: duration, cpus: os.availableParallelism(), rows })}\n`)
else {
  process.stdout.write(`ts-kv-counter, c=${CONCURRENCY}, ${duration}s each, ${os.availableParallelism()} cores\n`)
  process.stdout.write('backend    wasmctl up req/s   direct client ops/s   up/direct   non-2xx\n')
  for (const row of rows) {
    process.stdout.write(`${row.backend.padEnd(10)} ${String(row.hostRps).padStart(16)}   ${String(row.directRps).padStart(19)}   ${row.ratio.toFixed(2).padStart(9)}   ${String(row.non2xx).padStart(7)}\n`)
  }
}
