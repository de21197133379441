import path from 'node:path'

import { WasmctlError } from '../errors.js'
import { adaptPreview1Module } from './adapter.js'
import type { DriverContext, DriverOutput } from './driver.js'
import { readToolOutput, runTool } from './run.js'
import { INSTALL_HINTS } from './toolchains.js'
import { isCoreModule } from '../wasm/world.js'

/**
 * Rust: `cargo build --target wasm32-wasip2` gives a component directly; wasm32-wasip1 (or the
 * older wasm32-wasi, which Debian's rustc 1.63 has) gives a core module that the preview1 adapter
 * turns into one. cargo's JSON messages name the artifact, so custom target folders and crate names
 * need no guessing.
 */
export function chooseRustTarget(context: DriverContext): string {
  const installed = context.status.targets ?? []
  const wanted = context.project.component.wasmTarget
  if (wanted === 'wasm32-unknown-unknown') {
    throw new WasmctlError('BUILD_FAILED', 'wasm_target "wasm32-unknown-unknown" cannot produce a WASI component', {
      hints: ['set [component] wasm_target = "wasm32-wasip2" (or "wasm32-wasip1") in wasmcloud.toml'],
    })
  }
  const acceptable = wanted === 'wasm32-wasip2' ? ['wasm32-wasip2'] : wanted === 'wasm32-wasip1' ? ['wasm32-wasip1', 'wasm32-wasi'] : installed
  const target = acceptable.find((candidate) => installed.includes(candidate))
  if (!target) {
    const needed = acceptable[0] ?? 'wasm32-wasip2'
    throw new WasmctlError('BUILD_TOOLCHAIN_MISSING', `the Rust target ${needed} is not installed`, {
      hints: [`rustup target add ${needed}`, INSTALL_HINTS.cargoTarget],
      details: { toolchain: 'cargo', missing: [needed], installed, install: `rustup target add ${needed}` },
    })
  }
  return target
}

interface CargoMessage {
  reason?: string
  manifest_path?: string
  target?: { kind?: string[] }
  filenames?: string[]
}

/** The .wasm cargo built for the project's own package (the last one, if it built several). */
export function cargoArtifact(stdout: string, manifestPath: string): string | undefined {
  let own: string | undefined
  let any: string | undefined
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue
    let message: CargoMessage
    try {
      message = JSON.parse(line) as CargoMessage
    } catch {
      continue
    }
    if (message.reason !== 'compiler-artifact') continue
    const kinds = message.target?.kind ?? []
    if (!kinds.includes('bin') && !kinds.includes('cdylib')) continue
    const wasm = message.filenames?.find((file) => file.endsWith('.wasm'))
    if (!wasm) continue
    any = wasm
    if (message.manifest_path && path.resolve(message.manifest_path) === manifestPath) own = wasm
  }
  return own ?? any
}

export async function buildRust(context: DriverContext): Promise<DriverOutput> {
  const { project, status } = context
  const target = chooseRustTarget(context)
  const args = ['build', '--target', target, '--message-format=json-render-diagnostics']
  if (!project.rust.debug) args.push('--release')
  if (project.rust.targetPath) args.push('--target-dir', project.rust.targetPath)
  context.onEvent?.({ type: 'step', step: 'compile', message: `cargo build --target ${target}` })
  const { stdout } = await runTool({
    tool: 'cargo',
    file: status.path ?? 'cargo',
    args,
    cwd: project.dir,
    env: status.rustc ? { RUSTC: status.rustc } : undefined,
    signal: context.signal,
    onEvent: context.onEvent,
    stdoutIsData: true,
  })
  const artifact = cargoArtifact(stdout, path.join(project.dir, 'Cargo.toml'))
  if (!artifact) {
    throw new WasmctlError('BUILD_ARTIFACT_MISSING', `cargo finished but built no .wasm binary or cdylib for ${target}`, {
      hints: ['add a [[bin]] target or `crate-type = ["cdylib"]` under [lib] in Cargo.toml'],
    })
  }
  const bytes = await readToolOutput(artifact, 'cargo')
  if (target === 'wasm32-wasip2' || !isCoreModule(bytes)) return { bytes }
  context.onEvent?.({ type: 'step', step: 'adapt', message: `adapting the ${target} module with the WASI preview1 adapter` })
  const { component, kind } = await adaptPreview1Module(bytes, { artifact, adapterPath: project.component.wasip1AdapterPath })
  return { bytes: component, adapted: kind }
}
