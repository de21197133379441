import { describe, expect, it } from 'vitest'

import { buildConfig, canonicalJson, projectAnnotations } from '../../../src/oci/push.js'
import { parseProject } from '../../../src/project/index.js'
import { transferReporter } from '../../../src/ui/progress.js'
import { createLogger } from '../../../src/ui/output.js'

describe('canonicalJson', () => {
  it('sorts keys at every level and drops whitespace, as wash sends manifests', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' }, u: undefined })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}')
    expect(canonicalJson({ s: 'quote " and \u00e9' })).toBe('{"s":"quote \\" and \u00e9"}')
  })
})

describe('buildConfig', () => {
  it('writes the wasm config in wash field order', () => {
    const config = buildConfig('sha256:abc', { imports: ['wasi:io/streams@0.2.0'], exports: ['wasi:http/incoming-handler@0.2.0'] }, new Date(Date.UTC(2024, 0, 2, 3, 4, 5)))
    expect(Buffer.from(config).toString('utf8')).toBe(
      '{"created":"2024-01-02T03:04:05.000Z","author":null,"architecture":"wasm","os":"wasip2","layerDigests":["sha256:abc"],' +
        '"component":{"exports":["wasi:http/incoming-handler@0.2.0"],"imports":["wasi:io/streams@0.2.0"],"target":null}}',
    )
  })
})

describe('annotations', () => {
  it('derives org.opencontainers.image.* from the project file', () => {
    const project = parseProject('name = "hello"\nversion = "1.2.3"\ndescription = "d"\nlicense = "Apache-2.0"\nauthors = ["a", "b"]\n', '/p/wasmcloud.toml')
    expect(projectAnnotations(project)).toEqual({
      'org.opencontainers.image.title': 'hello',
      'org.opencontainers.image.version': '1.2.3',
      'org.opencontainers.image.description': 'd',
      'org.opencontainers.image.licenses': 'Apache-2.0',
      'org.opencontainers.image.authors': 'a, b',
    })
    expect(projectAnnotations(undefined)).toEqual({})
  })
})

describe('transferReporter', () => {
  it('shows progress for large blobs on the spinner, and notices and retries as log lines', () => {
    const lines: string[] = []
    const texts: string[] = []
    const spinner = { start() {}, update: (text: string) => texts.push(text), succeed() {}, fail() {}, stop() {} }
    const report = transferReporter(createLogger('info', (line) => lines.push(line)), spinner)
    report({ type: 'progress', phase: 'upload', digest: `sha256:${'ab'.repeat(32)}`, bytes: 6_400_000, total: 12_800_000 })
    report({ type: 'progress', phase: 'download', digest: `sha256:${'cd'.repeat(32)}`, bytes: 10, total: 100 })
    report({ type: 'notice', message: 'using plain HTTP' })
    report({ type: 'retry', attempt: 1, delayMs: 200, reason: 'GET /v2/: HTTP 503' })
    report({ type: 'debug', message: 'hidden at info' })
    expect(texts).toEqual(['Uploading abababababab 50% (6.4 MB / 12.8 MB)'])
    expect(lines).toEqual(['using plain HTTP', 'retrying in 200 ms (attempt 1): GET /v2/: HTTP 503'])
  })
})
