export { type ProjectNames, projectNames, validateProjectName, MAX_NAME_LENGTH } from './names.js'
export { DEFAULT_TEMPLATE, DEFAULT_TEMPLATES_ROOT, listTemplates, loadTemplate, templateFiles, templateNames } from './registry.js'
export { findPlaceholders, nameVariables, renderPath, renderText } from './render.js'
export {
  checkTarget,
  createProject,
  gitInit,
  planProject,
  writeProjectAtomically,
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
export { parseTemplateConfig, parseValuesFile, readValuesFile, TEMPLATE_CONFIG_FILE, type PlaceholderSpec, type TemplateConfig } from './external/config.js'
export { handlebarsToLiquid, renderTemplateText, type TemplateVariables } from './external/engine.js'
export { checkPlaceholderValue, resolvePlaceholders, type PlaceholderQuestion } from './external/placeholders.js'
export { fetchTemplate, resolveGitUrl, type FetchedTemplate, type TemplateSource } from './external/source.js'
export {
  checkWashProjectName,
  createExternalProject,
  externalProjectTarget,
  renderTemplateFolder,
  type ExternalProject,
  type ExternalProjectOptions,
} from './external/generate.js'
export { bundledForWashName, parseFavorites, pickFavorite, readFavoritesFile, WASH_COMPONENT_FAVORITES, type FavoriteEntry, type WashFavorite } from './external/favorites.js'
