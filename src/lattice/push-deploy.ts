import { WasmctlError } from '../errors.js'
import { planApp, renderWadmManifest } from '../manifest/generate.js'
import { type LoadedManifest, readManifest, manifestToJson } from '../manifest/io.js'
import { planInputFromProject } from '../manifest/project.js'
import { formatReference, resolveReference } from '../oci/reference.js'
import type { PushResult } from '../oci/push.js'
import { loadProject } from '../project/load.js'

/**
 * `app deploy --push`: build (the build cache makes an unchanged project free), push the signed
 * component, and pin the manifest to the pushed digest, so what runs is exactly what was signed.
 */
export interface PushAndPlanOptions {
  projectDir?: string
  /** Where to push (default: `[registry] url` + `name:version`). */
  image?: string
  appName?: string
  instances?: number
  access: { user?: string; password?: string; insecure?: boolean; userSource?: string }
  signal?: AbortSignal
  onWarning?: (message: string) => void
  onStep?: (text: string) => void
  componentizeCache?: string
  /** How the build signs: what `wasmctl build` would use (the command reads the same flags and variables). */
  signing: { keysDirectory?: string; issuer?: string; subject?: string; disableKeygen: boolean }
}

export async function pushAndPlan(options: PushAndPlanOptions): Promise<{ loaded: LoadedManifest; pushed: PushResult; image: string; built: boolean }> {
  const project = loadProject({ projectDir: options.projectDir })
  if (!options.image && !project.registry.url) {
    throw new WasmctlError('INPUT_REQUIRED', `--push needs a registry: ${project.file} has no [registry] url`, {
      hints: ['set [registry] url in wasmcloud.toml (e.g. "127.0.0.1:5000/demo"), or pass --image registry/repo:tag'],
      details: { flag: 'image' },
    })
  }
  options.onStep?.('Building')
  const { buildProject } = await import('../build/build.js')
  // The same signing options `wasmctl build` passes, so its cached build is reused as is.
  const build = await buildProject(project, {
    signal: options.signal,
    componentizeCache: options.componentizeCache,
    signing: options.signing,
  })
  if (!build.signed) throw new WasmctlError('CLAIMS_UNSIGNED', 'the build produced no signed component to push', { hints: ['build without --build-only'] })
  const reference = options.image ?? `${project.name}:${project.version}`
  options.onStep?.(`Pushing ${reference}`)
  const { pushComponent } = await import('../oci/push.js')
  const pushed = await pushComponent({ reference, project, file: build.artifact, ...options.access, signal: options.signal })
  const ref = resolveReference(pushed.reference)
  const image = formatReference({ ...ref, tag: undefined, digest: pushed.digest })
  const plan = planApp(
    planInputFromProject(project, build.world, image, {
      appName: options.appName,
      instances: options.instances,
      // One version per pushed artifact: a new build is a new version, the same build redeploys.
      versionAnnotation: `v${project.version}-${pushed.digest.slice('sha256:'.length, 'sha256:'.length + 12)}`,
    }),
  )
  for (const warning of plan.warnings) options.onWarning?.(warning)
  const raw = renderWadmManifest(plan)
  return { loaded: readManifest(manifestToJson(raw), '(generated)'), pushed, image, built: !build.cached }
}
