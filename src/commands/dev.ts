import { Flags } from '@oclif/core'

import { BaseCommand } from '../base-command.js'
import { projectDirFlag } from '../flags.js'
import { loadProject } from '../project/load.js'
import { writeStdout } from '../ui/output.js'
import { isInteractive } from '../ui/tty.js'
import Up from './up.js'

// The host settings are `up`'s, spelled and documented the same.
const { port, address, timeout, workers, 'allow-http': allowHttp, env, dir, config, 'require-signed': requireSigned, 'allowed-issuer': allowedIssuer } = Up.flags

export default class Dev extends BaseCommand {
  static override summary = 'Build, serve and watch the project; every save is rebuilt and hot-swapped without dropping a request.'
  static override description =
    'Builds the component (keeping the toolchain warm between builds), serves it with the embedded host, and rebuilds on every change. A good build is loaded beside the running one and swapped in atomically; a failed build is reported with its file and line while the last good version keeps serving. wasmcloud.toml and wit/ changes are applied in place. On a terminal: r rebuilds, o opens the browser, q quits. With --json, one JSON event per line on stdout (build.start, build.ok, build.error, reload.ok, request...), the last line being the result.'
  static override examples = ['<%= config.bin %> dev', '<%= config.bin %> dev --port 8080 --open', '<%= config.bin %> dev --json | jq -c \'select(.event == "reload.ok")\'']

  static override flags = {
    port,
    address,
    open: Flags.boolean({ description: 'Open the browser once the first build serves.' }),
    timeout,
    workers,
    'allow-http': allowHttp,
    env,
    dir,
    config,
    'require-signed': requireSigned,
    'allowed-issuer': allowedIssuer,
    'project-dir': projectDirFlag,
  }

  async run() {
    const { flags } = await this.parse(Dev)
    const project = loadProject({ projectDir: flags['project-dir'] })
    const dev = await import('../dev/index.js')
    const view = dev.createDevConsole({ json: this.json, stdout: process.stdout, stderr: process.stderr, debug: this.logger.enabled('debug') })
    const hostFlags = { ...flags, allowHttp: flags['allow-http'], requireSigned: flags['require-signed'], allowedIssuer: flags['allowed-issuer'] }
    const build = dev.createWorkerBuilder()
    let unbindKeys = () => {}
    try {
      const session = await dev.startDevSession({
        project,
        build,
        createHost: await dev.embeddedHostFactory(hostFlags),
        port: flags.port,
        address: flags.address,
        signal: this.signal,
        onEvent: view.render,
      })
      if (flags.open) void session.bus.next('reload.ok').then((event) => dev.openUrl(session, event.url))
      if (isInteractive({ json: this.json })) unbindKeys = dev.bindSessionKeys(session, process.stdin)
      const summary = await session.done
      this.print(dev.formatDevSummary(summary))
      return summary
    } finally {
      unbindKeys()
      view.dispose()
      await build.close()
    }
  }

  /** NDJSON: the closing envelope is one more line, never a pretty-printed block. */
  override logJson(json: unknown): void {
    writeStdout(JSON.stringify(json))
  }
}
