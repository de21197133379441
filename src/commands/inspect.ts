import { Args, Flags } from '@oclif/core'

import { BaseCommand } from '../base-command.js'
import { inspectWasm } from '../claims/inspect.js'
import { describeInspection } from '../claims/describe.js'
import { trustRefusal } from '../claims/policy.js'
import { WasmctlError } from '../errors.js'

export default class Inspect extends BaseCommand {
  static override aliases = ['claims:inspect']
  static override description =
    'Show the embedded claims of a wasm file (issuer, subject, name, version, dates), check the hash and signature, and summarise a component’s world.'
  static override examples = ['<%= config.bin %> inspect build/app_s.wasm', '<%= config.bin %> inspect app_s.wasm --verify --json', '<%= config.bin %> inspect app_s.wasm --jwt-only']

  static override args = {
    file: Args.string({ description: 'The wasm file to inspect, or a registry reference (registry/repository:tag) to pull and inspect.', required: true }),
  }

  static override flags = {
    'jwt-only': Flags.boolean({ description: 'Print only the raw JWT.' }),
    verify: Flags.boolean({ description: 'Exit 1 unless the file is signed and its claims are valid.' }),
    wit: Flags.boolean({ description: 'Include the full WIT of a component (decoded with jco; slower).' }),
    insecure: Flags.boolean({ description: 'For a reference: use plain HTTP (default for localhost and 127.0.0.1).' }),
  }

  async run() {
    const { args, flags } = await this.parse(Inspect)
    // A file or a reference; the OCI code loads only when the argument is not a file.
    const { loadComponentSource } = await import('../oci/source.js')
    const { bytes, pulled } = await loadComponentSource(args.file, {
      insecure: flags.insecure || undefined,
      signal: this.signal,
      onEvent: (event) => (event.type === 'notice' ? this.logger.info(event.message) : event.type === 'warning' && this.warn(event.message)),
    })
    const result = inspectWasm(bytes)
    if (flags['jwt-only']) {
      if (!result.jwt) throw new WasmctlError('CLAIMS_MISSING', `${args.file} has no claims`, { hints: ['sign it with `wasmctl sign`'] })
      this.print(result.jwt)
      return { file: args.file, jwt: result.jwt }
    }
    const wit = flags.wit && result.encoding === 'component' ? await (await import('../wasm/wit.js')).componentWitText(bytes) : undefined
    this.print(describeInspection(result, wit))
    const output = { file: args.file, ...(pulled ? { reference: pulled.reference, digest: pulled.digest } : {}), ...result, ...(wit === undefined ? {} : { wit }) }
    const refusal = flags.verify ? trustRefusal(result, { requireSigned: true }) : undefined
    if (refusal) throw new WasmctlError(refusal.code, refusal.message, { hints: refusal.hints, details: { ...refusal.details, inspection: output } })
    return output
  }
}
