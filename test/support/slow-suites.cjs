/**
 * The suites that run in `npm run test:install` instead of `npm test`: the install runs (test/*.install.ts), and the
 * suites that run the pinned Helm 3 or kubectl (scripts/fetch-tools.js) or the cdk8s CLI as processes. `npm test`
 * stays a quick loop that needs no fetched tool; CI runs both.
 */
module.exports = [
  '<rootDir>/test/**/*.install.ts',
  // The fake injector's own tests render every release's charts with Helm.
  '<rootDir>/test/istio-injector-*.test.ts',
  '<rootDir>/test/istio-gateway-deployment.test.ts',
  // kubectl kustomize and kubectl apply -k of the generated Kustomization.
  '<rootDir>/test/gitops.test.ts',
  // The README's library app under the real cdk8s CLI.
  '<rootDir>/test/library-cli.test.ts',
];
