/**
 * The fake injector behind the install runs' data plane (PodInjector): it finds every injector revision the fake
 * cluster holds, follows the cluster as objects change, and gives istiod's Gateway API deployment.
 */
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { FakeCluster, KubeObject } from './support/install-run/cluster';
import { controlPlaneChart, renderChart } from './support/istio-injector/helm-render';
import { istioPodInjector } from './support/istio-injector/pod-injector';

const BOOKINFO = fileURLToPath(new URL('./fixtures/bookinfo-1.30.3/platform/bookinfo.yaml', import.meta.url));
const PRODUCTPAGE = (yaml.loadAll(fs.readFileSync(BOOKINFO, 'utf8')) as KubeObject[])
  .find((object) => object?.kind === 'Deployment' && object.metadata?.name === 'productpage-v1')!;
const TAG = '1.22.8';

/** A pod as the data plane makes it: the template with a name, no owner. */
function pod(labels: Record<string, string> = {}): KubeObject {
  const template = structuredClone(PRODUCTPAGE.spec.template);
  return { apiVersion: 'v1', kind: 'Pod', metadata: { ...template.metadata, labels: { ...template.metadata.labels, ...labels }, name: 'productpage-v1-abc', namespace: 'bookinfo' }, spec: template.spec };
}

const proxyArgs = (object: KubeObject) => (object.spec.containers as KubeObject[]).find((c) => c.name === 'istio-proxy')?.args;

describe(`the install runs' injector on a fake cluster with Istio ${TAG}`, () => {
  let cluster: FakeCluster;
  let defaultRevision: KubeObject[];
  let canary: KubeObject[];
  beforeAll(() => {
    defaultRevision = renderChart(TAG, { chart: controlPlaneChart(TAG), valueFiles: ['manifests/charts/global.yaml'] });
    canary = renderChart(TAG, { chart: controlPlaneChart(TAG), values: { revision: 'canary' }, valueFiles: ['manifests/charts/global.yaml'] });
  });
  beforeEach(() => {
    cluster = new FakeCluster();
    cluster.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } }], 'test');
  });

  test('a pod is stored as it came until an injector is installed, then injected by it', () => {
    const injector = istioPodInjector(TAG);
    cluster.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bookinfo', labels: { 'istio-injection': 'enabled' } } }], 'test');
    const namespace = cluster.get('Namespace', undefined, 'bookinfo')!;
    expect(injector.inject(pod(), namespace, cluster)).toEqual(pod());
    cluster.apply(defaultRevision, 'helm');
    expect(proxyArgs(injector.inject(pod(), namespace, cluster))).toEqual(expect.arrayContaining(['proxy', 'sidecar']));
  });

  test('each revision injects the pods that select it', () => {
    const injector = istioPodInjector(TAG);
    cluster.apply([...defaultRevision, ...canary], 'helm');
    cluster.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bookinfo', labels: { 'istio.io/rev': 'canary' } } }], 'test');
    const injected = injector.inject(pod(), cluster.get('Namespace', undefined, 'bookinfo')!, cluster);
    expect(JSON.parse(injected.metadata.annotations['sidecar.istio.io/status']).revision).toBe('canary');
    const discovery = (injected.spec.containers as KubeObject[]).find((c) => c.name === 'istio-proxy')!.env.find((e: KubeObject) => e.name === 'PROXY_CONFIG');
    expect(JSON.parse(discovery.value).discoveryAddress).toBe('istiod-canary.istio-system.svc:15012');
  });

  test('a Gateway of class istio gets the Deployment, Service and ServiceAccount istiod creates', () => {
    const injector = istioPodInjector(TAG);
    cluster.apply(defaultRevision, 'helm');
    cluster.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bookinfo' } }], 'test');
    const gateway = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'bookinfo-gateway', namespace: 'bookinfo' }, spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } };
    const objects = injector.gatewayDeployment!(gateway, cluster)!;
    expect(objects.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual(['Deployment/bookinfo-gateway-istio', 'Service/bookinfo-gateway-istio', 'ServiceAccount/bookinfo-gateway-istio']);
    expect(injector.gatewayDeployment!({ ...gateway, spec: { ...gateway.spec, gatewayClassName: 'other' } }, cluster)).toBeUndefined();
  });
});
