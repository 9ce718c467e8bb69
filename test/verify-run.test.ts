import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BookinfoIngressKind, VerifyScript, VerifyScriptProps } from '../src';
import { serveRecordedCluster } from './support/fake-cluster/recorded-cluster';
import { GenerationCase, generationCases, propsFromConstructs } from './support/verify-cases';

const HERE = dirname(fileURLToPath(import.meta.url));

// verify.sh runs against a recorded cluster: test/support/fake-cluster puts a kubectl and a curl first on PATH that
// answer from test/fixtures/verify/<cluster> (kubectl through the recorded cluster this test serves) and refuse
// anything that is not a read.
const FIXTURES = join(HERE, 'fixtures', 'verify');
const FAKE_BIN = join(HERE, 'support', 'fake-cluster');
const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'verify-run-'));
let cluster: { port: number; close: () => Promise<void> };
beforeAll(async () => { cluster = await serveRecordedCluster(); });
afterAll(async () => {
  await cluster.close();
  rmSync(work, { recursive: true, force: true });
});

const PRODUCTPAGE_POD = 'productpage-v1-6b746f74dc-jx9s5';
const GATEWAY_POD = 'istio-ingressgateway-5d9c7b8f6d-wq4zn';
const COLLECTOR_POD = 'otel-collector-6f7d9c8b5-t8r2k';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly refused: string;
  readonly calls: string;
}

let counter = 0;
/** Everything the runs of this file printed, for the README's troubleshooting table. */
const printedLines: string[] = [];
/** Copies a recorded cluster, lets `change` edit the copy, and runs the script against it. */
async function verify(props: VerifyScriptProps, recorded: string, change: (dir: string, objects: any[]) => void = () => undefined, requests = 3): Promise<Run> {
  const dir = join(work, `case-${++counter}`);
  const clusterDir = join(dir, 'cluster');
  const stateDir = join(dir, 'state');
  cpSync(join(FIXTURES, recorded), clusterDir, { recursive: true });
  mkdirSync(stateDir);
  const objectsFile = join(clusterDir, 'objects.json');
  const list = JSON.parse(readFileSync(objectsFile, 'utf8'));
  change(clusterDir, list.items);
  writeFileSync(objectsFile, JSON.stringify(list));
  const script = join(dir, 'verify.sh');
  writeFileSync(script, VerifyScript.render(props));
  const env = {
    ...process.env,
    PATH: `${FAKE_BIN}:${process.env.PATH}`,
    FAKE_CLUSTER_PORT: String(cluster.port),
    FAKE_CLUSTER: clusterDir,
    FAKE_STATE: stateDir,
    VERIFY_REQUESTS: String(requests),
    VERIFY_FLUSH_SECONDS: '0',
  };
  let code = 0;
  let stdout: string;
  try {
    stdout = (await run('bash', [script], { env })).stdout;
  } catch (error: any) {
    code = error.code;
    stdout = error.stdout;
  }
  printedLines.push(stdout);
  const read = (name: string) => (existsSync(join(stateDir, name)) ? readFileSync(join(stateDir, name), 'utf8') : '');
  // Every scenario, healthy or not, fails when the script asks the cluster for anything but a read.
  if (read('refused.log') !== '') throw new Error(`verify.sh called what the recorded cluster refuses (not a read):\n${read('refused.log')}`);
  return { code, stdout, refused: read('refused.log'), calls: read('calls.log') };
}

const find = (objects: any[], kind: string, namespace: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.namespace === namespace && o.metadata.name === name);
const remove = (objects: any[], kind: string, namespace: string, name: string) =>
  objects.splice(objects.indexOf(find(objects, kind, namespace, name)), 1);
const useVariant = (dir: string, variant: string, target: string) =>
  cpSync(join(FIXTURES, 'variants', variant), join(dir, target));
const problems = (stdout: string) => stdout.split('\n').filter((line) => line.startsWith('PROBLEM'));

const cases = generationCases();
const byRelease = (release: string): GenerationCase => cases.find((c) => c.release === release)!;

