import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { WasmctlError } from '../errors.js'
import { type Template, TEMPLATE_FILE, TEMPLATE_FILES_DIR, templateSchema } from './schema.js'

/**
 * The bundled templates: every folder of `templates/` holding a template.json (folders starting
 * with `_` hold shared parts, such as the WIT in `_wit/`). The folder ships in the npm package
 * beside `dist/`, so the same relative path works from `src/` and from `dist/`.
 */
export const DEFAULT_TEMPLATES_ROOT = fileURLToPath(new URL('../../templates', import.meta.url))

/** The template picked when `--yes` leaves the choice to wasmctl. */
export const DEFAULT_TEMPLATE = 'ts-http'

/** Where shared WIT packages live, one folder per set (`wasi-0.2.10`, `keyvalue-0.2.0-draft`). */
export function witDepsRoot(root = DEFAULT_TEMPLATES_ROOT): string {
  return path.join(root, '_wit')
}

export function templateNames(root = DEFAULT_TEMPLATES_ROOT): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('_') && existsSync(path.join(root, entry.name, TEMPLATE_FILE)))
    .map((entry) => entry.name)
    .sort()
}

/** Every bundled template, default first, then by name. */
export function listTemplates(root = DEFAULT_TEMPLATES_ROOT): Template[] {
  return templateNames(root)
    .sort((a, b) => Number(b === DEFAULT_TEMPLATE) - Number(a === DEFAULT_TEMPLATE))
    .map((name) => readTemplate(path.join(root, name)))
}

/** Loads one template by name; TEMPLATE_UNKNOWN lists the ones that exist. */
export function loadTemplate(name: string, root = DEFAULT_TEMPLATES_ROOT): Template {
  const names = templateNames(root)
  if (!names.includes(name)) {
    const close = names.filter((candidate) => candidate.includes(name) || name.includes(candidate))
    throw new WasmctlError('TEMPLATE_UNKNOWN', `unknown template "${name}"`, {
      hints: [
        ...(close.length > 0 ? [`did you mean ${close.join(' or ')}?`] : []),
        `available templates: ${names.join(', ')} (see \`wasmctl templates list\`)`,
      ],
      details: { template: name, available: names },
    })
  }
  return readTemplate(path.join(root, name))
}

function readTemplate(dir: string): Template {
  const file = path.join(dir, TEMPLATE_FILE)
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new WasmctlError('TEMPLATE_INVALID', `cannot read ${file}: ${(error as Error).message}`, { cause: error })
  }
  const parsed = templateSchema.safeParse(raw)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(document)'}: ${issue.message}`)
    throw new WasmctlError('TEMPLATE_INVALID', `invalid ${file}: ${problems.join('; ')}`, { details: { file, problems } })
  }
  if (parsed.data.name !== path.basename(dir)) {
    throw new WasmctlError('TEMPLATE_INVALID', `${file} names "${parsed.data.name}" but its folder is "${path.basename(dir)}"`)
  }
  return { ...parsed.data, dir }
}

/** The files of a template, as paths relative to its `files/` folder (`/`-separated, sorted). */
export function templateFiles(template: Template): string[] {
  const base = path.join(template.dir, TEMPLATE_FILES_DIR)
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(dir, entry.name)
      return entry.isDirectory() ? walk(full) : [path.relative(base, full).split(path.sep).join('/')]
    })
  return walk(base).sort()
}
