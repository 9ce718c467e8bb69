import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiObject, App, Chart } from 'cdk8s';
import { loadAll } from 'js-yaml';
import {
  AccessToken, Bookinfo, BookinfoIngress, BookinfoIngressKind, BookinfoRouting, BookinfoRoutingScenario, CaCertificate, IstioRelease, LightstepTracing, MeshAnalysis,
} from '../src';
import { servedVersions } from '../src/analysis/_served-api-versions';
import { compareReleases, GATEWAY_API_SERVED, UPSTREAM_RELEASES, UpstreamRelease } from './support/istio-upstream';

// One Istio release per app. The oracle for "served" is each release's own CRDs (test/fixtures/istio-upstream/
// <tag>/crd-versions.txt) and the Gateway API CRDs its go.mod pins (test/fixtures/gateway-api), never the
// product's table.

const REPO = fileURLToPath(new URL('..', import.meta.url));
const certificate = CaCertificate.fromFile(path.join(REPO, 'examples/certs/example-ca.crt'));

let outdir: string;
beforeEach(() => { outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'release-')); });
afterEach(() => fs.rmSync(outdir, { recursive: true, force: true }));

function tracing(chart: Chart, release: string, id = 'tracing'): LightstepTracing {
  return new LightstepTracing(chart, id, {
    istioRelease: IstioRelease.of(release), address: 'lightstep-satellite.lightstep:9292', caCertificate: certificate,
    accessToken: AccessToken.fromEnv('LIGHTSTEP_ACCESS_TOKEN'), applicationNamespaces: ['shop'],
  });
}

/** The newest fixture release of the minor line of `release`, e.g. 1.9.9 for 1.9.3. */
function fixtureOfLine(release: string): UpstreamRelease {
  const [major, minor] = release.split('.');
  const tag = UPSTREAM_RELEASES.filter((candidate) => candidate.startsWith(`${major}.${minor}.`)).sort(compareReleases).pop()!;
  return UpstreamRelease.of(tag);
}

/** Objects whose apiVersion the CRDs of `release` do not serve, as the fixture says. */
function unserved(objects: any[], release: string): string[] {
  const upstream = fixtureOfLine(release);
  return objects.flatMap((object) => {
    const [group, version] = String(object.apiVersion).split('/');
    if (!group.endsWith('istio.io') || version === undefined) return [];
    const served = upstream.servedVersions.get(`${group}/${object.kind}`) ?? [];
    return served.includes(version) ? [] : [`${object.kind} ${object.metadata.name}: ${object.apiVersion} (${upstream.tag} serves ${served.join(', ') || 'none'})`];
  });
}

function synthesized(app: App): any[] {
  app.synth();
  return fs.readdirSync(app.outdir).sort().flatMap((file) => loadAll(fs.readFileSync(path.join(app.outdir, file), 'utf8')) as any[]);
}

describe('Bookinfo composed with a LightstepTracing', () => {
  test('created after a tracing on 1.9.3 and given no release, Bookinfo follows it: every object is one Istio 1.9 serves', () => {
    const app = new App({ outdir });
    const chart = new Chart(app, 'platform');
    tracing(chart, '1.9.3');
    const bookinfo = new Bookinfo(chart, 'bookinfo', { namespace: 'shop', routing: BookinfoRoutingScenario.ALL_V1 });
    expect(bookinfo.release.toString()).toBe('1.9.3');
    const objects = synthesized(app);
    expect(objects.filter((o) => String(o.apiVersion).startsWith('networking.istio.io/')).length).toBeGreaterThanOrEqual(6);
    expect(unserved(objects, '1.9.3')).toEqual([]);
  });

  test('without it, the same objects would not be served by Istio 1.9: the oracle sees the difference', () => {
    const app = new App({ outdir });
    const objects = (() => {
      new Bookinfo(new Chart(app, 'platform'), 'bookinfo', { namespace: 'shop', routing: BookinfoRoutingScenario.ALL_V1 });
      return synthesized(app);
    })();
    expect(unserved(objects, '1.9.3').length).toBeGreaterThanOrEqual(6);
  });

  test('created before the tracing and left at its default, Bookinfo is refused at synth, naming both constructs and both releases, and nothing is written', () => {
    const app = new App({ outdir });
    const chart = new Chart(app, 'platform');
    new Bookinfo(chart, 'bookinfo', { namespace: 'shop' });
    tracing(chart, '1.9.3');
    expect(() => app.synth()).toThrow(new RegExp(
      `One app, one Istio release: Bookinfo at platform/bookinfo writes for Istio ${IstioRelease.newest().toString().replace(/\./g, '\\.')} \\(no istioRelease prop and no LightstepTracing in the app when it was created, .*\\); `
      + 'LightstepTracing at platform/tracing writes for Istio 1\\.9\\.3 \\(its istioRelease prop\\)\\..* Fix: give Bookinfo at platform/bookinfo istioRelease: IstioRelease\\.of\\(\'1\\.9\\.3\'\\)'));
    expect(fs.readdirSync(outdir)).toEqual([]);
  });

  test('an explicit other release is refused the same way, in any chart of the app', () => {
    const app = new App({ outdir });
    tracing(new Chart(app, 'tracing'), '1.14');
    new Bookinfo(new Chart(app, 'apps'), 'bookinfo', { namespace: 'default', istioRelease: IstioRelease.of('1.22') });
    expect(() => app.synthYaml()).toThrow(/LightstepTracing at tracing\/tracing writes for Istio 1\.14\.6 \(its istioRelease prop\); Bookinfo at apps\/bookinfo writes for Istio 1\.22\.8 \(its istioRelease prop\)\. .*Fix: give Bookinfo at apps\/bookinfo istioRelease: IstioRelease\.of\('1\.14\.6'\)/);
  });

  test('two tracings of different releases are refused, naming both', () => {
    const app = new App({ outdir });
    tracing(new Chart(app, 'one'), '1.9.3');
    tracing(new Chart(app, 'two'), '1.30');
    expect(() => app.synthYaml()).toThrow(/LightstepTracing at one\/tracing writes for Istio 1\.9\.3 .*LightstepTracing at two\/tracing writes for Istio 1\.30\.3 .*Fix: give LightstepTracing at two\/tracing istioRelease: IstioRelease\.of\('1\.9\.3'\)/);
  });

  test('standalone ingress and routing follow the tracing too', () => {
    const app = new App({ outdir });
    const chart = new Chart(app, 'platform');
    tracing(chart, '1.9.3');
    new BookinfoIngress(chart, 'ingress', { namespace: 'default', kind: BookinfoIngressKind.ISTIO_GATEWAY });
    new BookinfoRouting(chart, 'routing', { namespace: 'default', scenario: BookinfoRoutingScenario.NONE });
    const apiVersions = chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && c.kind !== 'Secret').map((o) => o.apiVersion);
    expect(apiVersions.length).toBeGreaterThanOrEqual(2);
    expect(new Set(apiVersions)).toEqual(new Set(['networking.istio.io/v1alpha3']));
  });
});

