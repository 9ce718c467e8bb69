/**
 * The generated verify.sh against clusters derived from what each release's own templates render: INSTALL.md runs
 * under the install harness (test/support/install-run: the real Helm, the release's charts, the fake injector, pods,
 * Envoy counters and collector metrics that follow from the applied objects), then a cause that happens in real
 * clusters is applied the way a user or an operator would apply it (kubectl delete, patch, label, scale, rollout
 * restart, the user's own install inputs, a CA file that did not sign the satellites, a network that does not reach
 * the API server), and verify.sh runs against that cluster. Each scenario checks the exact PROBLEM lines (or the ok
 * lines that prove spans), the fix lines and the exit code, and fails when the script asks the cluster for anything
 * but a read. The README's sample runs and its troubleshooting table are checked against these runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import { AccessToken, Bookinfo, CaCertificate, IstioRelease, LightstepInstallGuide, LightstepTracing } from '../src';
import { istioPodInjector } from './support/istio-injector/pod-injector';
import { NODE_ADDRESS } from './support/install-run/data-plane';
import { INSTALL_RUN_TOKEN, InstallRun, runInstall, SATELLITE_CA_FILE } from './support/install-run/run-install';
import { ToolCall } from './support/install-run/world';
import { capturingWarnings, emptyWorkspace, removeTempDirs, synthesizeInto, tempDir, writeConfig } from './support/run-app';

const tools = { helm: process.env.CDK8S_ISTIO_LIGHTSTEP_HELM!, kubectl: process.env.CDK8S_ISTIO_LIGHTSTEP_KUBECTL! };
afterAll(removeTempDirs);

/** The repository's demo CA (examples/certs): it signed no satellite's certificate, as the README warns. */
const DEMO_CA_FILE = path.resolve('examples/certs/example-ca.crt');
const ADDRESS = 'ingest.lightstep.com:443';
/** Requests per scenario run: one page for each reviews version (v1, v2, v3 take turns), so the span counts are fixed. */
const REQUESTS = 3;
/** Spans productpage's sidecar makes per page: its server span and a client span each for details and reviews. */
const PRODUCTPAGE_SPANS_PER_PAGE = 3;
/**
 * Spans every proxy together makes for REQUESTS pages: per page the caller's (ingress gateway or ratings sidecar)
 * client span, productpage's 3, details' and reviews' server spans; reviews v2 and v3 (2 of the 3 pages) add their
 * client span to ratings and ratings' server span.
 */
const MESH_SPANS = REQUESTS * (1 + PRODUCTPAGE_SPANS_PER_PAGE + 1 + 1) + 2 * 2;

interface ConfigOptions {
  readonly ingress?: string;
  /** lightstep.caCertificateFile, by default the CA that signed the satellites. */
  readonly caFile?: string;
}

/** The app's output for a configuration file of a release. */
function appDist(release: string, options: ConfigOptions = {}): string {
  const workspace = emptyWorkspace();
  const config = writeConfig(workspace, [
    'istio:', `  release: "${release}"`,
    'lightstep:', `  address: ${ADDRESS}`, `  caCertificateFile: ${JSON.stringify(options.caFile ?? SATELLITE_CA_FILE)}`,
    ...(options.ingress ? ['bookinfo:', `  ingress: ${options.ingress}`] : []), '',
  ].join('\n'));
  capturingWarnings(() => synthesizeInto(config, workspace.outputRoot));
  return workspace.outputRoot;
}

interface InstallOptions {
  readonly route?: string;
  readonly dist?: string;
  /** Edits the output folder before the install, as a user's own install inputs differ from the generated ones. */
  readonly editDist?: (dist: string) => void;
  /**
   * Whether the cause is in place before the install, so that INSTALL.md's own verify step (step 6) fails: then
   * every other block must still pass.
   */
  readonly brokenFromTheStart?: boolean;
}

