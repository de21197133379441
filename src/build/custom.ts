import { rm, stat } from 'node:fs/promises'
import path from 'node:path'

import { adaptPreview1Module } from './adapter.js'
import type { DriverContext, DriverOutput } from './driver.js'
import { readToolOutput, runTool } from './run.js'
import { isCoreModule } from '../wasm/world.js'

/**
 * `[component] build_command`, run through the shell in the project folder, as wash does. The
 * command writes `[component] build_artifact` itself; a core module there is adapted when the
 * project says `wasm_target = "wasm32-wasip1"` (wash's rule) and rejected otherwise.
 */
async function fileStamp(file: string): Promise<string | undefined> {
  try {
    const info = await stat(file)
    return `${info.size}:${info.mtimeMs}:${info.ino}`
  } catch {
    return undefined
  }
}

export async function buildCustom(context: DriverContext): Promise<DriverOutput> {
  const { project, unsignedPath } = context
  const command = project.component.buildCommand ?? ''
  const before = await fileStamp(unsignedPath)
  context.onEvent?.({ type: 'step', step: 'compile', message: command })
  try {
    await runTool({ tool: context.status.name, file: command, shell: true, cwd: project.dir, signal: context.signal, onEvent: context.onEvent })
  } catch (error) {
    // Whatever a failed or interrupted command wrote is not a build result.
    if ((await fileStamp(unsignedPath)) !== before) await rm(unsignedPath, { force: true })
    throw error
  }
  const after = await fileStamp(unsignedPath)
  const bytes = await readToolOutput(unsignedPath, 'the build command')
  if (after === before) {
    context.onEvent?.({
      type: 'warning',
      message: `the build command did not rewrite ${path.relative(project.dir, unsignedPath)}; using the file already there`,
    })
  }
  if (project.component.wasmTarget === 'wasm32-wasip1' && isCoreModule(bytes)) {
    context.onEvent?.({ type: 'step', step: 'adapt', message: 'adapting the wasip1 module with the WASI preview1 adapter' })
    const { component, kind } = await adaptPreview1Module(bytes, { artifact: unsignedPath, adapterPath: project.component.wasip1AdapterPath })
    return { bytes: component, adapted: kind }
  }
  return { bytes, writtenInPlace: true }
}
