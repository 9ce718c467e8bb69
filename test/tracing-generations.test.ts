import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { dump } from 'js-yaml';
import { MeshAnalysis } from '../src/analysis';
import { ConfigurationError } from '../src/configuration-error';
import { IstioRelease, TracingGeneration } from '../src/istio-release';
import { AccessToken, CaCertificate, IstioInstallTool, LightstepTracing, LightstepTracingProps } from '../src/tracing';
import { warningsOf } from '../src/warnings';
import { expectSchemaValid } from './support/schemas';

// Synthesis prints the warnings these tests provoke on purpose; the tests read them with warningsOf instead.
const printWarning = console.warn;
beforeAll(() => { console.warn = () => undefined; });
afterAll(() => { console.warn = printWarning; });

// Testing.app() makes a temporary folder per app; these charts are never written, so one folder serves them all.
const OUTDIR = mkdtempSync(join(tmpdir(), 'cdk8s-istio-lightstep-tracing-'));
afterAll(() => rmSync(OUTDIR, { recursive: true, force: true }));

const CA_FILE = fileURLToPath(new URL('./fixtures/certs/valid-ca.pem', import.meta.url));
const SATELLITE = 'lightstep-satellite.lightstep:9292';

function tracing(props: Partial<LightstepTracingProps> = {}) {
  const chart = new Chart(Testing.app({ outdir: OUTDIR }), 'tracing');
  const built = new LightstepTracing(chart, 'lightstep', {
    istioRelease: IstioRelease.of('1.30'), address: SATELLITE, caCertificate: CaCertificate.fromFile(CA_FILE), ...props,
  });
  const objects = chart.toJson();
  const input = (fileName: string) => {
    const found = built.installInputs.find((i) => i.fileName === fileName);
    if (!found) throw new Error(`no install input ${fileName}`);
    return found.content as any;
  };
  return { chart, built, objects, input, analysis: MeshAnalysis.of(chart) };
}

const where = (objects: any[]) => objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);

