import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

describe('build --json keeps stdout to one document', () => {
  it('sends what the component prints while it is snapshotted to stderr', async () => {
    const root = tempDir()
    const env = { WASH_KEYS: path.join(root, 'keys') }
    expect((await runCli(['new', 'actor', 'chatty', '--template', 'js-http', '--yes', '--no-git-init'], { cwd: root, env })).exitCode).toBe(0)
    const dir = path.join(root, 'chatty')
    const entry = path.join(dir, 'src', 'index.js')
    writeFileSync(entry, `console.log('printed at snapshot time')\n${readFileSync(entry, 'utf8')}`)
    const result = await runCli(['build', '--json', '--no-cache'], { cwd: dir, env })
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 0, result: { signed: true } })
    expect(result.stderr).toContain('printed at snapshot time')
  })
})