describe('verify.sh against a recorded healthy mesh', () => {
  it.each(cases.map((c) => [c.label, c] as const))('%s: every check ok, exit 0, and where to look in LightStep', async (_label, c) => {
    const result = await verify(c.props, c.cluster);
    expect(problems(result.stdout)).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Spans left the mesh. In LightStep, select the service productpage.default');
    expect(result.refused).toBe('');
    expect(result.calls.split('\n').filter(Boolean).every((call) => /^(-n \S+ )?(get|exec) /.test(call))).toBe(true);
  });

  it('native tracer: reads the LightStep counters of productpage\'s sidecar before and after the traffic', async () => {
    const result = await verify(byRelease('1.9').props, 'native');
    expect(result.stdout).toContain(`ok       the sidecar of ${PRODUCTPAGE_POD} sent 48 spans to LightStep (tracing.lightstep.spans_sent 214 -> 262)`);
    expect(result.stdout).toContain('ok       3 of 3 requests through the Istio ingress gateway istio-ingressgateway (http://203.0.113.10:80/productpage) answered with the Bookinfo page');
    expect(result.stdout).toContain(`ok       pod ${GATEWAY_POD} (ingress gateway) mounts lightstep.cacert at /etc/lightstep`);
  });

  it('collector path: proves spans by the receiver and exporter counters, and falls back to in-mesh traffic when the ingress is unreachable', async () => {
    const result = await verify(byRelease('1.30').props, 'collector');
    expect(result.stdout).toContain('did not answer with the Bookinfo page from here; sending the requests from inside the mesh');
    expect(result.stdout).toContain('ok       3 of 3 requests from the ratings pod to productpage:9080/productpage answered with the Bookinfo page');
    expect(result.stdout).toContain('ok       the collector accepted 72 spans on its otlp receiver and its otlp exporter sent 72 to LightStep');
    expect(result.stdout).not.toMatch(/bm90LWEtcmVhbC10b2tlbg==|not-a-real-token/);
  });

  it('zipkin path: reads the zipkin receiver', async () => {
    const result = await verify(byRelease('1.16.0').props, 'zipkin');
    expect(result.stdout).toContain('ok       the collector accepted 60 spans on its zipkin receiver and its otlp exporter sent 60 to LightStep');
  });

  it('a NodePort ingress gateway: the node\'s address and the node port of the http2 port', async () => {
    const result = await verify(byRelease('1.4').props, 'native', (dir, objects) => {
      const service = find(objects, 'Service', 'istio-system', 'istio-ingressgateway');
      service.spec.type = 'NodePort';
      delete service.status.loadBalancer.ingress;
      cpSync(join(dir, 'ingress', '203.0.113.10_80.html'), join(dir, 'ingress', '10.0.1.11_31380.html'));
    });
    expect(result.stdout).toContain('ok       3 of 3 requests through the Istio ingress gateway istio-ingressgateway (http://10.0.1.11:31380/productpage) answered with the Bookinfo page');
    expect(result.code).toBe(0);
  });

  it('an ingress gateway with another name and the Helm chart\'s pod labels (1.6, where no overlay carries the name)', async () => {
    const props = propsFromConstructs('1.6', { gatewayName: 'edge-gateway', gatewaySelector: { istio: 'ingress' } });
    const result = await verify(props, 'native', (_dir, objects) => {
      const pod = find(objects, 'Pod', 'istio-system', GATEWAY_POD);
      pod.metadata.name = 'edge-gateway-5d9c7b8f6d-wq4zn';
      pod.metadata.labels = { app: 'edge-gateway', istio: 'ingress' };
      const service = find(objects, 'Service', 'istio-system', 'istio-ingressgateway');
      service.metadata.name = 'edge-gateway';
      service.metadata.labels = pod.metadata.labels;
    });
    expect(problems(result.stdout)).toEqual([]);
    expect(result.stdout).toContain('ok       pod edge-gateway-5d9c7b8f6d-wq4zn (ingress gateway) mounts lightstep.cacert at /etc/lightstep');
    expect(result.stdout).toContain('requests through the Istio ingress gateway edge-gateway (http://203.0.113.10:80/productpage)');
    expect(result.code).toBe(0);
  });

  it('Gateway API: sends the traffic to the Gateway\'s address on its listener port', async () => {
    const props = propsFromConstructs('1.30', { ingress: BookinfoIngressKind.GATEWAY_API });
    const result = await verify(props, 'collector', (dir, objects) => {
      objects.push({
        apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway',
        metadata: { name: 'bookinfo-gateway', namespace: 'default' },
        spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
        status: { addresses: [{ type: 'IPAddress', value: '198.51.100.7' }] },
      });
      mkdirSync(join(dir, 'ingress'));
      cpSync(join(dir, 'pages', 'productpage.html'), join(dir, 'ingress', '198.51.100.7_80.html'));
    });
    expect(result.stdout).toContain('ok       3 of 3 requests through the Gateway API Gateway bookinfo-gateway (http://198.51.100.7:80/productpage) answered with the Bookinfo page');
    expect(result.code).toBe(0);
  });
});

