import { readFileSync } from 'node:fs';
import { Chart, Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { MeshAnalysis, TracerStatsInclusion } from '../src';
import { ConfigurationError } from '../src/configuration-error';
import { warningsOf } from '../src/warnings';
import { IstioRelease } from '../src/istio-release';
import {
  Bookinfo, BookinfoIngress, BookinfoIngressKind, BookinfoMicroservice, BookinfoProps, BookinfoRouting, BookinfoRoutingScenario, BookinfoService,
} from '../src/bookinfo';

// Fidelity to the Bookinfo sample of Istio 1.30.3, defaults, props and determinism. The fixture holds the upstream
// objects (see its README), so these tests need nothing outside the repository.

const FIXTURE = new URL('./fixtures/bookinfo-1.30.3/', import.meta.url);
const NAMESPACE = 'shop';

function upstream(file: string): any[] {
  return yaml.loadAll(readFileSync(new URL(file, FIXTURE), 'utf8')).filter((doc) => doc != null);
}

function synth(props: BookinfoProps = {}): any[] {
  const chart = new Chart(Testing.app(), 'test');
  new Bookinfo(chart, 'bookinfo', { namespace: NAMESPACE, ...props });
  return Testing.synth(chart);
}

/** Removes the one thing the construct adds to every upstream object: its namespace (checked, then dropped). */
function withoutNamespace(objects: any[]): any[] {
  return objects.filter((o) => o.kind !== 'Namespace').map((o) => {
    expect(o.metadata.namespace).toBe(NAMESPACE);
    const { namespace: _namespace, ...metadata } = o.metadata;
    return { ...o, metadata };
  });
}

/** Objects keyed by apiVersion, kind and name: the comparison is object by object, independent of file order. */
function byIdentity(objects: any[]): Record<string, any> {
  const keyed: Record<string, any> = {};
  for (const o of objects) {
    const key = `${o.apiVersion} ${o.kind} ${o.metadata.name}`;
    expect(keyed[key]).toBeUndefined();
    keyed[key] = o;
  }
  return keyed;
}

const PLATFORM_KINDS = ['Service', 'ServiceAccount', 'Deployment'];
const isPlatform = (o: any) => PLATFORM_KINDS.includes(o.kind) && !(o.kind === 'Service' && o.metadata.labels === undefined);
const platformOnly = { createNamespace: false, ingress: BookinfoIngressKind.NONE };

describe('Bookinfo reproduces the Istio 1.30.3 sample', () => {
  test('bookinfo.yaml: its 14 objects (4 Services, 4 ServiceAccounts, 6 Deployments), in the same order', () => {
    const expected = upstream('platform/bookinfo.yaml');
    expect(expected).toHaveLength(14);
    expect(withoutNamespace(synth(platformOnly))).toEqual(expected);
  });

  test('bookinfo-psa.yaml in restricted mode, but for the two fields "restricted" demands', () => {
    // bookinfo-psa.yaml targets "baseline". Pod Security "restricted" also requires capabilities dropped as "ALL"
    // (compared case-sensitively) and a RuntimeDefault or Localhost seccomp profile; the construct sets the profile
    // on the pod so that containers added by the Istio injector are covered too.
    const expected = upstream('platform/bookinfo-psa.yaml').map((o) => {
      if (o.kind !== 'Deployment') return o;
      const podSpec = o.spec.template.spec;
      for (const container of podSpec.containers) {
        expect(container.securityContext.capabilities.drop).toEqual(['all']);
        container.securityContext.capabilities.drop = ['ALL'];
      }
      podSpec.securityContext = { seccompProfile: { type: 'RuntimeDefault' } };
      return o;
    });
    expect(withoutNamespace(synth({ ...platformOnly, restrictedPodSecurity: true }))).toEqual(expected);
  });

  test('networking/bookinfo-gateway.yaml: the Istio Gateway and its VirtualService', () => {
    const objects = withoutNamespace(synth({ createNamespace: false })).filter((o) => !isPlatform(o));
    expect(byIdentity(objects)).toEqual(byIdentity(upstream('networking/bookinfo-gateway.yaml')));
  });

  test.each([
    [BookinfoRoutingScenario.ALL_V1, 'virtual-service-all-v1.yaml'],
    [BookinfoRoutingScenario.REVIEWS_TEST_V2, 'virtual-service-reviews-test-v2.yaml'],
    [BookinfoRoutingScenario.REVIEWS_50_V3, 'virtual-service-reviews-50-v3.yaml'],
    [BookinfoRoutingScenario.REVIEWS_V3, 'virtual-service-reviews-v3.yaml'],
  ])('routing %s: destination-rule-all.yaml plus networking/%s', (routing, file) => {
    const objects = withoutNamespace(synth({ ...platformOnly, routing })).filter((o) => !isPlatform(o));
    const expected = [...upstream('networking/destination-rule-all.yaml'), ...upstream(`networking/${file}`)];
    expect(byIdentity(objects)).toEqual(byIdentity(expected));
  });

  test('mutual TLS alone: destination-rule-all-mtls.yaml', () => {
    const objects = withoutNamespace(synth({ ...platformOnly, mutualTls: true })).filter((o) => !isPlatform(o));
    expect(byIdentity(objects)).toEqual(byIdentity(upstream('networking/destination-rule-all-mtls.yaml')));
  });

  test('mutual TLS with a scenario: destination-rule-all-mtls.yaml plus the scenario', () => {
    const objects = withoutNamespace(synth({ ...platformOnly, mutualTls: true, routing: BookinfoRoutingScenario.REVIEWS_V3 }))
      .filter((o) => !isPlatform(o));
    const expected = [...upstream('networking/destination-rule-all-mtls.yaml'), ...upstream('networking/virtual-service-reviews-v3.yaml')];
    expect(byIdentity(objects)).toEqual(byIdentity(expected));
  });

  test('gateway-api/bookinfo-gateway.yaml: the Gateway API Gateway and its HTTPRoute', () => {
    const objects = withoutNamespace(synth({ createNamespace: false, ingress: BookinfoIngressKind.GATEWAY_API })).filter((o) => !isPlatform(o));
    expect(byIdentity(objects)).toEqual(byIdentity(upstream('gateway-api/bookinfo-gateway.yaml')));
  });

  test.each([
    [BookinfoRoutingScenario.ALL_V1, 'route-all-v1.yaml', ['reviews-v1', 'productpage-v1', 'ratings-v1', 'details-v1']],
    [BookinfoRoutingScenario.REVIEWS_50_V3, 'route-reviews-50-v3.yaml', ['reviews-v1', 'reviews-v3']],
    [BookinfoRoutingScenario.REVIEWS_V3, 'route-reviews-v3.yaml', ['reviews-v3']],
  ])('Gateway API routing %s: gateway-api/%s and the bookinfo-versions.yaml Services it uses', (routing, file, versionServices) => {
    const objects = withoutNamespace(synth({ createNamespace: false, ingress: BookinfoIngressKind.GATEWAY_API, routing }))
      .filter((o) => !isPlatform(o));
    const expected = [
      ...upstream('gateway-api/bookinfo-gateway.yaml'),
      ...upstream(`gateway-api/${file}`),
      ...upstream('platform/bookinfo-versions.yaml').filter((o) => versionServices.includes(o.metadata.name)),
    ];
    expect(byIdentity(objects)).toEqual(byIdentity(expected));
  });

  test('Gateway API reviews-test-v2, which upstream has no file for: the header rule, then the default', () => {
    const objects = synth({ ingress: BookinfoIngressKind.GATEWAY_API, routing: BookinfoRoutingScenario.REVIEWS_TEST_V2 });
    const route = objects.find((o) => o.kind === 'HTTPRoute' && o.metadata.name === 'reviews');
    expect(route.spec).toEqual({
      parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }],
      rules: [
        { matches: [{ headers: [{ type: 'Exact', name: 'end-user', value: 'jason' }] }], backendRefs: [{ name: 'reviews-v2', port: 9080 }] },
        { backendRefs: [{ name: 'reviews-v1', port: 9080 }] },
      ],
    });
    const versionServices = objects.filter((o) => o.kind === 'Service' && o.metadata.labels === undefined).map((o) => o.metadata.name);
    expect(versionServices).toEqual(['reviews-v1', 'reviews-v2']);
    expect(objects.filter((o) => o.kind === 'DestinationRule' || o.kind === 'VirtualService')).toEqual([]);
  });
});

