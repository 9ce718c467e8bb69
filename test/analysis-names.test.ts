import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import * as kplus from 'cdk8s-plus-27';
import { CaCertificate, LightstepCaCertSecret, MeshAnalysis, MeshNamespace } from '../src';

// The name rules of the API server, tested with Kubernetes' own test tables, not with values derived from the
// analysis:
// - kubernetes/apimachinery v0.27.16 (Kubernetes 1.27, which cdk8s-plus-27 targets),
//   pkg/util/validation/validation_test.go: TestIsDNS1123Label, TestIsValidPortName, TestIsQualifiedName,
//   TestIsValidLabelValue (goodValues / badValues, successCases / errorCases, verbatim).
// - kubernetes/kubernetes pkg/apis/core/validation/validation_test.go, TestValidateEnv: the names of successCase,
//   and of updateErrorCase, which an API server without RelaxedEnvironmentVariableValidation (all of 1.27) refuses.
// Where each rule applies is Kubernetes' too: ValidateVolumes and validateContainers (DNS-1123 labels),
// validateContainerPorts (IsValidPortName), validateServicePort (ValidateDNS1123Label, named targetPort by
// IsValidPortName), ValidateAnnotations (IsQualifiedName of the lower-cased key, 256 KiB in total).

const REPO = fileURLToPath(new URL('..', import.meta.url));

const DNS1123_LABEL = {
  good: ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', 'a'.repeat(63)],
  bad: ['', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', '1_', '_1', '1_2',
    '.', 'a.', '.a', 'a.b', '1.', '.1', '1.2', ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2', 'a'.repeat(64)],
};
const PORT_NAME = {
  good: ['telnet', 're-mail-ck', 'pop3', 'a', 'a-1', '1-a', 'a-1-b-2-c', '1-a-2-b-3'],
  bad: ['longerthan15characters', '', 'a'.repeat(16), '12345', '1-2-3-4', '-begin', 'end-', 'two--hyphens', 'whois++'],
};
const QUALIFIED_NAME = {
  good: ['simple', 'now-with-dashes', '1-starts-with-num', '1234', 'simple/simple', 'now-with-dashes/simple', 'now-with-dashes/now-with-dashes',
    'now.with.dots/simple', 'now-with.dashes-and.dots/simple', '1-num.2-num/3-num', '1234/5678', '1.2.3.4/5678', 'Uppercase_Is_OK_123',
    'example.com/Uppercase_Is_OK_123', 'requests.storage-foo', 'a'.repeat(63), `${'a'.repeat(253)}/${'b'.repeat(63)}`],
  bad: ['nospecialchars%^=@', 'cantendwithadash-', '-cantstartwithadash-', 'only/one/slash', 'Example.com/abc', 'example_com/abc', 'example.com/',
    '/simple', 'a'.repeat(64), `${'a'.repeat(254)}/abc`],
};
const LABEL_VALUE = {
  good: ['simple', 'now-with-dashes', '1-starts-with-num', 'end-with-num-1', '1234', 'a'.repeat(63), ''],
  bad: ['nospecialchars%^=@', 'Tama-nui-te-rā.is.Māori.sun', '\\backslashes\\are\\bad', '-starts-with-dash', 'ends-with-dash-', '.starts.with.dot',
    'ends.with.dot.', 'a'.repeat(64)],
};
const ENV_VAR_NAME = {
  good: ['abc', 'ABC', 'AbC_123', 'a.b.c', 'a-b-c'],
  bad: ['', '!"#$%&\'()', '* +,-./0123456789', ':;<>?@', '[\\]^_{}|~'],
};

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((outdir) => fs.rmSync(outdir, { recursive: true, force: true })));
function testChart(id = 'names'): Chart {
  const app = Testing.app();
  outdirs.push(app.outdir);
  return new Chart(app, id);
}

/** Findings about one field path, e.g. `spec.template.spec.volumes[3].name`. */
function findingsAt(findings: string[], field: string): string[] {
  return findings.filter((finding) => finding.includes(`: ${field} `));
}

