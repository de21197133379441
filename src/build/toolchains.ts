import { execFile } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import which from 'which'

/**
 * Which toolchains this machine has, and how to install the ones it lacks. `wasmctl build` checks
 * before running anything; `wasmctl templates list` shows it per template. Probes are cheap
 * (`--version`-style calls run in parallel) and cached per process, and nothing here is imported
 * by `--help`.
 */
export type ToolchainName = 'componentize-js' | 'clang' | 'cargo' | 'tinygo' | 'custom'

export const TOOLCHAIN_NAMES: readonly ToolchainName[] = ['componentize-js', 'clang', 'cargo', 'tinygo', 'custom']

export interface ToolchainStatus {
  /** The toolchain (for `custom`, the program the build command runs). */
  name: string
  present: boolean
  version?: string
  /** The main executable (or, for componentize-js, the package folder). */
  path?: string
  /** The command (or step) that installs what is missing. */
  install: string
  /** What is missing when `present` is false, one item per missing part. */
  missing?: string[]
  /** clang: the wasi-libc sysroot; cargo: the sysroot of the rustc it builds with. */
  sysroot?: string
  /** clang: the wasm-ld linker. */
  linker?: string
  /** cargo: the wasm targets its rustc has, best first (wasm32-wasip2, wasm32-wasip1, wasm32-wasi). */
  targets?: string[]
  /** cargo: the rustc to build with (a Debian rustc when rustup's has no wasm target). */
  rustc?: string
}

export interface CheckToolchainOptions {
  /** `custom`: the project's `[component] build_command`. */
  command?: string
  /** Overrides the executable looked up (`[rust] cargo_path`, `[tinygo] tinygo_path`). */
  executable?: string
  /** PATH to search; defaults to the process's. */
  pathEnv?: string
}

/** The languages a project may name, and the toolchain each builds with. */
const LANGUAGE_TOOLCHAINS: Record<string, ToolchainName> = {
  typescript: 'componentize-js',
  ts: 'componentize-js',
  javascript: 'componentize-js',
  js: 'componentize-js',
  rust: 'cargo',
  tinygo: 'tinygo',
  go: 'tinygo',
  c: 'clang',
}

export function toolchainForLanguage(language: string): ToolchainName | undefined {
  return LANGUAGE_TOOLCHAINS[language.trim().toLowerCase()]
}

export const RUST_WASM_TARGETS = ['wasm32-wasip2', 'wasm32-wasip1', 'wasm32-wasi'] as const

export const INSTALL_HINTS = {
  'componentize-js': 'bundled with wasmctl (reinstall wasmctl: npm install -g wasmctl)',
  clang: 'apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32 (or install wasi-sdk and set WASI_SDK_PATH)',
  cargoMissing: 'install Rust with rustup (https://rustup.rs), then: rustup target add wasm32-wasip2',
  cargoTarget: 'rustup target add wasm32-wasip2 (offline on Debian: apt-get install rustc cargo libstd-rust-dev-wasm32 lld)',
  tinygo: 'install TinyGo 0.33 or newer from https://tinygo.org/getting-started/install/ (it has no Debian package)',
} as const

const cache = new Map<string, Promise<ToolchainStatus>>()

/** Checks one toolchain; the result is cached for the life of the process. */
export function checkToolchain(name: ToolchainName, options: CheckToolchainOptions = {}): Promise<ToolchainStatus> {
  const key = JSON.stringify([name, options.command, options.executable, options.pathEnv ?? process.env.PATH])
  let status = cache.get(key)
  if (!status) {
    status = probeToolchain(name, options)
    cache.set(key, status)
  }
  return status
}

/** Forgets cached results (after installing something, and in tests). */
export function clearToolchainCache(): void {
  cache.clear()
}

function probeToolchain(name: ToolchainName, options: CheckToolchainOptions): Promise<ToolchainStatus> {
  switch (name) {
    case 'componentize-js':
      return Promise.resolve(checkComponentizeJs())
    case 'clang':
      return checkClang(options)
    case 'cargo':
      return checkCargo(options)
    case 'tinygo':
      return checkTinygo(options)
    case 'custom':
      return checkCustom(options)
  }
}

/**
 * A fingerprint of the files a toolchain status rests on (executables, linker, the sysroot's
 * library folder), so a later process can reuse the status without running the probes again
 * while none of them changed. Installing a target or upgrading the compiler changes it.
 */
export function toolchainStamp(status: ToolchainStatus): string {
  const sysrootLib = status.sysroot ? path.join(status.sysroot, 'lib', status.name === 'cargo' ? 'rustlib' : '') : undefined
  const files = [status.path, status.linker, status.rustc, sysrootLib]
    .map((file) => {
      if (!file || !path.isAbsolute(file)) return file ?? ''
      try {
        const info = statSync(file)
        return `${file}:${info.size}:${info.mtimeMs}`
      } catch {
        return `${file}:missing`
      }
    })
    .join('|')
  return `${files}|PATH=${process.env.PATH ?? ''}`
}

