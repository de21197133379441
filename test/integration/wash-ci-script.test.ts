import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { execa } from 'execa'
import { beforeAll, describe, expect, it } from 'vitest'

import { binRun } from '../helpers/cli.js'
import { helloHttpComponent } from '../helpers/components.js'
import { useRegistry } from '../helpers/registry.js'
import { tempDir } from '../helpers/tmp.js'

/*
 * A CI script written for wash 0.43, run unchanged with `wash` on PATH being wasmctl.
 *
 * The JSON it reads is what wash 0.43 prints with `-o json` (wasmCloud/wasmCloud, crates/wash):
 *   src/bin/wash.rs               success: the command's map plus "success": true, on stdout;
 *                                 failure: {"success": false, "error": ...} on stderr, exit 1
 *   src/cli/keys.rs               keys gen       {"public_key", "seed"}
 *   src/cli/build.rs              build          {"component_path", "built", "signed"}
 *   src/lib/cli/inspect.rs        claims inspect {"account", "component", "expires", "can_be_used",
 *                                                 "version", "revision", "tags", "name"}
 *   src/cli/common/registry_cmd.rs push          {"url", "digest", "tag"}; pull {"file"}
 *   src/lib/cli/registry.rs       push/pull -r/--registry (env WASH_REG_URL), pull -d/--digest,
 *                                 pull --destination, -u/-p (WASH_REG_USER/PASSWORD), --insecure
 *   src/lib/cli/inspect.rs        inspect -d/--digest, --no-cache, --wit (alias --world) -> {"wit"}
 */
const CI_SCRIPT = String.raw`#!/usr/bin/env bash
set -euo pipefail

wash -V

# Signing keys: generated here, as a pipeline without stored secrets would.
export WASH_ISSUER_KEY="$(wash keys gen account -o json | jq -r .seed)"
export WASH_SUBJECT_KEY="$(wash keys gen component -o json | jq -r .seed)"

wash build -p wasmcloud.toml -o json > build.json
jq -e '.success == true and .built == true and .signed == true' build.json
artifact="$(jq -r .component_path build.json)"

wash claims inspect "$artifact" -o json > claims.json
jq -e '.success == true and .name == "hello" and .version == "0.1.0" and .revision == 4' claims.json
echo "signed by $(jq -r .account claims.json) as $(jq -r .component claims.json)"

# WASH_REG_URL (from the CI environment) supplies the registry of the short reference.
wash push "ci/hello:0.1.0" "$artifact" --insecure -o json > push.json
jq -e '.success == true' push.json
digest="$(jq -r .digest push.json)"
echo "pushed $(jq -r .url push.json) at $digest"

wash pull "ci/hello:0.1.0" -d "$digest" --destination pulled.wasm --insecure -o json > pull.json
cmp "$artifact" "$(jq -r .file pull.json)"

# The published image, inspected from the registry (a full reference: inspect takes no -r).
wash inspect "$WASH_REG_URL/ci/hello:0.1.0" -d "$digest" --insecure --no-cache -o json | jq -e '.name == "hello"'
wash inspect "$artifact" --world -o json | jq -e '.wit | contains("wasi:http/incoming-handler")'
echo "CI OK"
`

const registry = useRegistry()
const root = tempDir('wasmctl-wash-ci-')
let hello: string

beforeAll(async () => {
  hello = await helloHttpComponent()
}, 300_000)

/** A folder with a `wash` that runs this checkout's CLI, first on PATH. */
function washShim(): string {
  const bin = path.join(root, 'bin')
  mkdirSync(bin, { recursive: true })
  const shim = path.join(bin, 'wash')
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${binRun}" "$@"\n`)
  chmodSync(shim, 0o755)
  return bin
}

/** A wash project whose build copies a real component (wash runs `[component] build_command` for any language). */
function washProject(): string {
  const dir = path.join(root, 'project')
  mkdirSync(dir, { recursive: true })
  copyFileSync(hello, path.join(root, 'hello.wasm'))
  writeFileSync(
    path.join(dir, 'wasmcloud.toml'),
    [
      'name = "hello"',
      'version = "0.1.0"',
      'revision = 4',
      'language = "typescript"',
      'type = "component"',
      '',
      '[component]',
      'build_command = "mkdir -p build && cp ../hello.wasm build/hello.wasm"',
      'build_artifact = "build/hello.wasm"',
      '',
    ].join('\n'),
  )
  writeFileSync(path.join(dir, 'ci.sh'), CI_SCRIPT)
  return dir
}

