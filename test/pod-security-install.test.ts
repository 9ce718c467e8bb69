/**
 * bookinfo.restrictedPodSecurity on every release in the fixtures, decided from that release's own files
 * (test/fixtures/istio-upstream, test/fixtures/istio-pod-security): where the release can run under Pod Security at
 * all, both install inputs turn Istio CNI on so that its injection template leaves istio-init out, the IstioOperator
 * installs the node agent where the chart says, and the pod istiod deploys for a Gateway API Gateway gets the seccomp
 * profile "restricted" requires; everywhere else the synth is refused with the reason, in the configuration's keys.
 */
import { fileURLToPath } from 'node:url';
import { Chart } from 'cdk8s';
import { ConfigFileError } from '../charts/config-reader';
import { AccessToken, Bookinfo, BookinfoIngressKind, CaCertificate, IstioRelease, LightstepTracing, MeshAnalysis } from '../src';
import { podSecurityViolations } from '../src/analysis/pod-security';
import { compareReleases, UPSTREAM_RELEASES, UpstreamRelease } from './support/istio-upstream';
import { gatewayPod, injectorValues, injectorWebhookVersions, podSecurityFixture, redirectionInitContainer } from './support/istio-templates';
import { capturingWarnings, emptyWorkspace, removeTempDirs, synthesizeInto, testApp, writeConfig } from './support/run-app';
import { readOutputFolder, SynthesizedOutput, upstreamProblems } from './support/upstream-checks';

const CA_FILE = fileURLToPath(new URL('./fixtures/certs/valid-ca.pem', import.meta.url));


/** A TLS satellite with a private CA (every generation accepts it), Bookinfo under "restricted" behind `ingress`. */
function configFor(release: string, ingress: string): string {
  return [
    'istio:', `  release: "${release}"`,
    'lightstep:', '  address: lightstep-satellite.lightstep:9292', `  caCertificateFile: ${JSON.stringify(CA_FILE)}`,
    'bookinfo:', '  restrictedPodSecurity: true', `  ingress: ${ingress}`, '',
  ].join('\n');
}

/** The synthesized folder, or the configuration error that refused it. */
function synthesized(release: string, ingress: string): SynthesizedOutput | ConfigFileError {
  const workspace = emptyWorkspace();
  const config = writeConfig(workspace, configFor(release, ingress));
  try {
    capturingWarnings(() => synthesizeInto(config, workspace.outputRoot));
  } catch (error) {
    if (error instanceof ConfigFileError) return error;
    throw error;
  }
  return readOutputFolder(workspace.outputRoot);
}

/** The istiod chart values of each install route of an output: the IstioOperator's spec.values, the istiod Helm values. */
function istiodValuesByRoute(output: SynthesizedOutput): Array<[string, Record<string, any>]> {
  const routes: Array<[string, Record<string, any>]> = [['istio-operator.yaml', output.installInputs['istio-operator.yaml'].spec.values ?? {}]];
  if (output.installInputs['istiod-helm-values.yaml']) routes.push(['istiod-helm-values.yaml', output.installInputs['istiod-helm-values.yaml']]);
  return routes;
}

/** The namespace the release's istio-cni chart is meant for: its README's install command, else kube-system for a system-node-critical DaemonSet. */
function cniChartNamespace(tag: string): string | undefined {
  const readme = podSecurityFixture(tag, 'istio-cni-README.md');
  const command = readme === undefined ? undefined : /helm install istio-cni istio\/cni -n (\S+)/.exec(readme)?.[1];
  if (command) return command;
  return /priorityClassName: system-node-critical/.test(podSecurityFixture(tag, 'istio-cni-daemonset.yaml') ?? '') ? 'kube-system' : undefined;
}

/** The DaemonSet name of the release's istio-cni chart, its "name" template resolved from the chart's helpers. */
function cniDaemonSetName(tag: string): string | undefined {
  const daemonSet = podSecurityFixture(tag, 'istio-cni-daemonset.yaml') ?? '';
  const name = /^kind: DaemonSet\n[\s\S]*?^ {2}name: (.+)$/m.exec(daemonSet)?.[1];
  const helper = /\{\{- define "name" -\}\}\s*(\S+)\s*\{\{- end \}\}/.exec(podSecurityFixture(tag, 'istio-cni-helpers.tpl') ?? '')?.[1];
  return name?.replace('{{ template "name" . }}', helper ?? '{{ template "name" . }}');
}

