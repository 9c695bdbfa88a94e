// Three tiers: unit (*.spec.ts beside the code), integration (real Redis and Postgres),
// e2e (the built API and worker as real processes, over HTTP).
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
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