describe('verify.sh names the problem and its fix', () => {
  it('a missing CA Secret', async () => {
    const result = await verify(byRelease('1.9').props, 'native', (_dir, objects) => remove(objects, 'Secret', 'istio-system', 'lightstep.cacert'));
    expect(problems(result.stdout)).toEqual(['PROBLEM  Secret lightstep.cacert is missing in namespace istio-system']);
    // The manifests folder beside the script, as a path that works from where the script was started.
    expect(result.stdout).toMatch(/fix: apply the generated manifests \(kubectl apply -f \/\S+\/case-\d+\/manifests\/\), then restart the pods of istio-system that mount it/);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Spans left the mesh, but 1 problem(s) above need a fix');
  });

  it('a gateway without the CA mount', async () => {
    const result = await verify(byRelease('1.9').props, 'native', (_dir, objects) => {
      const proxy = find(objects, 'Pod', 'istio-system', GATEWAY_POD).spec.containers[0];
      proxy.volumeMounts = proxy.volumeMounts.filter((mount: any) => mount.name !== 'lightstep-certs');
    });
    expect(problems(result.stdout)).toEqual([`PROBLEM  the sidecar of pod ${GATEWAY_POD} (ingress gateway) does not mount lightstep.cacert at /etc/lightstep`]);
    expect(result.code).toBe(1);
  });

  it('a gateway that started before its Secret existed', async () => {
    const result = await verify(byRelease('1.4').props, 'native', (_dir, objects) => {
      find(objects, 'Pod', 'istio-system', GATEWAY_POD).status.startTime = '2026-11-28T09:30:00Z';
    });
    expect(problems(result.stdout)).toEqual([`PROBLEM  pod ${GATEWAY_POD} (ingress gateway) started before lightstep.cacert existed and read no CA`]);
    expect(result.stdout).toContain('fix: run: kubectl -n istio-system rollout restart deployment istio-ingressgateway');
    expect(result.code).toBe(1);
  });

  it.each([
    ['1.9', 'native', 'stats', `${PRODUCTPAGE_POD}.2.txt`, 'stats-unchanged.txt',
      `PROBLEM  the sidecar of ${PRODUCTPAGE_POD} sent no span to LightStep (tracing.lightstep.spans_sent stays 214)`],
    ['1.30', 'collector', 'metrics', `${COLLECTOR_POD}.2.txt`, 'metrics-no-spans.txt',
      'PROBLEM  the collector\'s otlp receiver accepted no spans (refused: 0)'],
  ])('zero spans (%s)', async (release, cluster, folder, file, variant, problem) => {
    const result = await verify(byRelease(release).props, cluster, (dir) => useVariant(dir, variant, join(folder, file)));
    expect(problems(result.stdout)).toEqual([problem]);
    expect(result.stdout).toContain('No span was proven to leave the mesh');
    expect(result.code).toBe(1);
  });

  it('a collector failing to export', async () => {
    const result = await verify(byRelease('1.30').props, 'collector', (dir) => useVariant(dir, 'metrics-export-failing.txt', join('metrics', `${COLLECTOR_POD}.2.txt`)));
    expect(problems(result.stdout)).toEqual(['PROBLEM  the collector accepted 72 spans but its otlp exporter sent 0 and failed 72']);
    expect(result.stdout).toContain('fix: check the token Secret and the LightStep address: kubectl -n observability logs deployment/otel-collector');
    expect(result.code).toBe(1);
  });

  it('a Bookinfo pod without a sidecar', async () => {
    const pod = 'details-v1-7d4d9d5fcb-k2x8p';
    const result = await verify(byRelease('1.9').props, 'native', (_dir, objects) => {
      const spec = find(objects, 'Pod', 'default', pod).spec;
      spec.containers = spec.containers.filter((container: any) => container.name !== 'istio-proxy');
    });
    expect(problems(result.stdout)).toEqual([`PROBLEM  pod ${pod} (Bookinfo details-v1) has no istio-proxy sidecar`]);
    expect(result.stdout).toContain('then run: kubectl -n default rollout restart deployment details-v1');
    expect(result.code).toBe(1);
  });

  it('a collector whose CA Secret is missing: the pod cannot start, and the script names the Secret', async () => {
    const result = await verify(byRelease('1.30').props, 'collector', (_dir, objects) => {
      remove(objects, 'Secret', 'observability', 'lightstep.cacert');
      // As kubelet leaves it: the Secret volume cannot be mounted, so the pod stays in ContainerCreating.
      delete find(objects, 'Deployment', 'observability', 'otel-collector').status.readyReplicas;
    });
    expect(problems(result.stdout)).toEqual([
      'PROBLEM  Secret lightstep.cacert with key cacert.pem is missing in namespace observability',
      'PROBLEM  collector otel-collector in namespace observability has no ready pod',
    ]);
    expect(result.stdout).toMatch(/fix: apply the generated manifests \(kubectl apply -f \/\S+\/manifests\/\): the collector mounts it/);
    expect(result.code).toBe(1);
  });

  it('a collector without a ready pod', async () => {
    const result = await verify(byRelease('1.30').props, 'collector', (_dir, objects) => {
      delete find(objects, 'Deployment', 'observability', 'otel-collector').status.readyReplicas;
    });
    expect(problems(result.stdout)).toEqual(['PROBLEM  collector otel-collector in namespace observability has no ready pod']);
    expect(result.code).toBe(1);
  });

  it('a missing token Secret', async () => {
    const result = await verify(byRelease('1.30').props, 'collector', (_dir, objects) => remove(objects, 'Secret', 'observability', 'lightstep-access-token'));
    expect(problems(result.stdout)).toEqual(['PROBLEM  token Secret lightstep-access-token with key access_token is missing in namespace observability']);
    expect(result.code).toBe(1);
  });

  it.each([
    ['1.4', 'annotate the pod template of productpage in default with sidecar.istio.io/statsInclusionPrefixes: "tracing.lightstep"'],
    ['1.9', 'add meshConfig.defaultConfig.proxyStatsMatcher.inclusionPrefixes: [tracing.lightstep] to the install inputs'],
  ])('Istio %s trimmed the tracer counters: says which inclusion that release takes', async (release, fix) => {
    const result = await verify(byRelease(release).props, 'native', (dir) => {
      useVariant(dir, 'stats-trimmed.txt', join('stats', `${PRODUCTPAGE_POD}.1.txt`));
      useVariant(dir, 'stats-trimmed.txt', join('stats', `${PRODUCTPAGE_POD}.2.txt`));
    });
    expect(problems(result.stdout)).toEqual([`PROBLEM  the sidecar of ${PRODUCTPAGE_POD} has no tracing.lightstep.spans_sent counter`]);
    expect(result.stdout).toContain(fix);
    expect(result.code).toBe(1);
  });

  it('a Telemetry naming a provider that the running mesh config does not define', async () => {
    const result = await verify(byRelease('1.30').props, 'collector', (_dir, objects) => {
      const mesh = find(objects, 'ConfigMap', 'istio-system', 'istio');
      mesh.data.mesh = mesh.data.mesh.replace('- name: lightstep', '- name: otel');
    });
    expect(problems(result.stdout)).toEqual(['PROBLEM  mesh config (ConfigMap istio) does not hold name: lightstep']);
    expect(result.code).toBe(1);
  });

  it('a Telemetry that selects another provider', async () => {
    const result = await verify(byRelease('1.30').props, 'collector', (_dir, objects) => {
      find(objects, 'Telemetry', 'istio-system', 'mesh-default').spec.tracing[0].providers = [{ name: 'zipkin' }];
    });
    expect(problems(result.stdout)).toContainEqual('PROBLEM  Telemetry istio-system/mesh-default does not select provider lightstep');
    expect(result.code).toBe(1);
  });

  it('a cluster it cannot read: exit 2', async () => {
    const result = await verify(byRelease('1.30').props, 'collector', (_dir, objects) => remove(objects, 'Namespace', undefined as any, 'istio-system'));
    expect(result.stdout).toContain('cannot read namespace istio-system');
    expect(result.code).toBe(2);
  });
});

