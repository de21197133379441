export * from './schema.js'
export { projectArtifacts } from './artifacts.js'
export { findProject, findProjectFile, loadProject, parseProject, readProject, type LoadProjectOptions } from './load.js'
export { locateProject } from './locate.js'