describe('Istio 1.1-1.5: Helm values of the istio chart', () => {
  test('1.1 reproduces the LightStep task: values, token flag, the Secret in default', () => {
    const { built, objects, analysis } = tracing({ istioRelease: IstioRelease.of('1.1') });
    expect(built.generation).toBe(TracingGeneration.HELM_VALUES);
    expect(built.installInputs.map((i) => [i.fileName, i.tool])).toEqual([['istio-helm-values.yaml', IstioInstallTool.HELM_ISTIO_CHART]]);
    expect(built.installInputs[0].content).toEqual({
      global: {
        proxy: { tracer: 'lightstep' },
        tracer: { lightstep: { address: 'lightstep-satellite.lightstep:9292', secure: true, cacertPath: '/etc/lightstep/cacert.pem' } },
      },
      pilot: { traceSampling: 100 },
    });
    expect(built.tokenInstallArgs).toEqual(['--set "global.tracer.lightstep.accessToken=$LIGHTSTEP_ACCESS_TOKEN"']);
    expect(built.tokenSetupCommands).toEqual([]);
    expect(built.meshConfig).toBeUndefined();
    expect(built.collector).toBeUndefined();
    expect(built.secretNamespaces).toEqual(['default']);
    expect(objects).toEqual([{
      apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
      metadata: { name: 'lightstep.cacert', namespace: 'default', labels: { app: 'lightstep' } },
      data: { 'cacert.pem': Buffer.from(CaCertificate.fromFile(CA_FILE).pem).toString('base64') },
    }]);
    expect(analysis.requiredSecrets).toEqual([expect.objectContaining({ namespace: 'default', name: 'lightstep.cacert', key: 'cacert.pem' })]);
    expect(analysis.analyze()).toEqual([]);
    expectSchemaValid(objects);
  });

  test('1.4 adds the Secret in istio-system, where the Helm gateway chart mounts it', () => {
    const { built, analysis } = tracing({ istioRelease: IstioRelease.of('1.4'), applicationNamespaces: ['bookinfo', 'shop'] });
    expect(built.secretNamespaces).toEqual(['bookinfo', 'shop', 'istio-system']);
    expect(analysis.requiredSecrets.find((r) => r.namespace === 'istio-system')?.reason).toMatch(/ingress gateway istio-ingressgateway/);
  });

  test('a secure satellite needs a CA on 1.1-1.5; a plaintext one needs neither CA nor Secret', () => {
    expect(() => tracing({ istioRelease: IstioRelease.of('1.5'), caCertificate: undefined }))
      .toThrow(/LightstepTracing.caCertificate: a CA certificate is required when secure is true: the LightStep tracer of Istio 1.5.10 reads the CA from cacertPath.*Fix: .*lightstep.caCertificateFile/);
    const { built, objects } = tracing({ istioRelease: IstioRelease.of('1.5'), caCertificate: undefined, secure: false });
    expect((built.installInputs[0].content as any).global.tracer.lightstep).toEqual({ address: SATELLITE, secure: false });
    expect(objects).toEqual([]);
  });

  test('a custom cacertPath decides the Secret key and stays consistent with the values', () => {
    const { built, objects, analysis } = tracing({ istioRelease: IstioRelease.of('1.3'), cacertPath: '/etc/ls/satellite-ca.crt' });
    expect((built.installInputs[0].content as any).global.tracer.lightstep.cacertPath).toBe('/etc/ls/satellite-ca.crt');
    expect(Object.keys(objects[0].data)).toEqual(['satellite-ca.crt']);
    expect(analysis.analyze()).toEqual([]);
    for (const bad of ['cacert.pem', '/cacert.pem', '/etc/lightstep/', '/etc/light step/ca.pem']) {
      expect(() => tracing({ istioRelease: IstioRelease.of('1.3'), cacertPath: bad })).toThrow(/LightstepTracing.cacertPath/);
    }
  });

  test('revisions do not exist before 1.6', () => {
    expect(() => tracing({ istioRelease: IstioRelease.of('1.5'), revision: 'canary' })).toThrow(/LightstepTracing.revision: Istio 1.1-1.5 have no control plane revisions/);
  });
});

