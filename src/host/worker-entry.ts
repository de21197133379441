import { type MessagePort, type ResourceLimits, Worker } from 'node:worker_threads'

/**
 * Worker entry: the compiled file in dist/, or the TypeScript source when running under tsx
 * (tests); Node 20 does not pass `--import` loaders on to workers, so that worker registers tsx itself.
 */
export function createWorker(name: string, options: { workerData: unknown; transferList: MessagePort[]; resourceLimits?: ResourceLimits }): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, import.meta.url), options)
  const tsx = import.meta.resolve('tsx/esm/api')
  const source = new URL(`./${name}.ts`, import.meta.url).href
  const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}) })`
  return new Worker(code, { ...options, eval: true })
}