/** Finds an executable on PATH (or checks an explicit path); undefined when absent. */
export async function findExecutable(command: string, pathEnv?: string): Promise<string | undefined> {
  const found = await which(command, { nothrow: true, path: pathEnv ?? process.env.PATH })
  return found ?? undefined
}

/**
 * A probe's stdout, or undefined when it fails; never throws, never hangs. Node's execFile rather
 * than execa: a `--version` call needs none of execa's features, and loading execa costs
 * `templates list` more (~75 ms) than the probes themselves.
 */
function probe(file: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: 10_000, encoding: 'utf8' }, (error, stdout) => resolve(error ? undefined : stdout.trim() || undefined))
    child.stdin?.end()
  })
}

function firstLine(text: string | undefined): string | undefined {
  return text?.split('\n')[0].trim()
}

/** Walks up node_modules folders from this file, as Node's resolver does for bare names. */
export function packageDir(name: string): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name)
    if (existsSync(path.join(candidate, 'package.json'))) return candidate
    const parent = path.dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

function checkComponentizeJs(): ToolchainStatus {
  const dir = packageDir('@bytecodealliance/componentize-js')
  const install = INSTALL_HINTS['componentize-js']
  if (!dir) return { name: 'componentize-js', present: false, install, missing: ['@bytecodealliance/componentize-js'] }
  const { version } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }
  return { name: 'componentize-js', present: true, version, path: dir, install }
}

/** Where wasi-libc may live: wasi-sdk's sysroot, an explicit one, or Debian's multiarch /usr. */
function wasiSysrootCandidates(): string[] {
  const candidates: string[] = []
  if (process.env.WASI_SYSROOT) candidates.push(process.env.WASI_SYSROOT)
  if (process.env.WASI_SDK_PATH) candidates.push(path.join(process.env.WASI_SDK_PATH, 'share', 'wasi-sysroot'))
  candidates.push('/opt/wasi-sdk/share/wasi-sysroot', '/usr')
  return candidates
}

/** A sysroot is usable when it has both the wasm32-wasi headers and libc.a (wasi-sdk and Debian layouts differ). */
export function findWasiSysroot(): string | undefined {
  return wasiSysrootCandidates().find((root) =>
    ['wasm32-wasi', 'wasm32-wasip1'].some(
      (triple) => existsSync(path.join(root, 'include', triple, 'stdio.h')) && existsSync(path.join(root, 'lib', triple, 'libc.a')),
    ),
  )
}

async function firstExecutable(names: string[], pathEnv?: string): Promise<string | undefined> {
  const found = await Promise.all(names.map((name) => findExecutable(name, pathEnv)))
  return found.find(Boolean)
}

async function checkClang(options: CheckToolchainOptions): Promise<ToolchainStatus> {
  const sdkBin = process.env.WASI_SDK_PATH ? path.join(process.env.WASI_SDK_PATH, 'bin') : undefined
  const sdkPath = sdkBin ? `${sdkBin}${path.delimiter}${options.pathEnv ?? process.env.PATH ?? ''}` : options.pathEnv
  const [clang, linker] = await Promise.all([
    options.executable ? findExecutable(options.executable, sdkPath) : firstExecutable(['clang', 'clang-19', 'clang-18', 'clang-17', 'clang-16', 'clang-15', 'clang-14'], sdkPath),
    firstExecutable(['wasm-ld', 'wasm-ld-19', 'wasm-ld-18', 'wasm-ld-17', 'wasm-ld-16', 'wasm-ld-15', 'wasm-ld-14'], sdkPath),
  ])
  const sysroot = findWasiSysroot()
  const [versionText, builtins] = clang
    ? await Promise.all([probe(clang, ['--version']), probe(clang, ['--target=wasm32-wasi', '-print-libgcc-file-name'])])
    : [undefined, undefined]
  const missing: string[] = []
  if (!clang) missing.push('clang')
  if (!sysroot) missing.push('wasi-libc (the wasm32-wasi sysroot)')
  if (!linker) missing.push('wasm-ld (lld)')
  // Without compiler-rt's wasm32 builtins, linking fails late with a confusing message.
  if (clang && builtins && !existsSync(builtins)) missing.push('compiler-rt wasm32 builtins (libclang-rt-NN-dev-wasm32)')
  return {
    name: 'clang',
    present: missing.length === 0,
    version: firstLine(versionText)?.match(/clang version (\S+)/)?.[1],
    path: clang,
    install: INSTALL_HINTS.clang,
    ...(missing.length > 0 ? { missing } : {}),
    sysroot,
    linker,
  }
}

