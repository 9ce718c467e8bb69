// Tests run as ES modules because the schema validators (kubernetes-models, @kubernetes-models/*) ship
// ESM only. ts-jest only transpiles here; `npm test` type-checks the whole tree once with tsc first.
module.exports = {
  testEnvironment: 'node',
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
  globalSetup: '<rootDir>/test/support/temp-root-setup.cjs',
  globalTeardown: '<rootDir>/test/support/temp-root-teardown.cjs',
};
