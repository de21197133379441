import { writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { WasmctlError } from '../../src/errors.js'
import { createOutgoingDispatcher, parseConnectTo, sendOutgoing } from '../../src/host/outgoing-http.js'
import { selfSignedCertificate, startTlsServer } from '../helpers/tls-server.js'
import { tempDir } from '../helpers/tmp.js'

// wasi:http outgoing over TLS (--tls-ca-path, --connect-to): a real HTTPS server on 127.0.0.1
// with certificates made by openssl, reached under the name the component asked for.
let example: Awaited<ReturnType<typeof selfSignedCertificate>>
let other: Awaited<ReturnType<typeof selfSignedCertificate>>
let server: Awaited<ReturnType<typeof startTlsServer>>
let impostor: Awaited<ReturnType<typeof startTlsServer>>

beforeAll(async () => {
  example = await selfSignedCertificate('example.com')
  other = await selfSignedCertificate('other.test')
  server = await startTlsServer(example, '<h1>Example Domain</h1>')
  impostor = await startTlsServer(other, 'not example.com')
}, 60_000)
afterAll(async () => {
  await server?.close()
  await impostor?.close()
})

const get = (url: string) => ({ method: 'GET', url, headers: [], body: new Uint8Array() })
const text = (result: Awaited<ReturnType<typeof sendOutgoing>>) => ('ok' in result ? new TextDecoder().decode(result.ok.body as Uint8Array) : JSON.stringify(result.err))

describe('outgoing HTTPS with --tls-ca-path and --connect-to', () => {
  it('reaches the routed server under the requested name: Host header and TLS server name stay example.com', async () => {
    const dispatcher = await createOutgoingDispatcher({ tlsCaPaths: [example.certFile], connectTo: [parseConnectTo(`example.com:443:127.0.0.1:${server.port}`)] })
    try {
      const result = await sendOutgoing(get('https://example.com/'), 5000, undefined, dispatcher)
      expect(text(result)).toBe('<h1>Example Domain</h1>')
      expect(server.requests.at(-1)).toEqual({ host: 'example.com', servername: 'example.com' })
    } finally {
      await dispatcher?.close()
    }
  })

  it('without the CA, the certificate is refused (TLS-certificate-error), never accepted', async () => {
    const dispatcher = await createOutgoingDispatcher({ connectTo: [parseConnectTo(`example.com::127.0.0.1:${server.port}`)] })
    try {
      const result = await sendOutgoing(get('https://example.com/'), 5000, undefined, dispatcher)
      expect(result).toEqual({ err: { tag: 'TLS-certificate-error' } })
    } finally {
      await dispatcher?.close()
    }
  })

  it('a trusted certificate for another name is refused: the check is against the requested host, not the route', async () => {
    const dispatcher = await createOutgoingDispatcher({ tlsCaPaths: [example.certFile, other.certFile], connectTo: [parseConnectTo(`example.com:443:127.0.0.1:${impostor.port}`)] })
    try {
      const result = await sendOutgoing(get('https://example.com/'), 5000, undefined, dispatcher)
      expect(result).toEqual({ err: { tag: 'TLS-certificate-error' } })
    } finally {
      await dispatcher?.close()
    }
  })

  it('a route for another port does not apply', async () => {
    const dispatcher = await createOutgoingDispatcher({ tlsCaPaths: [example.certFile], connectTo: [parseConnectTo(`example.com:8443:127.0.0.1:${server.port}`), parseConnectTo(`127.0.0.2:443:127.0.0.1:${server.port}`)] })
    try {
      // 127.0.0.2:443 is routed (to the example.com server, whose certificate does not name 127.0.0.2); port 444 is not routed and nothing listens there.
      expect(await sendOutgoing(get('https://127.0.0.2/'), 5000, undefined, dispatcher)).toEqual({ err: { tag: 'TLS-certificate-error' } })
      expect(await sendOutgoing(get('https://127.0.0.2:444/'), 5000, undefined, dispatcher)).toEqual({ err: { tag: 'connection-refused' } })
    } finally {
      await dispatcher?.close()
    }
  })

  it('keeps trusting NODE_EXTRA_CA_CERTS when CA files are given', async () => {
    const saved = process.env.NODE_EXTRA_CA_CERTS
    process.env.NODE_EXTRA_CA_CERTS = example.certFile
    const dispatcher = await createOutgoingDispatcher({ tlsCaPaths: [other.certFile], connectTo: [parseConnectTo(`example.com:443:127.0.0.1:${server.port}`)] })
    try {
      expect(text(await sendOutgoing(get('https://example.com/'), 5000, undefined, dispatcher))).toBe('<h1>Example Domain</h1>')
    } finally {
      if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS
      else process.env.NODE_EXTRA_CA_CERTS = saved
      await dispatcher?.close()
    }
  })

  it('a missing or non-PEM CA file is a usage error naming the file', async () => {
    const dir = tempDir('wasmctl-ca-')
    const notPem = path.join(dir, 'ca.der')
    writeFileSync(notPem, Buffer.from([0x30, 0x82, 0x01, 0x0a]))
    const missing = path.join(dir, 'missing.pem')
    await expect(createOutgoingDispatcher({ tlsCaPaths: [missing] })).rejects.toSatisfy((error: unknown) => error instanceof WasmctlError && error.code === 'INPUT_INVALID' && error.message.includes(`${missing}: no such file`))
    await expect(createOutgoingDispatcher({ tlsCaPaths: [notPem] })).rejects.toSatisfy((error: unknown) => error instanceof WasmctlError && error.message.includes('not a PEM certificate file'))
  })
})

describe('outgoing request deadlines', () => {
  it('a guest\'s first-byte timeout never outlasts the host\'s limit, and bounds the headers only, not a slow body', async () => {
    const slow = http.createServer((req, res) => {
      if (req.url === '/silent') return void setTimeout(() => res.end('too late'), 3000).unref()
      // Headers at once, then the body over about 0.6 s.
      res.writeHead(200)
      let left = 6
      const tick = setInterval(() => {
        res.write('x'.repeat(10))
        if (--left === 0) {
          clearInterval(tick)
          res.end()
        }
      }, 100)
    })
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`
    try {
      // Asked for an hour: the host's 300 ms limit wins, so the silent server's late answer is never read.
      const capped = await sendOutgoing({ method: 'GET', url: `${base}/silent`, headers: [], body: new Uint8Array(), firstByteTimeoutMs: 3_600_000 }, 300)
      expect(capped).toEqual({ err: { tag: 'HTTP-response-timeout' } })
      // 200 ms to the first byte is met; the body taking longer than that still arrives whole.
      const whole = await sendOutgoing({ method: 'GET', url: `${base}/slow`, headers: [], body: new Uint8Array(), firstByteTimeoutMs: 200 }, 5000)
      expect('ok' in whole && new TextDecoder().decode(whole.ok.body as Uint8Array)).toBe('x'.repeat(60))
    } finally {
      slow.closeAllConnections()
      slow.close()
    }
  })
})