describe('a wash 0.43 CI script', () => {
  it('runs unchanged with wasmctl as wash: build, claims inspect -o json, push with WASH_REG_URL, pull -d', async () => {
    const project = washProject()
    const home = path.join(root, 'home')
    mkdirSync(home, { recursive: true })
    const run = await execa('bash', ['ci.sh'], {
      cwd: project,
      reject: false,
      stdin: 'ignore',
      timeout: 240_000,
      env: {
        PATH: `${washShim()}${path.delimiter}${process.env.PATH}`,
        HOME: home,
        CI: 'true',
        NO_COLOR: '1',
        WASMCTL_CACHE_DIR: path.join(home, 'cache'),
        WASH_REG_URL: registry.host,
      },
      extendEnv: false,
    })
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0)
    expect(run.stdout).toContain('CI OK')

    // What the script read, checked against wash's shapes field by field.
    const read = (file: string) => JSON.parse(readFileSync(path.join(project, file), 'utf8'))
    const build = read('build.json')
    expect(build).toEqual({ component_path: path.join(project, 'build', 'hello_s.wasm'), built: true, signed: true, success: true })
    const claims = read('claims.json')
    expect(Object.keys(claims).sort()).toEqual(['account', 'can_be_used', 'component', 'expires', 'name', 'revision', 'success', 'tags', 'version'])
    expect(claims).toMatchObject({ account: expect.stringMatching(/^A[A-Z2-7]{55}$/), component: expect.stringMatching(/^M[A-Z2-7]{55}$/), expires: 'never', can_be_used: 'immediately', tags: 'None' })
    const push = read('push.json')
    expect(push).toEqual({ url: `${registry.host}/ci/hello:0.1.0`, digest: expect.stringMatching(/^sha256:[a-f0-9]{64}$/), tag: '0.1.0', success: true })
    expect(read('pull.json')).toEqual({ file: path.join(project, 'pulled.wasm'), success: true })
    // Nothing was written under a file named after the format (the old `-o FILE` meaning).
    expect(() => readFileSync(path.join(project, 'json'))).toThrow()
  }, 300_000)

  it('reports a failure as wash does: {"success":false,"error":...} on stderr, nothing on stdout', async () => {
    const run = await execa(process.execPath, [binRun, 'pull', 'ci/missing:9.9.9', '--insecure', '-o', 'json'], {
      reject: false,
      stdin: 'ignore',
      env: { HOME: path.join(root, 'home'), CI: 'true', NO_COLOR: '1', WASMCTL_CACHE_DIR: path.join(root, 'home', 'cache'), WASH_REG_URL: registry.host },
    })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toBe('')
    const error = JSON.parse(run.stderr.slice(run.stderr.indexOf('{')))
    expect(error).toMatchObject({ success: false, error: expect.stringContaining('ci/missing') })
  })

  it('inspect -o json of an unsigned component fails as wash does, unless it asks for the WIT', async () => {
    const unsigned = hello
    const env = { HOME: path.join(root, 'home'), CI: 'true', NO_COLOR: '1' }
    const run = await execa(process.execPath, [binRun, 'inspect', unsigned, '-o', 'json'], { reject: false, stdin: 'ignore', env })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toBe('')
    expect(JSON.parse(run.stderr.slice(run.stderr.indexOf('{')))).toMatchObject({ success: false, error: `No capabilities discovered in : ${unsigned}` })
    const world = await execa(process.execPath, [binRun, 'inspect', unsigned, '--world', '-o', 'json'], { reject: false, stdin: 'ignore', env })
    expect(world.exitCode, world.stderr).toBe(0)
    expect(JSON.parse(world.stdout)).toMatchObject({ wit: expect.stringContaining('wasi:http/incoming-handler'), success: true })
  })
})
