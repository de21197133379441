import { Args, Flags } from '@oclif/core'

import { BaseCommand } from '../base-command.js'
import { projectDirFlag, registryAccess, registryFlags } from '../flags.js'
import { writeStdout } from '../ui/output.js'

const many = (description: string) => Flags.string({ description, multiple: true })
// A reference runs as pulled, `latest` included (as `inspect` does): nothing is published.
const { 'allow-latest': _allowLatest, ...pullFlags } = registryFlags

export default class Up extends BaseCommand {
  static override summary = 'Run a component with the embedded host: serve a wasi:http component, or run a wasi:cli command.'
  static override description =
    'Serves a wasi:http/incoming-handler component on 127.0.0.1 with a fresh state for every request, or runs a wasi:cli/run component as a command (`wasmctl up app.wasm -- args`, exiting with its status; arguments go only after `--`). More components before `--` are linked to it: an import of one is satisfied by the matching export of another, each with its own isolated instance. A wadm manifest (app.yaml, the one `app deploy` takes) runs its components as a lattice would: link traits between components link them, links to wasmCloud providers (keyvalue-redis, keyvalue-nats, blobstore-fs, blobstore-nats, messaging-nats) select the built-in backends, the address of its http-server link is where it listens. The component gets only what it imports and you allow: no host files, environment or network unless granted. Without an argument, runs the project build output. With --json, one JSON event per line (host.ready, request, error, log, ...).'
  static override examples = [
    '<%= config.bin %> up build/hello_s.wasm --port 0',
    '<%= config.bin %> up ghcr.io/acme/hello:0.1.0 --require-signed',
    '<%= config.bin %> up tool.wasm --dir ./data::/data --env GREETING=hi -- input.txt',
    '<%= config.bin %> up caller.wasm callee.wasm --port 0',
    '<%= config.bin %> up wadm.yaml',
  ]
  static override strict = false
  static override args = {
    component: Args.string({
      description: 'A .wasm file, an OCI reference or a wadm manifest (.yaml, .yml, .json) (default: the project build output). More components may follow: each import one of them has is satisfied by the matching export of another, as wasmCloud links components.',
    }),
  }
  static override flags = {
    port: Flags.integer({ char: 'p', description: 'Port to listen on (0 picks a free one). Default: [dev] port, else 8000.', min: 0, max: 65535, env: 'WASMCTL_PORT' }),
    address: Flags.string({ description: 'Address to listen on. Default: [dev] address, else 127.0.0.1.', env: 'WASMCTL_ADDRESS' }),
    timeout: Flags.string({ description: 'Longest a request may take from its arrival, waiting for a worker included (30s, 500ms, 2m). Default: [dev] timeout_ms, else 30s.', env: 'WASMCTL_TIMEOUT' }),
    workers: Flags.integer({ description: 'Worker threads serving requests. Default: one per CPU core.', min: 1 }),
    'max-queue': Flags.integer({ description: 'Requests that may wait for a worker; more are answered 503 with Retry-After. Default: 16 per worker per second of timeout, 32 to 4096.', min: 1 }),
    'allow-http': many('Host the component may call through wasi:http (host, host:port, *.domain or *).'),
    'tls-ca-path': Flags.string({
      description: 'CA certificate file (PEM) trusted for the component\'s outgoing HTTPS requests besides the system\'s; repeatable or comma-separated (wasmCloud\'s flag).',
      multiple: true,
      delimiter: ',',
      env: 'WASMCLOUD_TLS_CA_PATH',
    }),
    'connect-to': many(
      'Send the component\'s outgoing requests for HOST:PORT to TARGET_HOST:TARGET_PORT instead (curl\'s syntax, repeatable), e.g. a local mock: --connect-to example.com:443:127.0.0.1:8443. The allow-list, Host header and TLS certificate check still use HOST.',
    ),
    env: many('Environment variable the component sees (KEY=VALUE).'),
    dir: many('Host directory the component may use (HOST::GUEST).'),
    config: many('wasi:config/runtime value (KEY=VALUE; ${env:NAME} reads an environment variable). Adds to [dev] config.'),
    link: many(
      'Bind an interface for this run (INTERFACE=TARGET, repeatable): TARGET is embedded, redis://HOST:PORT/DB, nats://HOST:PORT[?bucket=B&subscriptions=S], file:///DIR, or a wasmCloud provider image. E.g. --link wasi:keyvalue=redis://127.0.0.1:6379/0. Replaces the project binding.',
    ),
    'link-component': many('Which linked component satisfies an interface several of them export (INTERFACE=COMPONENT, COMPONENT being the file name without .wasm), e.g. --link-component wasmcloud:example/receiver=callee.'),
    'link-config': many('Link config for a bound interface (INTERFACE:KEY=VALUE, repeatable; ${env:NAME} reads an environment variable), e.g. --link-config wasi:keyvalue:bucket=counts.'),
    secret: many('A wasmcloud:secrets value for the component (NAME=env:VARIABLE or NAME=file:PATH, repeatable); the value never goes on the command line.'),
    'require-signed': Flags.boolean({ description: 'Refuse components without valid signed claims.' }),
    'allowed-issuer': many('Account key allowed to have signed the component (repeatable).'),
    'verify-key': Flags.string({ description: 'Run OCI references (the component, the ones linked to it, every image a manifest names) only if a cosign signature verifies with this public key (cosign.pub); the verified digests are what run. Local files are not checked.', env: 'WASMCTL_VERIFY_KEY' }),
    'project-dir': projectDirFlag,
    ...pullFlags,
    // -p is --port here (as in `dev`), not the registry password.
    password: Flags.string({ description: 'Registry password or token.', env: 'WASMCTL_REG_PASSWORD' }),
  }

