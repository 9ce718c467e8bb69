/**
 * Every Gateway API object the app emits validates, with strict field checking (an unknown field is an error, as
 * with kubectl's default strict field validation), against the CRDs of the gateway-api release and channel that the
 * same synthesis's INSTALL.md installs, for each routing scenario on every release line with the Gateway API.
 */
import { ROUTING_SCENARIOS } from '../charts/app-config';
import { GatewayApiChannel, GatewayApiCrds, IstioRelease } from '../src';
import { gatewayApiCrdInstallsOf, strictGatewayApiErrors } from './support/gateway-api-crds';
import { capturingWarnings, emptyWorkspace, removeTempDirs, synthesizeInto, writeConfig } from './support/run-app';
import { readOutputFolder, SynthesizedOutput } from './support/upstream-checks';

// 1.16.1 (the first with the OpenTelemetry tracer), then every release line: each gateway-api release Istio pins.
const RELEASES = ['1.16.1', ...Array.from({ length: 14 }, (_, i) => `1.${17 + i}`)];

function synthesized(release: string, routing: string): SynthesizedOutput {
  const workspace = emptyWorkspace();
  const config = writeConfig(workspace, [
    'istio:', `  release: "${release}"`,
    'lightstep:', '  address: ingest.lightstep.com:443',
    'bookinfo:', '  ingress: gateway-api', `  routing: ${routing}`, '',
  ].join('\n'));
  capturingWarnings(() => synthesizeInto(config, workspace.outputRoot));
  return readOutputFolder(workspace.outputRoot);
}

afterAll(removeTempDirs);

describe.each(RELEASES)('Istio %s with the Gateway API ingress', (release) => {
  test.each([...ROUTING_SCENARIOS])('routing %s: the CRDs INSTALL.md installs accept every Gateway API object', (routing) => {
    const output = synthesized(release, routing);
    const installs = gatewayApiCrdInstallsOf(output.installNotes);
    expect(installs).toHaveLength(1);
    const gatewayApiObjects = output.objects.filter((o) => o.apiVersion.startsWith('gateway.networking.k8s.io/'));
    expect(gatewayApiObjects.map((o) => o.kind)).toEqual(expect.arrayContaining(['Gateway', 'HTTPRoute']));
    expect(strictGatewayApiErrors(gatewayApiObjects, installs[0])).toEqual([]);
  });
});

describe('the channel of every release line with the Gateway API', () => {
  const meshRoute = (apiVersion: string) => ({
    apiVersion, kind: 'HTTPRoute', metadata: { name: 'reviews', namespace: 'default' },
    spec: { parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }] },
  });
  const lines = Array.from({ length: 15 }, (_, i) => `1.${16 + i}`);

  test.each(lines)('Istio %s: standard unless its standard CRDs lack a field of the mesh routes', (line) => {
    const release = IstioRelease.of(line);
    const ingressOnly = GatewayApiCrds.forRelease(release, false);
    const withRoutes = GatewayApiCrds.forRelease(release, true);
    expect(ingressOnly.channel).toBe(GatewayApiChannel.STANDARD);
    // The oracle: does the standard HTTPRoute schema of that gateway-api release take parentRefs[].port?
    const standardTakesPort = strictGatewayApiErrors([meshRoute(release.gatewayApiVersion())], { tag: withRoutes.version, channel: 'standard' }).length === 0;
    expect(withRoutes.channel).toBe(standardTakesPort ? GatewayApiChannel.STANDARD : GatewayApiChannel.EXPERIMENTAL);
    expect(gatewayApiCrdInstallsOf(`kubectl kustomize "${withRoutes.kustomizeUrl}"`)).toEqual([{ tag: release.gatewayApiCrdVersion, channel: withRoutes.channel }]);
  });

  test('a release without the Gateway API is refused with the field that chose it', () => {
    expect(() => GatewayApiCrds.forRelease(IstioRelease.of('1.15'), true, 'Bookinfo.ingress')).toThrow(/^Bookinfo.ingress: Istio 1.15.7 does not implement the Kubernetes Gateway API/);
  });
});

describe('the strict validation can fail', () => {
  const meshRoute = {
    apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'HTTPRoute', metadata: { name: 'reviews', namespace: 'default' },
    spec: { parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }], rules: [{ backendRefs: [{ name: 'reviews-v3', port: 9080 }] }] },
  };

  test('parentRefs[].port is experimental until v1.1.0, standard from then on', () => {
    expect(strictGatewayApiErrors([meshRoute], { tag: 'v0.5.0', channel: 'standard' }))
      .toEqual(['HTTPRoute default/reviews (gateway.networking.k8s.io/v1beta1): gateway-api v0.5.0 standard refuses it: /spec/parentRefs/0: unknown field "port"']);
    expect(strictGatewayApiErrors([meshRoute], { tag: 'v1.0.0', channel: 'standard' })).toHaveLength(1);
    expect(strictGatewayApiErrors([meshRoute], { tag: 'v0.5.0', channel: 'experimental' })).toEqual([]);
    expect(strictGatewayApiErrors([meshRoute], { tag: 'v1.1.0', channel: 'standard' })).toEqual([]);
  });

  test('an apiVersion the release does not serve, and a value the schema forbids', () => {
    expect(strictGatewayApiErrors([{ ...meshRoute, apiVersion: 'gateway.networking.k8s.io/v1' }], { tag: 'v0.8.0', channel: 'experimental' }))
      .toEqual([expect.stringMatching(/gateway-api v0.8.0 experimental serves no HTTPRoute v1$/)]);
    const badPath = { ...meshRoute, spec: { ...meshRoute.spec, rules: [{ matches: [{ path: { type: 'Glob', value: '/' } }] }] } };
    expect(strictGatewayApiErrors([badPath], { tag: 'v1.1.0', channel: 'standard' })).toEqual([expect.stringMatching(/\/spec\/rules\/0\/matches\/0\/path\/type: must be equal to one of the allowed values/)]);
  });

  test('INSTALL.md names the channel by its kustomize path', () => {
    expect(gatewayApiCrdInstallsOf('kubectl kustomize "github.com/kubernetes-sigs/gateway-api/config/crd?ref=v1.0.0" | kubectl apply -f -'))
      .toEqual([{ tag: 'v1.0.0', channel: 'standard' }]);
    expect(gatewayApiCrdInstallsOf('kubectl kustomize "github.com/kubernetes-sigs/gateway-api/config/crd/experimental?ref=v0.6.2" | kubectl apply -f -'))
      .toEqual([{ tag: 'v0.6.2', channel: 'experimental' }]);
  });
});
