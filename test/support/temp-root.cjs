// Jest globalSetup and globalTeardown: every temporary folder of a test run (cdk8s's Testing.app() makes one
// per app and never removes it) goes under one folder, which is removed when the run ends.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const VARIABLE = 'CDK8S_ISTIO_LIGHTSTEP_TEST_TEMP';

module.exports = {
  setup() {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cil-'));
    process.env[VARIABLE] = root;
    process.env.TMPDIR = root; // read by os.tmpdir() in the test workers, which start after this
  },
  teardown() {
    if (process.env[VARIABLE]) fs.rmSync(process.env[VARIABLE], { recursive: true, force: true });
  },
};
