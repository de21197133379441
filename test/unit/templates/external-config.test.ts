import { describe, expect, it } from 'vitest'

import { WasmctlError } from '../../../src/errors.js'
import { parseTemplateConfig, parseValuesFile } from '../../../src/templates/external/config.js'
import { bundledForWashName, parseFavorites, WASH_COMPONENT_FAVORITES } from '../../../src/templates/external/favorites.js'
import { resolveGitUrl } from '../../../src/templates/external/source.js'

function failure(run: () => unknown): WasmctlError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(WasmctlError)
    return error as WasmctlError
  }
  throw new Error('did not fail')
}

describe('parseTemplateConfig (project-generate.toml)', () => {
  it('reads wash\'s [template] lists and [[placeholders]]', () => {
    const config = parseTemplateConfig(`
      [template]
      exclude = ["target/", "keys/"]
      raw = ["*.wasm"]
      rename = [{ from = "./README.alt.md", to = "{{project-name}}.md" }]

      [[placeholders]]
      name = "vendor"
      type = "string"
      prompt = "Vendor?"
      default = "Acme"
      regex = "^[A-Z]"

      [[placeholders]]
      name = "kv"
      type = "bool"
      prompt = "Key-value?"
      default = true

      [[placeholders]]
      name = "lang"
      prompt = "Language?"
      choices = ["rust", "go"]
    `)
    expect(config).toEqual({
      exclude: ['target/', 'keys/'],
      raw: ['*.wasm'],
      rename: [{ from: 'README.alt.md', to: '{{project-name}}.md' }],
      placeholders: [
        { name: 'vendor', type: 'string', prompt: 'Vendor?', default: 'Acme', regex: '^[A-Z]' },
        { name: 'kv', type: 'bool', prompt: 'Key-value?', default: true },
        { name: 'lang', type: 'string', prompt: 'Language?', choices: ['rust', 'go'] },
      ],
      ignoredKeys: [],
    })
  })

  it('reads an empty file (a template that needs nothing) and cargo-generate\'s [placeholders.NAME] tables', () => {
    expect(parseTemplateConfig('')).toMatchObject({ exclude: [], raw: [], rename: [], placeholders: [] })
    const config = parseTemplateConfig('[placeholders.vendor]\ntype = "string"\nprompt = "Vendor?"\n')
    expect(config.placeholders).toEqual([{ name: 'vendor', type: 'string', prompt: 'Vendor?' }])
  })

  it('reports keys neither wash nor wasmctl reads instead of silently dropping them', () => {
    const config = parseTemplateConfig('[template]\ninclude = ["x"]\n[hooks]\npre = ["a.rhai"]\n')
    expect(config.ignoredKeys.sort()).toEqual(['hooks', 'template.include'])
  })

  it.each([
    ['[[placeholders]]\nprompt = "p"', /has no name/],
    ['[[placeholders]]\nname = "a"', /needs a prompt/],
    ['[[placeholders]]\nname = "project-name"\nprompt = "p"', /cannot be defined/],
    ['[[placeholders]]\nname = "crate_name"\nprompt = "p"', /cannot be defined/],
    ['[[placeholders]]\nname = "a"\nprompt = "p"\ntype = "number"', /types are string and bool/],
    ['[[placeholders]]\nname = "a"\nprompt = "p"\ntype = "bool"\nchoices = ["x"]', /bool takes no choices/],
    ['[[placeholders]]\nname = "a"\nprompt = "p"\ntype = "bool"\nregex = "x"', /bool takes no regex/],
    ['[[placeholders]]\nname = "a"\nprompt = "p"\ntype = "bool"\ndefault = "yes"', /must be true or false/],
    ['[[placeholders]]\nname = "a"\nprompt = "p"\nchoices = []', /choices is empty/],
    ['[[placeholders]]\nname = "a"\nprompt = "p"\nchoices = ["x"]\ndefault = "y"', /not one of its choices/],
    ['[[placeholders]]\nname = "a"\nprompt = "p"\nchoices = ["x", "Y"]\nregex = "^[a-z]$"', /does not match its regex/],
    ['[[placeholders]]\nname = "a"\nprompt = "p"\nregex = "("', /not a valid regular expression/],
    ['[template]\nexclude = "target"', /exclude must be an array of strings/],
    ['[template]\nrename = [{ from = "a" }]', /needs string "from" and "to"/],
    ['not toml = = 1', /not valid TOML/],
  ])('refuses %j as wash does', (text, message) => {
    const error = failure(() => parseTemplateConfig(text))
    expect(error.code).toBe('TEMPLATE_INVALID')
    // A broken third-party template is not a bug in wasmctl.
    expect(error.exit).toBe(1)
    expect(error.message).toMatch(message)
  })
})

