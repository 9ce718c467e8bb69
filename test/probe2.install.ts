import * as path from 'node:path';
import { emptyWorkspace, removeTempDirs, synthesizeInto, writeConfig, capturingWarnings } from './support/run-app';
import { runInstall } from './support/install-run/run-install';

afterAll(removeTempDirs);
const CA = path.resolve('test/fixtures/certs/valid-ca.pem');
const tools = { helm: process.env.CDK8S_ISTIO_LIGHTSTEP_HELM!, kubectl: process.env.CDK8S_ISTIO_LIGHTSTEP_KUBECTL! };

test('debug', async () => {
  const release = '1.30.3';
  const ws = emptyWorkspace();
  const file = writeConfig(ws, `istio:\n  release: "${release}"\nlightstep:\n  address: lightstep-satellite.lightstep:9292\n  caCertificateFile: ${JSON.stringify(CA)}\n`);
  capturingWarnings(() => synthesizeInto(file, ws.outputRoot));
  const run = await runInstall({ distDir: ws.outputRoot, release, route: 'istioctl', tools, injector: () => ({ inject: (pod) => pod }) });
  const svc = run.cluster.list('Service', 'istio-system').map((s) => [s.metadata.name, s.spec.type, JSON.stringify(s.spec.ports), JSON.stringify(s.spec.selector), JSON.stringify(s.status)]);
  console.log(JSON.stringify(svc, null, 1));
  console.log([...run.dataPlane.pods.keys()].join('\n'));
  const gw = run.cluster.get('Deployment', 'istio-system', 'istio-ingressgateway');
  console.log(JSON.stringify(gw?.spec.template.metadata.labels), JSON.stringify(gw?.spec.template.spec.containers[0].ports));
  const page = run.traffic.fromOutside('203.0.113.10', 80, '/productpage'); console.log('PAGE', page?.status, page?.body.length);
  console.log(run.log.filter((c) => c.tool === 'curl').map((c) => c.args.join(' ')).join('\n'));
}, 120000);
