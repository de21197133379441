import { DEFAULT_TEMPLATES_ROOT, listTemplates } from './registry.js'

/**
 * What `wasmctl templates list` shows: each bundled template and whether this machine has the
 * toolchain it needs. The check itself is `src/build/toolchains.ts`, the one `build` uses, so the
 * list and the build never disagree.
 */
export interface TemplateListing {
  name: string
  description: string
  language: string
  /** The world in one line: `exports wasi:http/incoming-handler@0.2.10; imports ...`. */
  world: string
  exports: string[]
  imports: string[]
  toolchain: {
    name: string
    present: boolean
    version?: string
    /** How to install it, when it is missing. */
    install?: string
    missing?: string[]
  }
  values: { name: string; prompt: string; default?: string }[]
}

export function describeWorld(world: { exports: string[]; imports: string[] }): string {
  return [
    world.exports.length > 0 ? `exports ${world.exports.join(', ')}` : '',
    world.imports.length > 0 ? `imports ${world.imports.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ')
}

export async function templateCatalog(root = DEFAULT_TEMPLATES_ROOT): Promise<TemplateListing[]> {
  const { checkToolchain } = await import('../build/toolchains.js')
  const templates = listTemplates(root)
  const statuses = await Promise.all(templates.map((template) => checkToolchain(template.toolchain)))
  return templates.map((template, index) => {
    const status = statuses[index]
    // The detector lists the targets a toolchain has (cargo); a template pinning one needs that one.
    const targetMissing = template.target !== undefined && status.targets !== undefined && !status.targets.includes(template.target)
    const present = status.present && !targetMissing
    const missing = targetMissing ? [...(status.missing ?? []), `the ${template.target} target`] : status.missing
    const install = targetMissing && status.present ? `rustup target add ${template.target}` : status.install
    return {
      name: template.name,
      description: template.description,
      language: template.language,
      world: describeWorld(template.world),
      exports: template.world.exports,
      imports: template.world.imports,
      toolchain: {
        name: template.toolchain,
        present,
        ...(status.version ? { version: status.version } : {}),
        ...(present ? {} : { install, missing }),
      },
      values: template.values.map(({ name, prompt, default: value }) => ({ name, prompt, ...(value === undefined ? {} : { default: value }) })),
    }
  })
}
