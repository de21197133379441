export * from './schema.js'
export { findProject, findProjectFile, loadProject, parseProject, readProject, type LoadProjectOptions } from './load.js'