/** INSTALL.md run to the end on a fresh fake cluster; a failure names its block, command and output. */
async function installed(release: string, options: InstallOptions = {}): Promise<InstallRun> {
  const dist = options.dist ?? appDist(release);
  options.editDist?.(dist);
  const run = await runInstall({ distDir: dist, release, route: options.route, tools, injector: () => istioPodInjector(release) });
  const verifyBlock = run.blocks.findIndex((block) => block.text.trim() === './verify.sh') + 1;
  const failedBlock = Number(/^block (\d+) /.exec(run.failure ?? '')?.[1]);
  if (run.failure && !(options.brokenFromTheStart && failedBlock === verifyBlock)) {
    await run.dispose();
    throw new Error(`Istio ${release}${options.route ? `, route ${options.route}` : ''}: ${run.failure}`);
  }
  if (options.brokenFromTheStart && !run.failure) throw new Error('the cause was in place from the start, and yet INSTALL.md\'s verify step passed');
  return run;
}

/** Shell commands against the run's cluster (the fake kubectl, with events in time), which must succeed. */
async function change(run: InstallRun, commands: string): Promise<void> {
  const result = await run.shell(commands);
  if (result.code !== 0) throw new Error(`the change failed:\n${commands}\n--- output ---\n${result.output}`);
}

interface VerifyRun {
  readonly code: number;
  readonly stdout: string;
  readonly problems: string[];
}

/** Every line a run of verify.sh printed in this file, for the README's troubleshooting table. */
const printed: string[] = [];

/** Whether a call of the verify block only reads: kubectl get, kubectl exec of the two read-only commands, curl. */
function isRead(call: ToolCall): boolean {
  if (call.tool === 'curl') return true;
  if (call.tool !== 'kubectl') return false;
  const args = call.args[0] === '-n' ? call.args.slice(2) : call.args;
  if (args[0] === 'get') return true;
  const remote = args.indexOf('--');
  const command = remote < 0 ? '' : args.slice(remote + 1).join(' ');
  return args[0] === 'exec' && (command === 'pilot-agent request GET stats' || /^curl -sS [a-z0-9.-]+:\d+\/\S*$/.test(command));
}

/** Runs the generated verify.sh in the dist folder against the run's cluster; fails on any call that is not a read. */
async function verify(run: InstallRun, requests = REQUESTS): Promise<VerifyRun> {
  const result = await run.shell(`VERIFY_REQUESTS=${requests} ./verify.sh`);
  const calls = run.log.filter((call) => call.block === result.block);
  const refused = calls.filter((call) => !isRead(call));
  if (calls.length === 0 || refused.length > 0) {
    throw new Error(`verify.sh made ${calls.length} calls, and these are not reads:\n${refused.map((call) => `${call.tool} ${call.args.join(' ')}`).join('\n')}`);
  }
  // The harness's own line for a block that exits non-zero is not verify.sh's.
  const stdout = result.output.split('\n').filter((line) => !line.startsWith('INSTALL-RUN:')).join('\n');
  printed.push(stdout);
  expect(stdout).not.toContain(INSTALL_RUN_TOKEN);
  expect(stdout).not.toContain(Buffer.from(INSTALL_RUN_TOKEN).toString('base64'));
  return { code: result.code, stdout, problems: stdout.split('\n').filter((line) => line.startsWith('PROBLEM')) };
}

/** The name of the first pod of a workload ("productpage-v1") in a namespace, as the fake cluster runs it now. */
function podOf(run: InstallRun, namespace: string, workload: string): string {
  const pod = run.dataPlane.podsIn(namespace).find((candidate) => candidate.metadata.name.startsWith(`${workload}-`) && candidate.metadata.name.split('-').length === workload.split('-').length + 2);
  if (!pod) throw new Error(`no pod of ${namespace}/${workload}`);
  return pod.metadata.name;
}

/** The address a cloud's load balancer gave a Service. */
function loadBalancerAddress(run: InstallRun, namespace: string, service: string): string {
  return run.cluster.get('Service', namespace, service)!.status.loadBalancer.ingress[0].ip;
}

