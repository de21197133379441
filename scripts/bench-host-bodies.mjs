#!/usr/bin/env node
// Memory of the embedded host under big bodies (issue 10): `wasmctl up` serving the stream-http
// test component (test/fixtures/components/stream-http), N parallel uploads of M MB each to a route
// that reads the body as a stream (/count) or echoes it back (/echo). Samples the RSS of the host
// process (main thread and workers are one process; its children too) every 100 ms and prints the
// peak, the time taken and how many requests succeeded. Done-when figure: 24 x 60 MB uploads keep
// the peak under 300 MB.
//
// Usage: node scripts/bench-host-bodies.mjs [--uploads 24] [--mb 60] [--route echo|count] [--workers 2] [--json]
//   (run `npm run build` first; the component is built once with componentize-js and cached under test/.cache/bench/.)
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync } from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

import { freePort, treeRssMiB } from './lib/process.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const bin = path.join(root, 'bin', 'run.js')
const { values: options } = parseArgs({
  options: {
    uploads: { type: 'string', default: '24' },
    mb: { type: 'string', default: '60' },
    route: { type: 'string', default: 'echo' },
    workers: { type: 'string', default: '2' },
    timeout: { type: 'string', default: '300s' },
    json: { type: 'boolean', default: false },
  },
})
const uploads = Number(options.uploads)
const bytesPerUpload = Number(options.mb) * 1_000_000
const log = (message) => process.stderr.write(`${message}\n`)

function hashTree(hash, dir) {
  for (const entry of readdirSync(dir).sort()) {
    const full = path.join(dir, entry)
    if (statSync(full).isDirectory()) hashTree(hash, full)
    else hash.update(path.relative(root, full)).update(readFileSync(full))
  }
}

async function streamComponent() {
  const fixtures = path.join(root, 'test', 'fixtures', 'components')
  const sourcePath = path.join(fixtures, 'stream-http', 'app.js')
  const witPath = path.join(fixtures, 'hello-http', 'wit')
  const hash = createHash('sha256').update(readFileSync(sourcePath))
  hashTree(hash, witPath)
  const output = path.join(root, 'test', '.cache', 'bench', `stream-http-${hash.digest('hex').slice(0, 16)}.wasm`)
  if (existsSync(output)) return output
  log('building the stream-http component (once; cached for later runs)...')
  const { componentize } = await import('@bytecodealliance/componentize-js')
  const { component } = await componentize({ sourcePath, witPath, worldName: 'hello', env: {} })
  mkdirSync(path.dirname(output), { recursive: true })
  const { writeFileSync } = await import('node:fs')
  writeFileSync(`${output}.tmp`, component)
  renameSync(`${output}.tmp`, output)
  return output
}

/** One upload of `size` bytes generated on the fly (the client holds 64 KiB); resolves with status and body. */
function upload(port, route, size) {
  return new Promise((resolve) => {
    const chunk = Buffer.alloc(64 * 1024, 0x5a)
    const request = http.request({ host: '127.0.0.1', port, path: `/${route}`, method: 'POST', headers: { 'content-length': String(size) } }, (response) => {
      let received = 0
      let text = ''
      response.on('data', (data) => {
        received += data.length
        if (text.length < 64) text += data.toString('latin1')
      })
      response.on('end', () => resolve({ status: response.statusCode, received, text: text.slice(0, 64).trim() }))
      response.on('error', (error) => resolve({ status: 0, error: error.message }))
    })
    request.on('error', (error) => resolve({ status: 0, error: error.message }))
    let sent = 0
    const write = () => {
      while (sent < size) {
        const piece = size - sent >= chunk.length ? chunk : chunk.subarray(0, size - sent)
        sent += piece.length
        if (!request.write(piece)) return request.once('drain', write)
      }
      request.end()
    }
    write()
  })
}

const component = await streamComponent()
const port = await freePort()
const child = spawn('node', [bin, 'up', component, '--port', String(port), '--workers', options.workers, '--timeout', options.timeout], {
  stdio: ['ignore', 'ignore', 'pipe'],
  env: { ...process.env, CI: 'true' },
})
let stderr = ''
child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)))
for (const started = performance.now(); ; ) {
  if (child.exitCode !== null) throw new Error(`wasmctl up exited early: ${stderr}`)
  const ok = await fetch(`http://127.0.0.1:${port}/`).then(
    (response) => response.arrayBuffer().then(() => response.status === 200),
    () => false,
  )
  if (ok) break
  if (performance.now() - started > 60_000) throw new Error(`wasmctl up did not answer within 60 s: ${stderr}`)
  await new Promise((resolve) => setTimeout(resolve, 20))
}
const idleRssMiB = Math.round(treeRssMiB(child.pid))
let peakRssMiB = idleRssMiB
const sampler = setInterval(() => (peakRssMiB = Math.max(peakRssMiB, treeRssMiB(child.pid))), 100)
log(`${uploads} parallel uploads of ${options.mb} MB to /${options.route} (${options.workers} workers)...`)
const started = performance.now()
const results = await Promise.all(Array.from({ length: uploads }, () => upload(port, options.route, bytesPerUpload)))
const seconds = (performance.now() - started) / 1000
clearInterval(sampler)
peakRssMiB = Math.round(Math.max(peakRssMiB, treeRssMiB(child.pid)))
child.kill('SIGTERM')
await new Promise((resolve) => child.once('exit', resolve))

const expected = options.route === 'echo' ? (result) => result.received === bytesPerUpload : (result) => result.text === String(bytesPerUpload)
const summary = {
  uploads,
  megabytesEach: Number(options.mb),
  route: options.route,
  workers: Number(options.workers),
  idleRssMiB,
  peakRssMiB,
  seconds: Math.round(seconds * 10) / 10,
  throughputMBps: Math.round((uploads * bytesPerUpload) / 1e6 / seconds),
  succeeded: results.filter((result) => result.status === 200 && expected(result)).length,
  statuses: results.reduce((counts, result) => ({ ...counts, [result.status]: (counts[result.status] ?? 0) + 1 }), {}),
  target: { peakRssMiBBelow: 300 },
}
summary.target.met = summary.peakRssMiB < 300 && summary.succeeded === uploads
if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`)
else {
  process.stdout.write(
    `peak RSS ${summary.peakRssMiB} MiB (idle ${idleRssMiB} MiB); ${summary.succeeded}/${uploads} uploads intact in ${summary.seconds} s (${summary.throughputMBps} MB/s); statuses ${JSON.stringify(summary.statuses)}\n`,
  )
  process.stdout.write(`target (peak RSS < 300 MiB, every upload intact): ${summary.target.met ? 'met' : 'NOT met'}\n`)
}
process.exitCode = summary.target.met ? 0 : 1
