// Three tiers: unit (*.spec.ts beside the code), integration (real Redis and Postgres),
// e2e (the built API and worker as real processes, over HTTP); and the integration suites and
// the HTTP flows again on a real Redis Cluster (cluster, cluster-e2e).
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
const shared = {
  testEnvironment: 'node',
  // The load model is plain JavaScript modules (k6 loads them too).
  transform: { '^.+\\.(ts|js)$': swc },
  moduleNameMapper: {
    '^@flash/([a-z-]+)$': '<rootDir>/libs/$1/src',
    '^@flash/([a-z-]+)/(.*)$': '<rootDir>/libs/$1/src/$2',
  },
  rootDir: __dirname,
};

/** Suites that start a Redis (or a cluster, or a compose stack) of their own. */
const OWN_REDIS = [
  'redis-cluster',
  'replica-acks',
  'compose',
  'one-round-trip',
  'redis-outage',
  'faults',
];

module.exports = {
  testTimeout: 60_000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs,loadtest,test}/**/*.spec.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      ...shared,
      // The integration suites again, on a Redis Cluster of their own (test/support).
      displayName: 'cluster',
      testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...OWN_REDIS],
      globals: { __FLASH_CLUSTER__: true },
      globalSetup: '<rootDir>/test/support/cluster-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/cluster-global-teardown.ts',
    },
    {
      ...shared,
      // The HTTP flows again, the built API and worker on the Redis Cluster: every flow that
      // touches Redis (CLUSTER_E2E=all: every e2e file but those with a Redis of their own).
      displayName: 'cluster-e2e',
      testMatch: [
        process.env.CLUSTER_E2E === 'all'
          ? '<rootDir>/test/e2e/**/*.e2e-spec.ts'
          : '<rootDir>/test/e2e/{flash-sale,sale-mechanics,payments,lifecycle,sale-rebuild,resilience,shards,live-streams}.e2e-spec.ts',
      ],
      testPathIgnorePatterns: ['/node_modules/', ...OWN_REDIS],
      globals: { __FLASH_CLUSTER__: true },
      globalSetup: '<rootDir>/test/support/cluster-global-setup.ts',
      globalTeardown: '<rootDir>/test/support/cluster-global-teardown.ts',
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
