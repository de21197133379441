import { afterEach, describe, expect, it } from 'vitest'

import { skopeo, startRegistry } from '../../helpers/registry.js'
import { tempDir } from '../../helpers/tmp.js'

// The registry harness must fail loudly, with the install command, where its tools are missing.
describe('registry harness without its tools', () => {
  const originalPath = process.env.PATH
  const empty = tempDir('wasmctl-no-tools-')
  afterEach(() => {
    process.env.PATH = originalPath
  })

  it.each([
    ['docker-registry', () => startRegistry()],
    ['skopeo', () => skopeo(['--version'])],
  ])('names the apt packages when %s is missing', async (tool, start) => {
    process.env.PATH = empty
    await expect(start()).rejects.toThrow(new RegExp(`${tool}.*apt-get install -y docker-registry skopeo apache2-utils`))
  })
})