describe('Bookinfo on older releases: the sample, plus the tracer counters verify.sh reads on 1.1-1.7', () => {
  const expected = upstream('platform/bookinfo.yaml');
  // Pinned to the upstream registry, so that the release decides nothing else about the images.
  const registry = expected.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].image.replace(/\/examples-bookinfo-.*$/, '');
  const releases = Array.from({ length: 30 }, (_, index) => `1.${index + 1}`);

  test.each(releases)('Istio %s', (release) => {
    const objects = withoutNamespace(synth({ ...platformOnly, istioRelease: IstioRelease.of(release), imageRegistry: registry }));
    const productpage = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'productpage-v1');
    const annotations = { ...productpage.spec.template.metadata.annotations };
    const inclusion = TracerStatsInclusion.podAnnotationsFor(IstioRelease.of(release));
    const minor = Number(release.split('.')[1]);
    // Istio 1.1-1.7 keep Envoy's tracing.lightstep.* counters only with the pod annotation (1.8-1.14 take
    // proxyStatsMatcher in mesh config, later releases have no LightStep tracer): the intended difference.
    expect(Object.keys(inclusion).length > 0).toBe(minor <= 7);
    for (const [key, value] of Object.entries(inclusion)) {
      expect(annotations[key]).toBe(value);
      delete productpage.spec.template.metadata.annotations[key];
    }
    expect(objects).toEqual(expected);
  });
});

