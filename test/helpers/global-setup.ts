import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

// Integration tests run the compiled CLI; fail early with the fix instead of 40 confusing errors.
export default function setup(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
  if (!existsSync(path.join(root, 'dist', 'commands'))) {
    throw new Error('dist/ is missing: run `npm run build` first (npm test does it for you)')
  }
}
