import path from 'node:path'

import { WasmctlError } from '../errors.js'
import { absolutizeFileImages, type LoadedManifest, manifestToJson } from '../manifest/io.js'
import { manifestVersion } from '../manifest/model.js'
import type { WadmClient } from './wadm.js'

/** wash 0.43's `app` operations on top of the wadm client (reference §3). */

export interface PutResult {
  name: string
  version: string
  result: 'created' | 'newversion'
  message: string
}

/** The body wash sends: the manifest re-serialized as compact JSON, relative `file://` images made absolute. */
export function wireBody(loaded: LoadedManifest): string {
  const baseDir = loaded.file ? path.dirname(loaded.file) : process.cwd()
  return manifestToJson(absolutizeFileImages(loaded.raw, baseDir))
}

export async function putManifest(client: WadmClient, loaded: LoadedManifest): Promise<PutResult> {
  const reply = await client.put(wireBody(loaded))
  return { name: reply.name || loaded.manifest.metadata.name, version: reply.current_version, result: reply.result, message: reply.message }
}

export interface DeployResult {
  deployed: true
  model_name: string
  model_version: string
  success: true
  put?: PutResult
}

/**
 * `app deploy FILE`: put, then deploy the version the put reply names. `--replace` first deletes
 * the file's version (or every version when the file has none, as wash does); a failure there is
 * only reported.
 */
export async function deployManifest(
  client: WadmClient,
  loaded: LoadedManifest,
  options: { replace?: boolean; onWarning?: (message: string) => void; tolerateExisting?: boolean } = {},
): Promise<DeployResult> {
  const name = loaded.manifest.metadata.name
  if (options.replace) {
    const version = manifestVersion(loaded.manifest)
    try {
      await client.delete(name, version === '' ? undefined : version)
    } catch (error) {
      options.onWarning?.(`could not delete the existing application ${name} before deploying: ${(error as Error).message}`)
    }
  }
  let put: PutResult
  try {
    put = await putManifest(client, loaded)
  } catch (error) {
    // Deploying the same pinned build twice: that version is already stored, so deploy it.
    const version = manifestVersion(loaded.manifest)
    const exists = error instanceof WasmctlError && error.code === 'APP_WADM_ERROR' && /already exists/.test(error.message)
    if (!options.tolerateExisting || !exists || version === '') throw error
    put = { name, version, result: 'newversion', message: 'version already stored' }
  }
  const reply = await client.deploy(put.name, put.version)
  return { deployed: true, model_name: reply.name || put.name, model_version: reply.version ?? put.version, success: true, put }
}

export async function deployByName(client: WadmClient, name: string, version?: string): Promise<DeployResult> {
  const reply = await client.deploy(name, version)
  return { deployed: true, model_name: reply.name || name, model_version: reply.version ?? version ?? '', success: true }
}

export async function undeployAll(client: WadmClient): Promise<{ undeployed: string[] }> {
  const models = await client.list()
  const undeployed: string[] = []
  for (const model of models) {
    if (model.deployed_version === null) continue
    await client.undeploy(model.name)
    undeployed.push(model.name)
  }
  return { undeployed }
}

export async function deleteAllUndeployed(client: WadmClient): Promise<{ deleted: string[] }> {
  const models = await client.list()
  const deleted: string[] = []
  for (const model of models) {
    if (model.deployed_version !== null) continue
    await client.delete(model.name)
    deleted.push(model.name)
  }
  return { deleted }
}
