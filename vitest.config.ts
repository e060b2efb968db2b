import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores here: the PDS and the e2e child processes are heavy, so files run in two workers.
    maxWorkers: 2,
    allowOnly: false,
  },
});
