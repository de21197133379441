export { buildProject, type BuildProjectOptions, type BuildResult } from './build.js'
export { detectDriver, type DetectedDriver } from './detect.js'
export type { BuildEvent, BuildStep } from './events.js'
export {
  checkToolchain,
  clearToolchainCache,
  INSTALL_HINTS,
  TOOLCHAIN_NAMES,
  toolchainForLanguage,
  type CheckToolchainOptions,
  type ToolchainName,
  type ToolchainStatus,
} from './toolchains.js'
export { readWitWorld, type WitWorld } from './wit.js'