describe('every apiVersion of an Istio or Gateway API kind is one the release serves, the user\'s own objects included', () => {
  test('a VirtualService of networking.istio.io/v1 beside a tracing on 1.9.3 is refused, with the versions 1.9 serves', () => {
    const app = new App({ outdir });
    const chart = new Chart(app, 'platform');
    tracing(chart, '1.9.3');
    const mine = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'mine', namespace: 'shop' }, spec: { hosts: ['*'], gateways: ['mesh'], http: [] } };
    expect(unserved([mine], '1.9.3')).toHaveLength(1); // the oracle agrees
    new ApiObject(chart, 'mine', mine);
    expect(MeshAnalysis.of(chart).analyze().filter((finding) => finding.includes('apiVersion'))).toEqual([expect.stringMatching(
      /^VirtualService shop\/mine \(construct platform\/mine\): apiVersion networking\.istio\.io\/v1 is not served by Istio 1\.9\.3 \(it serves networking\.istio\.io\/v1alpha3, networking\.istio\.io\/v1beta1\), the release of LightstepTracing at platform\/tracing\. Fix: write it as networking\.istio\.io\/v1beta1/)]);
  });

  test('a Telemetry on a release before the Telemetry API, and an HTTPRoute on a release before the Gateway API', () => {
    const app = new App({ outdir });
    const chart = new Chart(app, 'platform');
    tracing(chart, '1.9.3');
    new ApiObject(chart, 'telemetry', { apiVersion: 'telemetry.istio.io/v1alpha1', kind: 'Telemetry', metadata: { name: 't', namespace: 'istio-system' }, spec: {} });
    new ApiObject(chart, 'route', { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'shop' }, spec: {} });
    const findings = MeshAnalysis.of(chart).analyze().join('\n');
    expect(findings).toMatch(/Telemetry istio-system\/t .*is not served by Istio 1\.9\.3 \(no Telemetry at all\)/);
    expect(findings).toMatch(/HTTPRoute shop\/r .*is not served by Istio 1\.9\.3, which does not implement the Gateway API, \(no HTTPRoute at all\)/);
  });

  test('the served versions the analysis knows are those of each release\'s own CRDs (every fixture release, every kind of its groups)', () => {
    const groups = ['networking.istio.io', 'security.istio.io', 'telemetry.istio.io', 'extensions.istio.io'];
    const kinds = new Set<string>();
    for (const tag of UPSTREAM_RELEASES) {
      for (const key of UpstreamRelease.of(tag).servedVersions.keys()) if (groups.includes(key.split('/')[0])) kinds.add(key);
    }
    expect(kinds.size).toBeGreaterThanOrEqual(14);
    for (const tag of UPSTREAM_RELEASES) {
      const upstream = UpstreamRelease.of(tag);
      for (const key of kinds) {
        const [group, kind] = key.split('/');
        const expected = [...(upstream.servedVersions.get(key) ?? [])].sort();
        expect({ tag, key, served: [...servedVersions(IstioRelease.of(tag), group, kind)!.versions].sort() }).toEqual({ tag, key, served: expected });
      }
    }
  });

  test('the Gateway API versions are those of the CRDs each release builds against', () => {
    let checked = 0;
    for (const tag of UPSTREAM_RELEASES) {
      const release = IstioRelease.of(tag);
      const crds = release.gatewayApiCrdVersion;
      if (crds === undefined) {
        expect(servedVersions(release, 'gateway.networking.k8s.io', 'HTTPRoute')!.versions).toEqual([]);
        continue;
      }
      for (const kind of ['Gateway', 'HTTPRoute']) {
        expect({ tag, kind, served: servedVersions(release, 'gateway.networking.k8s.io', kind)!.versions.sort() })
          .toEqual({ tag, kind, served: [...GATEWAY_API_SERVED.get(crds)!.get(kind)!].sort() });
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(20);
  });
});
