/**
 * The README's walkthrough of the original LightStep task on Istio 1.1, run as printed: its first block in a copy of
 * the repository (the real `npm run synth`), the CA path it tells the user to edit pointed at a test certificate,
 * then its generated block from dist/ against the fake cluster with the real Helm and Istio 1.1's own chart.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { walkthroughCommands } from '../scripts/readme-walkthrough';
import { istioPodInjector } from './support/istio-injector/pod-injector';
import { runInstall } from './support/install-run/run-install';

const REPO = process.cwd();
const README = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
const tools = { helm: process.env.CDK8S_ISTIO_LIGHTSTEP_HELM!, kubectl: process.env.CDK8S_ISTIO_LIGHTSTEP_KUBECTL! };
/** What a user's clone holds that the first block and `npm run synth` read. */
const CLONE = ['package.json', 'cdk8s.yaml', 'lightstep.yaml', 'scripts', 'src', 'charts', 'imports', 'examples'];

test('the walkthrough of the original LightStep task runs as printed, clean-up included', async () => {
  const section = README.slice(README.indexOf('## Walkthrough: the original LightStep task on Istio 1.1'));
  const setup = /```sh\n([\s\S]*?)```/.exec(section)![1];
  expect(setup).toContain('/path/to/Cert_Auth.crt');
  const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'walkthrough-clone-'));
  try {
    for (const entry of CLONE) fs.cpSync(path.join(REPO, entry), path.join(clone, entry), { recursive: true });
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(clone, 'node_modules'));
    // The one edit the block asks for: the folder that holds the user's CA certificate, Cert_Auth.crt.
    const downloads = path.join(clone, 'downloads');
    fs.mkdirSync(downloads);
    fs.copyFileSync(path.join(REPO, 'test', 'fixtures', 'certs', 'valid-ca.pem'), path.join(downloads, 'Cert_Auth.crt'));
    const script = `set -eo pipefail\n${setup.replace('/path/to/', `${downloads}/`)}`;
    const first = spawnSync('bash', ['-c', script], { cwd: clone, encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });
    if (first.status !== 0) throw new Error(`the walkthrough's first block failed:\n${first.stdout}\n${first.stderr}`);
    const run = await runInstall({ distDir: path.join(clone, 'dist'), release: '1.1.17', tools, injector: () => istioPodInjector('1.1.17'), commands: walkthroughCommands(README) });
    try {
      if (run.failure) throw new Error(`the walkthrough's commands failed: ${run.failure}`);
      expect(run.output).toContain('<title>Simple Bookstore App</title>');
      expect(run.output).toContain('Spans left the mesh.');
      // The clean-up left nothing of the library's and none of Istio's in the cluster.
      expect(run.cluster.list('Deployment').map((d) => `${d.metadata.namespace}/${d.metadata.name}`)).toEqual([]);
      expect(run.cluster.get('Namespace', undefined, 'default')?.metadata.labels?.['istio-injection']).toBeUndefined();
    } finally {
      await run.dispose();
    }
  } finally {
    fs.rmSync(clone, { recursive: true, force: true });
  }
}, 180_000);
