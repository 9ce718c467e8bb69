/**
 * The install runs' setup: the unit suites' (a TMPDIR of the run's own, the app's build), and the real Helm 3 and
 * kubectl, fetched pinned and checked once per machine (scripts/fetch-tools.js); their paths reach the workers
 * through the environment.
 */
const setup = require('./global-setup.cjs');
const { ensureTools } = require('../../scripts/fetch-tools.js');

module.exports = async function setupInstall() {
  await setup();
  const tools = ensureTools();
  process.env.CDK8S_ISTIO_LIGHTSTEP_HELM = tools.helm;
  process.env.CDK8S_ISTIO_LIGHTSTEP_KUBECTL = tools.kubectl;
};
