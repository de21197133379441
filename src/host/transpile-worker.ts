import { parentPort } from 'node:worker_threads'

/**
 * Runs jco transpile off the main thread, so the main thread keeps serving the current version
 * while a new one is transpiled. The worker stays up between requests while it is used (a dev
 * loop): jco's transpiler costs ~1.2 s to warm up, a warm transpile ~0.6 s.
 */
const { transpile } = await import('@bytecodealliance/jco')

parentPort!.on('message', async ({ id, bytes, name }: { id: number; bytes: Uint8Array; name: string }) => {
  try {
    const output = await transpile(bytes, { name, instantiation: 'sync', noTypescript: true, quiet: true })
    const files = Object.fromEntries(Object.entries(output.files).filter(([file]) => file.endsWith('.wasm') || file === `${name}.js`))
    parentPort!.postMessage({ id, files })
  } catch (error) {
    parentPort!.postMessage({ id, error: error instanceof Error ? error.message : String(error) })
  }
})
