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
const common = { transform, moduleNameMapper, testEnvironment: 'node', setupFilesAfterEnv: ['<rootDir>/test/setup.ts'] };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/{functions,events,lib,bin}/**/*.test.ts'] },
    { ...common, displayName: 'workflows', testMatch: ['<rootDir>/test/workflows/**/*.test.ts'] },
    { ...common, displayName: 'local', testMatch: ['<rootDir>/test/local/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
};
