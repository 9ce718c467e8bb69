/**
 * INSTALL.md of an ambient mesh, run under the install harness (test/support/install-run): every shell block of each
 * route, in order, with the real Helm rendering the release's own charts (istio/base, istio/istiod, istio/cni,
 * istio/ztunnel, or istioctl's ambient profile), then the fake cluster's CNI node agent, ztunnel, istiod's waypoint
 * Deployment and the traffic through the Gateway API ingress; step 6 runs verify.sh against that cluster. Then the
 * applied set is checked as one: ztunnel, the CNI agent in ambient mode, an ambient istiod whose mesh config defines
 * the provider the Telemetry names, the waypoint serving every Bookinfo Service, and spans from the waypoint.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { appliedSetProblems } from './support/install-run/applied-set';
import { InstallRun, runInstall } from './support/install-run/run-install';
import { istioPodInjector } from './support/istio-injector/pod-injector';
import { capturingWarnings, emptyWorkspace, removeTempDirs, synthesizeInto, writeConfig } from './support/run-app';

const tools = { helm: process.env.CDK8S_ISTIO_LIGHTSTEP_HELM!, kubectl: process.env.CDK8S_ISTIO_LIGHTSTEP_KUBECTL! };
afterAll(removeTempDirs);

/** The app's output for an ambient mesh on `release`, with Bookinfo in its own namespace; `change` may edit the folder. */
function ambientDist(release: string, change: (dist: string) => void = () => undefined): string {
  const workspace = emptyWorkspace();
  const config = writeConfig(workspace, [
    'istio:', `  release: "${release}"`, '  dataplaneMode: ambient',
    'lightstep:', '  address: ingest.lightstep.com:443',
    'bookinfo:', '  namespace: bookinfo', '',
  ].join('\n'));
  capturingWarnings(() => synthesizeInto(config, workspace.outputRoot));
  change(workspace.outputRoot);
  return workspace.outputRoot;
}

/**
 * The token the user's shell holds: INSTALL.md's export line with a value instead of its placeholder, built by the
 * shell so that the token itself is in no file (the applied-set checks look for it in the output folder).
 */
const TOKEN = 'lsat-ambient-install-run';
const withToken = (markdown: string) => markdown.replace(`LIGHTSTEP_ACCESS_TOKEN='<your LightStep access token>'`, 'LIGHTSTEP_ACCESS_TOKEN="lsat-ambient-$(echo install-run)"');

function install(release: string, route: string, dist = ambientDist(release)): Promise<InstallRun> {
  return runInstall({ distDir: dist, release, route, tools, injector: () => istioPodInjector(release), editNotes: withToken });
}

const get = (run: InstallRun, kind: string, namespace: string | undefined, name: string): any => run.cluster.get(kind, namespace, name);
const env = (container: any, name: string) => (container?.env ?? []).find((e: any) => e.name === name)?.value;

