import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Integration tests start real servers; two cores do not benefit from more than two at once.
    maxWorkers: 2,
    reporters: ['default'],
    globalSetup: ['test/support/global-docker-leftovers.ts'],
    // Tests choose their engine explicitly (the docker-parametrised ones pass PGDRILL_ENGINE=docker); nothing
    // here may pull an image: the docker engine uses the images scripts/build-images.sh builds.
    env: {
      PGDRILL_ENGINE: process.env.PGDRILL_ENGINE ?? 'local',
      PGDRILL_DOCKER_PULL: 'never',
      PGDRILL_POSTGRES_IMAGE: process.env.PGDRILL_POSTGRES_IMAGE ?? 'pgdrill/postgres:{major}',
      TESTCONTAINERS_RYUK_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Runs of the CLI in tests must not append to a CI job's own step summary.
      GITHUB_STEP_SUMMARY: '',
    },
  },
});
