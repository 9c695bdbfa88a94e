// `npm run test:docker`: docker-compose.yml on a real Docker engine. Not part of `npm test`
// (it builds images and starts containers); CI runs its default profile on its own.
const base = require('../../jest.config.js');

const unit = base.projects.find((p) => p.displayName === 'unit');

module.exports = {
  testTimeout: 1_800_000,
  projects: [
    {
      ...unit,
      displayName: 'docker',
      rootDir: require('node:path').join(__dirname, '..', '..'),
      testMatch: ['<rootDir>/test/docker/**/*.docker-spec.ts'],
      globalSetup: '<rootDir>/test/docker/global-setup.ts',
    },
  ],
};