describe('Bookinfo defaults', () => {
  test('only a namespace given: Namespace, 4 Services, 4 ServiceAccounts, 6 Deployments, Istio Gateway and VirtualService', () => {
    const objects = synth();
    const count = (kind: string) => objects.filter((o) => o.kind === kind).length;
    expect([count('Namespace'), count('Service'), count('ServiceAccount'), count('Deployment'), count('Gateway'), count('VirtualService')])
      .toEqual([1, 4, 4, 6, 1, 1]);
    expect(objects).toHaveLength(17);
    for (const o of objects) {
      if (o.kind !== 'Namespace') expect(o.metadata.namespace).toBe(NAMESPACE);
    }
  });

  test('the Namespace comes first and is labelled for injection', () => {
    const [first] = synth();
    expect(first).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE, labels: { 'istio-injection': 'enabled' } } });
  });

  test('without props: namespace "default" and the newest release', () => {
    const chart = new Chart(Testing.app(), 'test');
    const bookinfo = new Bookinfo(chart, 'bookinfo');
    expect(bookinfo.namespace).toBe('default');
    expect(bookinfo.release.toString()).toBe('1.30.3');
    expect(Testing.synth(chart).filter((o) => o.kind !== 'Namespace').every((o) => o.metadata.namespace === 'default')).toBe(true);
  });

  test('facts for install notes', () => {
    const chart = new Chart(Testing.app(), 'test');
    const bookinfo = new Bookinfo(chart, 'bookinfo', { namespace: NAMESPACE, reviewsVersions: ['v3', 'v1'] });
    expect({
      namespace: bookinfo.namespace, gatewayName: bookinfo.gatewayName, gatewayPort: bookinfo.gatewayPort, host: bookinfo.ingressHost,
      path: bookinfo.productPagePath, service: bookinfo.productPageService, port: bookinfo.productPagePort,
      reviews: bookinfo.reviewsVersions, deployments: bookinfo.deploymentNames,
    }).toEqual({
      namespace: NAMESPACE, gatewayName: 'bookinfo-gateway', gatewayPort: 8080, host: '*', path: '/productpage', service: 'productpage',
      port: 9080, reviews: ['v1', 'v3'], deployments: ['details-v1', 'ratings-v1', 'reviews-v1', 'reviews-v3', 'productpage-v1'],
    });
    const none = new Bookinfo(new Chart(Testing.app(), 'other'), 'bookinfo', { ingress: BookinfoIngressKind.NONE });
    expect([none.gatewayName, none.gatewayPort]).toEqual([undefined, undefined]);
  });
});

