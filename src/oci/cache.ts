import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { writeFile } from 'node:fs/promises'

import envPaths from 'env-paths'

import { fsError, WasmctlError } from '../errors.js'
import { removeStaleTempFiles, tempPathFor } from '../files.js'

/**
 * Content-addressed store of pulled and pushed blobs (manifests included), so a second pull of
 * the same digest never touches the network and `inspect <ref>` / `up <ref>` reuse what pull
 * fetched. Layout: `<root>/oci/blobs/<algorithm>/<hex>`, written through a temp file and a rename
 * so a reader never sees half a blob. The root is the user cache directory, or WASMCTL_CACHE_DIR.
 */
export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.WASMCTL_CACHE_DIR || envPaths('wasmctl', { suffix: '' }).cache
}

export function digestOf(bytes: Uint8Array, algorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`
}

export function digestMismatch(what: string, expected: string, actual: string): WasmctlError {
  return new WasmctlError('OCI_DIGEST_MISMATCH', `${what} does not match its digest: expected ${expected}, got ${actual}`, {
    hints: ['the registry or a proxy served corrupted or tampered content; nothing was written', 'retry the command; if it persists, report it to the registry operator'],
    details: { expected, actual },
  })
}

function splitDigest(digest: string): { algorithm: string; hex: string } {
  const [algorithm, hex] = digest.split(':')
  return { algorithm, hex }
}

export class BlobCache {
  readonly dir: string

  constructor(root: string = defaultCacheRoot()) {
    this.dir = path.join(root, 'oci')
  }

  pathOf(digest: string): string {
    const { algorithm, hex } = splitDigest(digest)
    return path.join(this.dir, 'blobs', algorithm, hex)
  }

  /** The blob's bytes when cached and still matching its digest; a corrupt entry is dropped. */
  read(digest: string): Buffer | undefined {
    const file = this.pathOf(digest)
    let bytes: Buffer
    try {
      bytes = readFileSync(file)
    } catch {
      return undefined
    }
    if (digestOf(bytes, splitDigest(digest).algorithm) === digest) return bytes
    rmSync(file, { force: true })
    return undefined
  }

  write(digest: string, bytes: Uint8Array): string {
    const file = this.pathOf(digest)
    if (existsSync(file)) return file
    const actual = digestOf(bytes, splitDigest(digest).algorithm)
    if (actual !== digest) throw digestMismatch('blob', digest, actual)
    const temp = this.tempPath(file)
    try {
      writeFileSync(temp, bytes)
      renameSync(temp, file)
    } catch (error) {
      rmSync(temp, { force: true })
      throw fsError(error, 'write the cache file', file)
    }
    return file
  }

  /**
   * Stores bytes whose digest the caller has just computed from these very bytes (push), without
   * hashing them again; asynchronous so it can overlap the upload.
   */
  async writeTrusted(digest: string, bytes: Uint8Array): Promise<string> {
    const file = this.pathOf(digest)
    if (existsSync(file)) return file
    const temp = this.tempPath(file)
    try {
      await writeFile(temp, bytes)
      renameSync(temp, file)
    } catch (error) {
      rmSync(temp, { force: true })
      throw fsError(error, 'write the cache file', file)
    }
    return file
  }

  /**
   * Receives a blob into the cache, hashing as it arrives; the entry appears only when every byte
   * arrived and matched `digest` (and `size`), so an interrupted or tampered transfer leaves
   * nothing behind. The bytes are held in memory rather than streamed to disk: callers want them
   * anyway (components are megabytes), and one write beats reading the file back.
   */
  async writeStream(digest: string, size: number | undefined, chunks: AsyncIterable<Uint8Array>, onBytes?: (bytes: number) => void): Promise<{ path: string; bytes: Buffer }> {
    const hash = createHash(splitDigest(digest).algorithm)
    const kept: Uint8Array[] = []
    let received = 0
    for await (const chunk of chunks) {
      received += chunk.length
      if (size !== undefined && received > size) throw sizeMismatch(digest, size, received, 'more than')
      hash.update(chunk)
      kept.push(chunk)
      onBytes?.(received)
    }
    if (size !== undefined && received !== size) throw sizeMismatch(digest, size, received, 'only')
    const actual = `${splitDigest(digest).algorithm}:${hash.digest('hex')}`
    if (actual !== digest) throw digestMismatch('blob', digest, actual)
    const bytes = Buffer.concat(kept, received)
    return { path: await this.writeTrusted(digest, bytes), bytes }
  }

  private tempPath(file: string): string {
    try {
      mkdirSync(path.dirname(file), { recursive: true })
    } catch (error) {
      throw fsError(error, 'create the cache folder', path.dirname(file))
    }
    // A name the next write of this entry recognizes, so what a killed process left is removed.
    removeStaleTempFiles(file)
    return tempPathFor(file)
  }

  /**
   * Where a blob was last seen on a registry (repository by registry and digest), so a push to
   * another repository of the same registry can mount it instead of uploading it again.
   */
  knownRepository(registry: string, digest: string): string | undefined {
    return this.readLocations()[`${registry} ${digest}`]
  }

  rememberRepository(registry: string, digests: readonly string[], repository: string): void {
    const locations = this.readLocations()
    if (digests.every((digest) => locations[`${registry} ${digest}`] === repository)) return
    for (const digest of digests) {
      delete locations[`${registry} ${digest}`]
      locations[`${registry} ${digest}`] = repository
    }
    // A hint, not data: keep the newest few hundred and never fail the command over it.
    const entries = Object.entries(locations).slice(-500)
    try {
      const file = path.join(this.dir, 'locations.json')
      const temp = this.tempPath(file)
      writeFileSync(temp, JSON.stringify(Object.fromEntries(entries)))
      renameSync(temp, file)
    } catch {
      // best effort
    }
  }

  private readLocations(): Record<string, string> {
    try {
      const parsed = JSON.parse(readFileSync(path.join(this.dir, 'locations.json'), 'utf8'))
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {}
    } catch {
      return {}
    }
  }
}

function sizeMismatch(digest: string, size: number, received: number, relation: string): WasmctlError {
  return new WasmctlError('OCI_DIGEST_MISMATCH', `blob ${digest} should be ${size} bytes but the registry sent ${relation} ${received}`, {
    hints: ['the registry or a proxy served truncated or altered content; nothing was written', 'retry the command'],
    details: { digest, size, received },
  })
}
