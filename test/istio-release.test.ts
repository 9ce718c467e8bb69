/**
 * The release table against each release's own files: every expected value here is read from
 * test/fixtures/istio-upstream (and the Gateway API listing), never from the table under test.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigurationError } from '../src/configuration-error';
import { HelmChartSource, IstioRelease, TracingGeneration } from '../src/istio-release';
import { compareReleases, GATEWAY_API_SERVED, GO_MOD_BOUNDARY_RELEASES, UPSTREAM_DIR, UPSTREAM_RELEASES, UpstreamRelease } from './support/istio-upstream';

/** Every plain X.Y.Z tag of istio/istio from 1.0 to 1.30 (test/fixtures/istio-upstream/tags/README.md says how it was derived). */
const TAGS: string[] = fs.readFileSync(path.join(UPSTREAM_DIR, 'tags', 'release-tags.tsv'), 'utf8')
  .split('\n').filter((line) => line !== '').map((line) => line.split('\t')[0]);

/** The newest tagged patch of each minor line, e.g. "1.9" -> "1.9.9", read from the tags alone. */
const NEWEST_TAGGED_PATCH: Map<string, string> = new Map();
for (const tag of [...TAGS].sort(compareReleases)) NEWEST_TAGGED_PATCH.set(tag.split('.').slice(0, 2).join('.'), tag);

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
    expect(() => IstioRelease.of('1.0').assertCanTraceToLightstep()).toThrow(/istio.release: Istio 1\.0\.9 cannot send spans to LightStep: .*arrived in Istio 1\.1\) \(got "1\.0\.9"\)\. Fix: target Istio 1\.1 or later/);
    for (const tag of UPSTREAM_RELEASES) expect(() => IstioRelease.of(tag).assertCanTraceToLightstep()).not.toThrow();
  });

  test.each(['', '1', '1.x', 'latest', '1.9.3.1', '2.0', '0.8', '1.9-beta'])('refuses %p', (text) => {
    expect(() => IstioRelease.of(text)).toThrow(ConfigurationError);
  });

  test('a number read from unquoted YAML is refused with a hint to quote it', () => {
    expect(() => IstioRelease.of(1.1 as unknown as string)).toThrow(/in quotes/);
  });

  test('compares: a line the library knows is its newest known patch, a newer line sorts after every patch of it', () => {
    expect(IstioRelease.of('1.16').compareTo(IstioRelease.of(NEWEST_TAGGED_PATCH.get('1.16')!))).toBe(0);
    expect(IstioRelease.of('1.16.1').compareTo(IstioRelease.of('1.16'))).toBe(-1);
    expect(IstioRelease.of('1.31').compareTo(IstioRelease.of('1.31.9'))).toBe(1);
    expect(IstioRelease.of('1.9').compareTo(IstioRelease.of('1.10'))).toBe(-1);
  });
});

describe('release strings are strict, and a line means its newest patch', () => {
  test('the fixture holds every minor line from 1.0 to the newest known, as upstream tagged them', () => {
    expect(TAGS.length).toBeGreaterThan(250);
    expect([...NEWEST_TAGGED_PATCH.keys()]).toEqual(Array.from({ length: 31 }, (_, minor) => `1.${minor}`));
    expect(NEWEST_TAGGED_PATCH.get(IstioRelease.NEWEST_KNOWN)).toBe(IstioRelease.NEWEST_VERIFIED);
  });

  test('the newest known patch of every line is the newest patch upstream tagged', () => {
    const resolved = [...NEWEST_TAGGED_PATCH.keys()].map((line) => [line, IstioRelease.of(line).toString()]);
    expect(resolved).toEqual([...NEWEST_TAGGED_PATCH.entries()]);
  });

  test('a line alone resolves to its newest known patch, which is what every printed release shows', () => {
    const release = IstioRelease.of('1.30');
    expect({ text: release.toString(), patch: release.patch }).toEqual({ text: NEWEST_TAGGED_PATCH.get('1.30'), patch: Number(NEWEST_TAGGED_PATCH.get('1.30')!.split('.')[2]) });
    expect(`Istio ${IstioRelease.of('1.9')}`).toBe(`Istio ${NEWEST_TAGGED_PATCH.get('1.9')}`);
    expect(IstioRelease.newest().toString()).toBe(IstioRelease.NEWEST_VERIFIED);
  });

  test('a line alone keeps meaning its newest patch in every lookup', () => {
    for (const [line, newest] of NEWEST_TAGGED_PATCH) {
      const [byLine, byPatch] = [IstioRelease.of(line), IstioRelease.of(newest)];
      expect([line, byLine.tracingGeneration, byLine.networkingApiVersion, byLine.helmChartSource, byLine.overlayAppendsWithMinusOne, byLine.gatewayApiCrdVersion])
        .toEqual([line, byPatch.tracingGeneration, byPatch.networkingApiVersion, byPatch.helmChartSource, byPatch.overlayAppendsWithMinusOne, byPatch.gatewayApiCrdVersion]);
    }
  });

  test('every tagged release is known: no warning', () => {
    expect(TAGS.filter((tag) => IstioRelease.of(tag).newerThanKnownWarning !== undefined)).toEqual([]);
  });

  test.each([...NEWEST_TAGGED_PATCH.entries()])('%s: a patch after the newest tagged one warns, naming %s', (line, newest) => {
    const [major, minor, patch] = newest.split('.').map(Number);
    const untagged = `${major}.${minor}.${patch + 1}`;
    const release = IstioRelease.of(untagged);
    expect(release.toString()).toBe(untagged);
    expect(release.isNewerThanKnown).toBe(true);
    expect(release.newerThanKnownWarning).toContain(`Istio ${untagged} is newer than the newest ${line} patch this library knows (${newest})`);
  });

  test('1.9.99 warns that 1.9.9 is the newest known 1.9 patch', () => {
    expect(IstioRelease.of('1.9.99').newerThanKnownWarning).toMatch(/^Istio 1\.9\.99 is newer than the newest 1\.9 patch this library knows \(1\.9\.9\): .*target 1\.9\.9/);
  });

  test('a line newer than the newest known has no patch to resolve to, and says so', () => {
    const release = IstioRelease.of('1.31');
    expect({ text: release.toString(), patch: release.patch }).toEqual({ text: '1.31', patch: undefined });
  });

  test.each([
    ['v1.9.3', /Istio names its releases without a leading "v".*Fix: write "1\.9\.3"/],
    ['V1.30', /without a leading "v".*Fix: write "1\.30"/],
    [' 1.9.3', /Fix: write "1\.9\.3"/],
    ['1.9.3 ', /Fix: write "1\.9\.3"/],
    ['1.09', /leading zero.*Fix: write "1\.9"/],
    ['1.9.03', /leading zero.*Fix: write "1\.9\.3"/],
  ])('%p is refused with the exact text to write instead', (text, message) => {
    expect(() => IstioRelease.of(text)).toThrow(ConfigurationError);
    expect(() => IstioRelease.of(text)).toThrow(message);
  });

  test('errors of IstioRelease.of name the method; the configuration reader names its key through its own path', () => {
    expect(() => IstioRelease.of('one.nine')).toThrow(/^IstioRelease\.of: not an Istio release \(got "one\.nine"\)/);
    // @ts-expect-error: no second parameter: the configuration key is the reader's business, not the public API's.
    expect(() => IstioRelease.of('one.nine', 'istio.release')).toThrow(/^IstioRelease\.of:/);
  });
});
