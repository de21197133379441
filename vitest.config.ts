import { defineConfig } from 'vitest/config'

// Five tiers:
// - unit: pure src/ tests (no toolchain, registry, child process or watcher; fake timers): seconds;
// - component: src/ modules in process against real parts (real components, registry, watchers);
// - integration: the built CLI as a process against real parts;
// - conformance: the WebAssembly WASI test suite under the embedded host, read from
//   WASMCTL_WASI_TESTSUITE (CI: ../shared/fixtures/wasi-testsuite);
// - interop: files made by wasmCloud's own tools, read from WASMCTL_INTEROP_FIXTURES.
// Fixture folders are read where CI points, never copied into this repository.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 10_000,
          // Fails a unit test that starts a process, a file watcher or a worker thread.
          setupFiles: ['test/helpers/unit-guard.ts'],
        },
      },
      {
        test: {
          name: 'component',
          include: ['test/component/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
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
          name: 'conformance',
          include: ['test/conformance/**/*.test.ts'],
          testTimeout: 60_000,
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
