import { defineConfig } from 'vitest/config'

// Three suites: unit (pure src/ tests), integration (the built CLI as a process, real registry,
// real components) and interop (files made by wasmCloud's own tools, read from
// WASMCTL_INTEROP_FIXTURES; never copied into this repository).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
      {
        test: {
          name: 'interop',
          include: ['test/interop/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
    ],
  },
})
