import type { SignEvent } from '../claims/sign.js'
import type { ToolchainStatus } from './toolchains.js'

/**
 * What a build reports while it runs. The command prints these on stderr (never stdout); the dev
 * loop forwards them on its event bus.
 */
export type BuildStep = 'bundle' | 'componentize' | 'compile' | 'adapt' | 'validate' | 'sign'

export type BuildEvent =
  | { type: 'toolchain'; status: ToolchainStatus }
  | { type: 'step'; step: BuildStep; message: string }
  | { type: 'command'; tool: string; command: string; cwd: string }
  | { type: 'output'; tool: string; stream: 'stdout' | 'stderr'; line: string }
  | { type: 'warning'; message: string }
  | { type: 'cached'; artifact: string }
  | { type: 'signing'; event: SignEvent }
