/**
 * The suites that run in `npm run test:install` instead of `npm test`: the install runs (test/*.install.ts), the
 * suites that run the pinned Helm 3 or kubectl (scripts/fetch-tools.js), the cdk8s CLI or the app as processes, and the
 * validation against every Gateway API schema. `npm test` stays a loop of under 30 s that needs no fetched tool; CI
 * runs both.
 */
module.exports = [
  '<rootDir>/test/**/*.install.ts',
  // The fake injector's own tests render every release's charts with Helm.
  '<rootDir>/test/istio-injector-*.test.ts',
  '<rootDir>/test/istio-gateway-deployment.test.ts',
  // kubectl kustomize and kubectl apply -k of the generated Kustomization.
  '<rootDir>/test/gitops.test.ts',
  // The README's library app under the real cdk8s CLI, and the app run as processes in a copy of the repository.
  '<rootDir>/test/library-cli.test.ts',
  '<rootDir>/test/app-repository.test.ts',
  // Every emitted Gateway API object against the CRD schemas of every version and channel INSTALL.md installs, and
  // restricted Pod Security against every release's injection and gateway templates.
  '<rootDir>/test/gateway-api-crds.test.ts',
  '<rootDir>/test/pod-security-install.test.ts',
];
