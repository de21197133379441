import path from 'node:path'

import { Flags } from '@oclif/core'

import { BaseCommand } from '../base-command.js'
import { WasmctlError } from '../errors.js'
import { projectDirFlag } from '../flags.js'
import { loadProject } from '../project/load.js'
import { isInteractive } from '../ui/tty.js'
import Up from './up.js'

// The host settings are `up`'s, spelled and documented the same.
const { port, address, timeout, workers, 'max-queue': maxQueue, 'allow-http': allowHttp, env, dir, config, 'require-signed': requireSigned, 'allowed-issuer': allowedIssuer, link, 'link-config': linkConfig, secret, 'tls-ca-path': tlsCaPath, 'connect-to': connectTo } = Up.flags

export default class Dev extends BaseCommand {
  static override summary = 'Build, serve and watch the project; every save is rebuilt and hot-swapped without dropping a request.'
  static override description =
    'Builds the component (keeping the toolchain warm between builds), serves it with the embedded host, and rebuilds on every change. A good build is loaded beside the running one and swapped in atomically; a failed build is reported with its file and line while the last good version keeps serving. wasmcloud.toml and wit/ changes are applied in place. Components linked by [[dev.overrides.imports]] entries naming a .wasm file are loaded with every build, and a [[dev.manifests]] manifest (wash\'s key) is served as `up app.yaml` serves it, with the build in place of its component; changes to those files reload without a rebuild. Components the project links in ([[dev.overrides.imports]] entries whose image_ref is a .wasm file, as `up` reads them) are loaded with every build and reloaded when their files change. On a terminal: r rebuilds, o opens the browser, q quits. With --json, one JSON event per line on stdout (build.start, build.ok, build.error, reload.ok, request...), the last line being the result.'
  static override examples = ['<%= config.bin %> dev', '<%= config.bin %> dev --port 8080 --open', '<%= config.bin %> dev --json | jq -c \'select(.event == "reload.ok")\'']

  static override flags = {
    port,
    address,
    open: Flags.boolean({ description: 'Open the browser once the first build serves.' }),
    timeout,
    workers,
    'max-queue': maxQueue,
    'allow-http': allowHttp,
    env,
    dir,
    config,
    'require-signed': requireSigned,
    'allowed-issuer': allowedIssuer,
    link,
    'link-config': linkConfig,
    secret,
    'tls-ca-path': tlsCaPath,
    'connect-to': connectTo,
    'project-dir': projectDirFlag,
    // wash dev's names and meanings.
    'work-dir': Flags.string({ char: 'd', description: 'Project folder to build and watch, holding wasmcloud.toml (wash dev\'s --work-dir).', env: 'WASH_DEV_CODE_DIR' }),
    'ignore-dir': Flags.string({ char: 'i', multiple: true, description: 'Folder whose changes never trigger a build, relative to the project folder; repeatable. Build outputs, .git, node_modules, editor swap files and the file stdout/stderr are redirected to are always ignored.' }),
    'manifest-output-dir': Flags.string({
      description: 'Existing folder that receives the session\'s wadm manifest, dev-<name>.yaml (the component as a file:// URL of its build, providers and links from its world), rewritten after every build that serves when it changed (wash dev\'s --manifest-output-dir). With [[dev.manifests]], it is that manifest with the build as its component\'s image. That folder is not watched (unless it holds the project).',
      env: 'WASH_DEV_MANIFEST_OUTPUT_DIR',
    }),
  }

  async run() {
    const { flags } = await this.parse(Dev)
    const { checkAllowedIssuers } = await import('../claims/issuers.js')
    checkAllowedIssuers(flags['allowed-issuer'] ?? [])
    // Refused before anything starts, as `up` does.
    const { parseConnectTo } = await import('../host/outgoing-http.js')
    for (const route of flags['connect-to'] ?? []) parseConnectTo(route)
    const project = loadProject({ projectDir: projectDirOf(flags['project-dir'], flags['work-dir']) })
    for (const warning of project.warnings) this.warn(warning)
    const dev = await import('../dev/index.js')
    const manifestOutputDir = flags['manifest-output-dir'] === undefined ? undefined : (await import('../dev/manifest-output.js')).checkManifestOutputDir(flags['manifest-output-dir'])
    const view = dev.createDevConsole({ json: this.json, stdout: process.stdout, stderr: process.stderr, debug: this.logger.enabled('debug') })
    const hostFlags = { ...flags, allowHttp: flags['allow-http'], requireSigned: flags['require-signed'], allowedIssuer: flags['allowed-issuer'], maxQueue: flags['max-queue'], linkConfig: flags['link-config'], tlsCaPath: flags['tls-ca-path'], connectTo: flags['connect-to'] }
    const build = await dev.createDevBuilder({ requireSigned: Boolean(flags['require-signed'] || project.dev?.requireSigned) })
    let unbindKeys = () => {}
    // Events that arrive once the session is over (a late request or build line) would land after
    // the final JSON line; they are dropped.
    let rendering = true
    try {
      const session = await dev.startDevSession({
        project,
        build,
        createHost: await dev.embeddedHostFactory(hostFlags),
        port: flags.port,
        address: flags.address,
        ignoreDirs: flags['ignore-dir'],
        manifestOutputDir,
        signal: this.signal,
        onEvent: (event) => rendering && view.render(event),
      })
      if (flags.open) void session.bus.next('reload.ok').then((event) => dev.openUrl(session, event.url))
      // The fast path makes the signed artifact once the new version serves, not during the swap.
      for (const type of ['reload.ok', 'reload.error'] as const) session.bus.on(type, () => build.served())
      if (isInteractive({ json: this.json })) unbindKeys = dev.bindSessionKeys(session, process.stdin)
      const summary = await session.done
      this.print(dev.formatDevSummary(summary))
      return summary
    } finally {
      unbindKeys()
      await build.close()
      rendering = false
      view.dispose()
    }
  }

  /** NDJSON: the closing envelope is one more line, never a pretty-printed block. */
  protected override formatJson(json: unknown): string {
    return JSON.stringify(json)
  }
}

/** `--work-dir` is wash's `--project-dir`; both may be given only when they agree. */
function projectDirOf(projectDir: string | undefined, workDir: string | undefined): string | undefined {
  if (projectDir !== undefined && workDir !== undefined && path.resolve(projectDir) !== path.resolve(workDir)) {
    throw new WasmctlError('USAGE', `--work-dir (${workDir}) and --project-dir (${projectDir}) name different folders`, { hints: ['pass one of them'] })
  }
  return projectDir ?? workDir
}