// 1.22.8: the Beta line (the CNI switch in the DaemonSet, no WaypointBound status); 1.24.6 and 1.30.3: Stable.
describe.each([
  ['1.22.8', 'helm'], ['1.24.6', 'helm'], ['1.24.6', 'istioctl'], ['1.30.3', 'helm'], ['1.30.3', 'istioctl'],
])('Istio %s, INSTALL.md route %s', (release, route) => {
  const minor = Number(release.split('.')[1]);
  let run: InstallRun;
  beforeAll(async () => { run = await install(release, route); }, 300_000);
  afterAll(() => run?.dispose());

  test('every block runs, verify.sh included, and it proves spans left the mesh', () => {
    if (run.code !== 0) throw new Error(run.failure);
    if (process.env.PRINT_RUN) process.stdout.write(run.output);
    expect(run.output).toContain('Spans left the mesh. In LightStep, select the service waypoint.bookinfo');
    expect(run.output).not.toMatch(/^PROBLEM/m);
  });

  test('the applied set passes the checks of every install run: tracer and Telemetry, capture instead of injection, Secret order, token', () => {
    expect(appliedSetProblems(run, {
      address: 'ingest.lightstep.com:443', secure: true, istioNamespace: 'istio-system', bookinfoNamespace: 'bookinfo',
      token: TOKEN,
    })).toEqual([]);
  });

  test('the applied set holds ztunnel and the CNI node agent in ambient mode, from the release\'s own charts', () => {
    const ztunnel = get(run, 'DaemonSet', 'istio-system', 'ztunnel');
    const cni = get(run, 'DaemonSet', 'istio-system', 'istio-cni-node');
    expect(ztunnel?.status?.numberReady).toBe(1);
    expect(cni?.status?.numberReady).toBe(1);
    const ambientSwitch = minor >= 23
      ? get(run, 'ConfigMap', 'istio-system', 'istio-cni-config')?.data?.AMBIENT_ENABLED
      : env(cni.spec.template.spec.containers.find((c: any) => c.name === 'install-cni'), 'AMBIENT_ENABLED');
    expect(ambientSwitch).toBe('true');
  });

  test('istiod runs in ambient mode, and its mesh config defines the provider the Telemetry names, beside the profile\'s HBONE metadata', () => {
    const istiod = get(run, 'Deployment', 'istio-system', 'istiod');
    expect(env(istiod.spec.template.spec.containers.find((c: any) => c.name === 'discovery'), 'PILOT_ENABLE_AMBIENT')).toBe('true');
    const mesh = yaml.load(get(run, 'ConfigMap', 'istio-system', 'istio').data.mesh) as any;
    expect(mesh.defaultConfig.proxyMetadata.ISTIO_META_ENABLE_HBONE).toBe('true');
    const telemetry = get(run, 'Telemetry', 'istio-system', 'mesh-default');
    const provider = mesh.extensionProviders.find((p: any) => p.name === telemetry.spec.tracing[0].providers[0].name);
    expect(provider.opentelemetry).toEqual({ service: 'otel-collector.observability.svc.cluster.local', port: 4317 });
  });

  test('the waypoint is deployed and programmed, and istiod binds every Bookinfo Service to it', () => {
    const waypoint = get(run, 'Gateway', 'bookinfo', 'waypoint');
    expect(waypoint.spec.gatewayClassName).toBe('istio-waypoint');
    expect(waypoint.status.conditions).toContainEqual({ type: 'Programmed', status: 'True' });
    expect(get(run, 'Deployment', 'bookinfo', 'waypoint')?.status?.readyReplicas).toBe(1);
    for (const service of ['productpage', 'details', 'reviews', 'ratings']) {
      const bound = get(run, 'Service', 'bookinfo', service).status?.conditions?.find((c: any) => c.type === 'istio.io/WaypointBound');
      if (minor < 24) expect(bound).toBeUndefined();
      else expect(bound).toEqual(expect.objectContaining({ status: 'True', message: 'Successfully attached to waypoint bookinfo/waypoint' }));
    }
  });

  test('every Bookinfo pod is captured, none has a sidecar; the spans come from the waypoint and the ingress gateway only', () => {
    const pods = run.dataPlane.podsIn('bookinfo').filter((pod) => pod.metadata.labels?.app && ['productpage', 'details', 'reviews', 'ratings'].includes(pod.metadata.labels.app));
    expect(pods).toHaveLength(6);
    for (const pod of pods) {
      expect(pod.metadata.annotations?.['ambient.istio.io/redirection']).toBe('enabled');
      expect(pod.spec.containers.map((c: any) => c.name)).not.toContain('istio-proxy');
    }
    const reporters = [...run.traffic.reported.keys()].map((key) => key.replace(/-[a-z0-9]+-[a-z0-9]+$/, ''));
    expect([...new Set(reporters)].sort()).toEqual(['bookinfo/bookinfo-gateway-istio', 'bookinfo/waypoint']);
  });
});

/** What verify.sh printed in a run: from its first section to its verdict, without the harness's own lines. */
function verifyOutput(run: InstallRun): string {
  const start = run.output.indexOf('\n== Istio');
  return run.output.slice(start + 1).split('\n').filter((line) => !line.startsWith('INSTALL-RUN:')).join('\n');
}

/** The output of the runs with a fault, for the README's table of what verify.sh says in ambient mode. */
const faultOutputs: string[] = [];
const withoutLine = (pattern: RegExp) => (markdown: string) => {
  const edited = markdown.split('\n').filter((line) => !pattern.test(line)).join('\n');
  if (edited === markdown) throw new Error(`INSTALL.md has no line ${pattern}`);
  return edited;
};

