// The slower run, `npm run test:install`: every generated INSTALL.md executed against Istio's own charts with a real
// Helm 3 and a fake cluster (test/support/install-run), and the suites that run the pinned Helm, kubectl or the cdk8s
// CLI (test/support/slow-suites.cjs). CI runs it after `npm test`.
const base = require('./jest.config.js');

module.exports = {
  ...base,
  testMatch: require('./test/support/slow-suites.cjs'),
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/support/global-setup-install.cjs',
};
