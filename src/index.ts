// wasmctl as a library: the domain modules, free of oclif, usable from scripts and tests.
export * from './errors.js'
export * from './project/index.js'