describe('Istio 1.6-1.14: mesh config in an IstioOperator', () => {
  test('1.9: tracer, mesh config with TLS, the ingress gateway overlay, istiod values, Secrets in app and Istio namespaces', () => {
    const { built, input, objects, analysis } = tracing({ istioRelease: IstioRelease.of('1.9.3') });
    expect(built.generation).toBe(TracingGeneration.MESH_CONFIG);
    expect(built.installInputs.map((i) => [i.fileName, i.tool])).toEqual([
      ['istio-operator.yaml', IstioInstallTool.ISTIOCTL],
      ['istiod-helm-values.yaml', IstioInstallTool.HELM_ISTIOD_CHART],
    ]);
    const operator = input('istio-operator.yaml');
    expect(operator.apiVersion).toBe('install.istio.io/v1alpha1');
    expect(operator.kind).toBe('IstioOperator');
    expect(operator.spec.values).toEqual({ global: { proxy: { tracer: 'lightstep' } } });
    const tracingConfig = {
      sampling: 100,
      lightstep: { address: SATELLITE },
      tlsSettings: { mode: 'SIMPLE', caCertificates: '/etc/lightstep/cacert.pem', sni: 'lightstep-satellite.lightstep' },
    };
    // proxyStatsMatcher keeps Envoy's tracing.lightstep.* counters, which verify.sh reads (1.8+).
    const statsMatcher = { inclusionPrefixes: ['tracing.lightstep'] };
    expect(operator.spec.meshConfig).toEqual({ enableTracing: true, defaultConfig: { tracing: tracingConfig, proxyStatsMatcher: statsMatcher } });
    expect(operator.spec.components.ingressGateways).toEqual([{
      name: 'istio-ingressgateway',
      enabled: true,
      k8s: {
        overlays: [{
          kind: 'Deployment',
          name: 'istio-ingressgateway',
          patches: [
            { path: 'spec.template.spec.containers[0].volumeMounts[-1]', value: { name: 'lightstep-certs', mountPath: '/etc/lightstep', readOnly: true } },
            { path: 'spec.template.spec.volumes[-1]', value: { name: 'lightstep-certs', secret: { secretName: 'lightstep.cacert', optional: true } } },
          ],
        }],
      },
    }]);
    expect(input('istiod-helm-values.yaml')).toEqual({
      global: { proxy: { tracer: 'lightstep' } },
      meshConfig: { enableTracing: true, defaultConfig: { tracing: tracingConfig, proxyStatsMatcher: statsMatcher } },
    });
    expect(built.meshConfig).toBe(operator.spec.meshConfig);
    expect(built.tokenInstallArgs).toEqual(['--set "meshConfig.defaultConfig.tracing.lightstep.accessToken=$LIGHTSTEP_ACCESS_TOKEN"']);
    expect(built.installInputs[1].installArgs).toEqual(built.tokenInstallArgs);
    expect(where(objects)).toEqual(['Secret default/lightstep.cacert', 'Secret istio-system/lightstep.cacert']);
    expect(analysis.meshConfigSources.map((s) => s.source)).toEqual(['istio-operator.yaml', 'istiod-helm-values.yaml']);
    expect(analysis.analyze()).toEqual([]);
    expectSchemaValid(objects);
  });

  test('1.7 has no istiod Helm chart, so only the IstioOperator', () => {
    const { built } = tracing({ istioRelease: IstioRelease.of('1.7') });
    expect(built.installInputs.map((i) => i.fileName)).toEqual(['istio-operator.yaml']);
  });

  test.each(['1.6.0', '1.7', '1.14.6'])('%s: secure without a CA is refused with why and the config key to set', (istioRelease) => {
    let error: unknown;
    try {
      tracing({ istioRelease: IstioRelease.of(istioRelease), caCertificate: undefined });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).field).toBe('LightstepTracing.caCertificate');
    expect((error as ConfigurationError).message).toMatch(/mountPath ""\), which the API server rejects, and from Istio 1.7 Envoy rejects the empty TLS validation context/);
    expect((error as ConfigurationError).fix).toMatch(/lightstep.caCertificateFile.*or set secure: false/);
  });

  test('1.6.0-1.7.0: no -1 overlay, the gateway gets its CA from a kubectl patch instead', () => {
    for (const istioRelease of ['1.6.0', '1.6.14', '1.7.0']) {
      const { built, input } = tracing({ istioRelease: IstioRelease.of(istioRelease) });
      expect(input('istio-operator.yaml').spec.components).toBeUndefined();
      expect(built.gatewayPatchCommands).toEqual([expect.stringMatching(/^kubectl -n istio-system patch deployment istio-ingressgateway --type=json -p '\[.*"\/spec\/template\/spec\/volumes\/-".*\]'$/)]);
    }
    expect(tracing({ istioRelease: IstioRelease.of('1.7.1') }).built.gatewayPatchCommands).toEqual([]);
    expect(tracing({ istioRelease: IstioRelease.of('1.7.1') }).input('istio-operator.yaml').spec.components.ingressGateways).toHaveLength(1);
  });

  test('plaintext: no tlsSettings; a CA with secure: false is refused', () => {
    const { input } = tracing({ istioRelease: IstioRelease.of('1.14'), caCertificate: undefined, secure: false });
    expect(input('istio-operator.yaml').spec.meshConfig.defaultConfig.tracing).toEqual({ sampling: 100, lightstep: { address: SATELLITE } });
    expect(() => tracing({ istioRelease: IstioRelease.of('1.14'), secure: false })).toThrow(/LightstepTracing.caCertificate: a CA certificate is given but secure is false/);
  });

  test('revision, Istio namespace, gateway name and cacertPath reach the install inputs', () => {
    const { built, input } = tracing({
      istioRelease: IstioRelease.of('1.12'), revision: '1-12-9', istioNamespace: 'mesh', ingressGatewayName: 'edge-gateway', cacertPath: '/etc/ls/ca.crt',
    });
    const operator = input('istio-operator.yaml');
    expect(operator.metadata.namespace).toBe('mesh');
    expect(operator.spec.revision).toBe('1-12-9');
    expect(input('istiod-helm-values.yaml').revision).toBe('1-12-9');
    const gateway = operator.spec.components.ingressGateways[0];
    expect([gateway.name, gateway.namespace, gateway.k8s.overlays[0].name]).toEqual(['edge-gateway', 'mesh', 'edge-gateway']);
    expect(gateway.k8s.overlays[0].patches[0].value.mountPath).toBe('/etc/ls');
    expect(built.secretNamespaces).toEqual(['default', 'mesh']);
    expect(built.secrets.map((s) => s.key)).toEqual(['ca.crt', 'ca.crt']);
    expect(() => tracing({ istioRelease: IstioRelease.of('1.12'), revision: '1.12' })).toThrow(/LightstepTracing.revision: not a valid revision name/);
  });

  test('an injected namespace left out of applicationNamespaces is reported by the analysis', () => {
    const { chart, analysis } = tracing({ istioRelease: IstioRelease.of('1.9') });
    new k8s.KubeNamespace(chart, 'shop', { metadata: { name: 'shop', labels: { 'istio-injection': 'enabled' } } });
    expect(analysis.analyze()).toEqual([expect.stringMatching(/^Secret shop\/lightstep.cacert is missing: sidecars of Istio 1.9.9 mount it at \/etc\/lightstep/)]);
  });
});

