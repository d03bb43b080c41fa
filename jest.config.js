/** Jest projects: unit (handlers, events, CDK constructs), workflows, local (the local cloud), e2e. */
const transform = {
  '^.+\\.(t|j)sx?$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' }, sourceMaps: 'inline' },
  ],
};
const moduleNameMapper = {
  '^#shared/(.*)$': '<rootDir>/functions/shared/$1',
  '^#events/(.*)$': '<rootDir>/events/$1',
};
// @middy/core 6 ships ESM only; jest runs CommonJS, so it is transformed like our own sources.
const transformIgnorePatterns = ['/node_modules/(?!@middy/)'];
const common = {
  transform,
  transformIgnorePatterns,
  moduleNameMapper,
  testEnvironment: 'node',
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/{functions,events,lib,bin,scripts}/**/*.test.ts'] },
    { ...common, displayName: 'workflows', testMatch: ['<rootDir>/test/workflows/**/*.test.ts'] },
    { ...common, displayName: 'local', testMatch: ['<rootDir>/test/local/**/*.test.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      // Synthesizes the local stage once (bundling on) for every e2e file; each file starts its own cloud.
      globalSetup: '<rootDir>/test/e2e/support/global-setup.ts',
      slowTestThreshold: 30,
    },
  ],
};
