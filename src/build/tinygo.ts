import { existsSync } from 'node:fs'
import path from 'node:path'

import { adaptPreview1Module } from './adapter.js'
import type { DriverContext, DriverOutput } from './driver.js'
import { readToolOutput, runTool, withWorkDir } from './run.js'

/**
 * TinyGo, as wash runs it: `go generate ./...` (unless `[tinygo] disable_go_generate`), then
 * `tinygo build -target wasip2 --wit-package wit --wit-world <world>`, which gives a component.
 * With `wasm_target = "wasm32-wasip1"` TinyGo builds a core module and the preview1 adapter wraps it.
 */
export function tinygoArgs(context: DriverContext, output: string): string[] {
  const { project } = context
  const preview1 = project.component.wasmTarget === 'wasm32-wasip1'
  const args = ['build', '-target', preview1 ? 'wasip1' : 'wasip2', '-o', output, '-no-debug']
  if (project.tinygo.scheduler) args.push('-scheduler', project.tinygo.scheduler)
  if (project.tinygo.garbageCollector) args.push('-gc', project.tinygo.garbageCollector)
  if (!preview1 && existsSync(project.witDir)) {
    args.push('--wit-package', project.witDir)
    if (project.component.witWorld) args.push('--wit-world', project.component.witWorld)
  }
  args.push('.')
  return args
}

export async function buildTinygo(context: DriverContext): Promise<DriverOutput> {
  const { project, status } = context
  if (!project.tinygo.disableGoGenerate) {
    context.onEvent?.({ type: 'step', step: 'compile', message: 'go generate ./...' })
    await runTool({ tool: 'go', file: 'go', args: ['generate', './...'], cwd: project.dir, signal: context.signal, onEvent: context.onEvent })
  }
  return withWorkDir('wasmctl-tinygo-', async (workDir) => {
    const output = path.join(workDir, `${project.name}.wasm`)
    const args = tinygoArgs(context, output)
    context.onEvent?.({ type: 'step', step: 'compile', message: `tinygo ${args.slice(0, 3).join(' ')}` })
    await runTool({ tool: 'tinygo', file: status.path ?? 'tinygo', args, cwd: project.dir, signal: context.signal, onEvent: context.onEvent })
    const bytes = await readToolOutput(output, 'tinygo')
    if (project.component.wasmTarget !== 'wasm32-wasip1') return { bytes }
    context.onEvent?.({ type: 'step', step: 'adapt', message: 'adapting the wasip1 module with the WASI preview1 adapter' })
    const { component, kind } = await adaptPreview1Module(bytes, { artifact: output, adapterPath: project.component.wasip1AdapterPath })
    return { bytes: component, adapted: kind }
  })
}