afterAll(removeTempDirs);

describe.each(UPSTREAM_RELEASES)('Istio %s with bookinfo.restrictedPodSecurity', (tag) => {
  const webhookServedUnderPodSecurity = injectorWebhookVersions(tag).includes('v1');

  test(webhookServedUnderPodSecurity ? 'installs Istio CNI on both routes, and the injection template then leaves istio-init out'
    : 'is refused: the injector webhook is v1beta1, which no Kubernetes that enforces Pod Security serves', () => {
    const output = synthesized(tag, 'istio-gateway');
    if (!webhookServedUnderPodSecurity) {
      expect(output).toBeInstanceOf(ConfigFileError);
      const [problem] = (output as ConfigFileError).problems;
      expect(problem.field).toBe('bookinfo.restrictedPodSecurity');
      expect(problem.message).toMatch(/admissionregistration\.k8s\.io\/v1beta1.*Fix: target Istio 1\.10 or later/);
      return;
    }
    if (output instanceof ConfigFileError) throw output;
    expect(upstreamProblems(output, UpstreamRelease.of(tag))).toEqual([]);
    for (const [route, values] of istiodValuesByRoute(output)) {
      // Without the output's values the template writes istio-init: the check can tell the two apart.
      expect(redirectionInitContainer(tag, injectorValues(tag, {})).name).toBe('istio-init');
      const chosen = redirectionInitContainer(tag, injectorValues(tag, values));
      expect({ route, ...chosen }).toEqual({ route, name: 'istio-validation', guard: chosen.guard });
    }
    expect(output.installInputs['istio-operator.yaml'].spec.components.cni).toEqual({ enabled: true, namespace: cniChartNamespace(tag) });
  });

  const gatewayTemplate = UpstreamRelease.of(tag).gatewayApiTemplate;
  const setting = ['securityContext', 'seccompProfile'].filter((key) => gatewayTemplate?.includes(`.Values.gateways.${key}`));
  // The Gateway API ingress of Bookinfo starts with Istio 1.16 (its beta there); earlier templates are never used.
  if (!webhookServedUnderPodSecurity || compareReleases(tag, '1.16.0') < 0) return;
  test(setting.length > 0 ? 'and the Gateway API ingress: the gateway pod istiod deploys passes "restricted"'
    : 'and the Gateway API ingress is refused: the gateway template reads no value that gives its pod a seccomp profile', () => {
    const output = synthesized(tag, 'gateway-api');
    if (setting.length === 0) {
      expect(output).toBeInstanceOf(ConfigFileError);
      const [problem] = (output as ConfigFileError).problems;
      expect(problem.field).toBe('bookinfo.restrictedPodSecurity');
      expect(problem.message).toMatch(/no seccomp profile.*bookinfo\.ingress: istio-gateway/);
      return;
    }
    if (output instanceof ConfigFileError) throw output;
    expect(upstreamProblems(output, UpstreamRelease.of(tag))).toEqual([]);
    expect(podSecurityViolations('restricted', gatewayPod(tag, injectorValues(tag, {}))).map((v) => v.rule)).toEqual(['seccompProfile_restricted']);
    for (const [route, values] of istiodValuesByRoute(output)) {
      expect({ route, violations: podSecurityViolations('restricted', gatewayPod(tag, injectorValues(tag, values))) }).toEqual({ route, violations: [] });
    }
  });
});

describe('the Istio CNI install LightstepTracing exposes for the Helm route', () => {
  const offered = UPSTREAM_RELEASES.filter((tag) => injectorWebhookVersions(tag).includes('v1'));

  test.each(offered)('Istio %s: the chart, its namespace and DaemonSet are those of the release', (tag) => {
    const app = testApp();
    const tracing = new LightstepTracing(new Chart(app, 'c'), 'tracing', {
      istioRelease: IstioRelease.of(tag), address: 'lightstep-satellite.lightstep:9292', caCertificate: CaCertificate.fromFile(CA_FILE),
      accessToken: AccessToken.fromEnv(), istioCni: true,
    });
    const cni = tracing.istioCni!;
    const paths = UpstreamRelease.of(tag).paths;
    expect(paths.has('manifests/charts/istio-cni')).toBe(true);
    // The repository publishes istio/cni from the first release it publishes at all, 1.12 (see the istio/istiod chart).
    expect(cni.helmChart).toBe(compareReleases(tag, '1.12.0') >= 0 ? 'istio/cni' : '"$ISTIO_DIR/manifests/charts/istio-cni"');
    expect(cni.namespace).toBe(cniChartNamespace(tag));
    expect(cni.daemonSetName).toBe(cniDaemonSetName(tag));
    expect(cni.helmReleaseName).toBe('istio-cni');
    expect(UpstreamRelease.of(tag).injectionTemplate).toContain(`.Values.${cni.istiodValue}`);
  });
});