/** Asserts that exactly the bad values (by index in `values`) are reported at `field(index)`. */
function expectReportedExactly(findings: string[], values: string[], badCount: number, field: (index: number) => string): void {
  values.forEach((value, index) => {
    const at = findingsAt(findings, field(index));
    if (index < badCount) expect({ value, at: at.length }).toEqual({ value, at: 1 });
    else expect({ value, at }).toEqual({ value, at: [] });
  });
}

const podTemplate = (spec: k8s.PodSpec) => ({ metadata: { labels: { app: 'x' } }, spec });
const workload = { selector: { matchLabels: { app: 'x' } } };

describe('the names the API server checks, with Kubernetes\' own test tables', () => {
  test('volume names: DNS-1123 labels (TestIsDNS1123Label)', () => {
    const chart = testChart();
    const names = [...DNS1123_LABEL.bad, ...DNS1123_LABEL.good];
    new k8s.KubeDeployment(chart, 'web', {
      metadata: { name: 'web', namespace: 'default' },
      spec: { ...workload, template: podTemplate({ containers: [{ name: 'web', image: 'web' }], volumes: names.map((name) => ({ name, emptyDir: {} })) }) },
    });
    const findings = MeshAnalysis.of(chart).analyze();
    expectReportedExactly(findings, names, DNS1123_LABEL.bad.length, (index) => `spec.template.spec.volumes[${index}].name`);
  });

  test('container, init container and ephemeral container names: DNS-1123 labels (TestIsDNS1123Label)', () => {
    const chart = testChart();
    const bad = DNS1123_LABEL.bad.filter((name) => name !== ''); // cdk8s drops an empty name's field; the schema requires it
    new k8s.KubePod(chart, 'pod', {
      metadata: { name: 'pod', namespace: 'default' },
      spec: {
        initContainers: bad.map((name) => ({ name, image: 'i' })),
        containers: DNS1123_LABEL.good.map((name) => ({ name, image: 'c' })),
        ephemeralContainers: [{ name: 'Debug', image: 'd' }, { name: 'debug', image: 'd' }],
      },
    });
    const findings = MeshAnalysis.of(chart).analyze();
    expectReportedExactly(findings, bad, bad.length, (index) => `spec.initContainers[${index}].name`);
    expectReportedExactly(findings, DNS1123_LABEL.good, 0, (index) => `spec.containers[${index}].name`);
    expectReportedExactly(findings, ['Debug', 'debug'], 1, (index) => `spec.ephemeralContainers[${index}].name`);
  });

  test('container port names: IANA service names (TestIsValidPortName); Service port names: DNS-1123 labels; named target ports: port names', () => {
    const chart = testChart();
    const names = [...PORT_NAME.bad.filter((name) => name !== ''), ...PORT_NAME.good];
    const badCount = PORT_NAME.bad.length - 1;
    new k8s.KubeDeployment(chart, 'web', {
      metadata: { name: 'web', namespace: 'default' },
      spec: { ...workload, template: podTemplate({ containers: [{ name: 'web', image: 'web', ports: names.map((name, index) => ({ name, containerPort: 8000 + index })) }] }) },
    });
    // A Service port name is a DNS-1123 label: "12345" and a 16-letter name are fine there.
    const serviceNames = [...DNS1123_LABEL.bad.filter((name) => name !== ''), ...DNS1123_LABEL.good];
    new k8s.KubeService(chart, 'svc', {
      metadata: { name: 'web', namespace: 'default' },
      spec: { selector: { app: 'x' }, ports: serviceNames.map((name, index) => ({ name, port: 1000 + index, targetPort: k8s.IntOrString.fromNumber(8000) })) },
    });
    new k8s.KubeService(chart, 'target', {
      metadata: { name: 'target', namespace: 'default' },
      spec: { selector: { app: 'x' }, ports: names.map((name, index) => ({ name: `p${index}`, port: 2000 + index, targetPort: k8s.IntOrString.fromString(name) })) },
    });
    const findings = MeshAnalysis.of(chart).analyze();
    expectReportedExactly(findings, names, badCount, (index) => `spec.template.spec.containers[0].ports[${index}].name`);
    const service = findings.filter((finding) => finding.startsWith('Service default/web '));
    expectReportedExactly(service, serviceNames, DNS1123_LABEL.bad.length - 1, (index) => `spec.ports[${index}].name`);
    const targets = findings.filter((finding) => finding.startsWith('Service default/target '));
    expectReportedExactly(targets, names, badCount, (index) => `spec.ports[${index}].targetPort`);
  });

  test('a Service with several ports names each, once; a container names each port once; a pod each volume and container once', () => {
    const chart = testChart();
    new k8s.KubeService(chart, 'svc', {
      metadata: { name: 'web', namespace: 'default' },
      spec: { ports: [{ port: 80, name: 'http' }, { port: 81 }, { port: 82, name: 'http' }] },
    });
    new k8s.KubePod(chart, 'pod', {
      metadata: { name: 'pod', namespace: 'default' },
      spec: {
        volumes: [{ name: 'data', emptyDir: {} }, { name: 'data', emptyDir: {} }],
        initContainers: [{ name: 'web', image: 'i' }],
        containers: [{ name: 'web', image: 'c', ports: [{ name: 'http', containerPort: 80 }, { name: 'http', containerPort: 81 }], volumeMounts: [{ name: 'cache', mountPath: '/c' }] }],
      },
    });
    const findings = MeshAnalysis.of(chart).analyze();
    expect(findingsAt(findings, 'spec.ports[1].name')).toEqual([expect.stringMatching(/is missing: a Service with several ports must name each one/)]);
    expect(findingsAt(findings, 'spec.ports[2].name')).toEqual([expect.stringMatching(/repeats the name http/)]);
    expect(findingsAt(findings, 'spec.volumes[1].name')).toEqual([expect.stringMatching(/repeats the name data/)]);
    expect(findingsAt(findings, 'spec.containers[0].name')).toEqual([expect.stringMatching(/repeats the name web of an earlier container/)]);
    expect(findingsAt(findings, 'spec.containers[0].ports[1].name')).toEqual([expect.stringMatching(/repeats the name http/)]);
    expect(findingsAt(findings, 'spec.containers[0].volumeMounts[0].name')).toEqual([expect.stringMatching(/names volume cache, which the pod does not have\. Fix: mount a volume of the pod \(data\)/)]);
  });

  test('environment variable names of Kubernetes 1.27 (TestValidateEnv without RelaxedEnvironmentVariableValidation), and envFrom prefixes', () => {
    const chart = testChart();
    const names = [...ENV_VAR_NAME.bad, ...ENV_VAR_NAME.good];
    new k8s.KubeDeployment(chart, 'web', {
      metadata: { name: 'web', namespace: 'default' },
      spec: { ...workload, template: podTemplate({ containers: [{
        name: 'web', image: 'web',
        env: names.map((name) => ({ name, value: 'value' })),
        envFrom: [{ prefix: '1_', configMapRef: { name: 'cm' } }, { prefix: 'OK_', configMapRef: { name: 'cm' } }],
      }] }) },
    });
    const findings = MeshAnalysis.of(chart).analyze();
    expectReportedExactly(findings, names, ENV_VAR_NAME.bad.length, (index) => `spec.template.spec.containers[0].env[${index}].name`);
    expectReportedExactly(findings, ['1_', 'OK_'], 1, (index) => `spec.template.spec.containers[0].envFrom[${index}].prefix`);
  });

  test('label keys (TestIsQualifiedName) and values (TestIsValidLabelValue), on objects, templates and selectors', () => {
    const chart = testChart();
    const keys = [...QUALIFIED_NAME.bad, ...QUALIFIED_NAME.good];
    new k8s.KubeConfigMap(chart, 'keys', { metadata: { name: 'keys', namespace: 'default', labels: Object.fromEntries(keys.map((key) => [key, 'v'])) } });
    const values = [...LABEL_VALUE.bad, ...LABEL_VALUE.good];
    new k8s.KubeConfigMap(chart, 'values', { metadata: { name: 'values', namespace: 'default', labels: Object.fromEntries(values.map((value, index) => [`k${index}`, value])) } });
    new k8s.KubeDeployment(chart, 'web', {
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        selector: { matchLabels: { 'Example.com/app': 'x' }, matchExpressions: [{ key: 'only/one/slash', operator: 'Exists' }] },
        template: { metadata: { labels: { 'Example.com/app': 'x' } }, spec: { containers: [{ name: 'web', image: 'web' }] } },
      },
    });
    const findings = MeshAnalysis.of(chart).analyze();
    const keyFindings = findings.filter((finding) => finding.startsWith('ConfigMap default/keys '));
    for (const key of QUALIFIED_NAME.bad) expect(keyFindings.filter((finding) => finding.includes(`metadata.labels key ${JSON.stringify(key)} is not valid`))).toHaveLength(1);
    expect(keyFindings).toHaveLength(QUALIFIED_NAME.bad.length);
    const valueFindings = findings.filter((finding) => finding.startsWith('ConfigMap default/values '));
    LABEL_VALUE.bad.forEach((_value, index) => expect(findingsAt(valueFindings, `metadata.labels["k${index}"]`)).toHaveLength(1));
    expect(valueFindings).toHaveLength(LABEL_VALUE.bad.length);
    expect(findingsAt(findings, 'spec.selector.matchLabels key')).toHaveLength(1);
    expect(findingsAt(findings, 'spec.template.metadata.labels key')).toHaveLength(1);
    expect(findingsAt(findings, 'spec.selector.matchExpressions[0].key')).toHaveLength(1);
  });

  test('annotation keys: qualified names once lower-cased (Example.com/abc is a valid annotation key, not a valid label key); 256 KiB in all', () => {
    const chart = testChart();
    const keys = [...QUALIFIED_NAME.bad, ...QUALIFIED_NAME.good];
    new k8s.KubeConfigMap(chart, 'keys', { metadata: { name: 'keys', namespace: 'default', annotations: Object.fromEntries(keys.map((key) => [key, 'v'])) } });
    new k8s.KubeConfigMap(chart, 'at-limit', { metadata: { name: 'at-limit', namespace: 'default', annotations: { a: 'x'.repeat(256 * 1024 - 1) } } });
    new k8s.KubeConfigMap(chart, 'over', { metadata: { name: 'over', namespace: 'default', annotations: { a: 'x'.repeat(256 * 1024) } } });
    const findings = MeshAnalysis.of(chart).analyze();
    const reported = QUALIFIED_NAME.bad.filter((key) => key !== 'Example.com/abc');
    for (const key of reported) expect(findings.filter((finding) => finding.includes(`metadata.annotations key ${JSON.stringify(key)} is not valid`))).toHaveLength(1);
    expect(findings.filter((finding) => finding.startsWith('ConfigMap default/keys '))).toHaveLength(reported.length);
    expect(findings.filter((finding) => finding.startsWith('ConfigMap default/at-limit '))).toEqual([]);
    expect(findings.filter((finding) => finding.startsWith('ConfigMap default/over '))).toEqual([expect.stringMatching(/metadata\.annotations are too large: its keys and values take 262145 bytes, more than 262144/)]);
  });

  test.each([
    ['Pod', 'spec', (chart: Chart, spec: k8s.PodSpec) => new k8s.KubePod(chart, 'o', { metadata: { name: 'o' }, spec })],
    ['Deployment', 'spec.template.spec', (chart: Chart, spec: k8s.PodSpec) => new k8s.KubeDeployment(chart, 'o', { metadata: { name: 'o' }, spec: { ...workload, template: podTemplate(spec) } })],
    ['StatefulSet', 'spec.template.spec', (chart: Chart, spec: k8s.PodSpec) => new k8s.KubeStatefulSet(chart, 'o', { metadata: { name: 'o' }, spec: { ...workload, serviceName: 'o', template: podTemplate(spec) } })],
    ['DaemonSet', 'spec.template.spec', (chart: Chart, spec: k8s.PodSpec) => new k8s.KubeDaemonSet(chart, 'o', { metadata: { name: 'o' }, spec: { ...workload, template: podTemplate(spec) } })],
    ['ReplicaSet', 'spec.template.spec', (chart: Chart, spec: k8s.PodSpec) => new k8s.KubeReplicaSet(chart, 'o', { metadata: { name: 'o' }, spec: { ...workload, template: podTemplate(spec) } })],
    ['Job', 'spec.template.spec', (chart: Chart, spec: k8s.PodSpec) => new k8s.KubeJob(chart, 'o', { metadata: { name: 'o' }, spec: { template: podTemplate({ ...spec, restartPolicy: 'Never' }) } })],
    ['CronJob', 'spec.jobTemplate.spec.template.spec', (chart: Chart, spec: k8s.PodSpec) => new k8s.KubeCronJob(chart, 'o', {
      metadata: { name: 'o' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: podTemplate({ ...spec, restartPolicy: 'Never' }) } } },
    })],
  ])('in a %s, wherever its pod spec lives (%s)', (kind, specPath, create) => {
    const chart = testChart('workloads');
    create(chart, {
      containers: [{ name: 'Main', image: 'm', ports: [{ name: 'HTTP', containerPort: 80 }], env: [{ name: '1X', value: 'v' }], volumeMounts: [{ name: 'a.b', mountPath: '/d' }] }],
      volumes: [{ name: 'a.b', emptyDir: {} }],
    });
    const findings = MeshAnalysis.of(chart).analyze();
    for (const field of ['volumes[0].name', 'containers[0].name', 'containers[0].ports[0].name', 'containers[0].env[0].name']) {
      expect(findingsAt(findings, `${specPath}.${field}`)).toEqual([expect.stringMatching(new RegExp(`^${kind} o \\(construct workloads/o\\): `))]);
    }
    expect(findings).toHaveLength(4); // the mount of the (invalid) volume a.b is not reported again
  });
});

