import { defineConfig } from 'vitest/config';

// One run covers unit tests (beside the code), emulator conformance tests and e2e tests.
// Files run in parallel on separate workers; every lab uses its own 127.0.x.0/24 slice so
// files never contend for the same address:port.
export default defineConfig({
  test: {
    include: [
      '{proto,shared,control-plane,agent,bench}/src/**/*.test.ts',
      'test/src/**/*.test.ts',
      'test/emulators/*/test/**/*.test.ts',
      'test/e2e/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    minWorkers: 1,
    reporters: ['default'],
  },
});
