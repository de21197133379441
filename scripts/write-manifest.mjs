#!/usr/bin/env node
// Writes oclif.manifest.json after `tsc`. Without it oclif imports every command module on every
// start (even for --version) to learn the command list; with it, start-up loads only the command
// that runs. Same output as `oclif manifest`, without pulling in the whole oclif dev CLI.
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { Plugin } from '@oclif/core'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const plugin = new Plugin({ root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true, isRoot: true })
await plugin.load()
const manifest = plugin.manifest
writeFileSync(path.join(root, 'oclif.manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
console.error(`oclif.manifest.json: ${Object.keys(manifest.commands).length} commands`)