describe('Istio 1.16.1+: OpenTelemetry collector', () => {
  test('1.30: collector, extension provider, v1 Telemetry naming it, CA only in the collector namespace', () => {
    const { built, input, objects, analysis } = tracing({ istioRelease: IstioRelease.of('1.30'), applicationNamespaces: ['bookinfo'] });
    expect(built.generation).toBe(TracingGeneration.OPENTELEMETRY);
    const collector = built.collector!;
    const provider = { name: 'lightstep', opentelemetry: { service: 'otel-collector.observability.svc.cluster.local', port: 4317 } };
    expect(input('istio-operator.yaml').spec).toEqual({ meshConfig: { enableTracing: true, extensionProviders: [provider] } });
    expect(input('istiod-helm-values.yaml')).toEqual({ meshConfig: { enableTracing: true, extensionProviders: [provider] } });
    const service = objects.find((o) => o.kind === 'Service');
    expect(provider.opentelemetry.service).toBe(`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`);
    expect(collector.serviceFqdn).toBe(provider.opentelemetry.service);
    expect(service.spec.ports.find((p: any) => p.port === provider.opentelemetry.port).name).toBe('grpc-otlp');

    const telemetry = objects.find((o) => o.kind === 'Telemetry');
    expect(telemetry).toEqual({
      apiVersion: 'telemetry.istio.io/v1',
      kind: 'Telemetry',
      metadata: { name: 'mesh-default', namespace: 'istio-system' },
      spec: { tracing: [{ providers: [{ name: 'lightstep' }], randomSamplingPercentage: 100 }] },
    });
    expect(built.providerName).toBe(telemetry.spec.tracing[0].providers[0].name);
    expect(built.secretNamespaces).toEqual(['observability']);
    expect(objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.namespace)).toEqual(['observability']);
    expect(built.tokenInstallArgs).toEqual([]);
    expect(built.tokenSetupCommands).toEqual([expect.stringMatching(/^kubectl -n observability create secret generic lightstep-access-token --from-literal=access_token="\$LIGHTSTEP_ACCESS_TOKEN"/)]);
    expect(analysis.analyze()).toEqual([]);
    expectSchemaValid(objects);
  });

  test('1.16.1 uses the v1alpha1 Telemetry and still has istiod values', () => {
    const { built, objects, analysis } = tracing({ istioRelease: IstioRelease.of('1.16.1') });
    expect(objects.find((o) => o.kind === 'Telemetry').apiVersion).toBe('telemetry.istio.io/v1alpha1');
    expect(built.installInputs.map((i) => i.fileName)).toEqual(['istio-operator.yaml', 'istiod-helm-values.yaml']);
    expect(analysis.analyze()).toEqual([]);
    expectSchemaValid(objects);
  });

  test('never emits the removed lightstep extension provider, nor the native tracer settings', () => {
    for (const istioRelease of ['1.16.1', '1.26', '1.27', '1.30']) {
      const { built } = tracing({ istioRelease: IstioRelease.of(istioRelease) });
      const text = JSON.stringify(built.installInputs.map((i) => i.content));
      expect(text).not.toMatch(/"lightstep":|"tracer":|defaultConfig/);
    }
  });

  test('provider name, collector namespace, sampling and revision carry through', () => {
    const { built, input, objects, analysis } = tracing({
      istioRelease: IstioRelease.of('1.24'), providerName: 'ls-otel', collector: { namespace: 'telemetry' }, sampling: 100, revision: 'stable', caCertificate: undefined,
    });
    expect(input('istio-operator.yaml').spec.revision).toBe('stable');
    expect(input('istio-operator.yaml').spec.meshConfig.extensionProviders[0]).toEqual({
      name: 'ls-otel', opentelemetry: { service: 'otel-collector.telemetry.svc.cluster.local', port: 4317 },
    });
    expect(objects.find((o) => o.kind === 'Telemetry').spec.tracing[0].providers).toEqual([{ name: 'ls-otel' }]);
    expect(built.secrets).toEqual([]);
    expect(analysis.analyze()).toEqual([]);
    expect(() => tracing({ providerName: 'has space' })).toThrow(/LightstepTracing.providerName/);
  });

  test('plaintext and system-roots variants of the exporter', () => {
    const exporter = (props: Partial<LightstepTracingProps>) => tracing(props).built.collector!.config.exporters.otlp;
    expect(exporter({ address: 'ingest.lightstep.com:443', caCertificate: undefined }).tls).toBeUndefined();
    expect(exporter({ secure: false, caCertificate: undefined }).tls).toEqual({ insecure: true });
    expect(exporter({}).tls).toEqual({ ca_file: '/etc/lightstep/cacert.pem' });
  });
});

