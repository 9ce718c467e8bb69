import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Chart } from 'cdk8s';
import { load } from 'js-yaml';
import { AccessToken, DataplaneMode, IstioRelease, LightstepTracing, TracerStatsInclusion, TracingGeneration, VerifyScript } from '../src';
import { ConfigurationError } from '../src/configuration-error';
import { collectorMetricsText } from './support/install-run/cluster-reads';
import { generationCases, propsFromConstructs } from './support/verify-cases';

const HERE = dirname(fileURLToPath(import.meta.url));

const UPSTREAM = join(HERE, 'fixtures', 'verify', 'upstream');
const ISTIO_UPSTREAM = join(HERE, 'fixtures', 'istio-upstream');
const upstream = (file: string) => readFileSync(join(UPSTREAM, file), 'utf8');
const cases = generationCases();
const scripts = cases.map((c) => [c.label, VerifyScript.render(c.props)] as const);
/** The ambient data plane's script: 1.22 (the CNI switch in the DaemonSet, no WaypointBound status) and 1.30. */
const ambientScripts = ['1.22', '1.30'].map((release) => [`ambient (${release})`, VerifyScript.render(propsFromConstructs(release, { dataplaneMode: DataplaneMode.AMBIENT }))] as const);

/** The collector config as the product's ConfigMap holds it, built once. */
let builtCollectorConfig: any;
function collectorConfig(): any {
  builtCollectorConfig ??= buildCollectorConfig();
  return builtCollectorConfig;
}
function buildCollectorConfig(): any {
  const outdir = mkdtempSync(join(tmpdir(), 'verify-collector-'));
  try {
    const chart = new Chart(new App({ outdir }), 'chart');
    new LightstepTracing(chart, 'Tracing', { istioRelease: IstioRelease.of('1.30'), address: 'ingest.lightstep.com:443' });
    const configMap = chart.toJson().find((o: any) => o.kind === 'ConfigMap' && o.metadata.name === 'otel-collector-config');
    return load(configMap.data['collector.yaml']);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('verify.sh is a clean, read-only bash script', () => {
  const work = mkdtempSync(join(tmpdir(), 'verify-lint-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each([...scripts, ...ambientScripts])('%s: bash -n and shellcheck pass', (label, script) => {
    const file = join(work, `${label.replace(/\W+/g, '-')}.sh`);
    writeFileSync(file, script);
    execFileSync('bash', ['-n', file]);
    // .ci/run installs shellcheck; a missing shellcheck fails here instead of skipping the check.
    const shellcheck = spawnSync('shellcheck', ['--severity=style', file], { encoding: 'utf8' });
    if (shellcheck.error) throw new Error(`shellcheck is not installed: ${shellcheck.error.message} (apt-get install -y shellcheck)`);
    expect(shellcheck.stdout + shellcheck.stderr).toBe('');
    expect(shellcheck.status).toBe(0);
  });

  /** kubectl is reached only through k(); each call of k is `get`, or `exec` of pilot-agent's GET or of curl. */
  function expectReadOnly(script: string): void {
    const direct = script.split('\n').filter((line) => line.includes('"$KUBECTL"'));
    expect(direct).toEqual(['k() { "$KUBECTL" "$@" 2>/dev/null; }']);
    const calls = [...script.matchAll(/(?:^|[\s($])k ((?:-n \S+ )?)(\S+)([^\n]*)/gm)];
    expect(calls.length).toBeGreaterThan(5);
    for (const [, , verb, rest] of calls) {
      expect(['get', 'exec']).toContain(verb);
      if (verb === 'exec') expect(rest).toMatch(/ -- (pilot-agent request GET stats|curl -sS '[^']+')\)/);
    }
    for (const word of ['create', 'apply', 'patch', 'delete', 'replace', 'edit', 'label', 'annotate', 'scale', 'rollout', 'cordon', 'drain', 'taint']) {
      const executed = script.split('\n').filter((line) => new RegExp(`^\\s*(k|kubectl|"\\$KUBECTL") .*\\b${word}\\b`).test(line));
      expect(executed).toEqual([]);
    }
    // Commands the scan above cannot see: built at run time (eval, sh -c, source) or held in a variable. Only the
    // two documented indirections run: $KUBECTL (inside k) and $CURL.
    // Quoted text and arithmetic are no command positions: a quoted lone variable ("$KUBECTL") is kept, as it can be one.
    const code = script.split('\n').filter((line) => !/^\s*#/.test(line)).map((line) => withoutQuotedText(line.replace(/\$\(\([^)]*\)\)/g, '0')));
    expect(code.filter((line) => /(^|[\s;&|(`])(eval|source)\s|\b(ba)?sh\s+-c\b|(^|[;&|]\s*)\.\s+\S/.test(line))).toEqual([]);
    const heldInVariables = code.flatMap((line) => [...line.matchAll(/(?:^|[;&|({`]|\$\(|\bthen|\bdo|\belse)\s*"?\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]));
    expect([...new Set(heldInVariables)].filter((name) => !['KUBECTL', 'CURL'].includes(name))).toEqual([]);
  }

  it.each([...scripts, ...ambientScripts])('%s: every cluster access is a read', (_label, script) => expectReadOnly(script));

  it.each([
    ['k -n "$BOOKINFO_NS" delete pod "$stats_pod"'],
    ['k -n "$ISTIO_NS" exec "$pod" -c istio-proxy -- pilot-agent request POST quitquitquit)'],
    ['"$KUBECTL" rollout restart deployment productpage-v1'],
    ['eval "kubectl delete namespace default"'],
    ['cmd=kubectl; $cmd delete pod "$stats_pod"'],
    ['"${KUBE:-kubectl}" delete pod "$stats_pod"'],
    ['bash -c \'kubectl delete pod x\''],
  ])('the read-only scan catches %s', (write) => {
    expect(() => expectReadOnly(scripts[1][1].replace('section \'spans\'', `section 'spans'\n${write}`))).toThrow();
  });

  it('holds no access token, even when the token is a literal in the generated files', () => {
    const token = 'lsat-0123456789abcdef-literal';
    for (const release of ['1.4', '1.9', '1.30']) {
      const script = VerifyScript.render(propsFromConstructs(release, { token: AccessToken.fromLiteralUnsafe(token) }));
      expect(script).not.toContain(token);
      expect(script).not.toContain(Buffer.from(token).toString('base64'));
    }
  });

  it('is byte-stable', () => {
    expect(VerifyScript.render(propsFromConstructs('1.9'))).toBe(scripts[1][1]);
  });

  it('says where to look in LightStep for this release', () => {
    for (const [, script] of scripts) expect(script).toContain("LS_SERVICE='productpage.default'");
  });
});

/** A line of shell with the text of its quotes emptied, except a quoted lone variable ("$KUBECTL"), which can be a command. */
function withoutQuotedText(line: string): string {
  let out = '';
  for (let i = 0; i < line.length; i++) {
    const quote = line[i];
    if (quote !== '"' && quote !== "'") { out += quote; continue; }
    let j = i + 1;
    while (j < line.length && line[j] !== quote) j += quote === '"' && line[j] === '\\' ? 2 : 1;
    const text = line.slice(i + 1, j);
    out += quote === '"' && /^\$\{?[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}?$/.test(text) ? `"${text}"` : `${quote}${quote}`;
    i = j;
  }
  return out;
}

describe('propsFromConstructs takes the facts from the constructs', () => {
  it('the ingress gateway: LightstepTracing\'s name and Bookinfo\'s pod selector, on releases without an overlay too', () => {
    for (const release of ['1.6', '1.9']) {
      const props = propsFromConstructs(release, { gatewayName: 'edge-gateway', gatewaySelector: { istio: 'ingress', tier: 'edge' } });
      expect([release, props.ingressGateway?.name, props.ingressGateway?.podSelector]).toEqual([release, 'edge-gateway', 'istio=ingress,tier=edge']);
    }
    expect(propsFromConstructs('1.9').ingressGateway?.podSelector).toBe('istio=ingressgateway');
  });

  it('the Istio namespace, revision and CA path of LightstepTracing', () => {
    const props = propsFromConstructs('1.9', { istioNamespace: 'mesh-control', revision: 'canary' });
    expect(props.istioNamespace).toBe('mesh-control');
    expect(props.meshConfigMapName).toBe('istio-canary');
    expect(props.caCertSecret?.namespaces).toContain('mesh-control');
    expect(props.caCertSecret?.mountPath).toBe('/etc/lightstep');
  });

  it('the collector\'s receiver for the proxies\' spans, its exporter and its CA Secret', () => {
    const zipkin = propsFromConstructs('1.16.0');
    const otlp = propsFromConstructs('1.30');
    expect([zipkin.collector?.receiver, otlp.collector?.receiver]).toEqual(['zipkin', 'otlp']);
    expect(otlp.collector?.exporter).toBe('otlp');
    // The collector mounts the CA Secret of its own namespace; no sidecar mounts it on this path.
    expect([otlp.collector?.caCertSecretName, otlp.collector?.caCertSecretKey]).toEqual(['lightstep.cacert', 'cacert.pem']);
    expect(otlp.caCertSecret).toBeUndefined();
  });
});

describe('the facts verify.sh reads are those of the upstream sources', () => {
  /** What the install runs' fake collector serves on its metrics port (test/support/install-run/cluster-reads.ts). */
  const servedMetrics = collectorMetricsText({ accepted: { otlp: 7, zipkin: 5 }, sent: 12, failed: 0 });

  it('the Envoy LightStep counters it reads exist in the tracer, under its stats prefix', () => {
    const prefix = /POOL_COUNTER_PREFIX\(stats, "([^"]+)"\)/.exec(upstream('envoy/lightstep_tracer_impl.cc.excerpt'))![1];
    const counters = (file: string) => [...upstream(file).matchAll(/COUNTER\((\w+)\)/g)].map((m) => `${prefix}${m[1]}`);
    const early = counters('envoy/lightstep_tracer_impl.h.early.excerpt');
    const late = counters('envoy/lightstep_tracer_impl.h.late.excerpt');
    const script = scripts[1][1];
    const read = [...new Set(script.match(/tracing\.lightstep\.\w+/g))];
    expect(read.length).toBeGreaterThan(0);
    for (const name of read) expect(late).toContain(name);
    // The counter that proves spans exists in every version; spans_dropped only in later ones, so it may be absent.
    expect(early).toContain('tracing.lightstep.spans_sent');
    expect(script).toContain('${counter_dropped:-0}');
    expect(TracerStatsInclusion.STAT_PREFIX).toBe(prefix.replace(/\.$/, ''));
  });

  it('the collector metrics it reads are v0.120.0 internal metrics, and the fake cluster\'s collector uses their descriptions', () => {
    const documented = [upstream('otelcol/v0.120.0-receiverhelper-documentation.md'), upstream('otelcol/v0.120.0-exporterhelper-documentation.md')]
      .flatMap((doc) => [...doc.matchAll(/^### (otelcol_\w+)$/gm)].map((m) => m[1]));
    const script = scripts[3][1];
    const read = [...new Set(script.match(/otelcol_[a-z_]+(?=')/g))];
    expect(read.sort()).toEqual(['otelcol_exporter_send_failed_spans', 'otelcol_exporter_sent_spans', 'otelcol_receiver_accepted_spans', 'otelcol_receiver_refused_spans']);
    for (const name of read) expect(documented).toContain(name);
    const metadata = upstream('otelcol/v0.120.0-receiverhelper-metadata.yaml') + upstream('otelcol/v0.120.0-exporterhelper-metadata.yaml');
    const served = [...servedMetrics.matchAll(/^# HELP otelcol_(\w+_spans) (.+)$/gm)];
    expect(served.map(([, name]) => `otelcol_${name}`).sort()).toEqual(read.sort());
    for (const [, name, description] of served) {
      expect(metadata).toContain(`    ${name}:\n      enabled: true\n      stability:\n        level: alpha\n      description: ${description}`);
    }
  });

  it('the collector serves its metrics on localhost:8888 by default, so the product\'s reader binds the pod address', () => {
    const factory = upstream('otelcol/v0.120.0-service-telemetry-factory.go');
    expect(factory).toContain('metricsHost := "localhost"');
    expect(factory).toContain('Port:              newPtr(8888)');
    const prometheus = collectorConfig().service.telemetry.metrics.readers[0].pull.exporter.prometheus;
    expect([prometheus.host, prometheus.port]).toEqual(['0.0.0.0', 8888]);
    expect(scripts[3][1]).toContain(':8888/proxy/metrics');
  });

  it('the product\'s reader drops the type suffix, the units and the scope labels, as the recorded metrics are', () => {
    // Collector v0.120.0 reads its readers with go.opentelemetry.io/contrib/config v0.14.0 (package v0.3.0).
    expect(upstream('otelcol/v0.120.0-service-go.mod.excerpt')).toBe('\tgo.opentelemetry.io/contrib/config v0.14.0\n');
    expect(upstream('otelcol/v0.120.0-service-telemetry-factory.go')).toContain('config "go.opentelemetry.io/contrib/config/v0.3.0"');
    const keys = Object.fromEntries([...upstream('otelcol/contrib-config-v0.14.0-v0.3.0-generated_config.go.excerpt')
      .matchAll(/^\t(\w+) \*\w+ `json:"[^"]*" yaml:"([a-z_]+),omitempty"/gm)].map((m) => [m[1], m[2]]));
    const options = upstream('otelcol/contrib-config-v0.14.0-v0.3.0-metric.go.excerpt');
    const prometheus = collectorConfig().service.telemetry.metrics.readers[0].pull.exporter.prometheus;
    for (const [field, option] of [['WithoutTypeSuffix', 'WithoutCounterSuffixes'], ['WithoutUnits', 'WithoutUnits'], ['WithoutScopeInfo', 'WithoutScopeInfo']]) {
      expect(options).toContain(`if prometheusConfig.${field} != nil && *prometheusConfig.${field} {\n\t\topts = append(opts, otelprom.${option}())`);
      expect([keys[field], prometheus[keys[field]]]).toEqual([keys[field], true]);
    }
    // Every key the product sets is one the schema knows.
    for (const key of Object.keys(prometheus)) expect(Object.values(keys)).toContain(key);
    // So the fake cluster's collector serves bare counter names and no scope labels, and the script reads exactly those.
    expect(servedMetrics).toMatch(/^otelcol_receiver_accepted_spans\{receiver="zipkin",/m);
    expect(servedMetrics).toMatch(/^otelcol_receiver_accepted_spans\{receiver="otlp",/m);
    expect(servedMetrics).not.toMatch(/_total\b|otel_scope_/);
    expect(scripts[3][1]).not.toContain('_total');
  });

  it('pilot-agent request reaches the admin endpoint from 1.1 to 1.14', () => {
    for (const file of ['istio/1.1.17-pilot-agent-request.go', 'istio/1.14.6-pilot-agent-request.go']) {
      expect(upstream(file)).toContain('Use:   "request <method> <path> [<body>]"');
    }
  });

  it('the page it expects is productpage\'s title', () => {
    expect(upstream('bookinfo/productpage.html')).toContain('<title>Simple Bookstore App</title>');
    expect(scripts[0][1]).toContain("PAGE_TITLE='<title>Simple Bookstore App</title>'");
  });
});

describe('TracerStatsInclusion', () => {
  const nativeTags = readdirSync(ISTIO_UPSTREAM).filter((tag) => /^\d+\.\d+\.\d+$/.test(tag))
    .filter((tag) => [TracingGeneration.HELM_VALUES, TracingGeneration.MESH_CONFIG].includes(IstioRelease.of(tag).tracingGeneration));

  it('uses proxyStatsMatcher exactly where the release\'s ProxyConfig has it, the annotation elsewhere', () => {
    expect(nativeTags.length).toBeGreaterThan(10);
    for (const tag of nativeTags) {
      const proto = readFileSync(join(ISTIO_UPSTREAM, tag, 'proxy.proto'), 'utf8');
      const hasMatcher = /ProxyStatsMatcher proxy_stats_matcher = \d+;/.test(proto) && /repeated string inclusion_prefixes = \d+;/.test(proto);
      const meshConfig = TracerStatsInclusion.meshConfigFor(IstioRelease.of(tag));
      expect([tag, meshConfig !== undefined]).toEqual([tag, hasMatcher]);
      if (meshConfig) {
        expect(meshConfig).toEqual({ defaultConfig: { proxyStatsMatcher: { inclusionPrefixes: ['tracing.lightstep'] } } });
        expect(TracerStatsInclusion.podAnnotationsFor(IstioRelease.of(tag))).toEqual({});
      } else {
        expect(Object.keys(TracerStatsInclusion.podAnnotationsFor(IstioRelease.of(tag)))).toEqual(['sidecar.istio.io/statsInclusionPrefixes']);
      }
    }
    // Where the mesh config field arrived, the bootstrap reads it.
    expect(upstream('istio/1.8.6-bootstrap-config.go')).toContain('proxyConfigPrefixes = config.ProxyStatsMatcher.InclusionPrefixes');
    expect(upstream('istio/1.14.6-bootstrap-config.go')).toContain('proxyConfigPrefixes = config.ProxyStatsMatcher.InclusionPrefixes');
  });

  it('the annotation is the one the bootstrap reads, and on 1.1 repeats the defaults it replaces', () => {
    const v11 = upstream('istio/1.1.17-bootstrap_config.go');
    expect(v11).toContain(`EnvoyStatsMatcherInclusionPatterns = "${TracerStatsInclusion.ANNOTATION}"`);
    expect(v11).toContain('opts["inclusionPatterns"] = strings.Split(inclusionPatterns, ",")');
    const defaults = [.../defaultEnvoyStatsMatcherInclusionPatterns = \[\]string\{([^}]*)\}/.exec(v11)![1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    expect(TracerStatsInclusion.podAnnotationsFor(IstioRelease.of('1.1'))[TracerStatsInclusion.ANNOTATION].split(',')).toEqual([...defaults, 'tracing.lightstep']);
    // From 1.2 the required prefixes are appended to the annotation's, so the annotation names only the tracer.
    for (const file of ['istio/1.2.10-bootstrap_config.go', 'istio/1.7.8-bootstrap-config.go']) {
      expect(upstream(file)).toMatch(/inclusionOption = append\(inclusionOption,/);
    }
    expect(TracerStatsInclusion.podAnnotationsFor(IstioRelease.of('1.4'))).toEqual({ 'sidecar.istio.io/statsInclusionPrefixes': 'tracing.lightstep' });
  });

  it('has nothing to add where the proxies have no LightStep tracer', () => {
    for (const release of ['1.16.0', '1.30']) {
      expect(TracerStatsInclusion.meshConfigFor(IstioRelease.of(release))).toBeUndefined();
      expect(TracerStatsInclusion.podAnnotationsFor(IstioRelease.of(release))).toEqual({});
    }
  });
});

describe('bad descriptions are named in the user\'s words', () => {
  const props = cases[1].props;
  it.each([
    ['VerifyScript.requests', { ...props, requests: 0 }],
    ['VerifyScript.bookinfo.namespace', { ...props, bookinfo: { ...props.bookinfo, namespace: 'Not A Namespace' } }],
    ['VerifyScript.collector', { ...props, istioRelease: IstioRelease.of('1.16.0'), collector: undefined }],
  ])('%s', (field, bad) => {
    expect(() => VerifyScript.render(bad)).toThrow(ConfigurationError);
    expect(() => VerifyScript.render(bad)).toThrow(field);
  });
});
