import { Chart, Testing } from 'cdk8s';
import { Bookinfo, BookinfoIngressKind, BookinfoProps, BookinfoRoutingScenario } from '../src/bookinfo';
import { expectSchemaValid } from './support/schemas';
import { IstioRelease } from '../src/istio-release';

// What schemas cannot see: that selectors find pods, routes find hosts and subsets, and that the objects follow
// the Istio release. Every combination of ingress, routing and a spread of releases must validate and hang together.

const NAMESPACE = 'shop';
const RELEASES = ['1.1', '1.9', '1.18', '1.21', '1.23', '1.30'];
const INGRESSES = Object.values(BookinfoIngressKind);
const SCENARIOS = Object.values(BookinfoRoutingScenario);

function synth(props: BookinfoProps = {}): any[] {
  const chart = new Chart(Testing.app(), 'test');
  new Bookinfo(chart, 'bookinfo', { namespace: NAMESPACE, ...props });
  return Testing.synth(chart);
}

const selects = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels?.[key] === value);

/** One message per broken relation; empty when every reference finds what it names. */
function relationProblems(objects: any[]): string[] {
  const problems: string[] = [];
  const inNamespace = (o: any, kind: string, name: string) =>
    objects.find((x) => x.kind === kind && x.metadata.name === name && x.metadata.namespace === o.metadata.namespace);
  const isGatewayApi = (o: any) => o.apiVersion.startsWith('gateway.networking.k8s.io/');
  const pods = objects.filter((o) => o.kind === 'Deployment')
    .map((d) => ({ namespace: d.metadata.namespace, labels: d.spec.template.metadata.labels, spec: d.spec.template.spec }));
  const podsOf = (namespace: string, selector: Record<string, string>) =>
    pods.filter((pod) => pod.namespace === namespace && selects(selector, pod.labels));
  const servicePortOk = (where: string, service: any, port: number | undefined) => {
    if (!service) return problems.push(`${where}: no such Service`);
    if (port !== undefined && !service.spec.ports.some((p: any) => p.port === port)) problems.push(`${where}: Service has no port ${port}`);
    const selected = podsOf(service.metadata.namespace, service.spec.selector);
    if (selected.length === 0) problems.push(`${where}: Service ${service.metadata.name} selects no pod`);
    for (const pod of selected) {
      for (const p of service.spec.ports) {
        if (!pod.spec.containers.some((c: any) => c.ports?.some((cp: any) => cp.containerPort === p.port))) {
          problems.push(`${where}: a pod of Service ${service.metadata.name} does not listen on ${p.port}`);
        }
      }
    }
    return 0;
  };

  for (const o of objects) {
    const where = `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;
    if (o.kind !== 'Namespace' && o.metadata.namespace && !objects.some((n) => n.kind === 'Namespace' && n.metadata.name === o.metadata.namespace)) {
      problems.push(`${where}: its Namespace is not created`);
    }
    if (o.kind === 'Service') servicePortOk(where, o, undefined);
    if (o.kind === 'Deployment') {
      const labels = o.spec.template.metadata.labels;
      if (!selects(o.spec.selector.matchLabels, labels)) problems.push(`${where}: selector does not match its pod labels`);
      if (!labels.app || !labels.version) problems.push(`${where}: pods lack the app and version labels Istio reads`);
      if (!inNamespace(o, 'ServiceAccount', o.spec.template.spec.serviceAccountName)) problems.push(`${where}: no such ServiceAccount`);
      const volumes = (o.spec.template.spec.volumes ?? []).map((v: any) => v.name);
      for (const mount of o.spec.template.spec.containers.flatMap((c: any) => c.volumeMounts ?? [])) {
        if (!volumes.includes(mount.name)) problems.push(`${where}: mount ${mount.name} has no volume`);
      }
    }
    if (o.kind === 'DestinationRule' && !inNamespace(o, 'Service', o.spec.host)) problems.push(`${where}: host ${o.spec.host} is no Service`);
    if (o.kind === 'VirtualService') {
      for (const gateway of o.spec.gateways ?? []) {
        if (!objects.some((g) => g.kind === 'Gateway' && !isGatewayApi(g) && g.metadata.name === gateway && g.metadata.namespace === o.metadata.namespace)) {
          problems.push(`${where}: gateway ${gateway} does not exist`);
        }
      }
      for (const { destination } of o.spec.http.flatMap((h: any) => h.route)) {
        const service = inNamespace(o, 'Service', destination.host);
        servicePortOk(`${where} -> ${destination.host}`, service, destination.port?.number);
        if (destination.subset === undefined || !service) continue;
        const rule = inNamespace(o, 'DestinationRule', destination.host);
        const subset = rule?.spec.subsets.find((s: any) => s.name === destination.subset);
        if (!subset) problems.push(`${where}: subset ${destination.host}/${destination.subset} is not defined`);
        else if (podsOf(o.metadata.namespace, { ...service.spec.selector, ...subset.labels }).length === 0) {
          problems.push(`${where}: subset ${destination.host}/${destination.subset} matches no pod`);
        }
      }
    }
    if (o.kind === 'HTTPRoute') {
      for (const parent of o.spec.parentRefs) {
        if (parent.kind === 'Service') servicePortOk(`${where} parent`, inNamespace(o, 'Service', parent.name), parent.port);
        else if (!objects.some((g) => g.kind === 'Gateway' && isGatewayApi(g) && g.metadata.name === parent.name)) problems.push(`${where}: no Gateway ${parent.name}`);
      }
      for (const backend of o.spec.rules.flatMap((r: any) => r.backendRefs)) {
        servicePortOk(`${where} -> ${backend.name}`, inNamespace(o, 'Service', backend.name), backend.port);
      }
    }
  }
  return problems;
}

describe('every combination validates and hangs together', () => {
  for (const istioRelease of RELEASES) {
    for (const ingress of INGRESSES) {
      const unsupported = ingress === BookinfoIngressKind.GATEWAY_API && ['1.1', '1.9'].includes(istioRelease);
      test.each(SCENARIOS)(`Istio ${istioRelease}, ingress ${ingress}, routing %s${unsupported ? ': refused' : ''}`, (routing) => {
        if (unsupported) {
          expect(() => synth({ istioRelease: IstioRelease.of(istioRelease), ingress, routing })).toThrow(/^Bookinfo at [^ ]+: Bookinfo\.ingress: .*Fix: /);
          return;
        }
        for (const mutualTls of [false, true]) {
          const objects = synth({ istioRelease: IstioRelease.of(istioRelease), ingress, routing, mutualTls, restrictedPodSecurity: mutualTls });
          expectSchemaValid(objects);
          expect(relationProblems(objects)).toEqual([]);
        }
      });
    }
  }

  test('with some reviews versions left out, the scenarios that avoid them still hang together', () => {
    for (const ingress of [BookinfoIngressKind.ISTIO_GATEWAY, BookinfoIngressKind.GATEWAY_API]) {
      const objects = synth({ ingress, reviewsVersions: ['v1', 'v3'], routing: BookinfoRoutingScenario.REVIEWS_50_V3 });
      expectSchemaValid(objects);
      expect(relationProblems(objects)).toEqual([]);
    }
  });
});

describe('the relation check can fail', () => {
  test('a route to a subset whose pods are gone', () => {
    const objects = synth({ routing: BookinfoRoutingScenario.REVIEWS_V3 }).filter((o) => o.metadata.name !== 'reviews-v3');
    expect(relationProblems(objects)).toEqual([expect.stringMatching(/subset reviews\/v3 matches no pod/)]);
  });

  test('an HTTPRoute backend without its Service, and a Deployment whose selector misses its pods', () => {
    const objects = synth({ ingress: BookinfoIngressKind.GATEWAY_API, routing: BookinfoRoutingScenario.REVIEWS_V3 })
      .filter((o) => !(o.kind === 'Service' && o.metadata.name === 'reviews-v3'));
    objects.find((o) => o.metadata.name === 'details-v1').spec.selector.matchLabels.version = 'v2';
    expect(relationProblems(objects)).toEqual([
      expect.stringMatching(/Deployment shop\/details-v1: selector does not match/),
      expect.stringMatching(/HTTPRoute shop\/reviews -> reviews-v3: no such Service/),
    ]);
  });
});

describe('objects follow the Istio release', () => {
  const find = (objects: any[], kind: string) => objects.filter((o) => o.kind === kind && o.apiVersion !== 'v1');

  test.each([
    ['1.1', 'networking.istio.io/v1alpha3', 80],
    ['1.18', 'networking.istio.io/v1alpha3', 80],
    ['1.19', 'networking.istio.io/v1alpha3', 8080],
    ['1.21', 'networking.istio.io/v1alpha3', 8080],
    ['1.22', 'networking.istio.io/v1', 8080],
    ['1.30', 'networking.istio.io/v1', 8080],
  ])('Istio %s: %s, Gateway server port %d', (istioRelease, apiVersion, port) => {
    const objects = synth({ istioRelease: IstioRelease.of(istioRelease), routing: BookinfoRoutingScenario.ALL_V1, mutualTls: true });
    const istioObjects = [...find(objects, 'Gateway'), ...find(objects, 'VirtualService'), ...find(objects, 'DestinationRule')];
    expect(istioObjects).toHaveLength(10);
    expect(new Set(istioObjects.map((o) => o.apiVersion))).toEqual(new Set([apiVersion]));
    expect(find(objects, 'Gateway')[0].spec.servers).toEqual([{ port: { number: port, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }]);
  });

  test.each([
    ['1.16', 'gateway.networking.k8s.io/v1beta1'],
    ['1.23', 'gateway.networking.k8s.io/v1beta1'],
    ['1.24', 'gateway.networking.k8s.io/v1'],
  ])('Istio %s: Gateway API objects at %s', (istioRelease, apiVersion) => {
    const objects = synth({ istioRelease: IstioRelease.of(istioRelease), ingress: BookinfoIngressKind.GATEWAY_API, routing: BookinfoRoutingScenario.ALL_V1 });
    const gatewayApiObjects = [...find(objects, 'Gateway'), ...find(objects, 'HTTPRoute')];
    expect(gatewayApiObjects).toHaveLength(6);
    expect(new Set(gatewayApiObjects.map((o) => o.apiVersion))).toEqual(new Set([apiVersion]));
    // Istio deploys the Gateway API gateway itself, so its listener port does not depend on the release.
    expect(find(objects, 'Gateway')[0].spec.listeners[0].port).toBe(80);
  });

  test('Istio 1.1 as the LightStep task used it: the 1.1.0 Gateway, and the newer VirtualService with its /static match', () => {
    const objects = synth({ istioRelease: IstioRelease.of('1.1') });
    const gateway = find(objects, 'Gateway')[0];
    expect(gateway).toEqual({
      apiVersion: 'networking.istio.io/v1alpha3', kind: 'Gateway', metadata: { name: 'bookinfo-gateway', namespace: NAMESPACE },
      spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] },
    });
    expect(find(objects, 'VirtualService')[0].spec.http[0].match.map((m: any) => m.uri)).toEqual([
      { exact: '/productpage' }, { prefix: '/static' }, { exact: '/login' }, { exact: '/logout' }, { prefix: '/api/v1/products' },
    ]);
  });

  test('routing with the Gateway API before 1.16 is refused with the ingress', () => {
    expect(() => synth({ istioRelease: IstioRelease.of('1.15'), ingress: BookinfoIngressKind.GATEWAY_API, routing: BookinfoRoutingScenario.ALL_V1 }))
      .toThrow(/^Bookinfo at [^ ]+: Bookinfo\.ingress: Istio 1\.15\.7 does not implement the Kubernetes Gateway API/);
  });
});