describe('Istio 1.15.0-1.16.0: Zipkin to the collector', () => {
  test.each(['1.15.0', '1.15', '1.16.0'])('%s: the proxies report Zipkin to the collector, which exports OTLP to LightStep', (istioRelease) => {
    const { built, input, objects, analysis } = tracing({ istioRelease: IstioRelease.of(istioRelease) });
    expect(built.generation).toBe(TracingGeneration.ZIPKIN);
    const meshConfig = {
      enableTracing: true,
      defaultConfig: { tracing: { sampling: 100, zipkin: { address: 'otel-collector.observability.svc.cluster.local:9411' } } },
    };
    expect(input('istio-operator.yaml').spec).toEqual({ meshConfig, values: { global: { proxy: { tracer: 'zipkin' } } } });
    expect(input('istiod-helm-values.yaml')).toEqual({ global: { proxy: { tracer: 'zipkin' } }, meshConfig });
    expect(built.tokenInstallArgs).toEqual([]);
    expect(built.collector!.config.receivers.zipkin).toEqual({ endpoint: '0.0.0.0:9411' });
    expect(built.collector!.config.service.pipelines.traces.receivers).toEqual(['otlp', 'zipkin']);
    const service = objects.find((o) => o.kind === 'Service');
    expect(service.spec.ports.find((p: any) => p.port === 9411).name).toBe('http-zipkin');
    expect(objects.filter((o) => o.kind === 'Telemetry')).toEqual([]);
    expect(where(objects.filter((o) => o.kind === 'Secret'))).toEqual(['Secret observability/lightstep.cacert']);
    expect(analysis.analyze()).toEqual([]);
    expectSchemaValid(objects);
  });

  test('the OpenTelemetry path has no zipkin receiver', () => {
    const { built, objects } = tracing({ istioRelease: IstioRelease.of('1.16.1') });
    expect(built.collector!.config.receivers.zipkin).toBeUndefined();
    expect(objects.find((o) => o.kind === 'Service').spec.ports.map((p: any) => p.name)).toEqual(['grpc-otlp', 'http-otlp']);
  });
});

