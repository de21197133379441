#!/usr/bin/env node
// Median in-process time to sign and to inspect a large (~13 MB) component with wasmctl's claims
// code, beside the sha256-only time (the floor: both must hash the whole file once).
//
//   npm run build && node scripts/bench-claims.mjs [component.wasm] [--runs N]
//
// Without a path it uses the largest component the test helpers built under test/.cache/components
// (run `npx vitest run --project unit test/unit/wasm` once to build it). Target: under 100 ms each.
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const { inspectWasm, KeyPair, signWasmFile } = await import(path.join(root, 'dist', 'index.js')).catch(() => {
  console.error('dist/ is missing or stale: run `npm run build` first')
  process.exit(1)
})

const args = process.argv.slice(2)
const runsAt = args.indexOf('--runs')
const runs = runsAt === -1 ? 21 : Number(args.splice(runsAt, 2)[1])
let input = args[0]
if (!input) {
  const cache = path.join(root, 'test', '.cache', 'components')
  const candidates = (() => {
    try {
      return readdirSync(cache).filter((f) => f.endsWith('.wasm')).map((f) => path.join(cache, f))
    } catch {
      return []
    }
  })()
  input = candidates.sort((a, b) => statSync(b).size - statSync(a).size)[0]
  if (!input) {
    console.error('no component given and none cached: pass a .wasm path, or build one with `npx vitest run --project unit test/unit/wasm`')
    process.exit(1)
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
async function time(fn) {
  const samples = []
  for (let i = 0; i < runs + 2; i++) {
    const start = performance.now()
    await fn()
    if (i >= 2) samples.push(performance.now() - start) // two warm-up runs
  }
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples) }
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'wasmctl-bench-'))
try {
  const bytes = readFileSync(input)
  const keys = { issuer: KeyPair.generate('account').seed, subject: KeyPair.generate('module').seed }
  const output = path.join(dir, 'signed.wasm')
  const sign = () => signWasmFile({ input, output, name: 'bench', ver: '0.1.0', rev: 0, ...keys, keysDirectory: path.join(dir, 'keys'), disableKeygen: true })
  const signTime = await time(sign)
  const signed = readFileSync(output)
  const inspectTime = await time(() => inspectWasm(readFileSync(output)))
  const hashTime = await time(() => createHash('sha256').update(bytes).digest('hex'))
  const readTime = await time(() => readFileSync(output))
  const fmt = (t) => `median ${t.median.toFixed(1)} ms (min ${t.min.toFixed(1)}, max ${t.max.toFixed(1)})`
  console.log(`component: ${input} (${(bytes.length / 1e6).toFixed(1)} MB), ${runs} runs each, Node ${process.version}`)
  console.log(`sign    (read, strip, hash, sign, atomic write): ${fmt(signTime)}`)
  console.log(`inspect (read, walk, hash, verify, world):      ${fmt(inspectTime)}`)
  console.log(`floor   sha256 of the bytes only:               ${fmt(hashTime)}`)
  console.log(`        reading the file only:                  ${fmt(readTime)}`)
  const verdict = inspectWasm(signed)
  console.log(`signed file valid: ${verdict.valid}; target under 100 ms each: ${signTime.median < 100 && inspectTime.median < 100 ? 'met' : 'NOT met'}`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
