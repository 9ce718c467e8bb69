/**
 * The release table against each release's own files: every expected value here is read from
 * test/fixtures/istio-upstream (and the Gateway API listing), never from the table under test.
 */
import { ConfigurationError } from '../src/configuration-error';
import { HelmChartSource, IstioRelease, TracingGeneration } from '../src/istio-release';
import { compareReleases, GATEWAY_API_SERVED, GO_MOD_BOUNDARY_RELEASES, UPSTREAM_RELEASES, UpstreamRelease } from './support/istio-upstream';

/** The generation a release's own files allow: the LightStep tracer where the proxy has it, else OpenTelemetry, else Zipkin. */
function generationFromUpstream(upstream: UpstreamRelease): TracingGeneration {
  // Where istio/proxy lists no tracers (1.1-1.11) the chart's LightStep settings show the proxy had the tracer.
  const lightstep = upstream.proxyTracers ? upstream.proxyTracers.has('envoy.tracers.lightstep') : upstream.injectionTemplate.includes('"lightstep"');
  if (lightstep) return upstream.pilotValues ? TracingGeneration.HELM_VALUES : TracingGeneration.MESH_CONFIG;
  const openTelemetryProvider = upstream.protos('mesh').messages.get('MeshConfig.ExtensionProvider')?.has('opentelemetry');
  if (upstream.proxyTracers?.has('envoy.tracers.opentelemetry') && openTelemetryProvider) return TracingGeneration.OPENTELEMETRY;
  if (upstream.proxyTracers?.has('envoy.tracers.zipkin')) return TracingGeneration.ZIPKIN;
  throw new Error(`Istio ${upstream.tag}: no tracer that can reach LightStep`);
}

describe.each(UPSTREAM_RELEASES)('Istio %s: the table agrees with the release\'s own files', (tag) => {
  const release = IstioRelease.of(tag);
  const upstream = UpstreamRelease.of(tag);

  test('tracing generation', () => {
    expect(release.tracingGeneration).toBe(generationFromUpstream(upstream));
  });

  test('networking, telemetry and Gateway API versions are served', () => {
    const [, networkingVersion] = release.networkingApiVersion.split('/');
    for (const kind of ['Gateway', 'VirtualService', 'DestinationRule']) {
      expect(upstream.servedVersions.get(`networking.istio.io/${kind}`)).toContain(networkingVersion);
    }
    const telemetry = upstream.servedVersions.get('telemetry.istio.io/Telemetry');
    if (telemetry) expect(telemetry).toContain(release.telemetryApiVersion().split('/')[1]);
    else expect(() => release.telemetryApiVersion()).toThrow(ConfigurationError);
    if (compareReleases(tag, '1.16.0') >= 0) {
      expect(release.gatewayApiCrdVersion).toBe(upstream.gatewayApiTag);
      const served = GATEWAY_API_SERVED.get(upstream.gatewayApiTag!)!;
      expect(served.get('Gateway')).toContain(release.gatewayApiVersion().split('/')[1]);
      expect(served.get('HTTPRoute')).toContain(release.gatewayApiVersion().split('/')[1]);
    }
  });

  test('Helm charts come from where the release has them', () => {
    const paths = upstream.paths;
    switch (release.helmChartSource) {
      case HelmChartSource.ARCHIVE_ISTIO_CHART:
        expect(paths.has('install/kubernetes/helm/istio')).toBe(true);
        expect([...paths].some((p) => p.startsWith('install/kubernetes/helm/istio-init/files/crd'))).toBe(true);
        break;
      case HelmChartSource.ARCHIVE_MANIFESTS:
        for (const chart of ['base', 'istio-control/istio-discovery', 'gateways/istio-ingress']) expect(paths.has(`manifests/charts/${chart}`)).toBe(true);
        break;
      case HelmChartSource.REPOSITORY:
        // istio/gateway is built from manifests/charts/gateway, which the repository publishes from its first release on.
        for (const chart of ['base', 'istio-control/istio-discovery', 'gateway']) expect(paths.has(`manifests/charts/${chart}`)).toBe(true);
        break;
      default:
        expect(paths.has('install/kubernetes/helm/istio')).toBe(false);
    }
    if (release.helmChartSource !== HelmChartSource.REPOSITORY) expect(paths.has('manifests/charts/gateway')).toBe(false);
  });

  test('overlays append with index -1 only where istioctl handles it', () => {
    const treeGo = upstream.overlayTreeGo;
    if (treeGo) expect(release.overlayAppendsWithMinusOne).toBe(/if idx >= len\(lst\) \|\| idx < 0 \{/.test(treeGo.text));
  });
});

describe('the Gateway API CRDs of a boundary patch are the ones its go.mod pins', () => {
  test.each(GO_MOD_BOUNDARY_RELEASES)('Istio %s', (tag) => {
    const pinned = UpstreamRelease.of(tag).gatewayApiTag;
    expect(pinned).toBeDefined();
    expect(IstioRelease.of(tag).gatewayApiCrdVersion).toBe(pinned);
    expect(GATEWAY_API_SERVED.get(pinned!)?.get('Gateway')).toContain('v1');
  });
});

describe('IstioRelease', () => {
  test('the newest known release is the newest release of the fixtures', () => {
    expect(IstioRelease.NEWEST_VERIFIED).toBe(UPSTREAM_RELEASES[UPSTREAM_RELEASES.length - 1]);
    expect(IstioRelease.NEWEST_VERIFIED.startsWith(`${IstioRelease.NEWEST_KNOWN}.`)).toBe(true);
  });

  test('a release newer than the newest known is the newest known generation, with a warning naming the newest verified release', () => {
    for (const text of ['1.31', '1.40.2']) {
      const release = IstioRelease.of(text);
      expect(release.isNewerThanKnown).toBe(true);
      expect(release.tracingGeneration).toBe(IstioRelease.newest().tracingGeneration);
      expect(release.newerThanKnownWarning).toMatch(new RegExp(`Istio ${text.replace(/\./g, '\\.')} is newer .*\\(${IstioRelease.NEWEST_VERIFIED.replace(/\./g, '\\.')}\\)`));
    }
    expect(IstioRelease.of(IstioRelease.NEWEST_VERIFIED).newerThanKnownWarning).toBeUndefined();
  });

  test('only 1.0 is refused, with the reason and the fix', () => {
    expect(() => IstioRelease.of('1.0').assertCanTraceToLightstep()).toThrow(/istio.release: Istio 1\.0 cannot send spans to LightStep: .*arrived in Istio 1\.1\) \(got "1\.0"\)\. Fix: target Istio 1\.1 or later/);
    for (const tag of UPSTREAM_RELEASES) expect(() => IstioRelease.of(tag).assertCanTraceToLightstep()).not.toThrow();
  });

  test.each(['', '1', '1.x', 'latest', '1.9.3.1', '2.0', '0.8', '1.9-beta'])('refuses %p', (text) => {
    expect(() => IstioRelease.of(text)).toThrow(ConfigurationError);
  });

  test('a number read from unquoted YAML is refused with a hint to quote it', () => {
    expect(() => IstioRelease.of(1.1 as unknown as string)).toThrow(/in quotes/);
  });

  test('normalizes and compares', () => {
    expect(IstioRelease.of('v1.9.3').toString()).toBe('1.9.3');
    expect(IstioRelease.of('1.16').compareTo(IstioRelease.of('1.16.9'))).toBe(1);
    expect(IstioRelease.of('1.9').compareTo(IstioRelease.of('1.10'))).toBe(-1);
  });
});
