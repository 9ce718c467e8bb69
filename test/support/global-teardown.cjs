/** Removes the run's temporary folder made by global-setup.cjs, and gives TMPDIR back. */
const fs = require('node:fs');

module.exports = async function teardown() {
  const folder = process.env.CDK8S_ISTIO_LIGHTSTEP_TEST_TMPDIR;
  if (folder) fs.rmSync(folder, { recursive: true, force: true });
  process.env.TMPDIR = process.env.CDK8S_ISTIO_LIGHTSTEP_SYSTEM_TMPDIR;
};
