import { fileURLToPath } from 'node:url';
import { Chart, Testing } from 'cdk8s';
import { Deployment, EnvValue, Volume } from 'cdk8s-plus-27';
import { load } from 'js-yaml';
import { MeshAnalysis } from '../src/analysis';
import { ConfigurationError } from '../src/configuration-error';
import { AccessToken, AccessTokenSource, CaCertificate, LightstepCaCertSecret, OtelCollector } from '../src/tracing';
import { warningsOf } from '../src/warnings';
import { expectSchemaValid } from './support/schemas';

// Synthesis prints the warnings these tests provoke on purpose; the tests read them with warningsOf instead.
const printWarning = console.warn;
beforeAll(() => { console.warn = () => undefined; });
afterAll(() => { console.warn = printWarning; });

const CA_FILE = fileURLToPath(new URL('./fixtures/certs/valid-ca.pem', import.meta.url));
const ca = () => CaCertificate.fromFile(CA_FILE);

function newChart(): Chart {
  return new Chart(Testing.app(), 'test');
}

function find(objects: any[], kind: string, name?: string): any {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!found) throw new Error(`no ${kind} ${name ?? ''}`);
  return found;
}

describe('AccessToken', () => {
  test('fromEnv defaults to LIGHTSTEP_ACCESS_TOKEN and yields a shell variable', () => {
    const token = AccessToken.fromEnv();
    expect(token.source).toBe(AccessTokenSource.ENVIRONMENT);
    expect(token.envName).toBe('LIGHTSTEP_ACCESS_TOKEN');
    expect(token.shellExpression('istio-system')).toBe('$LIGHTSTEP_ACCESS_TOKEN');
    expect(token.literalValue).toBeUndefined();
  });

  test.each(['', '1TOKEN', 'LS-TOKEN', 'A B', '$X'])('fromEnv refuses the name %j', (name) => {
    expect(() => AccessToken.fromEnv(name)).toThrow(ConfigurationError);
    expect(() => AccessToken.fromEnv(name)).toThrow(/AccessToken.fromEnv: not a valid environment variable name.*Fix:/);
  });

  test('fromSecret reads the Secret with kubectl at install time, in the given or default namespace', () => {
    expect(AccessToken.fromSecret('ls-token', 'token.txt').shellExpression('istio-system'))
      .toBe("$(kubectl -n istio-system get secret ls-token -o jsonpath='{.data.token\\.txt}' | base64 -d)");
    expect(AccessToken.fromSecret('ls-token', 'access_token', 'ops').shellExpression('istio-system')).toMatch(/^\$\(kubectl -n ops get secret ls-token/);
    expect(() => AccessToken.fromSecret('Bad_Name', 'k')).toThrow(/fromSecret.secretName/);
    expect(() => AccessToken.fromSecret('ok', 'a/b')).toThrow(/fromSecret.key: not a valid Secret key/);
    expect(() => AccessToken.fromSecret('ok', 'k', 'Ops')).toThrow(/fromSecret.namespace/);
  });

  test('fromLiteralUnsafe keeps the value and refuses an empty one', () => {
    const token = AccessToken.fromLiteralUnsafe('abc');
    expect(token.literalValue).toBe('abc');
    expect(token.shellExpression('x')).toBeUndefined();
    expect(() => AccessToken.fromLiteralUnsafe(' ')).toThrow(/empty/);
  });
});

describe('LightstepCaCertSecret', () => {
  test('is the seed Secret: name, label, type, base64 PEM under cacert.pem', () => {
    const chart = newChart();
    const secret = new LightstepCaCertSecret(chart, 'ca', { namespace: 'default', certificate: ca() });
    const [manifest] = chart.toJson();
    expect(manifest).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'lightstep.cacert', namespace: 'default', labels: { app: 'lightstep' } },
      type: 'Opaque',
      data: { 'cacert.pem': Buffer.from(ca().pem).toString('base64') },
    });
    expect(secret.name).toBe('lightstep.cacert');
    expect(secret.key).toBe('cacert.pem');
    expect(secret.kind).toBe('Secret');
    expect(secret.node.defaultChild?.node.id).toBe('Resource');
    expectSchemaValid([manifest]);
  });

  test('mounts into a cdk8s-plus Deployment through Volume.fromSecret and feeds EnvValue.fromSecretValue', () => {
    const chart = newChart();
    const secret = new LightstepCaCertSecret(chart, 'ca', { namespace: 'default', certificate: ca() });
    const deployment = new Deployment(chart, 'app', { metadata: { namespace: 'default' } });
    const container = deployment.addContainer({ image: 'example/app:1.0', envVariables: { CA_PEM: EnvValue.fromSecretValue({ secret, key: secret.key }) } });
    // Named: the name cdk8s-plus derives from the Secret's, secret-lightstep.cacert, is no volume name the API server takes.
    container.mount('/etc/lightstep', Volume.fromSecret(chart, 'ca-volume', secret, { name: 'lightstep-ca' }), { readOnly: true });
    const objects = chart.toJson();
    const pod = find(objects, 'Deployment').spec.template.spec;
    expect(pod.volumes).toEqual([expect.objectContaining({ secret: expect.objectContaining({ secretName: 'lightstep.cacert' }) })]);
    expect(pod.containers[0].volumeMounts).toEqual([expect.objectContaining({ mountPath: '/etc/lightstep', readOnly: true })]);
    expect(pod.containers[0].env).toEqual([{ name: 'CA_PEM', valueFrom: { secretKeyRef: { name: 'lightstep.cacert', key: 'cacert.pem' } } }]);
    expect(secret.envValue('cacert.pem').valueFrom).toEqual({ secretKeyRef: { name: 'lightstep.cacert', key: 'cacert.pem' } });
    expectSchemaValid(objects);
  });

  test('name and key can be changed and are validated', () => {
    const chart = newChart();
    new LightstepCaCertSecret(chart, 'ca', { namespace: 'apps', certificate: ca(), name: 'satellite-ca', key: 'ca.crt' });
    expect(chart.toJson()[0].data).toHaveProperty(['ca.crt']);
    expect(() => new LightstepCaCertSecret(newChart(), 'x', { namespace: 'Apps', certificate: ca() })).toThrow(/LightstepCaCertSecret.namespace/);
    expect(() => new LightstepCaCertSecret(newChart(), 'x', { namespace: 'a', certificate: ca(), key: '../x' })).toThrow(/LightstepCaCertSecret.key/);
  });

  test('reports the certificate warnings once per app, however many namespaces get the Secret', () => {
    const chart = newChart();
    const leaf = CaCertificate.fromFile(fileURLToPath(new URL('./fixtures/certs/leaf-not-ca.pem', import.meta.url)));
    new LightstepCaCertSecret(chart, 'a', { namespace: 'a', certificate: leaf });
    new LightstepCaCertSecret(chart, 'b', { namespace: 'b', certificate: leaf });
    expect(warningsOf(chart)).toEqual([expect.stringMatching(/not a CA certificate/)]);
  });
});