describe('a release newer than the newest known', () => {
  test.each(['1.31', '1.40.2'])('%s is configured like the newest known release, with a warning naming the newest verified one', (istioRelease) => {
    const { built, chart } = tracing({ istioRelease: IstioRelease.of(istioRelease) });
    expect(built.generation).toBe(TracingGeneration.OPENTELEMETRY);
    expect(warningsOf(chart)).toEqual([expect.stringMatching(new RegExp(`Istio ${istioRelease.replace(/\./g, '\\.')} is newer than the newest release this library was checked against \\(1\\.30\\.3\\)`))]);
  });
});

describe('releases without a LightStep path', () => {
  test.each([
    ['1.0', /Istio 1.0.9 cannot send spans to LightStep: its proxy has no tracer that can reach LightStep/],
  ])('%s is refused with the reason and what to target', (istioRelease, reason) => {
    let error: unknown;
    try {
      tracing({ istioRelease: IstioRelease.of(istioRelease) });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).field).toBe('LightstepTracing.istioRelease');
    expect((error as ConfigurationError).message).toMatch(reason);
    expect((error as ConfigurationError).fix).toMatch(/target Istio 1.1 or later/);
  });
});

describe('props shared by every generation', () => {
  test.each(['1.1', '1.9', '1.30'])('%s: sampling below 100 warns; out of range is refused', (istioRelease) => {
    const { chart } = tracing({ istioRelease: IstioRelease.of(istioRelease), sampling: 0.5 });
    expect(warningsOf(chart)).toEqual([expect.stringMatching(/sampling is 0.5%: LightStep .* advises tracing 100%/)]);
    expect(warningsOf(tracing({ istioRelease: IstioRelease.of(istioRelease) }).chart)).toEqual([]);
    for (const sampling of [NaN, -1, 100.5, Infinity, '50' as any]) {
      expect(() => tracing({ istioRelease: IstioRelease.of(istioRelease), sampling })).toThrow(/LightstepTracing.sampling: sampling is a percentage from 0 to 100/);
    }
  });

  test('the sampling rate lands where each generation reads it', () => {
    expect(tracing({ istioRelease: IstioRelease.of('1.2'), sampling: 25 }).input('istio-helm-values.yaml').pilot.traceSampling).toBe(25);
    expect(tracing({ istioRelease: IstioRelease.of('1.10'), sampling: 25 }).input('istio-operator.yaml').spec.meshConfig.defaultConfig.tracing.sampling).toBe(25);
    expect(tracing({ istioRelease: IstioRelease.of('1.22'), sampling: 25 }).objects.find((o) => o.kind === 'Telemetry').spec.tracing[0].randomSamplingPercentage).toBe(25);
  });

  test('the address is validated under the LightstepTracing prop name', () => {
    expect(() => tracing({ address: 'https://ingest.lightstep.com' })).toThrow(/^LightstepTracing at [^ ]+: LightstepTracing.address: the address is a URL/);
    expect(() => tracing({ address: 'satellite:99999' })).toThrow(/^LightstepTracing at [^ ]+: LightstepTracing\.address: port "99999"/);
  });

  test('namespaces are validated and deduplicated', () => {
    expect(tracing({ istioRelease: IstioRelease.of('1.3'), applicationNamespaces: ['a', 'b', 'a'] }).built.secretNamespaces).toEqual(['a', 'b']);
    expect(tracing({ istioRelease: IstioRelease.of('1.4'), applicationNamespaces: ['istio-system'] }).built.secretNamespaces).toEqual(['istio-system']);
    expect(() => tracing({ applicationNamespaces: ['Default'] })).toThrow(/LightstepTracing.applicationNamespaces\[0\]: not a valid namespace name/);
    expect(() => tracing({ istioNamespace: 'istio_system' })).toThrow(/LightstepTracing.istioNamespace/);
  });

  test('install inputs render byte-identically on every run', () => {
    for (const istioRelease of ['1.1', '1.9', '1.30']) {
      const render = () => tracing({ istioRelease: IstioRelease.of(istioRelease) }).built.installInputs.map((i) => dump(i.content)).join('---\n');
      expect(render()).toBe(render());
    }
  });
});

