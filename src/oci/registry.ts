import { resolveCredentials } from './auth.js'
import { RegistryClient, type RegistryClientOptions } from './client.js'
import { isLoopbackRegistry, type OciReference } from './reference.js'

/** What push and pull share: how to reach and authenticate against a registry. */
export type RegistryAccessOptions = Omit<RegistryClientOptions, 'registry' | 'insecure' | 'credentials' | 'credentialSource' | 'credentialProvider'> & {
  /** Plain HTTP. Default: true for localhost / 127.0.0.0/8 / ::1 (with a notice), false elsewhere. */
  insecure?: boolean
  /** `--user`/`--password` (or their environment variables); both or neither. */
  user?: string
  password?: string
  /** Where user/password came from, for error messages (default `--user/--password`). */
  userSource?: string
  /** The project's `[registry] credentials` file; a function is called only when the registry asks for credentials. */
  projectCredentialsFile?: string | (() => Promise<string | undefined>)
  env?: NodeJS.ProcessEnv
}

/** A client for the reference's registry; credentials are resolved in wash's order (see auth.ts) when first asked for. */
export async function connectRegistry(ref: OciReference, options: RegistryAccessOptions): Promise<RegistryClient> {
  // Skipping certificate checks only means something over TLS: it asks for HTTPS, even on loopback.
  let insecure = options.insecure ?? (options.insecureSkipTlsVerify ? false : undefined)
  if (insecure === undefined) {
    insecure = isLoopbackRegistry(ref.registry)
    if (insecure) options.onEvent?.({ type: 'notice', message: `using plain HTTP for the local registry ${ref.registry} (pass --insecure to say so)` })
  }
  const credentialProvider = async () => {
    const { projectCredentialsFile } = options
    const resolved = await resolveCredentials({
      registry: ref.registry,
      user: options.user,
      password: options.password,
      userSource: options.userSource,
      projectCredentialsFile: typeof projectCredentialsFile === 'function' ? await projectCredentialsFile() : projectCredentialsFile,
      env: options.env,
      onDebug: (message) => options.onEvent?.({ type: 'debug', message }),
      onWarning: (message) => options.onEvent?.({ type: 'warning', message }),
    })
    options.onEvent?.({ type: 'debug', message: resolved.source ? `using credentials from ${resolved.source}` : `no credentials found for ${ref.registry}` })
    return resolved
  }
  // A half-given --user/--password is a usage error even when the registry turns out to be open.
  if ((options.user === undefined) !== (options.password === undefined)) await credentialProvider()
  return new RegistryClient({ ...options, registry: ref.registry, insecure, credentialProvider })
}
