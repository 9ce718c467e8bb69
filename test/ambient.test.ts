/**
 * Ambient mode (istio.dataplaneMode: ambient): the release table against each release's charts, the output against
 * Istio's own constants, sample and chart files, the refusals in the configuration's words, and the analysis of
 * sidecar-only settings in an ambient namespace. Expected values come from test/fixtures/ambient (verbatim istio/istio
 * files) and the chart archives of test/fixtures/istio-charts, never from the product's tables.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Chart } from 'cdk8s';
import * as yaml from 'js-yaml';
import { k8s } from 'cdk8s-plus-27';
import { ConfigFileError } from '../charts/config-reader';
import {
  AmbientStatus, Bookinfo, DataplaneMode, IstioRelease, LightstepInstallGuide, LightstepTracing, MeshAnalysis, MeshNamespace, Waypoint,
} from '../src';
import { ConfigurationError } from '../src/configuration-error';
import { CHARTS_DIR, compareReleases, UpstreamRelease } from './support/istio-upstream';
import { capturingWarnings, emptyWorkspace, removeTempDirs, synthesizeInto, writeConfig } from './support/run-app';
import { readOutputFolder, SynthesizedOutput, upstreamProblems } from './support/upstream-checks';

const FIXTURES = fileURLToPath(new URL('./fixtures/ambient', import.meta.url));
afterAll(removeTempDirs);

/** The string constants of a verbatim pkg/config/constants/constants.go, by name. */
function goConstants(tag: string): Map<string, string> {
  const text = fs.readFileSync(path.join(FIXTURES, tag, 'constants.go'), 'utf8');
  return new Map([...text.matchAll(/^\s*(\w+)\s*=\s*"([^"]*)"/gm)].map((match) => [match[1], match[2]]));
}
const CONSTANTS_1_22 = goConstants('1.22.0');
const CONSTANTS_1_30 = goConstants('1.30.3');
const constant = (name: string) => CONSTANTS_1_30.get(name) ?? CONSTANTS_1_22.get(name)!;

/** Every release of the chart fixtures from 1.16 on (the first with an ambient profile), oldest first. */
const CHART_RELEASES = fs.readdirSync(CHARTS_DIR).map((file) => /^istio-(\d+\.\d+\.\d+)\.tar\.gz$/.exec(file)?.[1])
  .filter((tag): tag is string => tag !== undefined && compareReleases(tag, '1.16.0') >= 0).sort(compareReleases);

const WAYPOINT_TEMPLATE = 'manifests/charts/istio-control/istio-discovery/files/waypoint.yaml';

describe.each(CHART_RELEASES)('Istio %s: the ambient rows of the release table agree with the release\'s charts', (tag) => {
  const release = IstioRelease.of(tag);
  const upstream = UpstreamRelease.of(tag);
  const waypointTemplate = upstream.chartFile(WAYPOINT_TEMPLATE) ?? '';

  test('ambient mode is offered where the charts speak the data-plane label and ship the ambient profile', () => {
    // From 1.22 the charts keep the waypoint's own pod out of ambient with the label that enrolls pods in it; before,
    // waypoints were bound by service account and the label did not exist.
    const dataplaneLabel = waypointTemplate.includes(`"${CONSTANTS_1_22.get('DataplaneModeLabel')}" "${constant('DataplaneModeNone')}"`);
    expect(release.ambientStatus !== AmbientStatus.NONE).toBe(dataplaneLabel);
    if (dataplaneLabel) {
      expect(upstream.chartFiles.has('manifests/profiles/ambient.yaml')).toBe(true);
      for (const chart of ['istio-control/istio-discovery', 'istio-cni', 'ztunnel']) {
        expect(upstream.chartFiles.has(`manifests/charts/${chart}/files/profile-ambient.yaml`)).toBe(true);
      }
    }
  });

  test('the waypoint\'s seccomp value is the one its template reads', () => {
    const value = release.waypointSeccompValue;
    if (value === undefined) expect(waypointTemplate).not.toMatch(/\.Values\.gateways\.seccompProfile/);
    else expect(waypointTemplate).toContain(`.Values.${value}`);
  });

  test('the CNI node agent\'s ambient switch is where the chart renders it', () => {
    if (release.ambientStatus === AmbientStatus.NONE) return;
    const configMap = upstream.chartFile('manifests/charts/istio-cni/templates/configmap-cni.yaml') ?? '';
    const daemonSet = upstream.chartFile('manifests/charts/istio-cni/templates/daemonset.yaml') ?? '';
    expect(configMap.includes('AMBIENT_ENABLED')).toBe(release.cniAmbientFlagInConfigMap);
    expect(daemonSet.includes('name: AMBIENT_ENABLED')).toBe(!release.cniAmbientFlagInConfigMap);
  });
});

/** A configuration for an ambient mesh on `release`, with public ingest and Bookinfo in its own namespace. */
function ambientConfig(release: string, extra: { istio?: string; bookinfo?: string } = {}): string {
  return [
    'istio:', `  release: "${release}"`, '  dataplaneMode: ambient', extra.istio ?? '',
    'lightstep:', '  address: ingest.lightstep.com:443',
    'bookinfo:', '  namespace: bookinfo', extra.bookinfo ?? '',
  ].join('\n');
}

const outputs = new Map<string, { output: SynthesizedOutput; warnings: string[] }>();
function synthesized(release: string): { output: SynthesizedOutput; warnings: string[] } {
  if (!outputs.has(release)) {
    const workspace = emptyWorkspace();
    const { warnings } = capturingWarnings(() => synthesizeInto(writeConfig(workspace, ambientConfig(release)), workspace.outputRoot));
    outputs.set(release, { output: readOutputFolder(workspace.outputRoot), warnings });
  }
  return outputs.get(release)!;
}

/** The configuration's problems, as the app reports them. */
function refusal(config: string): ConfigFileError {
  const workspace = emptyWorkspace();
  try {
    capturingWarnings(() => synthesizeInto(writeConfig(workspace, config), workspace.outputRoot));
  } catch (error) {
    if (error instanceof ConfigFileError) return error;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

describe('istio.dataplaneMode: ambient synthesizes (test/istio-upstream.test.ts checks its output against each release\'s files)', () => {
  test.each(['1.22.8', '1.24.0', '1.24.6', IstioRelease.NEWEST_VERIFIED])('Istio %s: the ambient profile in every install input, no gateway chart', (tag) => {
    const { output } = synthesized(tag);
    expect(output.installInputs['istio-operator.yaml'].spec.profile).toBe('ambient');
    for (const file of ['istiod-helm-values.yaml', 'cni-helm-values.yaml', 'ztunnel-helm-values.yaml']) {
      expect(output.installInputs[file].profile).toBe('ambient');
    }
    // Nothing of the ingress gateway chart: the ambient profile has no istio-ingressgateway.
    expect(Object.keys(output.installInputs).sort()).toEqual(['cni-helm-values.yaml', 'istio-operator.yaml', 'istiod-helm-values.yaml', 'ztunnel-helm-values.yaml']);
  });

  test('the newest known release line synthesizes too', () => {
    expect(synthesized(IstioRelease.NEWEST_KNOWN).output.objects.length).toBeGreaterThan(10);
  });

  test('1.22 and 1.23 warn that ambient mode was Beta there; 1.24 does not', () => {
    expect(synthesized('1.22.8').warnings.join('\n')).toMatch(/istio\.dataplaneMode: ambient mode is Beta in Istio 1\.22\.8 and Stable from 1\.24/);
    expect(synthesized('1.24.6').warnings).toEqual([]);
  });

  test('the Bookinfo namespace joins ambient and uses the waypoint, with Istio\'s own label names and values; no injection label', () => {
    const namespace = synthesized('1.24.6').output.objects.find((o) => o.kind === 'Namespace' && o.metadata.name === 'bookinfo');
    expect(namespace.metadata.labels).toEqual({
      [CONSTANTS_1_22.get('DataplaneModeLabel')!]: constant('DataplaneModeAmbient'),
      [CONSTANTS_1_22.get('AmbientUseWaypointLabel')!]: constant('DefaultNamespaceWaypoint'),
    });
  });

  test('the waypoint is a Gateway as upstream writes one: its sample\'s class and listener, istioctl\'s default name and traffic type', () => {
    const sample = yaml.load(fs.readFileSync(path.join(FIXTURES, '1.30.3', 'details-waypoint.yaml'), 'utf8')) as any;
    for (const tag of ['1.22.8', '1.30.3']) {
      const waypoint = synthesized(tag).output.objects.find((o) => o.kind === 'Gateway' && o.spec.gatewayClassName === constant('WaypointGatewayClassName'));
      expect(waypoint.apiVersion).toBe(sample.apiVersion);
      expect(waypoint.spec).toEqual(sample.spec);
      expect(waypoint.metadata).toEqual({
        name: constant('DefaultNamespaceWaypoint'), namespace: 'bookinfo',
        labels: { [CONSTANTS_1_22.get('AmbientWaypointForTrafficTypeLabel')!]: constant('ServiceTraffic') },
      });
    }
  });

  test('Bookinfo comes in through the Gateway API, and its pods carry nothing only a sidecar reads', () => {
    const { objects } = synthesized('1.24.6').output;
    expect(objects.find((o) => o.kind === 'Gateway' && o.metadata.name === 'bookinfo-gateway').spec.gatewayClassName).toBe('istio');
    expect(objects.some((o) => o.apiVersion.startsWith('networking.istio.io/'))).toBe(false);
    const templates = objects.filter((o) => o.kind === 'Deployment' && o.metadata.namespace === 'bookinfo').map((o) => o.spec.template.metadata);
    expect(templates).toHaveLength(6);
    for (const metadata of templates) {
      expect(Object.keys({ ...metadata.annotations, ...metadata.labels }).filter((key) => /sidecar\.istio\.io|proxy\.istio\.io|istio\.io\/rev/.test(key))).toEqual([]);
    }
  });

  test('INSTALL.md installs the Gateway API CRDs before the manifests, and the Helm route the four charts in upstream\'s order', () => {
    const notes = synthesized('1.24.6').output.installNotes;
    expect(notes.indexOf('gateway-api/config/crd?ref=v1.2.1')).toBeLessThan(notes.indexOf('kubectl apply -f manifests/\n'));
    const helm = [...notes.matchAll(/^helm install (\S+) (\S+) -n istio-system --version 1\.24\.6/gm)].map((match) => `${match[1]} ${match[2]}`);
    expect(helm).toEqual(['istio-base istio/base', 'istiod istio/istiod', 'istio-cni istio/cni', 'ztunnel istio/ztunnel']);
  });

  test('a values key the chart does not have, or a profile it does not ship, is caught', () => {
    const copy = structuredClone(synthesized('1.24.6').output);
    copy.installInputs['ztunnel-helm-values.yaml'].trustDomain = 'cluster.local';
    copy.installInputs['cni-helm-values.yaml'].profile = 'ambiant';
    copy.installInputs['istio-operator.yaml'].spec.profile = 'ambiant';
    expect(upstreamProblems(copy, UpstreamRelease.of('1.24.6'))).toEqual([
      expect.stringMatching(/ztunnel-helm-values\.yaml: trustDomain="cluster\.local" is not in manifests\/charts\/ztunnel\/values\.yaml/),
      expect.stringMatching(/cni-helm-values\.yaml: profile="ambiant" is not a profile of manifests\/charts\/istio-cni/),
      expect.stringMatching(/istio-operator\.yaml spec: profile="ambiant" is not a profile of the release/),
    ]);
  });
});

describe('ambient mode refuses what cannot work, in the configuration\'s words', () => {
  test.each([
    ['1.15', /istio\.dataplaneMode: Istio 1\.15\.7 has no ambient data plane .*ambient begins with Istio 1\.22 .*Fix: target Istio 1\.24 or later .*or set istio\.dataplaneMode to sidecar/],
    ['1.21.6', /istio\.dataplaneMode: Istio 1\.21\.6 has no ambient data plane .*ambient begins with Istio 1\.22/],
  ])('Istio %s', (release, message) => {
    const error = refusal(ambientConfig(release));
    expect(error.problems.map((problem) => problem.field)).toEqual(['istio.dataplaneMode']);
    expect(error.message).toMatch(message);
  });

  test.each([
    ['a custom Istio namespace', { istio: '  namespace: istio-control' }, 'istio.namespace', /finds ztunnel only there.*Fix: remove istio\.namespace/],
    ['a revision', { istio: '  revision: 1-24-6' }, 'istio.revision', /istio\.io\/rev, which also turns sidecar injection on.*Fix: remove istio\.revision in ambient mode/],
    ['the Istio Gateway ingress', { bookinfo: '  ingress: istio-gateway' }, 'bookinfo.ingress', /installs no istio-ingressgateway.*Fix: use ingress "gateway-api"/],
    ['mutual TLS DestinationRules', { bookinfo: '  mutualTls: true' }, 'bookinfo.mutualTls', /ztunnel carries every connection.*Fix: remove mutualTls in ambient mode/],
  ])('%s', (_, extra, key, message) => {
    const error = refusal(ambientConfig('1.24.6', extra));
    expect(error.problems.map((problem) => problem.field)).toEqual([key]);
    expect(error.message).toMatch(message);
  });

  test('Pod Security "restricted" on 1.22, whose waypoint pod has no seccomp profile to give', () => {
    const error = refusal(ambientConfig('1.22.8', { bookinfo: '  restrictedPodSecurity: true' }));
    expect(error.problems.map((problem) => problem.field)).toEqual(['bookinfo.restrictedPodSecurity']);
    expect(error.message).toMatch(/waypoint pod of Istio 1\.22\.8 has no seccomp profile.*gateways\.seccompProfile arrived in 1\.23/);
  });

  test('Pod Security "restricted" on 1.23 and later sets the release\'s own value in both install inputs', () => {
    const workspace = emptyWorkspace();
    capturingWarnings(() => synthesizeInto(writeConfig(workspace, ambientConfig('1.24.6', { bookinfo: '  restrictedPodSecurity: true' })), workspace.outputRoot));
    const output = readOutputFolder(workspace.outputRoot);
    expect(output.installInputs['istiod-helm-values.yaml'].gateways).toEqual({ seccompProfile: { type: 'RuntimeDefault' } });
    expect(output.installInputs['istio-operator.yaml'].spec.values.gateways).toEqual({ seccompProfile: { type: 'RuntimeDefault' } });
    expect(upstreamProblems(output, UpstreamRelease.of('1.24.6'))).toEqual([]);
  });

  test('an unknown data plane mode', () => {
    const error = refusal(ambientConfig('1.24.6').replace('dataplaneMode: ambient', 'dataplaneMode: sidecarless'));
    expect(error.message).toMatch(/istio\.dataplaneMode: must be one of sidecar, ambient/);
  });
});

describe('the constructs', () => {
  const chart = () => new Chart(new App({ outdir: fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'ambient-')) }), 'chart');

  test('LightstepTracing names its prop and the first release with ambient mode', () => {
    expect(() => new LightstepTracing(chart(), 'tracing', { istioRelease: IstioRelease.of('1.15'), address: 'ingest.lightstep.com:443', dataplaneMode: DataplaneMode.AMBIENT }))
      .toThrow(/LightstepTracing at chart\/tracing: LightstepTracing\.dataplaneMode: Istio 1\.15\.7 has no ambient data plane .*ambient begins with Istio 1\.22/);
  });

  test('MeshNamespace: no sidecar injection and no revision in an ambient namespace; no waypoint for a sidecar one', () => {
    expect(() => new MeshNamespace(chart(), 'ns', { name: 'shop', dataplaneMode: DataplaneMode.AMBIENT, sidecarInjection: true }))
      .toThrow(/MeshNamespace\.sidecarInjection: a namespace of the ambient data plane gets no sidecars/);
    expect(() => new MeshNamespace(chart(), 'ns', { name: 'shop', dataplaneMode: DataplaneMode.AMBIENT, revision: 'canary' }))
      .toThrow(/MeshNamespace\.revision: istio\.io\/rev makes the revision's injector add sidecars/);
    expect(() => new MeshNamespace(chart(), 'ns', { name: 'shop', waypoint: 'waypoint' })).toThrow(/MeshNamespace\.waypoint: a waypoint serves only namespaces of the ambient data plane/);
  });

  test('restrictedGatewayPods in ambient mode covers the waypoints: refused where their template reads no seccomp profile (1.22)', () => {
    const tracing = (release: string, props: { restrictedGatewayPods?: boolean; istioCni?: boolean }) => () => new LightstepTracing(chart(), 'tracing', {
      istioRelease: IstioRelease.of(release), address: 'ingest.lightstep.com:443', dataplaneMode: DataplaneMode.AMBIENT, ...props,
    });
    // 1.22.8 gives the ingress gateway pod a profile (gateways.securityContext), but not the waypoint pod.
    expect(tracing('1.22.8', { restrictedGatewayPods: true })).toThrow(/LightstepTracing\.restrictedGatewayPods: the waypoint pod of Istio 1\.22\.8 has no seccomp profile/);
    expect(tracing('1.23.6', { restrictedGatewayPods: true })().installInputs[0].content.spec.values).toEqual({ gateways: { seccompProfile: { type: 'RuntimeDefault' } } });
    expect(tracing('1.24.6', { istioCni: true })).toThrow(/LightstepTracing\.istioCni: the ambient profile installs the Istio CNI node agent itself/);
  });

  test('Waypoint refuses a release before 1.22', () => {
    expect(() => new Waypoint(chart(), 'waypoint', { namespace: 'shop', istioRelease: IstioRelease.of('1.21') })).toThrow(/Waypoint\.istioRelease: Istio 1\.21\.6 has no ambient data plane/);
  });

  test('the install guide refuses an ambient Bookinfo on a mesh installed without ambient mode', () => {
    const scope = chart();
    const tracing = new LightstepTracing(scope, 'tracing', { istioRelease: IstioRelease.of('1.24.6'), address: 'ingest.lightstep.com:443' });
    const bookinfo = new Bookinfo(scope, 'bookinfo', { istioRelease: IstioRelease.of('1.24.6'), dataplaneMode: DataplaneMode.AMBIENT });
    expect(() => new LightstepInstallGuide({ tracing, bookinfo })).toThrow(/LightstepInstallGuide\.bookinfo: Bookinfo runs in ambient mode, but the tracing installs Istio without it/);
  });
});

describe('the analysis refuses sidecar-only settings in an ambient namespace', () => {
  function findings(podAnnotations: Record<string, string>, podLabels: Record<string, string> = {}, namespaceLabels: Record<string, string> = {}): string[] {
    const scope = new Chart(new App({ outdir: fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'ambient-')) }), 'chart');
    const namespace = new MeshNamespace(scope, 'ns', { name: 'shop', dataplaneMode: DataplaneMode.AMBIENT, waypoint: 'waypoint' });
    Object.entries(namespaceLabels).forEach(([key, value]) => namespace.apiObject.metadata.addLabel(key, value));
    const labels = { app: 'shop', ...podLabels };
    new k8s.KubeDeployment(scope, 'shop', {
      metadata: { name: 'shop', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'shop' } }, template: { metadata: { labels, annotations: podAnnotations }, spec: { containers: [{ name: 'shop', image: 'shop:1' }] } } },
    });
    return MeshAnalysis.of(scope).analyze();
  }

  test('a clean ambient namespace has no finding', () => {
    expect(findings({ 'prometheus.io/scrape': 'true' }, { 'sidecar.istio.io/inject': 'false' })).toEqual([]);
  });

  test.each([
    ['an injection label on the namespace', {}, {}, { 'istio-injection': 'enabled' }, /Namespace shop: label istio-injection=enabled in a namespace of the ambient data plane .*Fix: remove the label istio-injection/],
    ['a revision label on the namespace', {}, {}, { 'istio.io/rev': 'canary' }, /Namespace shop: label istio\.io\/rev=canary .*Fix: remove the label istio\.io\/rev/],
    ['sidecar.istio.io/inject on the pods', {}, { 'sidecar.istio.io/inject': 'true' }, {}, /Deployment shop\/shop: pod label sidecar\.istio\.io\/inject="true" in the ambient namespace shop gives the pod a sidecar.*Fix: remove it/],
    ['a sidecar annotation', { 'sidecar.istio.io/statsInclusionPrefixes': 'tracing.lightstep' }, {}, {}, /pod annotation sidecar\.istio\.io\/statsInclusionPrefixes="tracing\.lightstep" in the ambient namespace shop is read only by a pod's own sidecar/],
    ['a traffic annotation', { 'traffic.sidecar.istio.io/excludeOutboundPorts': '4317' }, {}, {}, /pod annotation traffic\.sidecar\.istio\.io\/excludeOutboundPorts="4317"/],
    ['a proxy config annotation', { 'proxy.istio.io/config': '{}' }, {}, {}, /pod annotation proxy\.istio\.io\/config="\{\}"/],
  ])('%s', (_, annotations, labels, namespaceLabels, message) => {
    const found = findings(annotations, labels, namespaceLabels);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  test('a pod that opted out of ambient (istio.io/dataplane-mode: none) may have a sidecar', () => {
    expect(findings({ 'sidecar.istio.io/statsInclusionPrefixes': 'x' }, { 'istio.io/dataplane-mode': 'none', 'sidecar.istio.io/inject': 'true' })).toEqual([]);
  });
});

describe('the refusals are ConfigurationErrors with a fix', () => {
  test('IstioRelease.assertSupportsAmbient', () => {
    const error = (() => { try { IstioRelease.of('1.18').assertSupportsAmbient('X.mode'); } catch (e) { return e; } return undefined; })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).fix).toMatch(/set X\.mode to sidecar/);
    expect(() => IstioRelease.of('1.22.0').assertSupportsAmbient('X.mode')).not.toThrow();
  });
});

