// wasmctl as a library: the domain modules, free of oclif, usable from scripts and tests.
export * from './errors.js'
export * from './project/index.js'
export * from './wasm/index.js'
export * from './claims/index.js'
export * from './oci/index.js'
export * from './templates/index.js'
export * from './build/index.js'