/** The LightStep counter of productpage's sidecar, as Envoy counts it now. */
function spansSentBy(run: InstallRun, namespace: string, pod: string): number {
  return run.traffic.countersOf(run.dataPlane.pod(namespace, pod)!).spansSent;
}

const VERDICT_OK = 'Spans left the mesh. In LightStep, select the service productpage.default (Explorer or Service Directory) to see them.';
const lastLine = (stdout: string) => stdout.trimEnd().split('\n').at(-1);
const through = (address: string, gateway = 'istio-ingressgateway') =>
  `ok       ${REQUESTS} of ${REQUESTS} requests through the Istio ingress gateway ${gateway} (http://${address}/productpage) answered with the Bookinfo page`;
const collectorProved = (receiver: string) =>
  `ok       the collector accepted ${MESH_SPANS} spans on its ${receiver} receiver and its otlp exporter sent ${MESH_SPANS} to LightStep`;

describe('a healthy mesh: every check ok, spans proven, exit 0', () => {
  test.each([['1.4.10', undefined], ['1.9.9', 'istioctl'], ['1.9.9', 'helm']])('native LightStep tracer, Istio %s, route %s: the CA mounts and productpage\'s counter', async (release, route) => {
    const run = await installed(release, { route });
    const productpage = podOf(run, 'default', 'productpage-v1');
    const before = spansSentBy(run, 'default', productpage);
    const result = await verify(run);
    expect(result.problems).toEqual([]);
    for (const workload of ['details-v1', 'ratings-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3', 'productpage-v1']) {
      expect(result.stdout).toContain(`ok       pod ${podOf(run, 'default', workload)} (Bookinfo ${workload}) mounts lightstep.cacert at /etc/lightstep\n`);
    }
    expect(result.stdout).toContain(`ok       pod ${podOf(run, 'istio-system', 'istio-ingressgateway')} (ingress gateway) mounts lightstep.cacert at /etc/lightstep\n`);
    expect(result.stdout).toContain(`ok       mesh config holds address: ${ADDRESS}\n`);
    expect(result.stdout).toContain(`${through(`${loadBalancerAddress(run, 'istio-system', 'istio-ingressgateway')}:80`)}\n`);
    const sent = REQUESTS * PRODUCTPAGE_SPANS_PER_PAGE;
    expect(result.stdout).toContain(`ok       the sidecar of ${productpage} sent ${sent} spans to LightStep (tracing.lightstep.spans_sent ${before} -> ${before + sent})\n`);
    expect(lastLine(result.stdout)).toBe(VERDICT_OK);
    expect(result.code).toBe(0);
  }, 120_000);

  test.each([
    ['1.16.0', 'istioctl', 'zipkin'], ['1.16.0', 'helm', 'zipkin'], ['1.30.3', 'istioctl', 'otlp'], ['1.30.3', 'helm', 'otlp'],
  ])('the collector, Istio %s, route %s: its %s receiver and exporter counters', async (release, route, receiver) => {
    const run = await installed(release, { route });
    const result = await verify(run);
    expect(result.problems).toEqual([]);
    expect(result.stdout).toContain('ok       token Secret lightstep-access-token holds access_token in namespace observability\n');
    expect(result.stdout).toContain('ok       collector otel-collector in namespace observability is ready (1 ready)\n');
    expect(result.stdout).toContain(`${through(`${loadBalancerAddress(run, 'istio-system', 'istio-ingressgateway')}:80`)}\n`);
    expect(result.stdout).toContain(`${collectorProved(receiver)}\n`);
    expect(lastLine(result.stdout)).toBe(VERDICT_OK);
    expect(result.code).toBe(0);
  }, 120_000);
});

