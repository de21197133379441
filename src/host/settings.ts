import { statSync } from 'node:fs'
import path from 'node:path'

import { resolveRuntimeConfig, resolveSecretSpecs } from '../capabilities/index.js'
import { WasmctlError } from '../errors.js'
import { parseKeyValuePairs } from '../input.js'
import { defaultCacheRoot } from '../oci/cache.js'
import type { Project } from '../project/index.js'
import type { CapabilitySources } from './bind.js'
import { parseConnectTo } from './outgoing-http.js'
import type { HostOptions } from './server.js'
import type { Preopen } from './wasi/filesystem.js'

/**
 * Host settings from the project's `[dev]` table and the command line. Flags win over the
 * project file for single values; maps (env, config) are merged with flags winning per key; lists
 * (allowed hosts, directories, issuers) are joined; `require_signed` holds if either says so.
 */
export interface HostFlags {
  address?: string
  port?: number
  timeout?: string
  workers?: number
  maxQueue?: number
  allowHttp?: string[]
  env?: string[]
  dir?: string[]
  config?: string[]
  requireSigned?: boolean
  allowedIssuer?: string[]
  /** `--link INTERFACE=TARGET` */
  link?: string[]
  /** `--link-config INTERFACE:KEY=VALUE` */
  linkConfig?: string[]
  /** `--secret NAME=env:VAR|file:PATH` */
  secret?: string[]
  /** `--tls-ca-path FILE` (wasmCloud's flag): CAs trusted for outgoing HTTPS besides the system's; comma-separated lists allowed (WASMCLOUD_TLS_CA_PATH arrives as one string). */
  tlsCaPath?: string[] | string
  /** `--connect-to HOST:PORT:TARGET_HOST:TARGET_PORT` (curl's flag) for outgoing requests. */
  connectTo?: string[]
}

export type ResolvedHostOptions = Omit<HostOptions, 'onEvent'> & { preopens: Preopen[]; env: Record<string, string>; config: Record<string, string>; capabilities: CapabilitySources }

/** `--dir host::guest` (wasmtime's syntax); a lone path is mapped under the same name. */
export function parseDir(value: string, base: string): Preopen {
  const [hostPart, guestPart] = value.includes('::') ? value.split('::', 2) : [value, value]
  if (!hostPart || !guestPart) {
    throw new WasmctlError('INPUT_INVALID', `--dir ${value}: expected HOST_DIR::GUEST_DIR`, { hints: ['for example --dir ./data::/data'] })
  }
  const host = path.resolve(base, hostPart)
  let isDirectory = false
  try {
    isDirectory = statSync(host).isDirectory()
  } catch {
    isDirectory = false
  }
  if (!isDirectory) {
    throw new WasmctlError('INPUT_INVALID', `--dir ${value}: ${host} is not a directory`, { hints: ['create the directory, or fix the host part of --dir'] })
  }
  return { host, guest: guestPart }
}

/** `30s`, `500ms`, `2m`, or a number of seconds. */
export function parseDuration(value: string, flag = 'timeout'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/i.exec(value)
  if (!match) {
    throw new WasmctlError('INPUT_INVALID', `--${flag} ${value}: not a duration`, { hints: [`pass --${flag} 30s, 500ms, 2m or a number of seconds`] })
  }
  const amount = Number(match[1])
  const unit = (match[2] ?? 's').toLowerCase()
  const ms = unit === 'ms' ? amount : unit === 'm' ? amount * 60_000 : amount * 1000
  if (ms <= 0) throw new WasmctlError('INPUT_INVALID', `--${flag} must be more than zero`, { hints: [`pass --${flag} 30s`] })
  return Math.round(ms)
}

export function resolveHostOptions(project: Project | undefined, flags: HostFlags, cwd = process.cwd()): ResolvedHostOptions {
  const dev = project?.dev
  const projectDir = project?.dir ?? cwd
  return {
    address: flags.address ?? dev?.address,
    port: flags.port ?? dev?.port,
    timeoutMs: flags.timeout !== undefined ? parseDuration(flags.timeout) : dev?.timeoutMs,
    workers: flags.workers,
    maxQueue: flags.maxQueue,
    allowHttp: [...(dev?.allowHttp ?? []), ...(flags.allowHttp ?? [])],
    env: { ...dev?.env, ...parseKeyValuePairs(flags.env ?? [], 'env') },
    // `${env:NAME}` references are read here, so secrets stay out of wasmcloud.toml.
    config: resolveRuntimeConfig(dev?.config ?? {}, flags.config ?? [], process.env),
    preopens: [...(dev?.dirs ?? []).map((dir) => parseDir(dir, projectDir)), ...(flags.dir ?? []).map((dir) => parseDir(dir, cwd))],
    keyvalueFile: project ? path.join(project.dir, '.wasmctl', 'keyvalue.json') : undefined,
    trust: {
      requireSigned: Boolean(flags.requireSigned || dev?.requireSigned),
      allowedIssuers: [...new Set([...(dev?.allowedIssuers ?? []), ...(flags.allowedIssuer ?? [])])],
    },
    cacheRoot: defaultCacheRoot(),
    outgoing: { tlsCaPaths: [flags.tlsCaPath ?? []].flat().flatMap((value) => value.split(',')).filter(Boolean).map((file) => path.resolve(cwd, file)), connectTo: (flags.connectTo ?? []).map(parseConnectTo) },
    capabilities: {
      dev: project?.raw.dev,
      links: flags.link ?? [],
      linkConfigs: flags.linkConfig ?? [],
      secrets: resolveSecretSpecs({ secrets: (project?.raw.dev as { secrets?: unknown } | undefined)?.secrets, flags: flags.secret ?? [] }).specs,
      baseDir: projectDir,
    },
  }
}
