import { existsSync, readFileSync } from 'node:fs'
import { chmod, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Reproducible JavaScript builds: what componentize-js needs to give the same bytes for the same
 * sources (see reproducible-wizer.ts for the snapshot side), and the versions that must match for
 * two machines to agree.
 */

/** Bumped whenever the snapshot code changes its output. */
export const REPRODUCIBLE_WIZER_VERSION = 'wasmctl-reproducible-wizer/1'

/** The packages whose bytes end up in a JS component (engine, adapter, bundler), plus Node (V8 runs the initializer). */
const JS_TOOLCHAIN_PACKAGES = ['@bytecodealliance/componentize-js', '@bytecodealliance/jco', '@bytecodealliance/preview2-shim', 'esbuild'] as const

export type ToolchainVersions = Record<string, string>

let versionsCache: ToolchainVersions | undefined

/** Exact versions of everything that shapes a reproducible JS component. */
export function jsToolchainVersions(reproducible = true): ToolchainVersions {
  versionsCache ??= Object.fromEntries(JS_TOOLCHAIN_PACKAGES.map((name) => [name, packageVersion(name) ?? 'unknown']))
  return { ...versionsCache, node: process.versions.node, ...(reproducible ? { wizer: REPRODUCIBLE_WIZER_VERSION } : {}) }
}

function packageVersion(name: string): string | undefined {
  try {
    let dir = path.dirname(fileURLToPath(import.meta.resolve(name)))
    for (;;) {
      const manifest = path.join(dir, 'package.json')
      if (existsSync(manifest)) {
        const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string }
        if (pkg.name === name) return pkg.version
      }
      const parent = path.dirname(dir)
      if (parent === dir) return undefined
      dir = parent
    }
  } catch {
    return undefined
  }
}

/**
 * Reproducible output is the default: componentize-js snapshots through our deterministic wizer
 * (same sources and toolchain versions → same bytes). WASMCTL_REPRODUCIBLE=0 goes back to the real
 * wizer (real random seeds and clocks in the snapshot) should the replacement ever misbehave.
 */
export function reproducibleBuilds(env: NodeJS.ProcessEnv = process.env): boolean {
  return process.platform !== 'win32' && !/^(0|false|no|off)$/i.test(env.WASMCTL_REPRODUCIBLE ?? '')
}

export function reproducibleSettings(env: NodeJS.ProcessEnv = process.env): WizerWrapperOptions {
  return {
    ...(/^\d+$/.test(env.SOURCE_DATE_EPOCH ?? '') ? { sourceDateEpoch: env.SOURCE_DATE_EPOCH } : {}),
    ...(env.WASMCTL_REPRODUCIBLE_SEED ? { seed: env.WASMCTL_REPRODUCIBLE_SEED } : {}),
  }
}

export interface WizerWrapperOptions {
  /** Wall clock seen by top-level code (`Date.now()` at build time), in seconds. */
  sourceDateEpoch?: string
  /** Replaces the public default seed of the snapshot's random numbers (keep it secret in CI). */
  seed?: string
}

/**
 * Writes the executable componentize-js runs instead of wizer (its `wizerBin` option). It is a
 * shell script because componentize-js spawns wizer by path, with an environment of its own that
 * has no PATH and none of ours: everything is baked in as absolute paths and values.
 */
export async function writeWizerWrapper(dir: string, options: WizerWrapperOptions = {}): Promise<string> {
  if (process.platform === 'win32') throw new Error('reproducible JavaScript builds need a POSIX shell')
  const compiled = fileURLToPath(new URL('./reproducible-wizer.js', import.meta.url))
  const script = existsSync(compiled) ? compiled : fileURLToPath(new URL('./reproducible-wizer.ts', import.meta.url))
  // From the TypeScript sources (tests, bin/dev.js) the runner needs tsx's loader.
  const loader = script.endsWith('.ts') ? ['--import', import.meta.resolve('tsx/esm')] : []
  const lines = ['#!/bin/sh']
  if (options.sourceDateEpoch !== undefined) lines.push(`SOURCE_DATE_EPOCH=${shellQuote(options.sourceDateEpoch)}; export SOURCE_DATE_EPOCH`)
  if (options.seed !== undefined) lines.push(`WASMCTL_REPRODUCIBLE_SEED=${shellQuote(options.seed)}; export WASMCTL_REPRODUCIBLE_SEED`)
  lines.push(`exec ${[process.execPath, '--no-warnings', ...loader, script].map(shellQuote).join(' ')} "$@"`)
  const file = path.join(dir, 'reproducible-wizer.sh')
  await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o700 })
  await chmod(file, 0o700)
  return file
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}