/** The Rust standard libraries for wasm that a rustc has, best first. */
function installedRustTargets(sysroot: string | undefined): string[] {
  if (!sysroot) return []
  return RUST_WASM_TARGETS.filter((target) => existsSync(path.join(sysroot, 'lib', 'rustlib', target, 'lib')))
}

/**
 * Debian's rustc (1.63, wasm32-wasi from libstd-rust-dev-wasm32) sits behind rustup's in PATH, so
 * look for it by full path. It needs Debian's cargo too: a newer cargo passes print requests
 * (`--print=split-debuginfo`) rustc 1.63 rejects.
 */
const DEBIAN_RUSTC = '/usr/bin/rustc'
const DEBIAN_CARGO = '/usr/bin/cargo'

async function checkCargo(options: CheckToolchainOptions): Promise<ToolchainStatus> {
  let [cargo, rustc] = await Promise.all([
    findExecutable(options.executable ?? 'cargo', options.pathEnv),
    findExecutable('rustc', options.pathEnv),
  ])
  const debianRoute = !options.executable && rustc !== DEBIAN_RUSTC && existsSync(DEBIAN_RUSTC) && existsSync(DEBIAN_CARGO)
  const [sysroot, debianSysroot] = await Promise.all([
    rustc ? probe(rustc, ['--print', 'sysroot']) : undefined,
    debianRoute ? probe(DEBIAN_RUSTC, ['--print', 'sysroot']) : undefined,
  ])
  let targets = installedRustTargets(sysroot)
  let rustSysroot = sysroot
  if (targets.length === 0 && installedRustTargets(debianSysroot).length > 0) {
    targets = installedRustTargets(debianSysroot)
    cargo = DEBIAN_CARGO
    rustc = DEBIAN_RUSTC
    rustSysroot = debianSysroot
  }
  const cargoVersion = cargo ? await probe(cargo, ['--version']) : undefined
  const missing: string[] = []
  if (!cargo) missing.push('cargo')
  if (cargo && targets.length === 0) missing.push('a wasm target (wasm32-wasip2, wasm32-wasip1 or wasm32-wasi)')
  return {
    name: 'cargo',
    present: missing.length === 0,
    version: firstLine(cargoVersion)?.match(/cargo (\S+)/)?.[1],
    path: cargo,
    install: cargo ? INSTALL_HINTS.cargoTarget : INSTALL_HINTS.cargoMissing,
    ...(missing.length > 0 ? { missing } : {}),
    targets,
    rustc,
    sysroot: rustSysroot,
  }
}

async function checkTinygo(options: CheckToolchainOptions): Promise<ToolchainStatus> {
  const tinygo = await findExecutable(options.executable ?? 'tinygo', options.pathEnv)
  const versionText = tinygo ? await probe(tinygo, ['version']) : undefined
  return {
    name: 'tinygo',
    present: Boolean(tinygo),
    version: firstLine(versionText)?.match(/version (\S+)/)?.[1],
    path: tinygo,
    install: INSTALL_HINTS.tinygo,
    ...(tinygo ? {} : { missing: ['tinygo'] }),
  }
}

/** The program a shell command runs first, skipping `VAR=value` assignments and `env`/`exec` prefixes. */
export function commandProgram(command: string): string | undefined {
  const words = command.trim().split(/\s+/)
  for (const word of words) {
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(word) || word === 'env' || word === 'exec') continue
    return word.replace(/^['"]|['"]$/g, '') || undefined
  }
  return undefined
}

/** Shell builtins and keywords need no executable. */
const SHELL_BUILTINS = new Set(['cd', 'true', 'false', 'echo', 'printf', 'test', '[', 'set', 'export', 'if', 'for', 'while', '(', '{', ':', '.'])

async function checkCustom(options: CheckToolchainOptions): Promise<ToolchainStatus> {
  const program = options.command ? commandProgram(options.command) : undefined
  const install = program ? `install ${program}, or fix [component] build_command in wasmcloud.toml` : 'set [component] build_command in wasmcloud.toml'
  if (!program) return { name: 'custom', present: false, install, missing: ['[component] build_command'] }
  if (SHELL_BUILTINS.has(program)) return { name: program, present: true, install }
  // A relative path (./build.sh) is resolved by the shell in the project folder; the build reports it if it is absent.
  if (program.includes('/')) return { name: program, present: true, path: program, install }
  const found = await findExecutable(program, options.pathEnv)
  return { name: program, present: Boolean(found), path: found, install, ...(found ? {} : { missing: [program] }) }
}