describe('the access token', () => {
  const RELEASES = ['1.1', '1.4', '1.5', '1.6', '1.7', '1.9', '1.14', '1.15.0', '1.16.0', '1.16.1', '1.21', '1.22', '1.30'];
  const KNOWN = 'known-test-token-value';
  const saved = process.env.LIGHTSTEP_ACCESS_TOKEN;
  beforeAll(() => { process.env.LIGHTSTEP_ACCESS_TOKEN = KNOWN; });
  afterAll(() => {
    if (saved === undefined) delete process.env.LIGHTSTEP_ACCESS_TOKEN;
    else process.env.LIGHTSTEP_ACCESS_TOKEN = saved;
  });

  function everything(built: LightstepTracing, objects: any[]): string {
    return [dump(objects), ...built.installInputs.map((i) => dump(i.content)), JSON.stringify(built.installInputs)].join('\n');
  }

  test.each(RELEASES)('%s: from the shell, it is in no object and no install input', (istioRelease) => {
    const { built, objects, chart } = tracing({ istioRelease: IstioRelease.of(istioRelease) });
    const output = everything(built, objects);
    expect(output).not.toContain(KNOWN);
    expect(output).not.toContain(Buffer.from(KNOWN).toString('base64'));
    expect(Testing.synth(chart).map((o) => JSON.stringify(o)).join()).not.toContain(KNOWN);
    expect(warningsOf(chart)).toEqual([]);
  });

  test.each(RELEASES)('%s: from an existing Secret, it is read at install time', (istioRelease) => {
    const { built, objects } = tracing({ istioRelease: IstioRelease.of(istioRelease), accessToken: AccessToken.fromSecret('lightstep-token', 'token') });
    expect(everything(built, objects)).not.toContain(KNOWN);
    if (built.collector) {
      expect(built.tokenInstallArgs).toEqual([]);
      expect(objects.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef).toEqual({ name: 'lightstep-token', key: 'token' });
    } else {
      expect(built.tokenInstallArgs[0]).toMatch(/accessToken=\$\(kubectl -n istio-system get secret lightstep-token -o jsonpath='\{\.data\.token\}' \| base64 -d\)"$/);
    }
  });

  test.each(RELEASES)('%s: a literal token is written, with a warning', (istioRelease) => {
    const { built, objects, chart } = tracing({ istioRelease: IstioRelease.of(istioRelease), accessToken: AccessToken.fromLiteralUnsafe(KNOWN) });
    expect(everything(built, objects)).toContain(KNOWN);
    expect(built.tokenInstallArgs).toEqual([]);
    expect(built.tokenSetupCommands).toEqual([]);
    expect(warningsOf(chart)).toEqual([expect.stringMatching(/fromLiteralUnsafe is written into/)]);
    expectSchemaValid(objects);
  });

  test('a literal token sits where each generation reads it', () => {
    const literal = AccessToken.fromLiteralUnsafe(KNOWN);
    expect(tracing({ istioRelease: IstioRelease.of('1.1'), accessToken: literal }).input('istio-helm-values.yaml').global.tracer.lightstep.accessToken).toBe(KNOWN);
    const meshConfig = tracing({ istioRelease: IstioRelease.of('1.9'), accessToken: literal });
    expect(meshConfig.input('istio-operator.yaml').spec.meshConfig.defaultConfig.tracing.lightstep.accessToken).toBe(KNOWN);
    expect(meshConfig.input('istiod-helm-values.yaml').meshConfig.defaultConfig.tracing.lightstep.accessToken).toBe(KNOWN);
    const collector = tracing({ istioRelease: IstioRelease.of('1.30'), accessToken: literal });
    expect(collector.objects.find((o) => o.kind === 'Secret' && o.metadata.name === 'lightstep-access-token').stringData.access_token).toBe(KNOWN);
  });
});
