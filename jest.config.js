/** Jest runs the TypeScript sources directly (ts-jest); sibling packages map to their src. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json', diagnostics: false }],
  },
  moduleNameMapper: {
    '^@tessera/([a-z-]+)$': '<rootDir>/packages/$1/src',
  },
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  testTimeout: 120000,
  maxWorkers: 2,
  // A worker is recycled after a test file once it holds more than this: the suites leave
  // tfjs/Dawn state behind, and a worker that had run many of them reached V8's 4 GB heap
  // limit in native_engine.test.ts (killed mid-run, with a cold lavapipe shader cache).
  workerIdleMemoryLimit: '1GB',
};
