/**
 * Brings the app's compiled build up to date, and gives the whole test run a temporary folder of its own as TMPDIR, removed with everything in it when the
 * run ends: cdk8s's Testing.app() makes a `cdk8s.outdir.*` folder per call and never removes it, and the app
 * and tools the tests start write there too. Runs in jest's main process, before the workers start, so that
 * they inherit TMPDIR (a test file's own process.env is a copy that node's os.tmpdir() does not read).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async function setup() {
  // Compile the app once, before the workers start several app processes at the same time.
  require('../../scripts/synth.js').freshEntry();
  // A short prefix: error messages cut long values at 80 characters, and some tests show temporary paths.
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'cil-'));
  process.env.CDK8S_ISTIO_LIGHTSTEP_SYSTEM_TMPDIR = os.tmpdir();
  process.env.CDK8S_ISTIO_LIGHTSTEP_TEST_TMPDIR = folder;
  process.env.TMPDIR = folder;
};