describe('how the traffic gets in', () => {
  test('an ingress the user\'s machine cannot reach (loadBalancerSourceRanges of the company network, 1.30.3): the requests go from inside the mesh', async () => {
    const run = await installed('1.30.3', { route: 'istioctl' });
    await change(run, 'kubectl -n istio-system patch service istio-ingressgateway -p \'{"spec":{"loadBalancerSourceRanges":["10.0.0.0/8"]}}\'');
    const result = await verify(run);
    expect(result.problems).toEqual([]);
    const url = `http://${loadBalancerAddress(run, 'istio-system', 'istio-ingressgateway')}:80/productpage`;
    expect(result.stdout).toContain(`note     ${url} (the Istio ingress gateway istio-ingressgateway) did not answer with the Bookinfo page from here; sending the requests from inside the mesh\n`);
    expect(result.stdout).toContain(`ok       ${REQUESTS} of ${REQUESTS} requests from the ratings pod to productpage:9080/productpage answered with the Bookinfo page\n`);
    expect(result.stdout).toContain(`${collectorProved('otlp')}\n`);
    expect(result.code).toBe(0);
  }, 120_000);

  test('a NodePort ingress gateway (1.4.10): the node\'s address and the node port Istio\'s chart gives http2', async () => {
    const run = await installed('1.4.10');
    await change(run, 'kubectl -n istio-system patch service istio-ingressgateway -p \'{"spec":{"type":"NodePort"}}\'');
    const result = await verify(run);
    expect(result.problems).toEqual([]);
    // 31380: gateways.istio-ingressgateway.ports, name http2, of the 1.4 chart (charts/gateways/values.yaml).
    expect(result.stdout).toContain(`${through(`${NODE_ADDRESS}:31380`)}\n`);
    expect(result.code).toBe(0);
  }, 120_000);

  test('a library user\'s ingress gateway installed by Helm as istio-ingress, labelled istio: ingress, 1.14.6', async () => {
    const root = tempDir();
    const app = new App({ outdir: path.join(root, 'manifests') });
    const chart = new Chart(app, 'platform');
    const tracing = new LightstepTracing(chart, 'tracing', {
      istioRelease: IstioRelease.of('1.14.6'), address: ADDRESS, caCertificate: CaCertificate.fromFile(SATELLITE_CA_FILE),
      accessToken: AccessToken.fromEnv(), ingressGatewayName: 'istio-ingress', ingressGatewayLabels: { istio: 'ingress' }, applicationNamespaces: ['default'],
    });
    // Given no selector, Bookinfo's Gateway selects the labels the tracing's install gives its gateway.
    const bookinfo = new Bookinfo(chart, 'bookinfo', { istioRelease: IstioRelease.of('1.14.6') });
    expect(bookinfo.ingressGatewaySelector).toEqual({ istio: 'ingress' });
    app.synth();
    new LightstepInstallGuide({ tracing, bookinfo }).writeTo(root);
    const run = await installed('1.14.6', { route: 'helm', dist: root });
    const result = await verify(run);
    expect(result.problems).toEqual([]);
    const gateway = podOf(run, 'istio-system', 'istio-ingress');
    expect(run.dataPlane.pod('istio-system', gateway)!.object.metadata.labels).toEqual(expect.objectContaining({ app: 'istio-ingress', istio: 'ingress' }));
    expect(result.stdout).toContain(`ok       pod ${gateway} (ingress gateway) mounts lightstep.cacert at /etc/lightstep\n`);
    expect(result.stdout).toContain(`${through(`${loadBalancerAddress(run, 'istio-system', 'istio-ingress')}:80`, 'istio-ingress')}\n`);
    expect(result.code).toBe(0);
  }, 120_000);

  test('the Gateway API (1.30.3): the address istiod\'s gateway Service got, on the listener port', async () => {
    const run = await installed('1.30.3', { route: 'istioctl', dist: appDist('1.30.3', { ingress: 'gateway-api' }) });
    const result = await verify(run);
    expect(result.problems).toEqual([]);
    const service = run.cluster.list('Service', 'default').find((s) => (s.metadata.ownerReferences ?? []).some((owner: any) => owner.kind === 'Gateway' && owner.name === 'bookinfo-gateway'))!;
    expect(result.stdout).toContain(`ok       ${REQUESTS} of ${REQUESTS} requests through the Gateway API Gateway bookinfo-gateway (http://${service.status.loadBalancer.ingress[0].ip}:80/productpage) answered with the Bookinfo page\n`);
    expect(result.stdout).toContain(`${collectorProved('otlp')}\n`);
    expect(result.code).toBe(0);
  }, 120_000);
});

