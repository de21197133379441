import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { Args, Flags } from '@oclif/core'

import { BaseCommand } from '../base-command.js'
import { type InspectResult, inspectWasm } from '../claims/inspect.js'
import { washInspectJson } from '../claims/wash-json.js'
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
    wit: Flags.boolean({ description: 'Include the full WIT of a component (decoded with jco; slower).', aliases: ['world'] }),
    insecure: Flags.boolean({ description: 'For a reference: use plain HTTP (default for localhost and 127.0.0.1).' }),
    // wash's registry options for a reference (`inspect`, `claims inspect`).
    digest: Flags.string({ char: 'd', description: 'For a reference: the manifest digest it must resolve to.' }),
    'allow-latest': Flags.boolean({ description: 'For a reference: allow the tag "latest" (accepted for wash scripts; inspect allows it anyway).' }),
    user: Flags.string({ char: 'u', description: 'For a reference: registry user name (also WASH_REG_USER).', env: 'WASMCTL_REG_USER' }),
    password: Flags.string({ char: 'p', description: 'For a reference: registry password or token (also WASH_REG_PASSWORD).', env: 'WASMCTL_REG_PASSWORD' }),
    'insecure-skip-tls-verify': Flags.boolean({ description: 'For a reference: use HTTPS but accept any certificate.' }),
    'no-cache': Flags.boolean({ description: 'For a reference: fetch it from the registry even when the local cache holds it.' }),
  }

  /** wash inspect: the claims under wash's keys, `{"token"}` with --jwt-only, `{"wit"}` with --wit. */
  static override washJson = (result: InspectResult & { jwt?: string; wit?: string }, flags: { 'jwt-only'?: boolean; wit?: boolean }) => {
    if (flags['jwt-only']) return { token: result.jwt }
    if (flags.wit && result.wit !== undefined) return { wit: result.wit }
    return washInspectJson(result)
  }

  async run() {
    const { args, flags } = await this.parse(Inspect)
    // A file or a reference; the OCI code loads only when the argument is not a file.
    const { loadComponentSource } = await import('../oci/source.js')
    // --no-cache: a private cache for this run only, so nothing is read from (or left in) the shared one.
    const cacheRoot = flags['no-cache'] ? mkdtempSync(path.join(os.tmpdir(), 'wasmctl-inspect-')) : undefined
    const { bytes, pulled } = await loadComponentSource(args.file, {
      insecure: flags.insecure || undefined,
      insecureSkipTlsVerify: flags['insecure-skip-tls-verify'] || undefined,
      digest: flags.digest,
      ...(flags.user === undefined ? {} : { user: flags.user }),
      ...(flags.password === undefined ? {} : { password: flags.password }),
      ...(cacheRoot ? { cacheRoot } : {}),
      signal: this.signal,
      onEvent: (event) => (event.type === 'notice' ? this.logger.info(event.message) : event.type === 'warning' && this.warn(event.message)),
    }).finally(() => cacheRoot && rmSync(cacheRoot, { recursive: true, force: true }))
    const result = inspectWasm(bytes)
    if (flags['jwt-only']) {
      if (!result.jwt) throw new WasmctlError('CLAIMS_MISSING', `${args.file} has no claims`, { hints: ['sign it with `wasmctl sign`'] })
      this.print(result.jwt)
      return { file: args.file, jwt: result.jwt }
    }
    // wash's -o json fails on a component without claims (unless it asks for the WIT); wasmctl's own output reports it as unsigned.
    if (this.washOutput && !flags.wit && !result.signed) {
      throw new WasmctlError('CLAIMS_MISSING', `No capabilities discovered in : ${args.file}`, { hints: ['sign it with `wasmctl sign`, or leave out -o json to inspect it unsigned'] })
    }
    const wit = flags.wit && result.encoding === 'component' ? await (await import('../wasm/wit.js')).componentWitText(bytes) : undefined
    this.print(describeInspection(result, wit))
    const capabilities = flags.wit && result.encoding === 'component' ? await this.capabilityPreview(bytes) : undefined
    const signatures = pulled ? await this.ociSignatures(pulled.reference, flags.insecure || undefined) : undefined
    const output = {
      file: args.file,
      ...(pulled ? { reference: pulled.reference, digest: pulled.digest } : {}),
      ...result,
      ...(wit === undefined ? {} : { wit }),
      ...(capabilities ? { capabilities } : {}),
      ...(signatures ? { signatures } : {}),
    }
    const refusal = flags.verify ? trustRefusal(result, { requireSigned: true }) : undefined
    if (refusal) throw new WasmctlError(refusal.code, refusal.message, { hints: refusal.hints, details: { ...refusal.details, inspection: output } })
    return output
  }

  /** What each capability import would be bound to, from the project in the current folder (if any). */
  private async capabilityPreview(bytes: Uint8Array) {
    const { componentWorld } = await import('../wasm/world.js')
    const { formatBindings, previewBindings } = await import('../host/bind.js')
    const { findProject } = await import('../project/index.js')
    try {
      const preview = previewBindings(componentWorld(bytes), findProject({})?.raw.dev)
      const text = formatBindings(preview)
      if (text) this.print(text)
      return preview
    } catch (error) {
      this.warn(`cannot tell how the capabilities would be bound: ${(error as Error).message}`)
      return undefined
    }
  }

  /** cosign signatures beside a pulled image, listed (not verified: that needs a key, see `verify`). */
  private async ociSignatures(reference: string, insecure: boolean | undefined) {
    const { describeSignatures, listSignatures } = await import('../cosign/index.js')
    try {
      const listed = await listSignatures({ reference, insecure, signal: this.signal })
      this.print(describeSignatures(listed))
      return { signatureReference: listed.signatureReference, count: listed.signatures.length, entries: listed.signatures }
    } catch (error) {
      this.warn(`could not list the cosign signatures of ${reference}: ${(error as Error).message}`)
      return undefined
    }
  }
}
