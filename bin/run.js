#!/usr/bin/env node
// Compiled entry point: `npm run build` writes dist/ first.

// @oclif/core checks the Node version against its own `engines` on every start, loading semver
// for it (~10 ms of each run); npm already enforces wasmctl's `engines` at install. Set only for
// the import, so toolchains wasmctl runs never inherit it.
// DEBUG=* makes oclif log argv: hide passwords and seeds first (loaded only when DEBUG is set).
if (process.env.DEBUG) (await import('../dist/ui/redact.js')).redactDebugOutput()

const engineCheck = process.env.OCLIF_DISABLE_ENGINE_WARNING
process.env.OCLIF_DISABLE_ENGINE_WARNING = '1'
const { execute } = await import('@oclif/core')
if (engineCheck === undefined) delete process.env.OCLIF_DISABLE_ENGINE_WARNING
else process.env.OCLIF_DISABLE_ENGINE_WARNING = engineCheck

await execute({ dir: import.meta.url })