describe('the analysis, for constructs composed without the app', () => {
  const tracingProps = { address: 'ingest.lightstep.com:443', accessToken: AccessToken.fromEnv() };

  test('a restricted namespace with injection, and install inputs without Istio CNI, is an error', () => {
    const app = testApp();
    new LightstepTracing(new Chart(app, 'tracing'), 'tracing', { ...tracingProps, istioRelease: IstioRelease.of('1.30') });
    new Bookinfo(new Chart(app, 'bookinfo'), 'bookinfo', { restrictedPodSecurity: true });
    expect(MeshAnalysis.of(app).analyze()).toEqual([expect.stringMatching(
      /^Namespace default: enforces Pod Security "restricted" and has sidecar injection, but the Istio install inputs \(istio-operator.yaml, istiod-helm-values.yaml\) leave Istio CNI off.*Fix: install Istio with its CNI node agent \(LightstepTracing istioCni: true\)/)]);
    expect(MeshAnalysis.of(app).warnings()).toEqual([]);
  });

  test('with Istio CNI, the Gateway API gateway still needs its seccomp profile', () => {
    const app = testApp();
    new LightstepTracing(new Chart(app, 'tracing'), 'tracing', { ...tracingProps, istioRelease: IstioRelease.of('1.30'), istioCni: true });
    new Bookinfo(new Chart(app, 'bookinfo'), 'bookinfo', { restrictedPodSecurity: true, ingress: BookinfoIngressKind.GATEWAY_API });
    expect(MeshAnalysis.of(app).analyze()).toEqual([expect.stringMatching(
      /^Gateway default\/bookinfo-gateway: istiod deploys its gateway pod in namespace default, which enforces Pod Security "restricted".*Fix: set LightstepTracing restrictedGatewayPods: true/)]);

    const fixed = testApp();
    new LightstepTracing(new Chart(fixed, 'tracing'), 'tracing', { ...tracingProps, istioRelease: IstioRelease.of('1.30'), istioCni: true, restrictedGatewayPods: true });
    new Bookinfo(new Chart(fixed, 'bookinfo'), 'bookinfo', { restrictedPodSecurity: true, ingress: BookinfoIngressKind.GATEWAY_API });
    expect(MeshAnalysis.of(fixed).analyze()).toEqual([]);
  });

  test('without any Istio install input, Bookinfo warns instead', () => {
    const app = testApp();
    new Bookinfo(new Chart(app, 'bookinfo'), 'bookinfo', { restrictedPodSecurity: true, ingress: BookinfoIngressKind.GATEWAY_API });
    expect(MeshAnalysis.of(app).analyze()).toEqual([]);
    expect(MeshAnalysis.of(app).warnings()).toEqual([expect.stringMatching(/^Bookinfo\.restrictedPodSecurity: .*istio-init.*istioCni: true.*restrictedGatewayPods: true/)]);
  });

  test('LightstepTracing refuses istioCni where Pod Security cannot be met, naming the prop', () => {
    expect(() => new LightstepTracing(new Chart(testApp(), 'c'), 'tracing', { ...tracingProps, address: 'satellite:9292', secure: false, istioRelease: IstioRelease.of('1.9'), istioCni: true }))
      .toThrow(/^LightstepTracing at c\/tracing: LightstepTracing\.istioCni: Istio 1\.9\.9 cannot run pods under Pod Security/);
    expect(() => new LightstepTracing(new Chart(testApp(), 'c'), 'tracing', { ...tracingProps, istioRelease: IstioRelease.of('1.19'), restrictedGatewayPods: true }))
      .toThrow(/LightstepTracing\.restrictedGatewayPods: Istio 1\.19\.10 deploys the pod of a Gateway API Gateway with no seccomp profile/);
  });
});