describe('the CA Secret mounted the cdk8s-plus way', () => {
  const certificate = CaCertificate.fromFile(path.join(REPO, 'examples/certs/example-ca.crt'));
  const chartWith = (mount: (chart: Chart, secret: LightstepCaCertSecret, container: kplus.Container) => void) => {
    const chart = testChart('platform');
    new MeshNamespace(chart, 'ns', { name: 'payments', sidecarInjection: false });
    const secret = LightstepCaCertSecret.of(chart, 'ca', { namespace: 'payments', certificate });
    const deployment = new kplus.Deployment(chart, 'payments', { metadata: { namespace: 'payments' }, containers: [{ image: 'example/payments:1.0', portNumber: 8080 }] });
    mount(chart, secret, deployment.containers[0]);
    return chart;
  };

  test('Volume.fromSecret without a name: the volume, its field, its construct and the library\'s way to mount the CA', () => {
    const chart = chartWith((scope, secret, container) => container.mount('/etc/lightstep', kplus.Volume.fromSecret(scope, 'certs', secret)));
    expect(MeshAnalysis.of(chart).analyze()).toEqual([expect.stringMatching(new RegExp(
      '^Deployment payments/platform-payments-\\w+ \\(construct platform/payments/Resource\\): spec\\.template\\.spec\\.volumes\\[0\\]\\.name "secret-lightstep\\.cacert" is not valid: '
      + 'it is not a DNS-1123 label\\. Fix: mount the CA with the library: secret\\.mountInto\\(container\\) of the LightstepCaCertSecret'))]);
  });

  test('Secret.fromSecretName(..., "lightstep.cacert") gets the same finding', () => {
    const chart = chartWith((scope, _secret, container) => container.mount('/ca', kplus.Volume.fromSecret(scope, 'by-name', kplus.Secret.fromSecretName(scope, 's', 'lightstep.cacert'))));
    expect(MeshAnalysis.of(chart).analyze()).toEqual([expect.stringMatching(/volumes\[0\]\.name "secret-lightstep\.cacert" is not valid: .*secret\.mountInto\(container\)/)]);
  });

  test('mountInto: a volume named lightstep-cacert, read-only at /etc/lightstep, where the tracer\'s default cacertPath /etc/lightstep/cacert.pem lies', () => {
    let file = '';
    const chart = chartWith((_scope, secret, container) => { file = secret.mountInto(container); });
    expect(MeshAnalysis.of(chart).analyze()).toEqual([]);
    const deployment = Testing.synth(chart).find((o) => o.kind === 'Deployment');
    expect(deployment.spec.template.spec.volumes).toEqual([{ name: 'lightstep-cacert', secret: { secretName: 'lightstep.cacert' } }]);
    expect(deployment.spec.template.spec.containers[0].volumeMounts).toEqual([{ name: 'lightstep-cacert', mountPath: '/etc/lightstep', readOnly: true }]);
    expect(file).toBe('/etc/lightstep/cacert.pem');
    // Istio 1.1 - 1.8's injector appends its own volume lightstep-certs to each injected pod without merging by name.
    const injector = fs.readFileSync(path.join(REPO, 'test/fixtures/istio-upstream/1.8.6/injection-template.yaml'), 'utf8');
    expect(injector).toMatch(/- name: lightstep-certs\n\s+secret:\n\s+optional: true\n\s+secretName: lightstep\.cacert/);
    expect(LightstepCaCertSecret.VOLUME_NAME).not.toBe('lightstep-certs');
  });

  test('mountInto refuses a mount path that is not an absolute directory, naming the Secret', () => {
    const chart = testChart('platform');
    const secret = new LightstepCaCertSecret(chart, 'ca', { namespace: 'payments', certificate });
    const container = new kplus.Deployment(chart, 'd', { containers: [{ image: 'i' }] }).containers[0];
    expect(() => secret.mountInto(container, { path: 'etc/lightstep' }))
      .toThrow(/^LightstepCaCertSecret at platform\/ca: LightstepCaCertMountOptions\.path: not a directory to mount the CA at \(got "etc\/lightstep"\)\. Fix: /);
  });
});

