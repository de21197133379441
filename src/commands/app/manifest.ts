import { Flags } from '@oclif/core'

import { BaseCommand } from '../../base-command.js'
import { projectDirFlag } from '../../flags.js'

export default class AppManifest extends BaseCommand {
  static override description =
    'Write the deployment manifest for the project: a wadm Application (wasmCloud 1.x, default) or a WorkloadDeployment (wasmCloud 2.x, --target v2), with the providers and links its world needs.'
  static override examples = [
    '<%= config.bin %> app manifest > wadm.yaml',
    '<%= config.bin %> app manifest --image ghcr.io/acme/hello:0.1.0 --out wadm.yaml',
    '<%= config.bin %> app manifest --target v2 | kubectl apply -f -',
  ]
  static override flags = {
    target: Flags.option({ options: ['v1', 'v2'] as const, default: 'v1' as const, description: 'v1: wadm Application (core.oam.dev/v1beta1); v2: WorkloadDeployment (runtime.wasmcloud.dev/v1alpha1).' })(),
    image: Flags.string({ description: 'Component image (registry reference, or a .wasm path / file:// URL); default: [registry] url + name:version, else the signed build as file://.' }),
    local: Flags.boolean({ description: 'Use the signed build as an absolute file:// image (a lattice on this machine).' }),
    'app-name': Flags.string({ description: 'Application name (default: the project name).' }),
    instances: Flags.integer({ description: 'Instances (v1 spreadscaler) or replicas (v2).', min: 0, default: 1 }),
    'app-version': Flags.string({ description: 'The manifest\'s version annotation (default: v<project version>).' }),
    out: Flags.string({ description: 'Write the manifest to this file (atomically) instead of stdout.' }),
    'project-dir': projectDirFlag,
  }

  async run() {
    const { flags } = await this.parse(AppManifest)
    const { loadProject } = await import('../../project/load.js')
    const { chooseImage, planInputFromProject, readProjectWorld } = await import('../../manifest/project.js')
    const { planApp, renderWadmManifest, renderWorkloadDeployment } = await import('../../manifest/generate.js')
    const { manifestToYaml } = await import('../../manifest/io.js')
    const project = loadProject({ projectDir: flags['project-dir'] })
    const { world } = readProjectWorld(project)
    const choice = chooseImage(project, { image: flags.image, local: flags.local })
    if (flags.target === 'v2' && choice.image.startsWith('file://')) {
      this.warn('wasmCloud 2 hosts pull components from an OCI registry, not from a file: pass --image or set [registry] url')
    } else if (choice.warning) this.warn(choice.warning)
    const plan = planApp(
      planInputFromProject(project, world, choice.image, {
        appName: flags['app-name'],
        instances: flags.instances,
        ...(flags['app-version'] ? { versionAnnotation: flags['app-version'] } : {}),
      }),
    )
    for (const warning of plan.warnings) this.warn(warning)
    const manifest = flags.target === 'v2' ? renderWorkloadDeployment(plan) : renderWadmManifest(plan)
    if (flags.target === 'v1') {
      const { parseManifestValue } = await import('../../manifest/model.js')
      const { toReport, validateManifest } = await import('../../manifest/validate.js')
      const parsed = parseManifestValue(manifest)
      const report = parsed.ok ? toReport(validateManifest(parsed.manifest, manifest)) : undefined
      for (const failure of [...(report?.errors ?? []), ...(report?.warnings ?? [])]) this.warn(`generated manifest: ${failure.msg}`)
    }
    if (flags.out) {
      const { writeFileAtomic } = await import('../../files.js')
      await writeFileAtomic(flags.out, manifestToYaml(manifest))
      this.logger.info(`wrote ${flags.out}`)
    } else {
      this.print(manifestToYaml(manifest).trimEnd())
    }
    return { target: flags.target, image: choice.image, ...(flags.out ? { file: flags.out } : {}), manifest }
  }
}