  async run(): Promise<void> {
    const { flags, argv } = await this.parse(Up)
    const { checkAllowedIssuers } = await import('../claims/issuers.js')
    checkAllowedIssuers(flags['allowed-issuer'] ?? [])
    const { formatHostEvent, runUp } = await import('../host/index.js')
    const { formatManifestEvent } = await import('../host/manifest-run.js')
    const { findProject } = await import('../project/index.js')
    const project = findProject({ projectDir: flags['project-dir'] })
    // Components before `--` (the first takes requests or runs; the others are linked to it),
    // arguments for a command only after it: `up -- a b` names no component, though oclif takes `a` for one.
    const dash = this.argv.indexOf('--')
    const commandArgs = dash === -1 ? [] : this.argv.slice(dash + 1)
    const positional = argv.map(String)
    const [named, ...linked] = positional.slice(0, positional.length - commandArgs.length)
    const access = await registryAccess(flags)
    const { exitCode } = await runUp({
      input: named,
      linked,
      linkNames: flags['link-component'],
      args: commandArgs,
      // Every registry image (linked ones and a manifest's included) is verified before anything is pulled.
      verifyKey: flags['verify-key'] || undefined,
      project,
      flags: { ...flags, allowHttp: flags['allow-http'], allowedIssuer: flags['allowed-issuer'], requireSigned: flags['require-signed'], maxQueue: flags['max-queue'], linkConfig: flags['link-config'], tlsCaPath: flags['tls-ca-path'], connectTo: flags['connect-to'] },
      pull: {
        registry: flags.registry,
        projectCredentialsFile: project?.registry.credentials,
        signal: this.signal,
        ...access,
        // stderr in both modes: with --json, stdout is the host's NDJSON event stream.
        onEvent: (event) => event.type === 'warning' && this.logger.warn(event.message),
      },
      stdoutFd: this.json ? 2 : 1,
      signal: this.signal,
      onEvent: (event) => {
        if (this.json) return writeStdout(JSON.stringify(event))
        const verbose = this.logger.enabled('debug')
        const line = event.event === 'manifest.loaded' ? formatManifestEvent(event, verbose) : formatHostEvent(event, verbose)
        if (line?.stream === 'stdout') writeStdout(line.text)
        // A line at its own level (a component's warn and error lines still show at --log-level warn), as written: it carries its level already.
        else if (line && this.logger.enabled(line.level ?? 'info')) process.stderr.write(`${line.text}\n`)
      },
    })
    process.exitCode = exitCode
  }

  /** NDJSON: a failure is one more line, never a pretty-printed block. */
  protected override formatJson(json: unknown): string {
    return JSON.stringify(json)
  }
}
