import path from 'node:path'

import { WasmctlError } from '../errors.js'
import { type ComponentWorld, componentWorld, isComponent, isCoreModule } from '../wasm/world.js'
import { readWitWorld, unversioned } from './wit.js'

export interface ValidateArtifactOptions {
  /** Shown in errors: the file the toolchain wrote. */
  artifact: string
  witDir: string
  /** `[component] wit_world`; without it the check uses the only world of the project's package, if any. */
  witWorld?: string
  /** Hints for a core module (how to make this toolchain produce a component). */
  coreModuleHints?: string[]
}

/**
 * A build's output must be a component (not a core module) that exports what the project's world
 * promises. Returns the component's world (for the result) and warnings (parts of the WIT the check
 * could not resolve).
 */
export function validateArtifact(bytes: Uint8Array, options: ValidateArtifactOptions): { world: ComponentWorld; warnings: string[] } {
  if (!isComponent(bytes)) {
    throw new WasmctlError(
      'BUILD_NOT_COMPONENT',
      isCoreModule(bytes)
        ? `${options.artifact} is a core WebAssembly module, not a component`
        : `${options.artifact} is not a WebAssembly component (${bytes.length} bytes, not starting with the wasm magic number)`,
      {
        hints: options.coreModuleHints ?? [
          'build for wasm32-wasip2, or set [component] wasm_target = "wasm32-wasip1" so wasmctl adapts the module with the WASI preview1 adapter',
        ],
        details: { artifact: options.artifact },
      },
    )
  }
  const world = componentWorld(bytes)
  const warnings: string[] = []
  const expected = readWitWorld(options.witDir, options.witWorld)
  if (options.witWorld && !expected) {
    throw new WasmctlError('BUILD_WIT_MISSING', `world "${options.witWorld}" is not defined in ${options.witDir}`, {
      hints: [`check [component] wit_world in wasmcloud.toml against the world names in ${path.basename(options.witDir)}/`],
      details: { witDir: options.witDir, witWorld: options.witWorld },
    })
  }
  if (!expected) return { world, warnings }
  for (const include of expected.unresolved) {
    warnings.push(`cannot check the exports of "include ${include}" in world ${expected.name}: it is not in ${options.witDir}`)
  }
  const actual = new Set(world.exports.map(unversioned))
  const missing = expected.exports.filter((name) => !actual.has(name))
  if (missing.length > 0) {
    throw new WasmctlError(
      'BUILD_WORLD_MISMATCH',
      `${options.artifact} does not export ${missing.join(', ')} from world ${expected.name} (it exports ${world.exports.join(', ') || 'nothing'})`,
      {
        hints: [`implement the missing export${missing.length > 1 ? 's' : ''}, or set [component] wit_world to the world the code implements`],
        details: { missing, expected: expected.exports, exports: world.exports },
      },
    )
  }
  return { world, warnings }
}
