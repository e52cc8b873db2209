import { defineConfig } from 'vitest/config';

// Three projects: fast unit tests next to the code, integration tests that need a real
// external component (browser, Kafka, OpenSearch, deployment tools), and end-to-end suites in
// test/e2e that run whole Vigil processes on one machine. `bin/test` runs all three and
// starts the local Kafka/OpenSearch stack for the integration project.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['packages/*/src/**/*.int.test.ts', 'test/**/*.int.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
