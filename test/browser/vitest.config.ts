import { defineConfig } from 'vitest/config';

// Browser tests: the real server with the demo plant, driven through Debian's chromium.
// One file at a time: each starts a server and a browser on a 2-core machine.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    allowOnly: !process.env.CI,
    globalSetup: ['test/global-setup.ts', 'test/browser/build-web.ts'],
  },
});