describe('Bookinfo props', () => {
  const deployments = (objects: any[]) => objects.filter((o) => o.kind === 'Deployment');
  const images = (objects: any[]) => deployments(objects).map((o) => o.spec.template.spec.containers[0].image);

  test('image registry follows the release: the 1.30 sample moved off Docker Hub', () => {
    expect(images(synth({ istioRelease: IstioRelease.of('1.29') }))[0]).toBe('docker.io/istio/examples-bookinfo-details-v1:1.20.3');
    expect(images(synth({ istioRelease: IstioRelease.of('1.30') }))[0]).toBe('registry.istio.io/release/examples-bookinfo-details-v1:1.20.3');
  });

  test('registry and tag override every image', () => {
    expect(images(synth({ imageRegistry: 'localhost:5000/mirror', imageTag: '1.19.1' }))).toEqual([
      'details-v1', 'ratings-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3', 'productpage-v1',
    ].map((image) => `localhost:5000/mirror/examples-bookinfo-${image}:1.19.1`));
  });

  test('replicas apply to every Deployment', () => {
    expect(deployments(synth({ replicas: 3 })).map((o) => o.spec.replicas)).toEqual([3, 3, 3, 3, 3, 3]);
  });

  test('a revision labels the Namespace istio.io/rev instead of istio-injection', () => {
    const [namespace] = synth({ revision: '1-30-3', restrictedPodSecurity: true });
    expect(namespace.metadata.labels).toEqual({ 'istio.io/rev': '1-30-3', 'pod-security.kubernetes.io/enforce': 'restricted' });
  });

  test('a revision without a created Namespace is a warning, since nothing would carry it', () => {
    const chart = new Chart(Testing.app(), 'test');
    const bookinfo = new Bookinfo(chart, 'bookinfo', { namespace: NAMESPACE, createNamespace: false, revision: 'canary' });
    expect(Testing.synth(chart).some((o) => o.kind === 'Namespace')).toBe(false);
    expect(warningsOf(bookinfo)).toEqual([expect.stringMatching(/Bookinfo.revision "canary".*label namespace shop yourself/)]);
  });

  test('restricted pod security warns that injection then needs the Istio CNI node agent', () => {
    const chart = new Chart(Testing.app(), 'test');
    const bookinfo = new Bookinfo(chart, 'bookinfo', { restrictedPodSecurity: true });
    // A warning of the analysis: it holds while no Istio install input of the tree turns Istio CNI on.
    expect(MeshAnalysis.of(bookinfo).warnings()).toEqual([expect.stringMatching(/istio-init.*CNI/)]);
    expect(MeshAnalysis.of(new Bookinfo(new Chart(Testing.app(), 'quiet'), 'bookinfo')).warnings()).toEqual([]);
  });

  test('a gateway selector with another ingress is a warning', () => {
    const bookinfo = new Bookinfo(new Chart(Testing.app(), 'test'), 'bookinfo',
      { ingress: BookinfoIngressKind.GATEWAY_API, ingressGatewaySelector: { istio: 'ingress' } });
    expect(warningsOf(bookinfo)).toEqual([expect.stringMatching(/ingressGatewaySelector applies only to ingress "istio-gateway"/)]);
  });

  test('the gateway selector of a Helm-installed gateway', () => {
    const gateway = synth({ ingressGatewaySelector: { istio: 'ingress' } }).find((o) => o.kind === 'Gateway');
    expect(gateway.spec.selector).toEqual({ istio: 'ingress' });
  });

  test('reviewsVersions deploys only those versions, in sample order', () => {
    const names = deployments(synth({ reviewsVersions: ['v3', 'v2'] })).map((o) => o.metadata.name);
    expect(names).toEqual(['details-v1', 'ratings-v1', 'reviews-v2', 'reviews-v3', 'productpage-v1']);
  });
});

