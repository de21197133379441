import { mkdirSync } from 'node:fs'
import path from 'node:path'

import { describe, expect, it } from 'vitest'

import { parseDir, parseDuration, resolveHostOptions } from '../../../src/host/settings.js'
import { parseProject } from '../../../src/project/index.js'
import { tempDir } from '../../helpers/tmp.js'

describe('host settings', () => {
  it('parses durations in ms, s, m or plain seconds', () => {
    expect([parseDuration('500ms'), parseDuration('30s'), parseDuration('2m'), parseDuration('1.5')]).toEqual([500, 30_000, 120_000, 1500])
    expect(() => parseDuration('soon')).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }))
    expect(() => parseDuration('0s')).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }))
  })

  it('maps --dir HOST::GUEST to an absolute host directory, and refuses one that does not exist', () => {
    const dir = tempDir()
    mkdirSync(path.join(dir, 'data'))
    expect(parseDir('data::/data', dir)).toEqual({ host: path.join(dir, 'data'), guest: '/data' })
    expect(parseDir('data', dir)).toEqual({ host: path.join(dir, 'data'), guest: 'data' })
    expect(() => parseDir('missing::/m', dir)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID', message: expect.stringContaining('not a directory') }))
  })

  it('merges [dev] with flags: flags win per key, lists join, require_signed holds if either sets it', () => {
    const dir = tempDir()
    mkdirSync(path.join(dir, 'shared'))
    mkdirSync(path.join(dir, 'extra'))
    const project = parseProject(
      [
        'name = "demo"',
        'version = "0.1.0"',
        '[dev]',
        'port = 9000',
        'address = "0.0.0.0"',
        'allow_http = ["api.example.com"]',
        'env = { A = "project", B = "project" }',
        'dirs = ["shared::/shared"]',
        'config = { greeting = "hi" }',
        'allowed_issuers = ["AAAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQDPYC"]',
        'require_signed = true',
        'timeout_ms = 5000',
      ].join('\n'),
      path.join(dir, 'wasmcloud.toml'),
    )
    const options = resolveHostOptions(project, { port: 0, env: ['B=flag'], allowHttp: ['*.internal'], dir: ['extra::/extra'], allowedIssuer: ['AABAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAE7QF'] }, dir)
    expect(options).toMatchObject({
      address: '0.0.0.0',
      port: 0,
      timeoutMs: 5000,
      allowHttp: ['api.example.com', '*.internal'],
      env: { A: 'project', B: 'flag' },
      config: { greeting: 'hi' },
      preopens: [
        { host: path.join(dir, 'shared'), guest: '/shared' },
        { host: path.join(dir, 'extra'), guest: '/extra' },
      ],
      keyvalueFile: path.join(dir, '.wasmctl', 'keyvalue.json'),
      trust: { requireSigned: true, allowedIssuers: ['AAAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQDPYC', 'AABAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAE7QF'] },
    })
    expect(resolveHostOptions(project, { timeout: '2s' }, dir).timeoutMs).toBe(2000)
  })

  it('grants nothing by default and keeps key-value state in memory without a project', () => {
    const options = resolveHostOptions(undefined, {})
    expect(options).toMatchObject({ allowHttp: [], env: {}, config: {}, preopens: [], keyvalueFile: undefined, trust: { requireSigned: false, allowedIssuers: [] } })
  })
})

describe('outgoing settings', () => {
  it('takes --tls-ca-path as a list or as WASMCLOUD_TLS_CA_PATH\'s comma-separated string, resolved from the working folder', () => {
    const cwd = '/work/here'
    expect(resolveHostOptions(undefined, { tlsCaPath: ['a.pem', '/etc/b.pem'] }, cwd).outgoing?.tlsCaPaths).toEqual(['/work/here/a.pem', '/etc/b.pem'])
    expect(resolveHostOptions(undefined, { tlsCaPath: 'a.pem,/etc/b.pem' }, cwd).outgoing?.tlsCaPaths).toEqual(['/work/here/a.pem', '/etc/b.pem'])
    expect(resolveHostOptions(undefined, {}, cwd).outgoing).toEqual({ tlsCaPaths: [], connectTo: [] })
  })

  it('parses --connect-to routes up front, so a bad one stops start-up before anything loads', () => {
    expect(resolveHostOptions(undefined, { connectTo: ['example.com:443:127.0.0.1:8443'] }).outgoing?.connectTo).toEqual([{ host: 'example.com', port: '443', targetHost: '127.0.0.1', targetPort: '8443' }])
    expect(() => resolveHostOptions(undefined, { connectTo: ['example.com'] })).toThrowError(/expected HOST:PORT:TARGET_HOST:TARGET_PORT/)
  })
})
