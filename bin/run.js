#!/usr/bin/env node
// Compiled entry point: `npm run build` writes dist/ first.
import { execute } from '@oclif/core'

await execute({ dir: import.meta.url })
