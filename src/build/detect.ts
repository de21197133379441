import { existsSync } from 'node:fs'
import path from 'node:path'

import { WasmctlError } from '../errors.js'
import type { Project } from '../project/index.js'
import { buildC, cSources } from './c.js'
import { buildCustom } from './custom.js'
import type { Driver } from './driver.js'
import { buildJs, findJsEntry } from './js.js'
import { buildRust } from './rust.js'
import { buildTinygo } from './tinygo.js'
import { toolchainForLanguage } from './toolchains.js'

const PREVIEW1_HINT = 'or set [component] wasm_target = "wasm32-wasip1" so wasmctl adapts the core module with the WASI preview1 adapter'

export const DRIVERS = {
  'componentize-js': { toolchain: 'componentize-js', language: 'javascript', build: buildJs },
  cargo: {
    toolchain: 'cargo',
    language: 'rust',
    build: buildRust,
    coreModuleHints: ['build with `--target wasm32-wasip2`', PREVIEW1_HINT],
  },
  tinygo: { toolchain: 'tinygo', language: 'tinygo', build: buildTinygo, coreModuleHints: ['build with `-target wasip2`', PREVIEW1_HINT] },
  clang: { toolchain: 'clang', language: 'c', build: buildC },
  custom: {
    toolchain: 'custom',
    language: 'custom',
    build: buildCustom,
    coreModuleHints: ['make the build command produce a component (for example with `wasm-tools component new`)', PREVIEW1_HINT],
  },
} satisfies Record<string, Driver>

export interface DetectedDriver {
  driver: Driver
  /** The language the result reports: the project's `language`, else what the files show. */
  language: string
}

/**
 * Which driver builds a project: `[component] build_command` always wins (as in wash), then the
 * `language` key, then the files present (Cargo.toml, go.mod, a JS/TS entry, C sources).
 */
export function detectDriver(project: Project): DetectedDriver {
  if (project.component.buildCommand) return { driver: DRIVERS.custom, language: project.language ?? 'custom' }
  if (project.language) {
    const toolchain = toolchainForLanguage(project.language)
    if (!toolchain || toolchain === 'custom') {
      throw new WasmctlError('BUILD_LANGUAGE_UNKNOWN', `wasmctl cannot build language "${project.language}" by itself`, {
        hints: [
          'set language to typescript, javascript, rust, tinygo or c',
          'or set [component] build_command (and build_artifact) to build it your way',
        ],
        details: { language: project.language },
      })
    }
    const language = toolchain === 'componentize-js' ? jsLanguage(project, project.language) : project.language
    return { driver: DRIVERS[toolchain], language }
  }
  const has = (file: string) => existsSync(path.join(project.dir, file))
  if (has('Cargo.toml')) return { driver: DRIVERS.cargo, language: 'rust' }
  if (has('go.mod')) return { driver: DRIVERS.tinygo, language: 'tinygo' }
  if (findJsEntry(project)) return { driver: DRIVERS['componentize-js'], language: jsLanguage(project) }
  if (cSources(project).length > 0) return { driver: DRIVERS.clang, language: 'c' }
  throw new WasmctlError('BUILD_LANGUAGE_UNKNOWN', `cannot tell how to build ${project.dir}`, {
    hints: [
      'set `language` in wasmcloud.toml (typescript, javascript, rust, tinygo or c)',
      'or set [component] build_command and build_artifact',
    ],
  })
}

function jsLanguage(project: Project, given?: string): string {
  if (given === 'typescript' || given === 'javascript') return given
  if (given === 'ts') return 'typescript'
  if (given === 'js') return 'javascript'
  return /\.m?ts$/.test(findJsEntry(project) ?? '') ? 'typescript' : 'javascript'
}