describe('Bookinfo rejects bad props, naming the prop and the fix', () => {
  test.each<[string, BookinfoProps, RegExp]>([
    ['Bookinfo.namespace', { namespace: 'Shop_1' }, /DNS-1123/],
    ['Bookinfo.namespace', { namespace: '' }, /DNS-1123/],
    ['Bookinfo.revision', { revision: 'Canary!' }, /DNS-1123/],
    ['Bookinfo.istioRelease', { istioRelease: '1.9' as unknown as IstioRelease }, /expected an IstioRelease.*IstioRelease.of\('1.9'\)/],
    ['Bookinfo.istioRelease', { istioRelease: 1.1 as unknown as IstioRelease }, /Bookinfo.istioRelease: expected an IstioRelease/],
    ['Bookinfo.replicas', { replicas: 0 }, /at least 1/],
    ['Bookinfo.replicas', { replicas: 1.5 }, /whole number/],
    ['Bookinfo.reviewsVersions', { reviewsVersions: [] }, /at least one version/],
    ['Bookinfo.reviewsVersions', { reviewsVersions: ['v4'] }, /"v4" is not a version/],
    ['Bookinfo.reviewsVersions', { reviewsVersions: ['v1', 'v1'] }, /listed twice/],
    ['Bookinfo.ingressGatewaySelector', { ingressGatewaySelector: {} }, /empty selector/],
    ['Bookinfo.ingressGatewaySelector', { ingressGatewaySelector: { istio: 'ingress gateway' } }, /not a valid label/],
    ['Bookinfo.imageRegistry', { imageRegistry: 'docker.io/istio/' }, /without a trailing/],
    ['Bookinfo.imageTag', { imageTag: '' }, /not an image tag/],
    ['Bookinfo.ingress', { ingress: 'nginx' as BookinfoIngressKind }, /use one of "istio-gateway", "gateway-api", "none"/],
    ['Bookinfo.routing', { routing: 'canary' as BookinfoRoutingScenario }, /use one of/],
  ])('%s: %j', (field, props, pattern) => {
    expect(() => synth(props)).toThrow(ConfigurationError);
    // The construct and its path first, then the prop: `Bookinfo at <chart>/bookinfo: Bookinfo.namespace: ...`.
    expect(() => synth(props)).toThrow(new RegExp(`^Bookinfo at [^ ]+: ${field.replace('.', '\\.')}: .*Fix: `));
    expect(() => synth(props)).toThrow(pattern);
  });

  test('the Gateway API before Istio 1.16', () => {
    expect(() => synth({ istioRelease: IstioRelease.of('1.15'), ingress: BookinfoIngressKind.GATEWAY_API }))
      .toThrow(/^Bookinfo at [^ ]+: Bookinfo\.ingress: Istio 1\.15\.7 does not implement the Kubernetes Gateway API.*Fix: use the Istio Gateway ingress.*1\.16 or later/);
  });

  test.each<[BookinfoRoutingScenario, string[], string]>([
    [BookinfoRoutingScenario.REVIEWS_V3, ['v1', 'v2'], 'v3'],
    [BookinfoRoutingScenario.REVIEWS_50_V3, ['v1'], 'v3'],
    [BookinfoRoutingScenario.REVIEWS_TEST_V2, ['v1', 'v3'], 'v2'],
    [BookinfoRoutingScenario.ALL_V1, ['v2'], 'v1'],
  ])('routing %s to an undeployed version (reviewsVersions %j)', (routing, reviewsVersions, missing) => {
    for (const ingress of [BookinfoIngressKind.ISTIO_GATEWAY, BookinfoIngressKind.GATEWAY_API]) {
      expect(() => synth({ ingress, routing, reviewsVersions })).toThrow(
        new RegExp(`^Bookinfo at [^ ]+: Bookinfo\\.routing: .*reviews ${missing}, which is not deployed.*Fix: add "${missing}" to Bookinfo\\.reviewsVersions`));
    }
  });
});