/** Names a pod of the run as the fake cluster runs it when called: pod('default', 'details-v1'). */
type PodNamer = (namespace: string, workload: string) => string;

/** A problem, the real cause that produces it on a derived cluster, and what verify.sh must print for it. */
interface ProblemScenario {
  readonly release: string;
  readonly route?: string;
  /** The app's configuration, where the cause is in it (a CA file). */
  readonly config?: ConfigOptions;
  /** The user's own install inputs or notes, where the cause is in them: INSTALL.md's verify step then fails. */
  readonly editDist?: (dist: string) => void;
  /** The cause, as commands run against the installed cluster. */
  readonly commands?: (pod: PodNamer) => string;
  /** Exactly the PROBLEM lines, in order, named after the cause. */
  readonly problems: (pod: PodNamer) => string[];
  /** Other lines it must print (a fix, an ok line that still holds). */
  readonly lines?: (pod: PodNamer) => string[];
  /** Its last line. */
  readonly verdict: string;
}

const NOTHING_PROVEN = (problems: number) => `No span was proven to leave the mesh: fix the ${problems} problem(s) above and run this again.`;
const PROVEN_BUT = (problems: number) => `Spans left the mesh, but ${problems} problem(s) above need a fix. In LightStep, select the service productpage.default.`;
const NO_SPAN_AT_THE_RECEIVER = 'PROBLEM  the collector\'s otlp receiver accepted no spans (refused: 0)';

