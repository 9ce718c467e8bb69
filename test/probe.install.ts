import * as path from 'node:path';
import { emptyWorkspace, removeTempDirs, synthesizeInto, writeConfig, capturingWarnings } from './support/run-app';
import { runInstall } from './support/install-run/run-install';

afterAll(removeTempDirs);
const CA = path.resolve('test/fixtures/certs/valid-ca.pem');
const tools = { helm: process.env.CDK8S_ISTIO_LIGHTSTEP_HELM!, kubectl: process.env.CDK8S_ISTIO_LIGHTSTEP_KUBECTL! };

test.each([['1.30.3', 'istioctl'], ['1.30.3', 'helm'], ['1.9.9', 'istioctl'], ['1.9.9', 'helm'], ['1.1.0', undefined], ['1.4.10', undefined], ['1.6.0', undefined], ['1.16.0', 'helm'], ['1.12.9', 'helm']])('%s %s', async (release, route) => {
  const ws = emptyWorkspace();
  const file = writeConfig(ws, `istio:\n  release: "${release}"\nlightstep:\n  address: lightstep-satellite.lightstep:9292\n  caCertificateFile: ${JSON.stringify(CA)}\n`);
  capturingWarnings(() => synthesizeInto(file, ws.outputRoot));
  const run = await runInstall({ distDir: ws.outputRoot, release, route, tools, injector: () => ({ inject: (pod) => pod }) });
  console.log(release, route, run.code, run.failure ?? run.output.slice(-3000));
}, 120000);
