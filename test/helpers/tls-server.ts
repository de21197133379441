import { readFileSync } from 'node:fs'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import path from 'node:path'

import { execa } from 'execa'

import { tempDir } from './tmp.js'

/** A self-signed certificate for `name` (its own CA), made by the openssl CLI. */
export async function selfSignedCertificate(name: string): Promise<{ certFile: string; keyFile: string }> {
  const dir = tempDir('wasmctl-tls-')
  const certFile = path.join(dir, `${name}.pem`)
  const keyFile = path.join(dir, `${name}.key`)
  await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`, '-keyout', keyFile, '-out', certFile])
  return { certFile, keyFile }
}

/**
 * An HTTPS server on 127.0.0.1 (random port) presenting that certificate. It answers with `body`
 * and reports the Host header and TLS server name each request came with.
 */
export async function startTlsServer(certificate: { certFile: string; keyFile: string }, body: string): Promise<{ port: number; requests: { host?: string; servername?: string }[]; close(): Promise<void> }> {
  const requests: { host?: string; servername?: string }[] = []
  const server = https.createServer({ cert: readFileSync(certificate.certFile), key: readFileSync(certificate.keyFile) }, (request, response) => {
    requests.push({ host: request.headers.host, servername: (request.socket as import('node:tls').TLSSocket).servername || undefined })
    response.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(body) }).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