const PROBLEM_SCENARIOS: Record<string, ProblemScenario> = {
  'the CA Secret of istio-system deleted (1.9.9)': {
    release: '1.9.9', route: 'istioctl',
    commands: () => 'kubectl -n istio-system delete secret lightstep.cacert',
    problems: () => ['PROBLEM  Secret lightstep.cacert is missing in namespace istio-system'],
    lines: () => ['         fix: apply the generated manifests (kubectl apply -f ./manifests/), then restart the pods of istio-system that mount it'],
    verdict: PROVEN_BUT(1),
  },
  'a Helm-installed gateway without the CA mount: step 2\'s kubectl patch skipped (1.9.9, Helm)': {
    release: '1.9.9', route: 'helm',
    editDist: (dist) => withoutLine(path.join(dist, 'INSTALL.md'), /^kubectl -n istio-system patch deployment istio-ingressgateway /),
    problems: (pod) => [`PROBLEM  the sidecar of pod ${pod('istio-system', 'istio-ingressgateway')} (ingress gateway) does not mount lightstep.cacert at /etc/lightstep`],
    lines: () => ['         fix: install Istio with the generated install inputs (they set the LightStep tracer and the mount), then run: kubectl -n istio-system rollout restart deployment istio-ingressgateway'],
    verdict: PROVEN_BUT(1),
  },
  'the gateway restarted while its CA Secret was gone, the Secret applied again afterwards (1.4.10)': {
    release: '1.4.10',
    commands: () => 'kubectl -n istio-system delete secret lightstep.cacert\nkubectl -n istio-system rollout restart deployment/istio-ingressgateway\nkubectl apply -f manifests/',
    problems: (pod) => [`PROBLEM  pod ${pod('istio-system', 'istio-ingressgateway')} (ingress gateway) started before lightstep.cacert existed and read no CA`],
    lines: () => ['         fix: run: kubectl -n istio-system rollout restart deployment istio-ingressgateway'],
    verdict: PROVEN_BUT(1),
  },
  'a Bookinfo pod restarted while injection was off in its namespace (1.9.9)': {
    release: '1.9.9', route: 'istioctl',
    commands: () => 'kubectl label namespace default istio-injection-\nkubectl -n default rollout restart deployment/details-v1',
    problems: (pod) => [`PROBLEM  pod ${pod('default', 'details-v1')} (Bookinfo details-v1) has no istio-proxy sidecar`],
    lines: () => ['         fix: enable injection for namespace default (label istio-injection=enabled, or istio.io/rev), then run: kubectl -n default rollout restart deployment details-v1'],
    verdict: PROVEN_BUT(1),
  },
  'the CA file is the repository\'s demo CA, which signed no satellite (1.9.9): every report fails, spans are dropped': {
    release: '1.9.9', route: 'istioctl', config: { caFile: DEMO_CA_FILE },
    problems: (pod) => [
      `PROBLEM  the sidecar of ${pod('default', 'productpage-v1')} dropped ${REQUESTS * PRODUCTPAGE_SPANS_PER_PAGE} spans`,
      `PROBLEM  the sidecar of ${pod('default', 'productpage-v1')} sent no span to LightStep (tracing.lightstep.spans_sent stays 0)`,
    ],
    verdict: NOTHING_PROVEN(2),
  },
  'Istio 1.4.10 trims the tracer\'s counters: the annotation removed from productpage\'s pod template': {
    release: '1.4.10',
    commands: () => 'kubectl -n default patch deployment productpage-v1 --type=json -p \'[{"op":"remove","path":"/spec/template/metadata/annotations/sidecar.istio.io~1statsInclusionPrefixes"}]\'',
    problems: (pod) => [`PROBLEM  the sidecar of ${pod('default', 'productpage-v1')} has no tracing.lightstep.spans_sent counter`],
    lines: () => ['         fix: either its proxy has no LightStep tracer (see the mesh config check) or Istio trims the statistic: annotate the pod template of productpage in default with sidecar.istio.io/statsInclusionPrefixes: "tracing.lightstep"'],
    verdict: NOTHING_PROVEN(1),
  },
  'Istio 1.9.9 trims the tracer\'s counters: the user\'s IstioOperator without proxyStatsMatcher': {
    release: '1.9.9', route: 'istioctl',
    editDist: (dist) => withoutLine(path.join(dist, 'istio', 'istio-operator.yaml'), /^ {6}proxyStatsMatcher:$|^ {8}inclusionPrefixes:$|^ {10}- tracing\.lightstep$/),
    problems: (pod) => [`PROBLEM  the sidecar of ${pod('default', 'productpage-v1')} has no tracing.lightstep.spans_sent counter`],
    lines: () => ['         fix: either its proxy has no LightStep tracer (see the mesh config check) or Istio trims the statistic: add meshConfig.defaultConfig.proxyStatsMatcher.inclusionPrefixes: [tracing.lightstep] to the install inputs, reinstall, and restart the pods of default'],
    verdict: NOTHING_PROVEN(1),
  },
  'the CA file is the repository\'s demo CA (1.30.3): the collector accepts every span and fails every export': {
    release: '1.30.3', route: 'istioctl', config: { caFile: DEMO_CA_FILE },
    problems: () => [`PROBLEM  the collector accepted ${MESH_SPANS} spans but its otlp exporter sent 0 and failed ${MESH_SPANS}`],
    lines: () => ['         fix: check the token Secret and the LightStep address: kubectl -n observability logs deployment/otel-collector'],
    verdict: NOTHING_PROVEN(1),
  },
  'a default-deny NetworkPolicy in the collector\'s namespace (1.30.3): no span reaches its receiver': {
    release: '1.30.3', route: 'istioctl',
    commands: () => [
      'kubectl apply -f - <<\'EOF\'', 'apiVersion: networking.k8s.io/v1', 'kind: NetworkPolicy',
      'metadata:', '  name: default-deny-ingress', '  namespace: observability', 'spec:', '  podSelector: {}', '  policyTypes: [Ingress]', 'EOF',
    ].join('\n'),
    problems: () => [NO_SPAN_AT_THE_RECEIVER],
    verdict: NOTHING_PROVEN(1),
  },
  'the token Secret deleted (1.30.3): the running collector keeps the token it started with': {
    release: '1.30.3', route: 'istioctl',
    commands: () => 'kubectl -n observability delete secret lightstep-access-token',
    problems: () => ['PROBLEM  token Secret lightstep-access-token with key access_token is missing in namespace observability'],
    lines: () => [collectorProved('otlp')],
    verdict: PROVEN_BUT(1),
  },
  'the collector\'s CA Secret deleted, then its pod evicted (1.30.3): the new pod cannot mount it': {
    release: '1.30.3', route: 'istioctl',
    commands: (pod) => `kubectl -n observability delete secret lightstep.cacert\nkubectl -n observability delete pod ${pod('observability', 'otel-collector')}`,
    problems: (pod) => [
      'PROBLEM  Secret lightstep.cacert with key cacert.pem is missing in namespace observability',
      'PROBLEM  collector otel-collector in namespace observability has no ready pod',
      `PROBLEM  cannot read the collector's metrics on port 8888 of pod ${pod('observability', 'otel-collector')}`,
    ],
    lines: () => ['         fix: apply the generated manifests (kubectl apply -f ./manifests/): the collector mounts it and its pod starts once it exists'],
    verdict: NOTHING_PROVEN(3),
  },
  'the collector scaled to zero (1.30.3)': {
    release: '1.30.3', route: 'istioctl',
    commands: () => 'kubectl -n observability scale deployment otel-collector --replicas=0',
    problems: () => ['PROBLEM  collector otel-collector in namespace observability has no ready pod', 'PROBLEM  cannot read the collector\'s metrics on port 8888 of pod (none)'],
    verdict: NOTHING_PROVEN(2),
  },
  'the user\'s IstioOperator names the provider otel (1.30.3): the Telemetry\'s provider is missing from the mesh config': {
    release: '1.30.3', route: 'istioctl',
    editDist: (dist) => replaceOnce(path.join(dist, 'istio', 'istio-operator.yaml'), /^( +)- name: lightstep$/m, '$1- name: otel'),
    problems: () => ['PROBLEM  mesh config (ConfigMap istio) does not hold name: lightstep', NO_SPAN_AT_THE_RECEIVER],
    lines: () => ['ok       mesh config holds service: otel-collector.observability.svc.cluster.local'],
    verdict: NOTHING_PROVEN(2),
  },
  'the Telemetry patched to another provider (1.30.3)': {
    release: '1.30.3', route: 'istioctl',
    commands: () => 'kubectl -n istio-system patch telemetries.telemetry.istio.io mesh-default --type=json -p \'[{"op":"replace","path":"/spec/tracing/0/providers","value":[{"name":"zipkin"}]}]\'',
    problems: () => ['PROBLEM  Telemetry istio-system/mesh-default does not select provider lightstep', NO_SPAN_AT_THE_RECEIVER],
    verdict: NOTHING_PROVEN(2),
  },
};

