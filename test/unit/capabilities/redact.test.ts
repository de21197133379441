import { describe, expect, it } from 'vitest'

import { addressOf, redactConfig, redactUrl } from '../../../src/capabilities/redact.js'
import { parseLinkFlag } from '../../../src/capabilities/binding.js'
import { reasonOf } from '../../../src/capabilities/errors.js'

describe('redaction', () => {
  it('masks URL userinfo in every form, leaving other text alone', () => {
    expect(redactUrl('redis://user:pass@h:1/0')).toBe('redis://user:***@h:1/0')
    expect(redactUrl('redis://:pass@h:1/0')).toBe('redis://:***@h:1/0')
    expect(redactUrl('nats://token@h:4222')).toBe('nats://***@h:4222')
    expect(redactUrl('redis://h:1/0')).toBe('redis://h:1/0')
    expect(redactUrl('plain text @ here')).toBe('plain text @ here')
  })

  it('masks secret keys and URLs in any key, including comma-separated server lists', () => {
    expect(
      redactConfig({
        URL: 'rediss://u:p@h:1',
        cluster_uris: 'nats://a:b@h1:4222,nats://h2:4222',
        client_seed: 'SU...',
        client_jwt: 'eyJ',
        Password: 'x',
        bucket: 'counts',
        other: 'see redis://x:y@h:1',
      }),
    ).toEqual({
      URL: 'rediss://u:***@h:1',
      cluster_uris: 'nats://a:***@h1:4222,nats://h2:4222',
      client_seed: '***',
      client_jwt: '***',
      Password: '***',
      bucket: 'counts',
      other: 'see redis://x:***@h:1',
    })
  })

  it('gives host:port as the address and scrubs URLs out of client error messages', () => {
    expect(addressOf('redis://u:p@10.0.0.1:6379/0')).toBe('10.0.0.1:6379')
    expect(addressOf('127.0.0.1:4222')).toBe('127.0.0.1:4222')
    expect(reasonOf(new Error('failed to connect to redis://user:pw@h:1'))).toBe('failed to connect to redis://user:***@h:1')
  })
})

describe('a malformed --link never prints the credentials it holds', () => {
  it('masks the password in the usage error', () => {
    let message = ''
    try {
      parseLinkFlag('redis://:s3cret@10.0.0.5:6379/0')
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toContain('expected INTERFACE=TARGET')
    expect(message).toContain('redis://:***@10.0.0.5:6379/0')
    expect(message).not.toContain('s3cret')
  })
})
