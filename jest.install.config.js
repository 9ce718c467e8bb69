// The install runs: every generated INSTALL.md executed against Istio's own charts with a real Helm 3 and a fake
// cluster (test/support/install-run). Slower than the unit suites, so a run of its own: `npm run test:install`.
const base = require('./jest.config.js');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/**/*.install.ts'],
  globalSetup: '<rootDir>/test/support/global-setup-install.cjs',
};