describe('no finding repeats an invalid name as if it were fine', () => {
  test('an invalid volume name, object name and namespace appear only quoted and marked, or in their own finding', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'names-')) });
    outdirs.push(app.outdir);
    const chart = new Chart(app, 'repeat');
    // Secret lightstep.cacert exists in another namespace only: the Secret check reports the volume too.
    new k8s.KubeSecret(chart, 'elsewhere', { metadata: { name: 'lightstep.cacert', namespace: 'other' }, data: { 'cacert.pem': 'eA==' } });
    new k8s.KubeDeployment(chart, 'mounter', {
      metadata: { name: 'Mounter', namespace: 'Shop' },
      spec: { ...workload, template: podTemplate({ containers: [{ name: 'm', image: 'm' }], volumes: [{ name: 'secret-lightstep.cacert', secret: { secretName: 'lightstep.cacert' } }] }) },
    });
    new k8s.KubeDeployment(chart, 'again', { metadata: { name: 'Mounter', namespace: 'Shop' }, spec: { ...workload, template: podTemplate({ containers: [{ name: 'm', image: 'm' }] }) } });
    new k8s.KubeService(chart, 'nothing', { metadata: { name: 'nothing', namespace: 'Shop' }, spec: { selector: { app: 'none' }, ports: [{ port: 80 }] } });
    const findings = MeshAnalysis.of(chart).analyze();
    // the names, the namespace (three objects), the duplicate, the Secret in another namespace, the selector
    expect(findings.length).toBeGreaterThanOrEqual(8);
    for (const finding of findings) {
      const unmarked = finding
        .replace(/"[^"]*"\/"[^"]*" \(an invalid name\)|"[^"]*"\/\w+ \(an invalid name\)|"[^"]*" \(an invalid name\)/g, '')
        .replace(/(metadata\.name|metadata\.namespace|volumes\[0\]\.name) "[^"]*" is not valid/g, '');
      expect({ finding, unmarked: /Mounter|Shop|secret-lightstep\.cacert/.test(unmarked) }).toEqual({ finding, unmarked: false });
    }
    expect(findings.join('\n')).toMatch(/spec\.template\.spec\.volumes\[0\] mounts Secret lightstep\.cacert, which this output creates in other namespaces but not in "Shop" \(an invalid name\)/);
    expect(findings.join('\n')).toMatch(/matches no pod in namespace "Shop" \(an invalid name\)/);
  });
});
