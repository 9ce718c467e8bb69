/**
 * The Gateway API deployment controller fake against Istio's own goldens (TestConfigureIstioGateway's
 * testdata/deployment/*.yaml, kept verbatim in test/fixtures/istio-injector/<tag>/deployment). The Gateways are the
 * test's inputs (deploymentcontroller_test.go at the tag), written here as objects; the injector configuration is
 * the test's testInjectionConfig: the release's kube-gateway.yaml and waypoint.yaml (read from the release archive),
 * values `global: {hub: test, tag: test}`, the mesh config's code defaults, Kubernetes 1.28.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { renderGatewayDeployment } from './support/istio-injector/gateway-deployment';
import { renderChart, withReleaseFiles } from './support/istio-injector/helm-render';
import { SidecarInjector } from './support/istio-injector/sidecar-injector';

type Json = Record<string, any>;

const FIXTURES = fileURLToPath(new URL('./fixtures/istio-injector', import.meta.url));
const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } };

/** TestConfigureIstioGateway's "simple" and "cluster-ip" Gateways (1.18+; 1.16's carry no labels or annotations). */
function testGateway(tag: string, name: 'simple' | 'cluster-ip'): Json {
  const modern = tag !== '1.16.7';
  const metadata: Json = { name: 'default', namespace: 'default' };
  const spec: Json = { gatewayClassName: 'istio' };
  if (name === 'simple' && modern) Object.assign(metadata, { labels: { should: 'see' }, annotations: { should: 'see' } });
  if (name === 'cluster-ip') {
    metadata.annotations = { 'networking.istio.io/service-type': 'ClusterIP', ...(modern ? { 'gateway.istio.io/name-override': 'default' } : {}) };
    spec.listeners = [{ name: 'http', port: 80, protocol: 'HTTP' }];
  }
  return { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'Gateway', metadata, spec };
}

/** The objects the controller applied in the golden, without the Gateway status it also writes (not modelled). */
function goldenObjects(tag: string, name: string): Json[] {
  return (yaml.loadAll(fs.readFileSync(path.join(FIXTURES, tag, 'deployment', `${name}.yaml`), 'utf8')) as Json[])
    .filter((object) => object && object.kind !== 'Gateway');
}

function testInjector(tag: string, environment: Record<string, string>): SidecarInjector {
  const files = 'manifests/charts/istio-control/istio-discovery/files';
  const templates = withReleaseFiles(tag, [files], (root) => Object.fromEntries(['kube-gateway', 'waypoint']
    .filter((name) => fs.existsSync(path.join(root, files, `${name}.yaml`)))
    .map((name) => [name, fs.readFileSync(path.join(root, files, `${name}.yaml`), 'utf8')])));
  // Injector templates are needed by 1.18+ only; 1.16-1.17 render the templates compiled into istiod.
  const config = yaml.dump({ policy: 'enabled', templates: Object.keys(templates).length > 0 ? templates : { sidecar: '' } });
  return SidecarInjector.fromSettings({ release: tag, config, values: 'global:\n  hub: test\n  tag: test', mesh: '', webhookConfigurations: [], environment });
}

describe('Gateway deployment goldens (TestConfigureIstioGateway)', () => {
  // 1.22's gateway tests run with ambient waypoints on (conversion_test.go sets features.EnableAmbientWaypoints).
  const cases: Array<[string, 'simple' | 'cluster-ip', Record<string, string>]> = [
    ['1.16.7', 'simple', {}],
    ['1.16.7', 'cluster-ip', {}],
    ['1.22.8', 'simple', { PILOT_ENABLE_AMBIENT: 'true' }],
    ['1.22.8', 'cluster-ip', { PILOT_ENABLE_AMBIENT: 'true' }],
    ['1.30.3', 'simple', {}],
    ['1.30.3', 'cluster-ip', {}],
  ];

  test.each(cases)('Istio %s %s', (tag, name, environment) => {
    const injector = testInjector(tag, environment);
    const result = renderGatewayDeployment(injector, testGateway(tag, name), NAMESPACE, [], { kubernetesMinor: 28 });
    expect(result.managed).toBe(true);
    const byKind = (objects: readonly Json[]) => Object.fromEntries(objects.map((object) => [`${object.kind}/${object.metadata.name}`, object]));
    expect(byKind(result.objects)).toEqual(byKind(goldenObjects(tag, name)));
  });

  test('a Gateway of another class, or with an address of another type, is left alone', () => {
    const injector = testInjector('1.30.3', {});
    const other = { ...testGateway('1.30.3', 'simple'), spec: { gatewayClassName: 'other-class' } };
    expect(renderGatewayDeployment(injector, other, NAMESPACE, []).managed).toBe(false);
    const hostname = { ...testGateway('1.30.3', 'simple'), spec: { gatewayClassName: 'istio', addresses: [{ type: 'Hostname', value: 'example.internal' }] } };
    expect(renderGatewayDeployment(injector, hostname, NAMESPACE, []).managed).toBe(false);
  });
});

describe('a Gateway on an installed Istio 1.16', () => {
  test('gets a Deployment whose pod the injector fills with the gateway template', () => {
    const objects = renderChart('1.16.7', { chart: 'manifests/charts/istio-control/istio-discovery' });
    const injector = SidecarInjector.fromAppliedObjects(objects, { release: '1.16.7' });
    const gateway = { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'Gateway', metadata: { name: 'bookinfo-gateway', namespace: 'bookinfo' }, spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } };
    const result = renderGatewayDeployment(injector, gateway, { metadata: { name: 'bookinfo' } }, objects);
    expect(result.objects.map((object) => object.kind)).toEqual(['Service', 'Deployment']);
    // The gateway's pod asks for the `gateway` template and opts in by label (1.16's compiled deployment.yaml);
    // that template runs the proxy as a router.
    const proxy = result.pod!.spec.containers.find((container: Json) => container.name === 'istio-proxy');
    expect(proxy.args.slice(0, 2)).toEqual(['proxy', 'router']);
    expect(result.pod!.metadata.annotations['sidecar.istio.io/status']).toContain('"containers":["istio-proxy"]');
  });
});
