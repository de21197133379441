import { Flags } from '@oclif/core'

/** Flags several commands share, so they are spelled and documented the same everywhere. */
export const projectDirFlag = Flags.string({
  description: 'Folder holding wasmcloud.toml (default: the nearest one at or above the current folder).',
  env: 'WASMCTL_PROJECT_DIR',
})
