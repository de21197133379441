import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * What `new Worker(code, { eval })` should run for a worker module: the compiled `.js` file in
 * dist/, or, run from the TypeScript sources (tests, bin/dev.js), the `.ts` file with tsx
 * registered first: Node 20 does not pass `--import` loaders on to workers.
 */
export function workerScript(compiled: URL): { code: string | URL; eval: boolean } {
  if (existsSync(fileURLToPath(compiled))) return { code: compiled, eval: false }
  const source = compiled.href.replace(/\.js$/, '.ts')
  const tsx = import.meta.resolve('tsx/esm/api')
  return { code: `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}) })`, eval: true }
}
