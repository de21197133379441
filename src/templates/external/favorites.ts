import { readFileSync } from 'node:fs'

import { parse as parseToml } from 'smol-toml'

import { fsError, WasmctlError } from '../../errors.js'
import type { TemplateSource } from './source.js'

/**
 * wash 0.43's template names (its built-in favorites for `wash new component`), and which bundled
 * template stands in for each. The ones without a bundled equivalent name where wash fetches
 * them from, so the error can give the exact `--git` command that gets the same template.
 */
export interface WashFavorite {
  name: string
  description: string
  /** The bundled template that stands in for it. */
  bundled?: string
  git: string
  subfolder: string
}

export const WASH_COMPONENT_FAVORITES: readonly WashFavorite[] = [
  {
    name: 'hello-world-rust',
    description: 'a hello-world component (in Rust) that responds over an HTTP connection',
    bundled: 'rust-http',
    git: 'wasmCloud/wasmCloud',
    subfolder: 'examples/rust/components/http-hello-world',
  },
  {
    name: 'hello-world-tinygo',
    description: 'a hello-world component (in TinyGo) that responds over an HTTP connection',
    bundled: 'go-http',
    git: 'wasmCloud/go',
    subfolder: 'templates/component/http-hello-world',
  },
  {
    name: 'hello-world-typescript',
    description: 'a hello-world component (in TypeScript) that responds over an HTTP connection',
    bundled: 'ts-http',
    git: 'wasmCloud/typescript',
    subfolder: 'examples/components/http-hello-world',
  },
  {
    name: 'hello-world-python',
    description: 'a hello-world component (in Python) that responds over an HTTP connection',
    git: 'wasmCloud/wasmCloud',
    subfolder: 'examples/python/components/http-hello-world',
  },
  {
    name: 'rust-dog-fetcher',
    description: 'a component (in Rust) that fetches a dog picture with an HTTP client',
    git: 'wasmCloud/wasmCloud',
    subfolder: 'examples/rust/components/dog-fetcher',
  },
  {
    name: 'echo-messaging',
    description: 'a component (in Rust) that echoes a payload received in a message using wasmcloud:messaging',
    git: 'wasmCloud/wasmCloud',
    subfolder: 'examples/rust/components/echo-messaging',
  },
  {
    name: 'wash-plugin-rust',
    description: 'a component (in Rust) that can be used as a plugin for the wash CLI',
    git: 'wasmCloud/wasmCloud',
    subfolder: 'examples/rust/components/wash-plugin-rust',
  },
]

/**
 * The bundled template for a wash template name, undefined when the name is not one of wash's;
 * a wash name with no bundled stand-in is TEMPLATE_UNKNOWN with the `--git` command to use.
 */
export function bundledForWashName(name: string): string | undefined {
  const favorite = WASH_COMPONENT_FAVORITES.find((candidate) => candidate.name === name)
  if (!favorite) return undefined
  if (favorite.bundled) return favorite.bundled
  throw new WasmctlError('TEMPLATE_UNKNOWN', `wash's template ${name} is not bundled with wasmctl`, {
    hints: [
      `fetch it as wash does: wasmctl new component NAME --git ${favorite.git} --subfolder ${favorite.subfolder}`,
      'or pick a bundled template: wasmctl templates list',
    ],
    details: { template: name },
  })
}

/** One entry of a `--favorites FILE` (wash's format: `[[component]]` tables). */
export interface FavoriteEntry {
  name: string
  description: string
  source: TemplateSource
}

export function readFavoritesFile(file: string): FavoriteEntry[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw fsError(error, 'read the --favorites file', file)
  }
  return parseFavorites(text, file)
}

export function parseFavorites(text: string, file: string): FavoriteEntry[] {
  const bad = (message: string) =>
    new WasmctlError('INPUT_INVALID', `--favorites ${file}: ${message}`, {
      hints: ['each [[component]] needs name, description and either git (with optional subfolder, branch) or path'],
    })
  let document: Record<string, unknown>
  try {
    document = parseToml(text) as Record<string, unknown>
  } catch (error) {
    throw bad(`not valid TOML: ${(error as Error).message.split('\n')[0]}`)
  }
  const entries = document.component
  if (!Array.isArray(entries) || entries.length === 0) throw bad('it lists no [[component]] templates')
  return entries.map((entry: Record<string, unknown>, index) => {
    const { name, description, git, path, subfolder, branch } = entry
    if (typeof name !== 'string' || typeof description !== 'string') throw bad(`component ${index + 1} needs a name and a description`)
    if ((git === undefined) === (path === undefined)) throw bad(`${name} needs either git or path, not both`)
    for (const [key, value] of Object.entries({ git, path, subfolder, branch })) {
      if (value !== undefined && typeof value !== 'string') throw bad(`${name}: ${key} must be a string`)
    }
    const source: TemplateSource =
      typeof git === 'string'
        ? { kind: 'git', url: git, ...(branch ? { branch: branch as string } : {}), ...(subfolder ? { subfolder: subfolder as string } : {}) }
        : { kind: 'path', path: path as string }
    return { name, description, source }
  })
}

/**
 * The template a `--favorites FILE` names: by `name` (`--template-name`), else the first entry when
 * nobody can choose (wash's `--silent`) or there is only one, else the one `choose` picks.
 */
export async function pickFavorite(
  file: string,
  name: string | undefined,
  choose: ((entries: FavoriteEntry[]) => Promise<string>) | undefined,
): Promise<TemplateSource> {
  const favorites = readFavoritesFile(file)
  if (name !== undefined) {
    const entry = favorites.find((candidate) => candidate.name === name)
    if (!entry) {
      throw new WasmctlError('TEMPLATE_UNKNOWN', `${file} has no component template named ${name}`, {
        hints: [`its templates: ${favorites.map((candidate) => candidate.name).join(', ')}`],
      })
    }
    return entry.source
  }
  if (!choose || favorites.length === 1) return favorites[0].source
  const picked = await choose(favorites)
  return (favorites.find((entry) => entry.name === picked) ?? favorites[0]).source
}
