import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'

import { WasmctlError } from '../errors.js'
import type { Project } from '../project/index.js'
import { adaptPreview1Module } from './adapter.js'
import type { DriverContext, DriverOutput } from './driver.js'
import { readToolOutput, runTool, withWorkDir } from './run.js'

/**
 * C: clang `--target=wasm32-wasi` against wasi-libc compiles every `.c` file under `src/` (or the
 * project folder) into a preview1 core module, which the preview1 adapter turns into a component
 * (a command when it has `main`). Anything fancier belongs in `[component] build_command`.
 */
export function cSources(project: Project): string[] {
  const srcDir = path.join(project.dir, 'src')
  const root = existsSync(srcDir) ? srcDir : project.dir
  const found: string[] = []
  const walk = (dir: string, recurse: boolean) => {
    for (const entry of readdirSync(dir).sort()) {
      const full = path.join(dir, entry)
      if (entry.startsWith('.')) continue
      if (statSync(full).isDirectory()) {
        if (recurse) walk(full, true)
      } else if (entry.endsWith('.c')) found.push(full)
    }
  }
  // Only src/ is searched deeply; a project root also holds build/ and other outputs.
  walk(root, root === srcDir)
  return found
}

export function clangArgs(context: DriverContext, sources: string[], output: string): string[] {
  const { project, status } = context
  const args = ['--target=wasm32-wasi', '-O2']
  if (status.sysroot) args.push(`--sysroot=${status.sysroot}`)
  if (status.linker && path.basename(status.linker) !== 'wasm-ld') args.push(`--ld-path=${status.linker}`)
  const includeDir = path.join(project.dir, 'include')
  if (existsSync(includeDir)) args.push('-I', includeDir)
  args.push('-o', output, ...sources.map((source) => path.relative(project.dir, source)))
  return args
}

export async function buildC(context: DriverContext): Promise<DriverOutput> {
  const { project, status } = context
  const sources = cSources(project)
  if (sources.length === 0) {
    throw new WasmctlError('BUILD_FAILED', `no .c files in ${path.join(project.dir, 'src')} or ${project.dir}`, {
      hints: ['put the C sources under src/, or set [component] build_command for another layout'],
    })
  }
  return withWorkDir('wasmctl-c-', async (workDir) => {
    const output = path.join(workDir, 'core.wasm')
    context.onEvent?.({ type: 'step', step: 'compile', message: `clang --target=wasm32-wasi (${sources.length} file${sources.length === 1 ? '' : 's'})` })
    await runTool({
      tool: 'clang',
      file: status.path ?? 'clang',
      args: clangArgs(context, sources, output),
      cwd: project.dir,
      signal: context.signal,
      onEvent: context.onEvent,
    })
    const core = await readToolOutput(output, 'clang')
    context.onEvent?.({ type: 'step', step: 'adapt', message: 'adapting the wasm32-wasi module with the WASI preview1 adapter' })
    const { component, kind } = await adaptPreview1Module(core, { artifact: output, adapterPath: project.component.wasip1AdapterPath })
    return { bytes: component, adapted: kind }
  })
}
