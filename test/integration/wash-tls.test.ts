import { readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type net from 'node:net'
import path from 'node:path'

import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { runCli } from '../helpers/cli.js'
import { helloHttpComponent } from '../helpers/components.js'
import { useRegistry } from '../helpers/registry.js'
import { tempDir } from '../helpers/tmp.js'

// wash's --insecure-skip-tls-verify: HTTPS to a registry whose certificate nobody vouches for (a
// self-signed one made here by openssl), in front of the real registry. That the certificate is
// still checked without the flag is in test/unit/cli/wash-output.test.ts (the transport itself).
const registry = useRegistry()
const root = tempDir('wasmctl-wash-tls-')
let front: https.Server
let frontHost: string
let hello: string

beforeAll(async () => {
  hello = await helloHttpComponent()
  const key = path.join(root, 'key.pem')
  const cert = path.join(root, 'cert.pem')
  await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert])
  const [host, port] = [registry.host.split(':')[0], Number(registry.host.split(':')[1])]
  // TLS ends here; requests go on to the plain-HTTP registry, which is told (as a TLS-terminating
  // proxy tells it) that the client spoke HTTPS, so the upload URLs it hands out say https.
  front = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (request, response) => {
    const upstream = http.request({ host, port, method: request.method, path: request.url, headers: { ...request.headers, 'x-forwarded-proto': 'https' } }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(response)
    })
    upstream.on('error', () => response.destroy())
    request.pipe(upstream)
  })
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve))
  frontHost = `127.0.0.1:${(front.address() as net.AddressInfo).port}`
}, 300_000)

afterAll(() => new Promise<void>((resolve) => (front ? front.close(() => resolve()) : resolve())))

const env = () => ({ HOME: path.join(root, 'home'), WASMCTL_CACHE_DIR: path.join(root, 'cache', String(Math.random())) })

describe('--insecure-skip-tls-verify', () => {
  it('pushes and pulls over HTTPS to a registry with a self-signed certificate', async () => {
    const push = await runCli(['push', `${frontHost}/tls/hello:1.0.0`, hello, '--insecure-skip-tls-verify', '-o', 'json'], { env: env() })
    expect(push.exitCode, push.stderr).toBe(0)
    const pushed = JSON.parse(push.stdout)
    expect(pushed).toMatchObject({ url: `${frontHost}/tls/hello:1.0.0`, success: true })

    const output = path.join(root, 'pulled.wasm')
    const pull = await runCli(['pull', `${frontHost}/tls/hello:1.0.0`, '-d', pushed.digest, '--destination', output, '--insecure-skip-tls-verify', '-o', 'json'], { env: env() })
    expect(pull.exitCode, pull.stderr).toBe(0)
    expect(JSON.parse(pull.stdout)).toEqual({ file: output, success: true })
    expect(Buffer.compare(readFileSync(output), readFileSync(hello))).toBe(0)
  })

})
