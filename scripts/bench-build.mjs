#!/usr/bin/env node
// Median `wasmctl build` times per buildable template, measured as a user sees them:
//   cold    `wasmctl build --no-cache` in a new process (toolchain runs, the artifact is signed)
//   no-op   `wasmctl build` again with nothing changed (the build cache answers)
//   warm    a second `buildProject(..., { noCache: true })` in the same process (the dev loop's case)
// Usage: npm run build && node scripts/bench-build.mjs [--runs 3] [--noop-runs 5] [--templates ts-http,c-cli] [--json]
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const bin = path.join(repo, 'bin', 'run.js')
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    'noop-runs': { type: 'string', default: '5' },
    templates: { type: 'string', default: 'ts-http,js-http,ts-kv-counter,c-cli' },
    json: { type: 'boolean', default: false },
  },
})
const runs = Number(values.runs)
const noopRuns = Number(values['noop-runs'])
const work = mkdtempSync(path.join(os.tmpdir(), 'wasmctl-bench-build-'))
const env = { ...process.env, CI: 'true', WASH_KEYS: path.join(work, 'keys') }
delete env.WASMCTL_COMPONENTIZE_CACHE

const median = (list) => {
  const sorted = [...list].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

function timedCli(cwd, args) {
  const started = performance.now()
  const stdout = execFileSync('node', [bin, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'ignore'] })
  const elapsed = performance.now() - started
  return { elapsed, result: JSON.parse(String(stdout)).result }
}

const { buildProject } = await import(path.join(repo, 'dist', 'build', 'build.js'))
const { loadProject } = await import(path.join(repo, 'dist', 'project', 'index.js'))

const rows = []
try {
  for (const template of values.templates.split(',')) {
    const name = `bench-${template}`
    execFileSync('node', [bin, 'new', 'actor', name, '--template', template, '--yes', '--no-git-init'], { cwd: work, env, stdio: 'ignore' })
    const dir = path.join(work, name)
    const cold = []
    for (let i = 0; i < runs; i++) cold.push(timedCli(dir, ['build', '--json', '--no-cache']).elapsed)
    const noop = []
    for (let i = 0; i < noopRuns; i++) {
      const { elapsed, result } = timedCli(dir, ['build', '--json'])
      if (!result.cached) throw new Error(`${template}: the no-op build was not cached`)
      noop.push(elapsed)
    }
    // Two builds in this process: the second shows what a long-lived process (wasmctl dev) pays.
    const project = loadProject({ projectDir: dir })
    await buildProject(project, { noCache: true, buildOnly: true })
    const started = performance.now()
    await buildProject(project, { noCache: true, buildOnly: true })
    const warm = performance.now() - started
    rows.push({ template, coldMs: Math.round(median(cold)), noopMs: Math.round(median(noop)), warmInProcessMs: Math.round(warm), runs, noopRuns })
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}

if (values.json) {
  console.log(JSON.stringify({ machine: { cpus: os.cpus().length, node: process.version }, rows }, null, 2))
} else {
  console.log(`wasmctl build, median of ${runs} cold / ${noopRuns} no-op runs (${os.cpus().length} CPUs, Node ${process.version})`)
  console.log('template          cold (new process)   no-op (cached)   warm (2nd build, same process)')
  for (const row of rows) {
    console.log(`${row.template.padEnd(18)}${`${(row.coldMs / 1000).toFixed(2)} s`.padEnd(21)}${`${row.noopMs} ms`.padEnd(17)}${(row.warmInProcessMs / 1000).toFixed(2)} s`)
  }
}