describe('verify.sh names what breaks an ambient mesh', () => {
  let missingWaypoint: InstallRun;
  beforeAll(async () => {
    const dist = ambientDist('1.30.3', (root) => {
      const file = path.join(root, 'manifests', '0002-bookinfo.k8s.yaml');
      const documents = fs.readFileSync(file, 'utf8').split(/^---\n/m).filter((doc) => !/gatewayClassName: istio-waypoint/.test(doc));
      fs.writeFileSync(file, documents.join('---\n'));
    });
    missingWaypoint = await install('1.30.3', 'helm', dist);
    faultOutputs.push(missingWaypoint.output);
  }, 300_000);
  afterAll(() => missingWaypoint?.dispose());

  test('without the waypoint Gateway, spans can only come from the ingress gateway, and the script says which waypoint is missing', () => {
    expect(missingWaypoint.code).toBe(1);
    expect(missingWaypoint.output).toContain('PROBLEM  no waypoint: Gateway waypoint (class istio-waypoint) does not exist in namespace bookinfo');
    expect(missingWaypoint.output).toContain('Spans can only come from the ingress gateway (bookinfo-gateway-istio.bookinfo): no waypoint serves details, ratings, reviews, productpage (the waypoint Gateway bookinfo/waypoint does not exist).');
    expect(missingWaypoint.output).toMatch(/WaypointBound: False, waypoint "bookinfo\/waypoint" is not ready/);
  });

  test('the README shows that run, exit code included', () => {
    const readme = fs.readFileSync('README.md', 'utf8');
    const sample = /<!-- verify-sample-ambient:[^\n]*-->\n```\n\$ dist\/verify\.sh[^\n]*\n([\s\S]*?)\$ echo \$\?\n(\d+)\n```/.exec(readme);
    expect({ stdout: sample?.[1], code: Number(sample?.[2]) }).toEqual({ stdout: verifyOutput(missingWaypoint), code: missingWaypoint.code });
  });

  test.each([
    ['no Istio CNI node agent', { editNotes: withoutLine(/^helm install istio-cni /) },
      ['the Istio CNI node agent (DaemonSet istio-cni-node) is missing in namespace istio-system', 'the Istio CNI node agent does not redirect ambient pods (AMBIENT_ENABLED=unset)', 'is not captured by the ambient data plane']],
    ['no ztunnel', { editNotes: withoutLine(/^helm install ztunnel /) },
      ['ztunnel (DaemonSet ztunnel) is missing in namespace istio-system', 'is not captured by the ambient data plane']],
    ['istiod without the ambient profile', { dist: (root: string) => fs.writeFileSync(path.join(root, 'istio', 'istiod-helm-values.yaml'), fs.readFileSync(path.join(root, 'istio', 'istiod-helm-values.yaml'), 'utf8').replace(/^profile: ambient\n/m, '')) },
      ['istiod does not run in ambient mode (PILOT_ENABLE_AMBIENT=unset)', 'Service productpage is labelled for the waypoint bookinfo/waypoint, but istiod has not bound it']],
    ['a namespace without the ambient labels', { dist: (root: string) => fs.writeFileSync(path.join(root, 'manifests', '0000-namespaces.k8s.yaml'), fs.readFileSync(path.join(root, 'manifests', '0000-namespaces.k8s.yaml'), 'utf8').replace(/^ {4}istio\.io\/(dataplane-mode|use-waypoint): \S+\n/gm, '')) },
      ['namespace bookinfo is not in the ambient data plane (istio.io/dataplane-mode=unset)', 'Service reviews is served by no waypoint', 'Spans can only come from the ingress gateway (bookinfo-gateway-istio.bookinfo): no waypoint serves details, ratings, reviews, productpage (no Bookinfo Service is bound to the waypoint bookinfo/waypoint).']],
  ])('%s', async (_, fault: { editNotes?: (markdown: string) => string; dist?: (root: string) => void }, lines) => {
    const run = await runInstall({
      distDir: ambientDist('1.30.3', fault.dist), release: '1.30.3', route: 'helm', tools, injector: () => istioPodInjector('1.30.3'),
      editNotes: (markdown) => withToken(fault.editNotes ? fault.editNotes(markdown) : markdown),
    });
    try {
      faultOutputs.push(run.output);
      expect(run.code).toBe(1);
      for (const line of lines) expect(run.output).toContain(line);
    } finally {
      await run.dispose();
    }
  }, 300_000);

  test('every row of the README\'s ambient troubleshooting table starts a line that one of these runs printed', () => {
    const readme = fs.readFileSync('README.md', 'utf8');
    const table = readme.slice(readme.indexOf('| verify.sh says, in ambient mode |'));
    const rows = [...table.slice(0, table.indexOf('\n\n')).matchAll(/^\| `([^`]+)`/gm)].map((match) => match[1]);
    expect(rows.length).toBeGreaterThan(8);
    const printed = faultOutputs.join('\n');
    for (const row of rows) {
      // N, P, D, S and W stand for a namespace, a pod, a Deployment, a Service and a waypoint.
      const pattern = row.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\b[NPDSW]\b/g, '\\S+');
      expect({ row, printed: new RegExp(`^(PROBLEM  )?${pattern}`, 'm').test(printed) }).toEqual({ row, printed: true });
    }
  });
});