describe('verify.sh names each problem, caused as it happens in real clusters, and its fix: exit 1', () => {
  test.each(Object.entries(PROBLEM_SCENARIOS))('%s', async (_title, scenario) => {
    const causedBeforeInstall = scenario.config !== undefined || scenario.editDist !== undefined;
    const dist = appDist(scenario.release, scenario.config);
    const run = await installed(scenario.release, { route: scenario.route, dist, editDist: scenario.editDist, brokenFromTheStart: causedBeforeInstall });
    const pod: PodNamer = (namespace, workload) => podOf(run, namespace, workload);
    if (scenario.commands) await change(run, scenario.commands(pod));
    const result = await verify(run);
    expect(result.problems).toEqual(scenario.problems(pod));
    for (const line of scenario.lines?.(pod) ?? []) expect(result.stdout).toContain(`${line}\n`);
    expect(lastLine(result.stdout)).toBe(scenario.verdict);
    expect(result.code).toBe(1);
  }, 120_000);
});

describe('what verify.sh itself guarantees', () => {
  test('a cluster it cannot reach (the API server does not answer the user\'s machine): exit 2, no verdict', async () => {
    const run = await installed('1.30.3', { route: 'istioctl' });
    run.cluster.apiServerReachable = false;
    const result = await verify(run);
    expect(result.stdout).toBe('\n== Istio 1.30.3: pre-flight\n'
      + 'cannot read namespace istio-system: check that kubectl reaches the cluster (kubectl config current-context) and that Istio is installed\n');
    expect(result.code).toBe(2);
  }, 120_000);

  test('the check of every scenario fails when the verify block makes a call that is not a read', async () => {
    const run = await installed('1.9.9', { route: 'istioctl' });
    const restarting = await run.shell('./verify.sh && kubectl -n default rollout restart deployment/productpage-v1');
    const calls = run.log.filter((call) => call.block === restarting.block);
    expect(calls.filter((call) => !isRead(call)).map((call) => call.args.join(' '))).toEqual(['-n default rollout restart deployment/productpage-v1']);
    expect(calls.filter(isRead).length).toBeGreaterThan(10);
  }, 120_000);
});