describe('the building blocks on their own', () => {
  const chart = () => new Chart(Testing.app(), 'test');

  test('a BookinfoMicroservice deploys every version the sample ships unless told otherwise', () => {
    const scope = chart();
    const reviews = new BookinfoMicroservice(scope, 'reviews', { service: BookinfoService.REVIEWS, namespace: NAMESPACE });
    expect(reviews.deployments.map((d) => d.name)).toEqual(['reviews-v1', 'reviews-v2', 'reviews-v3']);
    expect([reviews.service.name, reviews.serviceAccountName]).toEqual(['reviews', 'bookinfo-reviews']);
    expect(Testing.synth(scope).map((o) => o.kind)).toEqual(['Service', 'ServiceAccount', 'Deployment', 'Deployment', 'Deployment']);
  });

  test('their errors name their own props', () => {
    expect(() => new BookinfoMicroservice(chart(), 'm', { service: BookinfoService.DETAILS, namespace: NAMESPACE, versions: ['v2'] }))
      .toThrow(/^BookinfoMicroservice at test\/m: BookinfoMicroservice\.versions: "v2" is not a version the sample ships.*Fix: list only "v1"/);
    expect(() => new BookinfoRouting(chart(), 'r', { namespace: NAMESPACE, scenario: BookinfoRoutingScenario.REVIEWS_V3, reviewsVersions: ['v1'] }))
      .toThrow(/^BookinfoRouting at [^ ]+: BookinfoRouting\.scenario: .*Fix: add "v3" to BookinfoRouting\.reviewsVersions/);
    expect(() => new BookinfoIngress(chart(), 'i', { namespace: NAMESPACE, kind: BookinfoIngressKind.GATEWAY_API, istioRelease: IstioRelease.of('1.14') }))
      .toThrow(/^BookinfoIngress at [^ ]+: BookinfoIngress\.kind: Istio 1\.14\.6 does not implement/);
    expect(() => new BookinfoRouting(chart(), 'r', { namespace: NAMESPACE, gatewayApi: true, scenario: BookinfoRoutingScenario.ALL_V1, istioRelease: IstioRelease.of('1.14') }))
      .toThrow(/^BookinfoRouting at [^ ]+: BookinfoRouting\.gatewayApi: Istio 1\.14\.6 does not implement/);
  });

  test('BookinfoRouting exposes what it wrote', () => {
    const routing = new BookinfoRouting(chart(), 'r', { namespace: NAMESPACE, gatewayApi: true, scenario: BookinfoRoutingScenario.REVIEWS_50_V3 });
    expect(routing.routes.map((r) => `${r.kind} ${r.name}`)).toEqual(['HTTPRoute reviews']);
    expect(routing.versionServices.map((s) => s.name)).toEqual(['reviews-v1', 'reviews-v3']);
    expect(routing.destinationRules).toEqual([]);
  });

  test('with a created Namespace, everything else keeps the order of bookinfo.yaml after it', () => {
    const names = synth({ ingress: BookinfoIngressKind.NONE }).map((o) => `${o.kind} ${o.metadata.name}`);
    expect(names).toEqual([`Namespace ${NAMESPACE}`, ...upstream('platform/bookinfo.yaml').map((o) => `${o.kind} ${o.metadata.name}`)]);
  });
});

describe('Bookinfo output is byte-stable', () => {
  const dump = (objects: any[]) => objects.map((o) => yaml.dump(o, { noRefs: true, sortKeys: false })).join('---\n');

  test.each([BookinfoIngressKind.ISTIO_GATEWAY, BookinfoIngressKind.GATEWAY_API])('two synths of ingress %s are identical', (ingress) => {
    const props = { ingress, routing: BookinfoRoutingScenario.REVIEWS_50_V3, mutualTls: true, restrictedPodSecurity: true };
    expect(dump(synth(props))).toEqual(dump(synth(props)));
  });

  test('the app YAML holds no anchors or aliases', () => {
    const app = Testing.app();
    new Bookinfo(new Chart(app, 'test'), 'bookinfo', { restrictedPodSecurity: true, routing: BookinfoRoutingScenario.ALL_V1 });
    const text = app.synthYaml();
    expect(text).not.toMatch(/[:-] [&*][A-Za-z]\w*/);
    expect(text).toEqual((() => {
      const again = Testing.app();
      new Bookinfo(new Chart(again, 'test'), 'bookinfo', { restrictedPodSecurity: true, routing: BookinfoRoutingScenario.ALL_V1 });
      return again.synthYaml();
    })());
  });
});
