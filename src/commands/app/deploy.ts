import { Args, Flags } from '@oclif/core'

import { BaseCommand, fromEnv } from '../../base-command.js'
import { WasmctlError } from '../../errors.js'
import { projectDirFlag, registryAccess } from '../../flags.js'
import { writeStdout } from '../../ui/output.js'
import { latticeFlags, withWadm } from '../../lattice-flags.js'
import { resolveSource } from '../../manifest/source.js'
import { followStatus } from '../../lattice/watch.js'

export default class AppDeploy extends BaseCommand {
  static override description =
    'Deploy an application: put a manifest and deploy that version, or deploy a stored one by name. With --push, build if needed, push the signed component and deploy a manifest pinned to its digest.'
  static override examples = [
    '<%= config.bin %> app deploy wadm.yaml',
    '<%= config.bin %> app deploy hello v0.0.2',
    '<%= config.bin %> app deploy --push --watch',
    'cat wadm.yaml | <%= config.bin %> app deploy -',
  ]
  static override args = {
    source: Args.string({ description: 'Manifest file, URL, - for stdin, or an application name (omit with --push).', ignoreStdin: true }),
    version: Args.string({ description: 'Version to deploy when SOURCE is a name (default: the latest).', ignoreStdin: true }),
  }
  static override flags = {
    ...latticeFlags,
    replace: Flags.boolean({ description: 'Delete the application\'s version (all versions when the manifest has no version annotation) before putting it.' }),
    watch: Flags.boolean({ description: 'Follow the application\'s status until it is deployed or failed (NDJSON with --json).' }),
    push: Flags.boolean({ description: 'Build if needed, push the signed component to the project\'s registry and deploy a manifest pinned to the pushed digest.' }),
    image: Flags.string({ description: 'With --push: the reference to push to (default: [registry] url + name:version).' }),
    'app-name': Flags.string({ description: 'With --push: application name (default: the project name).' }),
    instances: Flags.integer({ description: 'With --push: spreadscaler instances.', min: 0, default: 1 }),
    user: Flags.string({ description: 'With --push: registry user name.', env: 'WASMCTL_REG_USER' }),
    password: Flags.string({ description: 'With --push: registry password or token.', env: 'WASMCTL_REG_PASSWORD' }),
    insecure: Flags.boolean({ description: 'With --push: use plain HTTP (default for localhost and 127.0.0.1).' }),
    'project-dir': projectDirFlag,
  }

  private watching = false

  protected override formatJson(json: unknown): string {
    return this.watching ? JSON.stringify(json) : super.formatJson(json)
  }

  async run() {
    const { args, flags } = await this.parse(AppDeploy)
    this.watching = flags.watch
    const apps = await import('../../lattice/apps.js')
    let pushed: Record<string, unknown> | undefined
    let resolved: Awaited<ReturnType<typeof resolveSource>>
    if (flags.push) {
      if (args.source) throw new WasmctlError('USAGE', '--push deploys the project; do not also pass a manifest or name', { hints: ['run `wasmctl app deploy --push` inside the project'] })
      const { pushAndPlan } = await import('../../lattice/push-deploy.js')
      const spinner = await this.spinner()
      spinner.start('Building and pushing')
      try {
        const result = await pushAndPlan({
          projectDir: flags['project-dir'],
          image: flags.image,
          appName: flags['app-name'],
          instances: flags.instances,
          access: await registryAccess(flags),
          signal: this.signal,
          onWarning: (message) => this.warn(message),
          onStep: (text) => spinner.update(text),
          componentizeCache: fromEnv('WASMCTL_COMPONENTIZE_CACHE'),
          // What `wasmctl build` signs with when given no flags, so its cached build is reused as is.
          signing: {
            issuer: fromEnv('WASMCTL_ISSUER_KEY', 'WASH_ISSUER_KEY'),
            subject: fromEnv('WASMCTL_SUBJECT_KEY', 'WASH_SUBJECT_KEY'),
            disableKeygen: false,
          },
        })
        pushed = { reference: result.pushed.reference, digest: result.pushed.digest, image: result.image, built: result.built }
        resolved = { kind: 'manifest', loaded: result.loaded }
      } finally {
        spinner.stop()
      }
      this.logger.info(`pushed ${pushed.image}`)
    } else {
      if (!args.source) throw new WasmctlError('INPUT_REQUIRED', 'deploy needs a manifest file, - (stdin) or an application name', { hints: ['pass one, or use --push inside a project'] })
      resolved = await resolveSource(args.source)
    }
    return withWadm(flags, async (client) => {
      const result =
        resolved.kind === 'name'
          ? await apps.deployByName(client, resolved.name, args.version)
          : await apps.deployManifest(client, resolved.loaded, { replace: flags.replace, tolerateExisting: flags.push, onWarning: (message) => this.warn(message) })
      this.print(`Deployed application "${result.model_name}", version "${result.model_version}"`)
      const { put, ...summary } = result
      const output: Record<string, unknown> = { ...summary, ...(pushed ? { pushed } : {}) }
      if (flags.watch) {
        const status = await followStatus(client, result.model_name, { json: this.json, spinner: await this.spinner(), signal: this.signal, writeLine: (line) => writeStdout(line) })
        this.print(`Application "${result.model_name}" is ${status.status.type}`)
        output.status = status
      }
      return output
    })
  }
}
