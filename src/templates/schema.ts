import { z } from 'zod'

/**
 * The shape of `templates/<name>/template.json`. A template is data: this file plus a `files/`
 * folder whose tree becomes the project. File names and the files listed in `render` have their
 * placeholders substituted; every other file is copied byte for byte.
 */
export const TEMPLATE_FILE = 'template.json'
export const TEMPLATE_FILES_DIR = 'files'

/** Toolchains as `src/build/toolchains.ts` names them, so `templates list` can ask it. */
export const TEMPLATE_TOOLCHAINS = ['componentize-js', 'clang', 'cargo', 'tinygo'] as const

const identifier = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/

const templateValueSchema = z
  .object({
    /** Placeholder name: `{{greeting}}`. */
    name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be lower-case letters, digits and underscores'),
    /** The question asked on a TTY. */
    prompt: z.string().min(1),
    /** May use the name placeholders (`Hello from {{name}}!`); no default means the value is required. */
    default: z.string().optional(),
    /** What the value is for, shown by `new actor --help`-style listings and in errors. */
    description: z.string().optional(),
    /**
     * Which values are safe to substitute. The default refuses quotes, backslashes, braces and
     * control characters, so a value can sit inside a string literal of any template language.
     */
    pattern: z.string().optional(),
    /** Says what `pattern` accepts, for the error message. */
    patternHint: z.string().optional(),
  })
  .strict()

export const templateSchema = z
  .object({
    name: z.string().regex(identifier, 'must be kebab-case'),
    description: z.string().min(1),
    /** The language shown to people (`typescript`, `rust`, `go`, ...). */
    language: z.string().min(1),
    /** The WIT contract of the generated component, as the world declares it. */
    world: z
      .object({
        name: z.string().min(1).optional(),
        exports: z.array(z.string()).default([]),
        imports: z.array(z.string()).default([]),
      })
      .strict(),
    toolchain: z.enum(TEMPLATE_TOOLCHAINS),
    /** The compile target the toolchain must have (cargo: `wasm32-wasip2`), when the project pins one. */
    target: z.string().optional(),
    /** Folders of `templates/_wit/` copied into the project's `wit/deps/` (WIT is bundled, never downloaded). */
    witDeps: z.array(z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'must name a folder of templates/_wit')).default([]),
    /** Paths under `files/` (before renaming) whose content holds placeholders. */
    render: z.array(z.string().min(1)).default([]),
    values: z.array(templateValueSchema).default([]),
    /** Name forms a language refuses (Rust: `test`, `core`...), checked against the kebab and snake forms. */
    reservedNames: z.array(z.string()).default([]),
    /** Commands to run next, shown after `new actor` (placeholders allowed). */
    next: z.array(z.string()).default([]),
  })
  .strict()

export type TemplateValueSpec = z.infer<typeof templateValueSchema>
export type TemplateManifest = z.infer<typeof templateSchema>

export interface Template extends TemplateManifest {
  /** Absolute folder of the template. */
  dir: string
}
