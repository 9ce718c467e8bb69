import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { MeshAnalysis } from '../src/analysis';
import { removeTempDirs, testApp } from './support/run-app';

afterAll(removeTempDirs);

/** A chart holding one workload with pods labelled app=web,version=v1 and a Service in front of it. */
function webChart(namespace = 'shop') {
  const app = testApp();
  const chart = new Chart(app, 'web');
  const labels = { app: 'web', version: 'v1' };
  new k8s.KubeNamespace(chart, 'ns', { metadata: { name: namespace, labels: { 'istio-injection': 'enabled' } } });
  new k8s.KubeDeployment(chart, 'deploy', {
    metadata: { name: 'web-v1', namespace },
    spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'web', ports: [{ containerPort: 9080 }] }] } } },
  });
  new k8s.KubeService(chart, 'svc', { metadata: { name: 'web', namespace }, spec: { selector: { app: 'web' }, ports: [{ port: 9080, name: 'http' }] } });
  return { app, chart, analysis: MeshAnalysis.of(chart) };
}

function istio(chart: Chart, kind: string, name: string, spec: any, namespace = 'shop') {
  return new ApiObject(chart, `${kind}-${name}`, { apiVersion: 'networking.istio.io/v1', kind, metadata: { name, namespace }, spec });
}

