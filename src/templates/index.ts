export { type ProjectNames, projectNames, validateProjectName, MAX_NAME_LENGTH } from './names.js'
export { DEFAULT_TEMPLATE, DEFAULT_TEMPLATES_ROOT, listTemplates, loadTemplate, templateFiles, templateNames } from './registry.js'
export { findPlaceholders, nameVariables, renderPath, renderText } from './render.js'
export {
  checkTarget,
  createProject,
  planProject,
  type CreatedProject,
  type CreateProjectOptions,
  type GitInitStatus,
  type NewProjectEvent,
  type PlanProjectOptions,
  type ProjectPlan,
} from './scaffold.js'
export { type Template, type TemplateManifest, type TemplateValueSpec, TEMPLATE_TOOLCHAINS } from './schema.js'
export { checkValue, parseValueFlags, resolveValues, valueQuestions, type ValueQuestion } from './values.js'
export { templateCatalog, type TemplateListing } from './catalog.js'