describe('the README shows these runs, and explains every problem line it shows', () => {
  const readme = fs.readFileSync('README.md', 'utf8');
  const samples = [...readme.matchAll(/<!-- verify-sample:[^\n]*-->\n```\n\$ dist\/verify\.sh[^\n]*\n([\s\S]*?)\$ echo \$\?\n(\d+)\n```/g)]
    .map((match) => ({ stdout: match[1], code: Number(match[2]) }));

  test('the two sample runs: Istio 1.9.9 healthy, Istio 1.30.3 with the demo CA; output and exit code', async () => {
    expect(samples).toHaveLength(2);
    const healthy = await verify(await installed('1.9.9', { route: 'istioctl' }), 10);
    const failing = await verify(await installed('1.30.3', { route: 'istioctl', dist: appDist('1.30.3', { caFile: DEMO_CA_FILE }), brokenFromTheStart: true }), 10);
    expect(samples).toEqual([{ stdout: healthy.stdout, code: healthy.code }, { stdout: failing.stdout, code: failing.code }]);
  }, 120_000);

  test('every row of the troubleshooting table starts a line that a run of this file printed', () => {
    const table = readme.slice(readme.indexOf('| verify.sh says |'));
    const rows = [...table.slice(0, table.indexOf('\n\n')).matchAll(/^\| `([^`]+)`/gm)].map((match) => match[1]);
    expect(rows.length).toBeGreaterThan(10);
    const lines = printed.join('\n');
    for (const row of rows) {
      // N, P and D stand for a namespace, a pod and a Deployment, '…' for any text.
      const pattern = row.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/…/g, '.*').replace(/\b[NPD]\b/g, '\\S+');
      expect({ row, printed: new RegExp(`^(PROBLEM  )?${pattern}`, 'm').test(lines) }).toEqual({ row, printed: true });
    }
  });
});

/** Removes the lines of a file that match, as a user whose own copy lacks them; fails when none does. */
function withoutLine(file: string, pattern: RegExp): void {
  const text = fs.readFileSync(file, 'utf8');
  const edited = text.split('\n').filter((line) => !pattern.test(line)).join('\n');
  if (edited === text) throw new Error(`${file} has no line ${pattern}`);
  fs.writeFileSync(file, edited);
}

/** Replaces the first match in a file; fails when there is none. */
function replaceOnce(file: string, pattern: RegExp, replacement: string): void {
  const text = fs.readFileSync(file, 'utf8');
  if (!pattern.test(text)) throw new Error(`${file} has no match for ${pattern}`);
  fs.writeFileSync(file, text.replace(pattern, replacement));
}