describe('parseValuesFile (--values)', () => {
  it('reads the [values] table; numbers become strings, booleans stay', () => {
    expect(parseValuesFile('[values]\nvendor = "Acme"\nkv = true\nport = 8080\n"project-name" = "hello"\n', 'v.toml')).toEqual({
      vendor: 'Acme',
      kv: true,
      port: '8080',
      'project-name': 'hello',
    })
    expect(parseValuesFile('other = 1\n', 'v.toml')).toEqual({})
  })

  it('refuses tables and arrays as values, and bad TOML, naming the flag', () => {
    expect(failure(() => parseValuesFile('[values]\na = [1]\n', 'v.toml')).message).toMatch(/--values v.toml: values.a must be a string or a boolean/)
    expect(failure(() => parseValuesFile('values = 3\n', 'v.toml')).message).toMatch(/must be a table/)
    expect(failure(() => parseValuesFile('[values\n', 'v.toml')).code).toBe('INPUT_INVALID')
  })
})

describe('wash template names', () => {
  it('map wash\'s hello-world templates to the bundled ones', () => {
    expect(bundledForWashName('hello-world-typescript')).toBe('ts-http')
    expect(bundledForWashName('hello-world-rust')).toBe('rust-http')
    expect(bundledForWashName('hello-world-tinygo')).toBe('go-http')
    expect(bundledForWashName('ts-http')).toBeUndefined()
  })

  it('give the --git command for wash templates that are not bundled', () => {
    const error = failure(() => bundledForWashName('rust-dog-fetcher'))
    expect(error.code).toBe('TEMPLATE_UNKNOWN')
    expect(error.hints[0]).toBe('fetch it as wash does: wasmctl new component NAME --git wasmCloud/wasmCloud --subfolder examples/rust/components/dog-fetcher')
  })

  it('cover all seven of wash 0.43\'s component favorites', () => {
    expect(WASH_COMPONENT_FAVORITES.map((favorite) => favorite.name)).toEqual([
      'hello-world-rust',
      'hello-world-tinygo',
      'hello-world-typescript',
      'hello-world-python',
      'rust-dog-fetcher',
      'echo-messaging',
      'wash-plugin-rust',
    ])
  })
})

describe('parseFavorites (--favorites)', () => {
  it('reads [[component]] entries with git or path', () => {
    const entries = parseFavorites(
      '[[component]]\nname = "a"\ndescription = "A"\ngit = "file:///r"\nbranch = "dev"\nsubfolder = "t"\n[[component]]\nname = "b"\ndescription = "B"\npath = "./tpl"\n[[provider]]\nname = "p"\ndescription = "P"\npath = "x"\n',
      'f.toml',
    )
    expect(entries).toEqual([
      { name: 'a', description: 'A', source: { kind: 'git', url: 'file:///r', branch: 'dev', subfolder: 't' } },
      { name: 'b', description: 'B', source: { kind: 'path', path: './tpl' } },
    ])
  })

  it.each([
    ['[[provider]]\nname = "p"\ndescription = "P"\npath = "x"', /no \[\[component\]\]/],
    ['[[component]]\nname = "a"\npath = "x"', /needs a name and a description/],
    ['[[component]]\nname = "a"\ndescription = "A"', /either git or path/],
    ['[[component]]\nname = "a"\ndescription = "A"\ngit = "g"\npath = "p"', /either git or path/],
  ])('refuses %j', (text, message) => {
    const error = failure(() => parseFavorites(text, 'f.toml'))
    expect(error.code).toBe('INPUT_INVALID')
    expect(error.message).toMatch(message)
  })
})

describe('resolveGitUrl', () => {
  it.each([
    ['wasmCloud/wasmCloud', 'https://github.com/wasmCloud/wasmCloud'],
    ['/wasmCloud/wasmCloud', '/wasmCloud/wasmCloud'],
    ['github.com/wasmCloud/go', 'https://github.com/wasmCloud/go'],
    ['git+https://example.com/r.git', 'https://example.com/r.git'],
    ['https://example.com/r.git', 'https://example.com/r.git'],
    ['ssh://git@example.com/r.git', 'ssh://git@example.com/r.git'],
    ['git@example.com:o/r.git', 'git@example.com:o/r.git'],
    ['file:///srv/templates.git', 'file:///srv/templates.git'],
    ['./templates', '/work/here/templates'],
    ['../templates', '/work/templates'],
  ])('%s -> %s', (url, expected) => {
    expect(resolveGitUrl(url, '/work/here')).toBe(expected)
  })
})
