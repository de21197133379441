#!/usr/bin/env node
// Push and pull of the ~13 MB test component against a local docker-registry, `wasmctl` beside
// `skopeo copy` of the same artifact in the same run; median of N runs each, reported as ratios
// (target, issue 5: wasmctl no slower than skopeo, ratio <= 1.00).
//
// Both tools run as fresh processes (start-up included) and move every byte every time: each push
// goes to a registry with empty storage (nothing to HEAD-skip or mount), each pull to an empty
// wasmctl cache / empty OCI layout. The in-process library time is shown too.
// Usage: node scripts/bench-oci.mjs [runs=5]   (run `npm run build` first; needs docker-registry and skopeo)
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { tsImport } from 'tsx/esm/api'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const runs = Number(process.argv[2] ?? 5)
const bin = path.join(root, 'bin', 'run.js')
// The test harness (a real registry, the cached real component) is TypeScript; tsx loads it.
const { startRegistry } = await tsImport('../test/helpers/registry.ts', import.meta.url)
const { helloHttpComponent } = await tsImport('../test/helpers/components.ts', import.meta.url)
const { pushComponent, pullComponent } = await import(path.join(root, 'dist', 'oci', 'index.js'))

const scratch = mkdtempSync(path.join(os.tmpdir(), 'wasmctl-bench-oci-'))
const component = await helloHttpComponent()
const bytes = readFileSync(component)

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

function timed(command, args, env = {}) {
  const started = process.hrtime.bigint()
  const result = spawnSync(command, args, { stdio: 'pipe', env: { ...process.env, CI: 'true', ...env } })
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`)
  return { ms, stdout: String(result.stdout) }
}

async function timedAsync(work) {
  const started = process.hrtime.bigint()
  await work()
  return Number(process.hrtime.bigint() - started) / 1e6
}

/** An OCI layout holding the component as wasmctl pushes it, for skopeo to copy from. */
function layoutFrom(manifestBytes, configBytes) {
  const layout = path.join(scratch, 'layout')
  const blobs = path.join(layout, 'blobs', 'sha256')
  mkdirSync(blobs, { recursive: true })
  const store = (data) => {
    const hex = createHash('sha256').update(data).digest('hex')
    writeFileSync(path.join(blobs, hex), data)
    return `sha256:${hex}`
  }
  store(bytes)
  store(configBytes)
  const digest = store(manifestBytes)
  writeFileSync(path.join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
  writeFileSync(
    path.join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: manifestBytes.length, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] }),
  )
  return layout
}

const samples = { wasmctlPush: [], skopeoPush: [], libPush: [], wasmctlPull: [], skopeoPull: [], libPull: [], startup: [] }
let layout
try {
  for (let run = 0; run < runs; run++) {
    // the fixed cost of any wasmctl process (node + oclif), to read the ratios against
    samples.startup.push(timed(process.execPath, [bin, '--version']).ms)
    // push: a registry with empty storage per run, so neither tool can skip or mount a blob
    const registry = await startRegistry()
    try {
      const cache = path.join(scratch, `cache-push-${run}`)
      const push = timed(process.execPath, [bin, 'push', `${registry.host}/bench/wasmctl:1.0.0`, component, '--insecure', '--json'], { WASMCTL_CACHE_DIR: cache })
      samples.wasmctlPush.push(push.ms)
      const { digest } = JSON.parse(push.stdout).result
      if (!layout) {
        const manifest = readFileSync(path.join(cache, 'oci', 'blobs', 'sha256', digest.slice(7)))
        const config = readFileSync(path.join(cache, 'oci', 'blobs', 'sha256', JSON.parse(manifest).config.digest.slice(7)))
        layout = layoutFrom(manifest, config)
      }
      samples.skopeoPush.push(timed('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${registry.host}/bench/skopeo:1.0.0`]).ms)
      samples.libPush.push(
        await timedAsync(() => pushComponent({ reference: `${registry.host}/bench/library:1.0.0`, file: component, insecure: true, cacheRoot: path.join(scratch, `lib-push-${run}`) })),
      )

      // pull: empty wasmctl cache, empty layout directory
      const output = path.join(scratch, `pulled-${run}.wasm`)
      samples.wasmctlPull.push(
        timed(process.execPath, [bin, 'pull', `${registry.host}/bench/wasmctl:1.0.0`, '-o', output, '--json'], { WASMCTL_CACHE_DIR: path.join(scratch, `cache-pull-${run}`) }).ms,
      )
      if (Buffer.compare(readFileSync(output), bytes) !== 0) throw new Error('wasmctl pulled different bytes')
      samples.skopeoPull.push(timed('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${registry.host}/bench/wasmctl:1.0.0`, `oci:${path.join(scratch, `skopeo-${run}`)}:v1`]).ms)
      samples.libPull.push(
        await timedAsync(() => pullComponent({ reference: `${registry.host}/bench/wasmctl:1.0.0`, insecure: true, cacheRoot: path.join(scratch, `lib-pull-${run}`) })),
      )
    } finally {
      await registry.stop()
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true })
}

const m = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]))
const fmt = (ms) => `${ms.toFixed(0).padStart(5)} ms`
console.log(`OCI transfer of a ${(bytes.length / 1e6).toFixed(1)} MB component, median of ${runs} runs (fresh processes, 127.0.0.1 registry)`)
console.log(`  push  wasmctl ${fmt(m.wasmctlPush)}  skopeo copy ${fmt(m.skopeoPush)}  ratio ${(m.wasmctlPush / m.skopeoPush).toFixed(2)}  (library, in-process: ${fmt(m.libPush)})`)
console.log(`  pull  wasmctl ${fmt(m.wasmctlPull)}  skopeo copy ${fmt(m.skopeoPull)}  ratio ${(m.wasmctlPull / m.skopeoPull).toFixed(2)}  (library, in-process: ${fmt(m.libPull)})`)
console.log(`  wasmctl process start-up (\`wasmctl --version\`): ${fmt(m.startup)}; library vs skopeo: push ${(m.libPush / m.skopeoPush).toFixed(2)}, pull ${(m.libPull / m.skopeoPull).toFixed(2)}`)
const ok = m.wasmctlPush <= m.skopeoPush && m.wasmctlPull <= m.skopeoPull
console.log(ok ? 'target met: wasmctl is no slower than skopeo' : 'target missed: wasmctl is slower than skopeo')
process.exitCode = ok ? 0 : 1
