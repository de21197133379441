import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { WasmctlError } from '../../../src/errors.js'
import { dockerConfigPath, readPasswordFrom, resolveCredentials } from '../../../src/oci/auth.js'
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

describe('resolveCredentials', () => {
  it('prefers --user/--password over every file', async () => {
    const env = dockerHome('flags', { auths: { 'ghcr.io': { auth: basic('docker', 'pw') } } })
    const resolved = await resolveCredentials({ registry: 'ghcr.io', user: 'me', password: 'secret', env })
    expect(resolved).toEqual({ credentials: { username: 'me', password: 'secret' }, source: '--user/--password' })
  })

  it.each([
    [{ user: 'me' }, '--password'],
    [{ password: 'secret' }, '--user'],
  ])('asks for the missing half of %j', async (given, flag) => {
    const error = await resolveCredentials({ registry: 'ghcr.io', ...given, env: {} }).catch((caught) => caught)
    expect(error).toBeInstanceOf(WasmctlError)
    expect(error.code).toBe('INPUT_REQUIRED')
    expect(error.message).toContain(flag)
    expect(error.message).not.toContain('secret')
  })

  it('reads the project credentials file (wash format) before Docker config', async () => {
    const file = path.join(root, 'project-creds.json')
    writeFileSync(file, JSON.stringify({ '127.0.0.1:5000': { username: 'proj', password: 'pw', registryType: 'oci' }, 'tok.io': { token: 't0k' } }))
    const env = dockerHome('project', { auths: { '127.0.0.1:5000': { auth: basic('docker', 'pw') } } })
    expect(await resolveCredentials({ registry: '127.0.0.1:5000', projectCredentialsFile: file, env })).toEqual({
      credentials: { username: 'proj', password: 'pw' },
      source: file,
    })
    expect((await resolveCredentials({ registry: 'tok.io', projectCredentialsFile: file, env })).credentials).toEqual({ registryToken: 't0k' })
    // a registry the file does not list falls through to Docker's config
    expect((await resolveCredentials({ registry: 'other.io', projectCredentialsFile: file, env: dockerHome('p2', { auths: { 'other.io': { auth: basic('d', 'x') } } }) })).credentials).toEqual({
      username: 'd',
      password: 'x',
    })
  })

  it('reports a broken project credentials file', async () => {
    const file = path.join(root, 'broken.json')
    writeFileSync(file, '{ nope')
    await expect(resolveCredentials({ registry: 'x.io', projectCredentialsFile: file, env: {} })).rejects.toMatchObject({ code: 'PROJECT_INVALID' })
  })

  it('decodes auths entries under every key form Docker writes', async () => {
    const env = dockerHome('auths', {
      auths: {
        'https://ghcr.io': { auth: basic('alice', 'pa:ss') },
        'quay.io': { auth: basic('bob', 'pw').replace(/=+$/, '') },
        'https://index.docker.io/v1/': { auth: basic('hubber', 'hubpw') },
        'id.example.com': { auth: '', identitytoken: 'refresh-token' },
      },
    })
    expect((await resolveCredentials({ registry: 'ghcr.io', env })).credentials).toEqual({ username: 'alice', password: 'pa:ss' })
    expect((await resolveCredentials({ registry: 'quay.io', env })).credentials).toEqual({ username: 'bob', password: 'pw' })
    expect((await resolveCredentials({ registry: 'docker.io', env })).credentials).toEqual({ username: 'hubber', password: 'hubpw' })
    expect((await resolveCredentials({ registry: 'id.example.com', env })).credentials).toEqual({ identityToken: 'refresh-token' })
    expect(await resolveCredentials({ registry: 'unknown.io', env })).toEqual({})
  })

  it('honours DOCKER_CONFIG', async () => {
    const dir = path.join(root, 'docker-config-dir')
    mkdirSync(dir, { recursive: true })
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths: { 'x.io': { auth: basic('cfg', 'pw') } } }))
    expect(dockerConfigPath({ DOCKER_CONFIG: dir, HOME: '/nowhere' })).toBe(path.join(dir, 'config.json'))
    expect((await resolveCredentials({ registry: 'x.io', env: { DOCKER_CONFIG: dir } })).credentials).toEqual({ username: 'cfg', password: 'pw' })
  })

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

  it('treats an unreadable Docker config as no credentials', async () => {
    const home = path.join(root, 'garbage')
    mkdirSync(path.join(home, '.docker'), { recursive: true })
    writeFileSync(path.join(home, '.docker', 'config.json'), 'not json')
    expect(await resolveCredentials({ registry: 'x.io', env: { HOME: home } })).toEqual({})
  })
})

describe('readPasswordFrom', () => {
  it('reads stdin without the final newline', async () => {
    expect(await readPasswordFrom(Readable.from([Buffer.from('s3cret\n')]))).toBe('s3cret')
    expect(await readPasswordFrom(Readable.from([Buffer.from('with space \r\n')]))).toBe('with space ')
  })

  it('refuses an empty password', async () => {
    await expect(readPasswordFrom(Readable.from([Buffer.from('\n')]))).rejects.toMatchObject({ code: 'INPUT_REQUIRED' })
  })
})
