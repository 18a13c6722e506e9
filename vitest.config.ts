import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/browser/**', 'node_modules/**'],
    // Integration suites each start a real server; run files one at a time per worker
    // and keep worker count low: the machine has 2 cores and tests share the broker.
    fileParallelism: true,
    maxWorkers: 2,
    // One module graph per worker for all its files: importing the server per file took 4 of the
    // SQLite suite's 7.6 minutes. Tests share no module state (each starts its own app and database).
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    allowOnly: !process.env.CI,
    globalSetup: ['test/global-setup.ts'],
  },
});