describe('the README says what the code does in ambient mode', () => {
  const readme = fs.readFileSync(path.join(FIXTURES, '..', '..', '..', 'README.md'), 'utf8');

  test('every command of the ambient walkthrough is a line of the INSTALL.md of its example', () => {
    const block = /<!-- ambient-walkthrough:[^\n]*-->\n```sh\n([\s\S]*?)```/.exec(readme)![1];
    const workspace = emptyWorkspace();
    capturingWarnings(() => synthesizeInto('examples/istio-1.30-ambient.yaml', workspace.outputRoot));
    const notes = new Set(fs.readFileSync(path.join(workspace.outputRoot, 'INSTALL.md'), 'utf8').split('\n').map((line) => line.trim()));
    const commands = block.split('\n').map((line) => line.replace(/\s+# .*$/, '').trim())
      .filter((line) => line !== '' && !/^(export |npm run synth|cd dist$)/.test(line));
    expect(commands.length).toBeGreaterThan(10);
    expect(commands.filter((command) => !notes.has(command))).toEqual([]);
  });

  test('the FAQ names the releases whose waypoints name their spans after the called Service, as the release table has them', () => {
    const faq = /\*\*What does ambient mode change for tracing\?\*\*([\s\S]*?)\n\n/.exec(readme)![1].replace(/\s+/g, ' ');
    const named = /except on Istio (\d+\.\d+) and (\d+\.\d+), which name a waypoint's spans after the called Service's hostname/.exec(faq)!.slice(1);
    const newest = Number(IstioRelease.NEWEST_KNOWN.split('.')[1]);
    const table = Array.from({ length: newest - 21 }, (_, i) => `1.${22 + i}`).filter((minor) => IstioRelease.of(minor).waypointSpansNamedAfterDestination);
    expect(named).toEqual(table);
    expect(faq).toContain(`reverted in 1.${Number(table[table.length - 1].split('.')[1]) + 1}`);
  });
});
