#!/usr/bin/env -S node --import tsx --no-warnings
// Development entry point: runs the TypeScript sources directly (no build step).
import { execute } from '@oclif/core'

// DEBUG=* makes oclif log argv: hide passwords and seeds first (see src/ui/redact.ts).
if (process.env.DEBUG) (await import('../src/ui/redact.ts')).redactDebugOutput()

await execute({ development: true, dir: import.meta.url })