describe('OtelCollector', () => {
  function collector(props: Partial<ConstructorParameters<typeof OtelCollector>[2]> = {}) {
    const chart = newChart();
    const built = new OtelCollector(chart, 'collector', { address: 'ingest.lightstep.com:443', ...props });
    const objects = chart.toJson();
    const config = load(find(objects, 'ConfigMap').data['collector.yaml']) as any;
    return { chart, built, objects, config };
  }

  test('namespace without injection, ServiceAccount, ConfigMap, Deployment and Service, all schema-valid', () => {
    const { built, objects } = collector();
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual([
      'Namespace /observability',
      'ServiceAccount observability/otel-collector',
      'ConfigMap observability/otel-collector-config',
      'Deployment observability/otel-collector',
      'Service observability/otel-collector',
    ]);
    expect(find(objects, 'Namespace').metadata.labels).toEqual({ 'istio-injection': 'disabled' });
    expect(built.serviceFqdn).toBe('otel-collector.observability.svc.cluster.local');
    expect(built.grpcPort).toBe(4317);
    expect(built.accessTokenSecretName).toBe('lightstep-access-token');
    expect(built.accessTokenSecretKey).toBe('access_token');
    expectSchemaValid(objects);
  });

  test('Service ports named for Istio protocol selection, matching the container ports', () => {
    const { built, objects } = collector();
    const service = find(objects, 'Service');
    expect(service.spec.ports).toEqual([
      { name: 'grpc-otlp', port: 4317, targetPort: 4317, protocol: 'TCP' },
      { name: 'http-otlp', port: 4318, targetPort: 4318, protocol: 'TCP' },
    ]);
    expect(`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`).toBe(built.serviceFqdn);
    const pod = find(objects, 'Deployment').spec.template;
    expect(service.spec.selector).toEqual(find(objects, 'Deployment').spec.selector.matchLabels);
    expect(pod.metadata.labels).toMatchObject({ ...service.spec.selector, 'sidecar.istio.io/inject': 'false' });
    expect(pod.spec.containers[0].ports.map((p: any) => p.containerPort)).toEqual(expect.arrayContaining([4317, 4318]));
  });

  test('Deployment: pinned image, config arg, token env from the Secret, limits that match memory_limiter', () => {
    const { objects, config } = collector();
    const pod = find(objects, 'Deployment').spec.template.spec;
    const container = pod.containers[0];
    expect(container.image).toBe(OtelCollector.DEFAULT_IMAGE);
    expect(OtelCollector.DEFAULT_IMAGE).toMatch(/^otel\/opentelemetry-collector-contrib:0\.(1[1-9]\d|[2-9]\d\d)\.\d+$/);
    expect(container.args).toEqual(['--config=/conf/collector.yaml']);
    expect(container.volumeMounts).toEqual([{ name: 'config', mountPath: '/conf', readOnly: true }]);
    expect(pod.volumes).toEqual([{ name: 'config', configMap: { name: 'otel-collector-config' } }]);
    expect(container.env[0]).toEqual({ name: 'LS_TOKEN', valueFrom: { secretKeyRef: { name: 'lightstep-access-token', key: 'access_token' } } });
    const limitMib = Number(/^(\d+)Mi$/.exec(container.resources.limits.memory)![1]);
    const limiter = config.processors.memory_limiter;
    expect(limiter.check_interval).toBe('1s');
    expect(limiter.limit_mib).toBeLessThan(limitMib);
    expect(limiter.spike_limit_mib).toBeLessThan(limiter.limit_mib);
    expect(container.env).toContainEqual({ name: 'GOMEMLIMIT', value: `${limiter.limit_mib}MiB` });
    expect(container.readinessProbe.httpGet.port).toBe(Number(config.extensions.health_check.endpoint.split(':')[1]));
  });

  test('config: OTLP receivers, memory_limiter then batch, otlp exporter with the token header and system roots', () => {
    const { config } = collector();
    expect(config.receivers.otlp.protocols).toEqual({ grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } });
    expect(config.exporters).toEqual({ otlp: { endpoint: 'ingest.lightstep.com:443', headers: { 'lightstep-access-token': '${env:LS_TOKEN}' } } });
    expect(config.service.pipelines).toEqual({ traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp'] } });
    expect(JSON.stringify(config)).not.toMatch(/logging/);
  });

  test('a CA certificate: the Secret in the collector namespace, mounted read-only, exporter tls.ca_file; registered with the analysis', () => {
    const { chart, built, objects, config } = collector({ caCertificate: ca(), address: 'lightstep-satellite.lightstep:9292' });
    expect(config.exporters.otlp.tls).toEqual({ ca_file: '/etc/lightstep/cacert.pem' });
    const secret = find(objects, 'Secret', 'lightstep.cacert');
    expect(secret.metadata.namespace).toBe('observability');
    const pod = find(objects, 'Deployment').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'lightstep-certs', secret: { secretName: 'lightstep.cacert' } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'lightstep-certs', mountPath: '/etc/lightstep', readOnly: true });
    expect(built.caCertSecret?.namespace).toBe('observability');
    expect(MeshAnalysis.of(chart).requiredSecrets).toEqual([expect.objectContaining({ namespace: 'observability', name: 'lightstep.cacert', key: 'cacert.pem' })]);
    expect(MeshAnalysis.of(chart).analyze()).toEqual([]);
    expectSchemaValid(objects);
  });

  test('secure: false exports in plaintext; a CA with secure: false is refused', () => {
    expect(collector({ secure: false, address: 'satellite:9292' }).config.exporters.otlp.tls).toEqual({ insecure: true });
    expect(() => collector({ secure: false, caCertificate: ca() })).toThrow(/OtelCollector.caCertificate: a CA certificate is given but secure is false/);
  });

  test('secure: false to LightStep\'s public ingest, which serves TLS only, is refused', () => {
    for (const address of ['ingest.lightstep.com:443', 'ingest.eu.lightstep.com:443', 'INGEST.lightstep.com:443']) {
      expect(() => collector({ secure: false, address })).toThrow(/OtelCollector\.secure: .*:443 is LightStep's public endpoint, which takes spans over TLS only.*\(got false\)\. Fix: set secure: true/);
    }
  });

  test('namespace, name and image can be changed; the config rolls the pod through a checksum', () => {
    const { built, objects } = collector({ namespace: 'telemetry', name: 'ls-collector', image: 'otel/opentelemetry-collector-k8s:0.120.0', createNamespace: false });
    expect(objects.some((o) => o.kind === 'Namespace')).toBe(false);
    expect(built.serviceFqdn).toBe('ls-collector.telemetry.svc.cluster.local');
    expect(find(objects, 'Deployment').spec.template.spec.containers[0].image).toBe('otel/opentelemetry-collector-k8s:0.120.0');
    const checksum = (o: any[]) => find(o, 'Deployment').spec.template.metadata.annotations['checksum/config'];
    expect(checksum(objects)).toBe(checksum(collector().objects));
    expect(checksum(collector({ address: 'satellite:9292' }).objects)).not.toBe(checksum(collector().objects));
    expect(checksum(collector().objects)).toBe(checksum(collector().objects));
    expect(() => collector({ image: 'has space' })).toThrow(/OtelCollector.image/);
    expect(() => collector({ name: 'Collector' })).toThrow(/OtelCollector.name: not a valid Service name/);
  });

  test('token from the shell: a kubectl command creates the Secret in the collector namespace, no Secret object', () => {
    const { built, objects } = collector({ accessToken: AccessToken.fromEnv('LS_ACCESS') });
    expect(built.tokenSetupCommands).toEqual([
      'kubectl -n observability create secret generic lightstep-access-token --from-literal=access_token="$LS_ACCESS" --dry-run=client -o yaml | kubectl apply --server-side -f -',
    ]);
    expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
  });

  test('token from an existing Secret: referenced as is, which must be in the collector namespace', () => {
    const { built, objects } = collector({ accessToken: AccessToken.fromSecret('my-token', 'token') });
    expect(find(objects, 'Deployment').spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef).toEqual({ name: 'my-token', key: 'token' });
    expect(built.tokenSetupCommands).toEqual([]);
    expect(() => collector({ accessToken: AccessToken.fromSecret('my-token', 'token', 'ops') }))
      .toThrow(/AccessToken.fromSecret.namespace: the collector runs in namespace "observability".*Fix: create the Secret my-token in "observability"/);
  });

  test('a literal token: a Secret holds it, after the Namespace, with a warning', () => {
    const { chart, objects } = collector({ accessToken: AccessToken.fromLiteralUnsafe('literal-token-value') });
    expect(objects.findIndex((o) => o.kind === 'Namespace')).toBe(0);
    expect(find(objects, 'Secret', 'lightstep-access-token').stringData).toEqual({ access_token: 'literal-token-value' });
    expect(warningsOf(chart)).toEqual([expect.stringMatching(/fromLiteralUnsafe is written into the Secret lightstep-access-token in namespace observability/)]);
    expectSchemaValid(objects);
  });

  test.each([
    ['https://ingest.lightstep.com:443', /is a URL/],
    ['ingest.lightstep.com', /has no port/],
    ['ingest.lightstep.com:0', /not a number from 1 to 65535/],
    ['ingest.lightstep.com:65536', /not a number from 1 to 65535/],
    ['ingest.lightstep.com:https', /not a number/],
    ['ingest.lightstep.com:443/v1/traces', /has a path/],
    ['[2001:db8::1]:443', /IPv6 address literals are not supported.*DNS name/],
    ['2001:db8::1:443', /IPv6/],
    [':443', /is not a host name/],
    ['bad_host!:443', /is not a host name/],
    ['300.1.1.1:443', /is not a host name or IPv4/],
    [' ingest.lightstep.com:443', /whitespace/],
    ['', /missing/],
  ])('refuses the address %j', (address, problem) => {
    expect(() => collector({ address })).toThrow(problem);
  });

  test.each(['10.0.0.7:8184', 'satellite:9292', 'ingest.eu.lightstep.com:443', 'a.b-c.example:65535'])('accepts the address %j', (address) => {
    expect(collector({ address }).config.exporters.otlp.endpoint).toBe(address);
  });
});
