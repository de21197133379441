#!/usr/bin/env node
// Start-up time of the CLI: `wasmctl --version` and `wasmctl --help`, median of N runs, beside a
// bare `node -e ''` as the floor. Target (issue 2): under 300 ms each on the 2-core machine.
// Usage: node scripts/bench-startup.mjs [runs=15]   (run `npm run build` first)
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const runs = Number(process.argv[2] ?? 15)
const bin = path.join(root, 'bin', 'run.js')

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

function time(args) {
  const samples = []
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint()
    const result = spawnSync(process.execPath, args, { stdio: 'pipe', env: { ...process.env, CI: 'true' } })
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`)
    samples.push(Number(process.hrtime.bigint() - started) / 1e6)
  }
  return median(samples)
}

const floor = time(['-e', ''])
const rows = [
  ['node -e ""', floor],
  ['wasmctl --version', time([bin, '--version'])],
  ['wasmctl --help', time([bin, '--help'])],
  ['wasmctl templates list --help', time([bin, 'templates', 'list', '--help'])],
]
console.log(`median of ${runs} runs (ms)`)
for (const [name, ms] of rows) console.log(`${name.padEnd(32)} ${ms.toFixed(0).padStart(6)}   ${(ms / floor).toFixed(1)}x node`)
