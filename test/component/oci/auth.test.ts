import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { resolveCredentials } from '../../../src/oci/auth.js'
import { tempDir } from '../../helpers/tmp.js'

const root = tempDir('wasmctl-auth-')
const binDir = path.join(root, 'bin')
const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64')

function dockerHome(name: string, config: unknown): NodeJS.ProcessEnv {
  const home = path.join(root, name)
  mkdirSync(path.join(home, '.docker'), { recursive: true })
  writeFileSync(path.join(home, '.docker', 'config.json'), JSON.stringify(config))
  return { HOME: home }
}

// A real credential helper program on PATH, speaking Docker's protocol: server URL on stdin, JSON out.
const originalPath = process.env.PATH
beforeAll(() => {
  mkdirSync(binDir, { recursive: true })
  const helper = path.join(binDir, 'docker-credential-wasmctltest')
  writeFileSync(
    helper,
    [
      '#!/bin/sh',
      '[ "$1" = get ] || exit 1',
      'read server',
      'case "$server" in',
      '  helper.example.com) echo \'{"ServerURL":"helper.example.com","Username":"helper-user","Secret":"helper-secret"}\' ;;',
      '  https://index.docker.io/v1/) echo \'{"ServerURL":"https://index.docker.io/v1/","Username":"hub-user","Secret":"hub-secret"}\' ;;',
      '  token.example.com) echo \'{"ServerURL":"token.example.com","Username":"<token>","Secret":"refresh-me"}\' ;;',
      '  *) echo "credentials not found in native keychain" >&2; exit 1 ;;',
      'esac',
    ].join('\n') + '\n',
  )
  chmodSync(helper, 0o755)
  process.env.PATH = `${binDir}:${originalPath}`
})
afterAll(() => {
  process.env.PATH = originalPath
})

describe('resolveCredentials with Docker credential helpers', () => {
  it('asks credHelpers first, then auths, then credsStore (real helper programs)', async () => {
    const env = dockerHome('helpers', {
      credHelpers: { 'helper.example.com': 'wasmctltest', 'token.example.com': 'wasmctltest', 'missing.example.com': 'not-installed' },
      auths: { 'helper.example.com': { auth: basic('from-auths', 'pw') }, 'missing.example.com': { auth: basic('fallback', 'pw') } },
      credsStore: 'wasmctltest',
    })
    expect(await resolveCredentials({ registry: 'helper.example.com', env })).toEqual({
      credentials: { username: 'helper-user', password: 'helper-secret' },
      source: 'docker-credential-wasmctltest',
    })
    expect((await resolveCredentials({ registry: 'token.example.com', env })).credentials).toEqual({ identityToken: 'refresh-me' })
    // a helper that is not installed is skipped, as docker does
    const debug: string[] = []
    expect((await resolveCredentials({ registry: 'missing.example.com', env, onDebug: (line) => debug.push(line) })).credentials).toEqual({
      username: 'fallback',
      password: 'pw',
    })
    expect(debug.join('\n')).toContain('docker-credential-not-installed')
    // credsStore answers for Docker Hub under its legacy URL
    expect((await resolveCredentials({ registry: 'docker.io', env })).credentials).toEqual({ username: 'hub-user', password: 'hub-secret' })
    // and knows nothing about others: anonymous
    expect(await resolveCredentials({ registry: 'nobody.example.com', env })).toEqual({})
  })
})