describe('the README shows real runs, and explains every problem line it shows', () => {
  const readme = readFileSync(join(HERE, '..', 'README.md'), 'utf8');
  const samples = [...readme.matchAll(/<!-- verify-sample:[^\n]*-->\n```\n\$ dist\/verify\.sh[^\n]*\n([\s\S]*?)\$ echo \$\?\n(\d+)\n```/g)]
    .map((match) => ({ stdout: match[1], code: Number(match[2]) }));

  it('the two sample runs are what the generated script prints against the recorded cluster, exit code included', async () => {
    expect(samples).toHaveLength(2);
    const healthy = await verify(byRelease('1.9').props, 'native', undefined, 10);
    const failing = await verify(byRelease('1.30').props, 'collector', (dir) => useVariant(dir, 'metrics-export-failing.txt', join('metrics', `${COLLECTOR_POD}.2.txt`)), 10);
    expect(samples).toEqual([{ stdout: healthy.stdout, code: healthy.code }, { stdout: failing.stdout, code: failing.code }]);
  });

  it('every row of the troubleshooting table starts a line that a run of this file printed', () => {
    const table = readme.slice(readme.indexOf('| verify.sh says |'));
    const rows = [...table.slice(0, table.indexOf('\n\n')).matchAll(/^\| `([^`]+)`/gm)].map((match) => match[1]);
    expect(rows.length).toBeGreaterThan(10);
    const printed = printedLines.join('\n');
    for (const row of rows) {
      // N, P and D stand for a namespace, a pod and a Deployment, '…' for any text.
      const pattern = row.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/…/g, '.*').replace(/\b[NPD]\b/g, '\\S+');
      expect({ row, printed: new RegExp(`^(PROBLEM  )?${pattern}`, 'm').test(printed) }).toEqual({ row, printed: true });
    }
  });
});
