// Tests run as ES modules. ts-jest only transpiles here; `npm test` type-checks the whole tree once with tsc first.
module.exports = {
  testEnvironment: 'node',
  // Both cores: jest's default keeps one for itself, which leaves a 2-core machine one worker.
  maxWorkers: 2,
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', {
      useESM: true,
      tsconfig: { module: 'ESNext', target: 'ES2022', moduleResolution: 'bundler', isolatedModules: true, esModuleInterop: true },
    }],
  },
  // README examples import the package by name, as a user's project would; here that name is the source.
  moduleNameMapper: { '^cdk8s-istio-lightstep$': '<rootDir>/src/index.ts' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Suites that run fetched tools or many processes run in `npm run test:install` (test/support/slow-suites.cjs).
  testPathIgnorePatterns: ['/node_modules/', ...require('./test/support/slow-suites.cjs').filter((glob) => glob.endsWith('.test.ts'))
    .map((glob) => `${glob.replace('<rootDir>/', '/').replace(/\./g, '\\.').replace('*', '[^/]*')}$`)],
  // jest's cache stays out of the temporary folder, which the tests leave as they found it.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  globalSetup: '<rootDir>/test/support/global-setup.cjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.cjs',
};