describe('MeshAnalysis', () => {
  test('a consistent output has no findings, and MeshAnalysis.of returns one instance per tree', () => {
    const { chart, analysis } = webChart();
    expect(MeshAnalysis.of(chart)).toBe(analysis);
    expect(analysis.analyze()).toEqual([]);
  });

  test('runs during app.synth and stops it before anything is written', () => {
    const { app, chart } = webChart();
    new k8s.KubeService(chart, 'orphan', { metadata: { name: 'orphan', namespace: 'shop' }, spec: { selector: { app: 'nothing' }, ports: [{ port: 80 }] } });
    expect(() => app.synth()).toThrow(/Service shop\/orphan: selector .* matches no pod/);
  });

  test('names, namespaces, labels and ports', () => {
    const { chart, analysis } = webChart();
    new k8s.KubeConfigMap(chart, 'bad-name', { metadata: { name: 'Bad_Name', namespace: 'shop' } });
    new k8s.KubeConfigMap(chart, 'bad-ns', { metadata: { name: 'ok', namespace: 'Shop' } });
    new k8s.KubeConfigMap(chart, 'bad-label', { metadata: { name: 'ok2', namespace: 'shop', labels: { 'app/x/y': 'v', 'tier': '-bad' } } });
    new k8s.KubeService(chart, 'port', { metadata: { name: '9lives', namespace: 'shop' }, spec: { selector: { app: 'web' }, ports: [{ port: 70000 }] } });
    const findings = analysis.analyze().join('\n');
    expect(findings).toMatch(/ConfigMap shop\/"Bad_Name" \(an invalid name\) \(construct web\/bad-name\): metadata\.name "Bad_Name" is not valid: it is not a DNS-1123 subdomain\. Fix: rename the ConfigMap/);
    expect(findings).toMatch(/metadata\.namespace "Shop" is not valid: it is not a DNS-1123 label/);
    expect(findings).toMatch(/ConfigMap shop\/ok2 \(construct web\/bad-label\): metadata\.labels key "app\/x\/y" is not valid: it has more than one "\/"/);
    expect(findings).toMatch(/metadata\.labels\["tier"\] "-bad" is not valid: it is not a label value/);
    expect(findings).toMatch(/Service shop\/"9lives" \(an invalid name\) \(construct web\/port\): metadata\.name "9lives" is not valid: it is not a DNS-1035 label/);
    expect(findings).toMatch(/spec\.ports\[0\]\.port 70000 is not valid: it is not a port number/);
  });

  test('workload selector against template, Service target port against pods', () => {
    const { chart, analysis } = webChart();
    new k8s.KubeDeployment(chart, 'mismatch', {
      metadata: { name: 'm', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'm' } }, template: { metadata: { labels: { app: 'other' } }, spec: { containers: [{ name: 'm', image: 'm' }] } } },
    });
    new k8s.KubeService(chart, 'wrong-port', { metadata: { name: 'web-admin', namespace: 'shop' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: k8s.IntOrString.fromNumber(8081) }] } });
    const findings = analysis.analyze().join('\n');
    expect(findings).toMatch(/Deployment shop\/m: selector .* does not match its pod template labels/);
    expect(findings).toMatch(/Service shop\/web-admin: port 80 targets 8081, which no selected pod declares/);
  });

  test('DestinationRule hosts, VirtualService gateways, hosts, ports and subsets', () => {
    const { chart, analysis } = webChart();
    istio(chart, 'DestinationRule', 'web', { host: 'web', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] });
    istio(chart, 'DestinationRule', 'ghost', { host: 'ghost' });
    istio(chart, 'VirtualService', 'web', {
      hosts: ['web'],
      http: [{ route: [
        { destination: { host: 'web', subset: 'v1' } },
        { destination: { host: 'web', subset: 'v2' } },
        { destination: { host: 'web', subset: 'v9' } },
        { destination: { host: 'web.shop.svc.cluster.local', port: { number: 1234 } } },
      ] }],
    });
    istio(chart, 'VirtualService', 'edge', { hosts: ['*'], gateways: ['no-such-gateway'], http: [{ route: [{ destination: { host: 'web', port: { number: 9080 } } }] }] });
    const findings = analysis.analyze();
    expect(findings).toHaveLength(5);
    const text = findings.join('\n');
    expect(text).toMatch(/DestinationRule shop\/ghost: host "ghost" is not a Service/);
    expect(text).toMatch(/subset v2 of web .* matches no deployed pod/);
    expect(text).toMatch(/subset "v9" of web is defined by no DestinationRule/);
    expect(text).toMatch(/port 1234 is not a port of Service shop\/web/);
    expect(text).toMatch(/gateway "no-such-gateway" is not an Istio Gateway/);
  });

  test('HTTPRoute parents and backends', () => {
    const { chart, analysis } = webChart();
    const route = (name: string, spec: any) => new ApiObject(chart, `route-${name}`, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name, namespace: 'shop' }, spec });
    new ApiObject(chart, 'gw', { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'shop' }, spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } });
    route('ok', { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'web', port: 9080 }] }] });
    route('mesh', { parentRefs: [{ group: '', kind: 'Service', name: 'web', port: 9080 }], rules: [{ backendRefs: [{ name: 'web', port: 9080 }] }] });
    route('bad', { parentRefs: [{ name: 'nope' }, { name: 'gw', sectionName: 'https' }, { group: '', kind: 'Service', name: 'web', port: 1 }], rules: [{ backendRefs: [{ name: 'web-v2', port: 9080 }, { name: 'web', port: 1 }] }] });
    const findings = analysis.analyze();
    expect(findings.every((f) => f.startsWith('HTTPRoute shop/bad'))).toBe(true);
    const text = findings.join('\n');
    expect(text).toMatch(/parentRef Gateway shop\/nope is not in this output/);
    expect(text).toMatch(/names listener https/);
    expect(text).toMatch(/parentRef Service web has no port 1/);
    expect(text).toMatch(/backendRef Service shop\/web-v2 is not in this output/);
    expect(text).toMatch(/backendRef web port 1 is not a port/);
  });

  test('Telemetry providers against mesh config, and the provider Service port name', () => {
    const { chart, analysis } = webChart();
    const telemetry = (provider: string) => new ApiObject(chart, `tel-${provider}`, { apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', metadata: { name: provider, namespace: 'istio-system' }, spec: { tracing: [{ providers: [{ name: provider }] }] } });
    telemetry('lightstep');
    expect(analysis.analyze().join('\n')).toMatch(/tracing provider "lightstep" is not among the mesh config's extensionProviders \(none defined\)/);
    analysis.addMeshConfig({ source: 'istio-operator.yaml', meshConfig: { extensionProviders: [{ name: 'lightstep', opentelemetry: { service: 'web.shop.svc.cluster.local', port: 9080 } }] } });
    expect(analysis.analyze().join('\n')).toMatch(/Service shop\/web: port 9080 is named "http"; .* needs grpc-\*/);
    telemetry('typo');
    expect(analysis.analyze().join('\n')).toMatch(/provider "typo" is not among .*\(lightstep\)/);
  });

  test('the provider Service must exist', () => {
    const { analysis } = webChart();
    analysis.addMeshConfig({ source: 'istio-operator.yaml', meshConfig: { extensionProviders: [{ name: 'lightstep', opentelemetry: { service: 'collector.observability.svc.cluster.local', port: 4317 } }] } });
    expect(analysis.analyze()).toEqual([expect.stringMatching(/istio-operator.yaml: extension provider lightstep points at collector.observability.svc.cluster.local, which is not a Service/)]);
  });

  test('lightstep.cacert in every namespace whose pods mount it, with the expected key', () => {
    const { chart, analysis } = webChart();
    analysis.requireSecretInInjectedNamespaces({ name: 'lightstep.cacert', key: 'cacert.pem', reason: 'the sidecar injector mounts it at /etc/lightstep' });
    expect(analysis.analyze()).toEqual([expect.stringMatching(/Secret shop\/lightstep.cacert is missing: the sidecar injector mounts it .*namespace shop is labelled for sidecar injection/)]);
    new k8s.KubeSecret(chart, 'wrong-key', { metadata: { name: 'lightstep.cacert', namespace: 'shop' }, data: { 'ca.crt': 'eA==' } });
    expect(analysis.analyze()).toEqual([expect.stringMatching(/Secret shop\/lightstep.cacert: has no key "cacert.pem"/)]);
    analysis.requireSecret({ namespace: 'istio-system', name: 'lightstep.cacert', key: 'cacert.pem', reason: 'ingress gateways mount it' });
    expect(analysis.analyze().join('\n')).toMatch(/Secret istio-system\/lightstep.cacert is missing: ingress gateways mount it/);
  });

  test('a pod mounting a Secret that exists only in another namespace', () => {
    const { chart, analysis } = webChart();
    new k8s.KubeSecret(chart, 'elsewhere', { metadata: { name: 'lightstep.cacert', namespace: 'other' }, data: { 'cacert.pem': 'eA==' } });
    new k8s.KubeDeployment(chart, 'mounter', {
      metadata: { name: 'mounter', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'm' } }, template: { metadata: { labels: { app: 'm' } }, spec: {
        containers: [{ name: 'm', image: 'm' }], volumes: [{ name: 'certs', secret: { secretName: 'lightstep.cacert' } }],
      } } },
    });
    expect(analysis.analyze().join('\n')).toMatch(/Deployment shop\/mounter: spec\.template\.spec\.volumes\[0\] mounts Secret lightstep.cacert, which this output creates in other namespaces but not in shop/);
  });

  test('a Namespace must be applied before what lives in it', () => {
    const app = testApp();
    const early = new Chart(app, 'a-app');
    const late = new Chart(app, 'b-namespaces');
    new k8s.KubeConfigMap(early, 'cm', { metadata: { name: 'cm', namespace: 'late' } });
    new k8s.KubeNamespace(late, 'ns', { metadata: { name: 'late' } });
    const analysis = MeshAnalysis.of(early);
    expect(analysis.analyze()).toEqual([expect.stringMatching(/^ConfigMap late\/cm \(construct a-app\/cm, file a-app\.k8s\.yaml\): is applied before Namespace late: .* b-namespaces\.k8s\.yaml, where chart b-namespaces creates it, comes after a-app\.k8s\.yaml\. Fix: add the chart dependency aApp\.addDependency\(bNamespaces\)/)]);
    early.addDependency(late);
    expect(analysis.analyze()).toEqual([]);
  });

  test('within a chart, a plain Namespace created after its objects is named with the fix', () => {
    const app = testApp();
    const chart = new Chart(app, 'one');
    new k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'cm', namespace: 'late' } });
    new k8s.KubeNamespace(chart, 'ns', { metadata: { name: 'late' } });
    expect(MeshAnalysis.of(chart).analyze()).toEqual([expect.stringMatching(/^ConfigMap late\/cm \(construct one\/cm, file one\.k8s\.yaml\): is applied before Namespace late, which chart one writes later in the same file\. Fix: create the Namespace with MeshNamespace, .* make one\/cm depend on one\/ns/)]);
  });

  test('two objects of the same kind, namespace and name are named with both construct paths', () => {
    const app = testApp();
    const chart = new Chart(app, 'one');
    new k8s.KubeConfigMap(chart, 'first', { metadata: { name: 'cm', namespace: 'apps' } });
    new k8s.KubeConfigMap(new Chart(app, 'two'), 'second', { metadata: { name: 'cm', namespace: 'apps' } });
    new k8s.KubeConfigMap(chart, 'elsewhere', { metadata: { name: 'cm', namespace: 'other' } });
    expect(MeshAnalysis.of(chart).analyze()).toEqual([expect.stringMatching(/^ConfigMap apps\/cm: is written 2 times, by one\/first and by two\/second; .*Fix: /)]);
  });
});
