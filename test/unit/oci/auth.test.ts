import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'

import { describe, expect, it } from 'vitest'

import { WasmctlError } from '../../../src/errors.js'
import { dockerConfigPath, readPasswordFrom, resolveCredentials } from '../../../src/oci/auth.js'
import { tempDir } from '../../helpers/tmp.js'

const root = tempDir('wasmctl-auth-')
const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64')

function dockerHome(name: string, config: unknown): NodeJS.ProcessEnv {
  const home = path.join(root, name)
  mkdirSync(path.join(home, '.docker'), { recursive: true })
  writeFileSync(path.join(home, '.docker', 'config.json'), JSON.stringify(config))
  return { HOME: home }
}

// Docker credential helper programs (credHelpers, credsStore) run in test/component/oci/auth.test.ts.
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

  it('treats an unreadable Docker config as no credentials', async () => {
    const home = path.join(root, 'garbage')
    mkdirSync(path.join(home, '.docker'), { recursive: true })
    writeFileSync(path.join(home, '.docker', 'config.json'), 'not json')
    expect(await resolveCredentials({ registry: 'x.io', env: { HOME: home } })).toEqual({})
  })

  it.each([
    ['not JSON', `{"auths": {"x.io": {"auth": "${basic('u', 'hunter2')}"}`, 'it is not valid JSON'],
    ['not an object', 'null', 'it is not a JSON object'],
  ])('warns about a Docker config that is %s, naming the file and never quoting it', async (_, text, reason) => {
    const home = path.join(root, `bad-${reason.length}`)
    mkdirSync(path.join(home, '.docker'), { recursive: true })
    const file = path.join(home, '.docker', 'config.json')
    writeFileSync(file, text)
    const warnings: string[] = []
    expect(await resolveCredentials({ registry: 'x.io', env: { HOME: home }, onWarning: (message) => warnings.push(message) })).toEqual({})
    expect(warnings).toEqual([`ignoring the Docker config ${file}: ${reason}; registry credentials from it are not used`])
    expect(warnings.join()).not.toContain(basic('u', 'hunter2'))
  })

  it('says nothing when there is no Docker config', async () => {
    const warnings: string[] = []
    await resolveCredentials({ registry: 'x.io', env: { HOME: path.join(root, 'nobody') }, onWarning: (message) => warnings.push(message) })
    expect(warnings).toEqual([])
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
