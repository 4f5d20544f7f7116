import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Integration tests start real servers; two cores do not benefit from more than two at once.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
