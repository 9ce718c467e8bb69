/**
 * Which pods the fake injector injects: its own decision (injectRequired) against the rows of Istio's
 * TestInjectRequired, the webhooks of each release's rendered MutatingWebhookConfiguration against the injection
 * rules Istio documents, Kubernetes label selector rules, and the annotations the injector refuses.
 */
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { admittedPod } from './support/istio-injector/admitted-pod';
import { GoTemplateError } from './support/istio-injector/go-value';
import { controlPlaneChart, renderChart } from './support/istio-injector/helm-render';
import { atLeast } from './support/istio-injector/releases';
import { KubeObject, SidecarInjector } from './support/istio-injector/sidecar-injector';
import { selectorMatches } from './support/istio-injector/webhook-match';

type Json = Record<string, any>;

const BOOKINFO = fileURLToPath(new URL('./fixtures/bookinfo-1.30.3/platform/bookinfo.yaml', import.meta.url));
const PRODUCTPAGE = (yaml.loadAll(fs.readFileSync(BOOKINFO, 'utf8')) as Json[])
  .find((object) => object?.kind === 'Deployment' && object.metadata?.name === 'productpage-v1')!;

const exists = (key: string) => ({ matchExpressions: [{ key, operator: 'Exists' }] });
const FOO_BAR = { matchLabels: { foo: 'bar' } };

interface InjectRequiredRow {
  readonly name: string;
  readonly policy: string;
  readonly always?: Json[];
  readonly never?: Json[];
  readonly hostNetwork?: boolean;
  readonly annotations?: Record<string, string>;
  readonly labels?: Record<string, string>;
  readonly want: boolean;
  /** The first release whose TestInjectRequired has the row. */
  readonly since?: string;
}

/**
 * TestInjectRequired of pilot/pkg/kube/inject/webhook_test.go (1.1) and pkg/kube/inject/webhook_test.go (1.4+):
 * 29 rows since 1.1, four pod-label rows since 1.12, three rows on values other than "true"/"false" since 1.27
 * (parseToLabelSelector("foo") is an Exists requirement). Every row uses namespace "test-namespace".
 */
const INJECT_REQUIRED: InjectRequiredRow[] = [
  { name: 'no-policy', policy: 'enabled', annotations: {}, want: true },
  { name: 'default-policy', policy: 'enabled', want: true },
  { name: 'force-on-policy', policy: 'enabled', annotations: { 'sidecar.istio.io/inject': 'true' }, want: true },
  { name: 'force-off-policy', policy: 'enabled', annotations: { 'sidecar.istio.io/inject': 'false' }, want: false },
  { name: 'no-policy (disabled)', policy: 'disabled', annotations: {}, want: false },
  { name: 'default-policy (disabled)', policy: 'disabled', want: false },
  { name: 'force-on-policy (disabled)', policy: 'disabled', annotations: { 'sidecar.istio.io/inject': 'true' }, want: true },
  { name: 'force-off-policy (disabled)', policy: 'disabled', annotations: { 'sidecar.istio.io/inject': 'false' }, want: false },
  { name: 'invalid-inject-value-yes', policy: 'enabled', annotations: { 'sidecar.istio.io/inject': 'yes' }, want: true, since: '1.27' },
  { name: 'invalid-inject-value-on', policy: 'disabled', annotations: { 'sidecar.istio.io/inject': 'on' }, want: false, since: '1.27' },
  { name: 'invalid-inject-value-random', policy: 'enabled', labels: { 'sidecar.istio.io/inject': 'random' }, want: true, since: '1.27' },
  { name: 'force-off-policy (host network)', policy: 'enabled', hostNetwork: true, annotations: {}, want: false },
  { name: 'wrong-policy', policy: 'wrong_policy', annotations: {}, want: false },
  { name: 'policy-enabled-always-inject-no-labels', policy: 'enabled', always: [FOO_BAR], want: true },
  { name: 'policy-enabled-always-inject-with-labels', policy: 'enabled', always: [FOO_BAR], labels: { foo: 'bar1' }, want: true },
  { name: 'policy-disabled-always-inject-no-labels', policy: 'disabled', always: [FOO_BAR], want: false },
  { name: 'policy-disabled-always-inject-with-labels', policy: 'disabled', always: [FOO_BAR], labels: { foo: 'bar' }, want: true },
  { name: 'policy-enabled-never-inject-no-labels', policy: 'enabled', never: [FOO_BAR], want: true },
  { name: 'policy-enabled-never-inject-with-labels', policy: 'enabled', never: [FOO_BAR], labels: { foo: 'bar' }, want: false },
  { name: 'policy-disabled-never-inject-no-labels', policy: 'disabled', never: [FOO_BAR], want: false },
  { name: 'policy-disabled-never-inject-with-labels', policy: 'disabled', never: [FOO_BAR], labels: { foo: 'bar' }, want: false },
  { name: 'policy-enabled-never-inject-with-empty-label', policy: 'enabled', never: [exists('foo')], labels: { foo: '', foo2: 'bar2' }, want: false },
  { name: 'policy-disabled-always-inject-with-empty-label', policy: 'disabled', always: [exists('foo')], labels: { foo: '', foo2: 'bar2' }, want: true },
  { name: 'policy-disabled-always-never-inject-with-label-returns-true', policy: 'disabled', always: [exists('always')], never: [exists('never')], labels: { always: 'bar', foo2: 'bar2' }, want: true },
  { name: 'policy-disabled-always-never-inject-with-label-returns-false', policy: 'disabled', always: [exists('always')], never: [exists('never')], labels: { never: 'bar', foo2: 'bar2' }, want: false },
  { name: 'policy-disabled-always-never-inject-with-both-labels', policy: 'disabled', always: [exists('always')], never: [exists('never')], labels: { always: 'bar', never: 'bar2' }, want: false },
  { name: 'policy-enabled-annotation-true-never-inject', policy: 'enabled', never: [exists('foo')], annotations: { 'sidecar.istio.io/inject': 'true' }, labels: { foo: '', foo2: 'bar2' }, want: true },
  { name: 'policy-enabled-annotation-false-always-inject', policy: 'enabled', always: [exists('foo')], annotations: { 'sidecar.istio.io/inject': 'false' }, labels: { foo: '', foo2: 'bar2' }, want: false },
  { name: 'policy-disabled-annotation-false-always-inject', policy: 'disabled', always: [exists('foo')], annotations: { 'sidecar.istio.io/inject': 'false' }, labels: { foo: '', foo2: 'bar2' }, want: false },
  { name: 'policy-enabled-never-inject-multiple-labels', policy: 'enabled', never: [exists('foo'), exists('bar')], labels: { label1: '', bar: 'anything' }, want: false },
  { name: 'policy-enabled-always-inject-multiple-labels', policy: 'disabled', always: [exists('foo'), exists('bar')], labels: { label1: '', bar: 'anything' }, want: true },
  { name: 'policy-disabled-annotation-true-never-inject', policy: 'disabled', never: [exists('foo')], annotations: { 'sidecar.istio.io/inject': 'true' }, labels: { foo: '', foo2: 'bar2' }, want: true },
  { name: 'policy-disabled-label-enabled', policy: 'disabled', labels: { 'sidecar.istio.io/inject': 'true' }, want: true, since: '1.12' },
  { name: 'policy-disabled-both-enabled', policy: 'disabled', annotations: { 'sidecar.istio.io/inject': 'true' }, labels: { 'sidecar.istio.io/inject': 'true' }, want: true, since: '1.12' },
  { name: 'policy-disabled-label-enabled-annotation-disabled', policy: 'disabled', annotations: { 'sidecar.istio.io/inject': 'false' }, labels: { 'sidecar.istio.io/inject': 'true' }, want: true, since: '1.12' },
  { name: 'policy-disabled-label-disabled-annotation-enabled', policy: 'disabled', annotations: { 'sidecar.istio.io/inject': 'true' }, labels: { 'sidecar.istio.io/inject': 'false' }, want: false, since: '1.12' },
];

/** Releases whose TestInjectRequired the rows were checked against (29, 29, 29, 33, 33, 36 and 36 rows). */
const INJECT_REQUIRED_RELEASES = ['1.1.17', '1.4.10', '1.9.9', '1.12.9', '1.22.8', '1.27.0', '1.30.3'];

function injectorWithConfig(release: string, config: Json): SidecarInjector {
  const template = atLeast(release, '1.9') ? { templates: { sidecar: '' } } : { template: '' };
  return SidecarInjector.fromSettings({ release, config: yaml.dump({ ...config, ...template }), values: '', mesh: '' });
}

describe.each(INJECT_REQUIRED_RELEASES)('injectRequired of Istio %s: the rows of its TestInjectRequired', (release) => {
  const rows = INJECT_REQUIRED.filter((row) => !row.since || atLeast(release, row.since));

  test(`${rows.length} rows`, () => {
    expect(rows.length).toBe(atLeast(release, '1.27') ? 36 : atLeast(release, '1.12') ? 33 : 29);
  });

  test.each(rows.map((row) => [row.name, row] as const))('%s', (_name, row) => {
    const injector = injectorWithConfig(release, { policy: row.policy, alwaysInjectSelector: row.always ?? [], neverInjectSelector: row.never ?? [] });
    const pod = {
      metadata: { name: row.name, namespace: 'test-namespace', annotations: row.annotations, labels: row.labels },
      spec: row.hostNetwork ? { hostNetwork: true } : {},
    };
    expect(injector.injectionRequired(pod, { metadata: { name: 'test-namespace' } }).required).toBe(row.want);
  });
});

describe('injectRequired: namespaces the injector never injects (ignoredNamespaces / IgnoredNamespaces)', () => {
  test.each([
    ['1.4.10', 'kube-system', false], ['1.4.10', 'kube-public', false], ['1.4.10', 'kube-node-lease', true],
    ['1.9.9', 'kube-node-lease', false], ['1.9.9', 'local-path-storage', false], ['1.30.3', 'kube-system', false], ['1.30.3', 'default', true],
  ] as const)('Istio %s, namespace %s: injected %s', (release, namespace, want) => {
    const injector = injectorWithConfig(release, { policy: 'enabled' });
    expect(injector.injectionRequired({ metadata: { name: 'p', namespace } }, { metadata: { name: namespace } }).required).toBe(want);
  });
});

/**
 * Kubernetes label selectors (k8s.io/apimachinery/pkg/labels/selector.go; the "Labels and Selectors" concept page):
 * `tier notin (frontend, backend)` also selects objects without the key; `In`/`NotIn` need values and
 * `Exists`/`DoesNotExist` must have none (LabelSelectorRequirement validation); matchLabels and matchExpressions
 * are ANDed; an empty selector, or a webhook without one, matches everything.
 */
describe('label selectors as the API server evaluates them', () => {
  const tierNotIn = { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['frontend', 'backend'] }] };
  test.each([
    ['NotIn, key absent', tierNotIn, {}, true],
    ['NotIn, other value', tierNotIn, { tier: 'cache' }, true],
    ['NotIn, listed value', tierNotIn, { tier: 'backend' }, false],
    ['In, key absent', { matchExpressions: [{ key: 'environment', operator: 'In', values: ['production', 'qa'] }] }, {}, false],
    ['In, listed value', { matchExpressions: [{ key: 'environment', operator: 'In', values: ['production', 'qa'] }] }, { environment: 'qa' }, true],
    ['Exists, empty value', exists('partition'), { partition: '' }, true],
    ['DoesNotExist, key present', { matchExpressions: [{ key: 'partition', operator: 'DoesNotExist' }] }, { partition: 'a' }, false],
    ['matchLabels and matchExpressions are ANDed', { matchLabels: { app: 'a' }, ...exists('version') }, { app: 'a' }, false],
    ['an empty selector', {}, { any: 'thing' }, true],
    ['no selector', undefined, {}, true],
  ] as const)('%s', (_name, selector, labels, want) => {
    expect(selectorMatches(selector as Json | undefined, labels as Record<string, string>)).toBe(want);
  });

  test.each([
    ['In without values', { matchExpressions: [{ key: 'k', operator: 'In', values: [] }] }],
    ['Exists with values', { matchExpressions: [{ key: 'k', operator: 'Exists', values: ['v'] }] }],
    ['an unknown operator', { matchExpressions: [{ key: 'k', operator: 'Equals', values: ['v'] }] }],
  ])('%s is an invalid selector', (_name, selector) => {
    expect(() => selectorMatches(selector as Json, {})).toThrow(GoTemplateError);
  });
});

function install(tag: string, values: Json = {}): KubeObject[] {
  // The 1.4 gateways sub-chart does not render with Helm 3; the injector does not need it.
  const extra = atLeast(tag, '1.6') ? {} : { gateways: { enabled: false } };
  return renderChart(tag, { chart: controlPlaneChart(tag), values: { ...values, ...extra }, valueFiles: atLeast(tag, '1.6') ? ['manifests/charts/global.yaml'] : [] });
}

function bookinfoPod(labels: Record<string, string> = {}, annotations: Record<string, string> = {}): KubeObject {
  const pod = admittedPod(PRODUCTPAGE);
  pod.metadata.labels = { ...pod.metadata.labels, ...labels };
  if (Object.keys(annotations).length > 0) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...annotations };
  return pod;
}

const namespace = (labels: Record<string, string>, name = 'bookinfo') => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const proxyOf = (pod: KubeObject) => [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])].find((c: Json) => c.name === 'istio-proxy');

describe('Istio 1.4.10: the truth table of the 1.3/1.4 "Automatic Sidecar Injection" page', () => {
  // namespaceSelector match (istio-injection=enabled) x default policy (global.proxy.autoInject) x pod annotation.
  const TABLE: Array<[boolean, 'enabled' | 'disabled', string | undefined, boolean]> = [
    [true, 'enabled', undefined, true], [true, 'enabled', 'true', true], [true, 'enabled', 'false', false],
    [true, 'disabled', 'true', true], [true, 'disabled', undefined, false], [true, 'disabled', 'false', false],
    [false, 'enabled', undefined, false], [false, 'enabled', 'false', false], [false, 'disabled', 'true', false], [false, 'disabled', undefined, false],
  ];
  const injectors = new Map<string, SidecarInjector>();
  beforeAll(() => {
    for (const policy of ['enabled', 'disabled']) {
      injectors.set(policy, SidecarInjector.fromAppliedObjects(install('1.4.10', { global: { proxy: { autoInject: policy } } }), { release: '1.4.10' }));
    }
  });

  test.each(TABLE)('namespaceSelector match %s, policy %s, annotation %s: injected %s', (match, policy, annotation, want) => {
    const pod = bookinfoPod({}, annotation === undefined ? {} : { 'sidecar.istio.io/inject': annotation });
    const result = injectors.get(policy)!.inject(pod, namespace(match ? { 'istio-injection': 'enabled' } : {}));
    expect(result.injected).toBe(want);
    expect(proxyOf(result.pod) !== undefined).toBe(want);
  });
});

/**
 * The rule of Istio's "Installing the Sidecar" page from the releases with label-based webhooks: if either the
 * namespace label istio-injection or the pod label sidecar.istio.io/inject is disabled, the pod is not injected;
 * else if either is enabled it is; else it is injected only with sidecarInjectorWebhook.enableNamespacesByDefault.
 * A namespace or pod labelled istio.io/rev=<revision> is injected by that revision's injector.
 */
describe.each(['1.12.9', '1.22.8', '1.30.3'])('Istio %s: the webhooks and injector of the rendered chart follow the documented rule', (tag) => {
  const NAMESPACE_LABEL = { enabled: { 'istio-injection': 'enabled' }, disabled: { 'istio-injection': 'disabled' }, unset: {} } as const;
  const POD_LABEL = { enabled: { 'sidecar.istio.io/inject': 'true' }, disabled: { 'sidecar.istio.io/inject': 'false' }, unset: {} } as const;
  type Setting = keyof typeof NAMESPACE_LABEL;
  const documented = (ns: Setting, pod: Setting, byDefault: boolean) =>
    (ns === 'disabled' || pod === 'disabled' ? false : ns === 'enabled' || pod === 'enabled' ? true : byDefault);
  const settings: Setting[] = ['enabled', 'disabled', 'unset'];
  const cases = settings.flatMap((ns) => settings.map((pod) => [ns, pod] as const));

  let plain: SidecarInjector;
  let byDefault: SidecarInjector;
  let canaryObjects: KubeObject[];
  beforeAll(() => {
    plain = SidecarInjector.fromAppliedObjects(install(tag), { release: tag });
    byDefault = SidecarInjector.fromAppliedObjects(install(tag, { sidecarInjectorWebhook: { enableNamespacesByDefault: true } }), { release: tag });
    canaryObjects = install(tag, { revision: 'canary' });
  });

  test.each(cases)('namespace label %s, pod label %s', (ns, pod) => {
    const result = plain.inject(bookinfoPod(POD_LABEL[pod]), namespace(NAMESPACE_LABEL[ns]));
    expect(result.injected).toBe(documented(ns, pod, false));
    expect(proxyOf(result.pod) !== undefined).toBe(documented(ns, pod, false));
    expect(byDefault.inject(bookinfoPod(POD_LABEL[pod]), namespace(NAMESPACE_LABEL[ns])).injected).toBe(documented(ns, pod, true));
  });

  test('enableNamespacesByDefault leaves kube-system alone', () => {
    expect(byDefault.inject(bookinfoPod(), namespace({}, 'kube-system')).injected).toBe(false);
  });

  test('istio.io/rev=canary on the namespace or the pod selects the canary injector and not the default one', () => {
    const canary = SidecarInjector.fromAppliedObjects(canaryObjects, { release: tag, revision: 'canary' });
    for (const [nsLabels, podLabels] of [[{ 'istio.io/rev': 'canary' }, {}], [{}, { 'istio.io/rev': 'canary' }]] as const) {
      const result = canary.inject(bookinfoPod(podLabels), namespace(nsLabels));
      expect(result.injected).toBe(true);
      expect(result.webhooks.map((webhook) => webhook.configuration)).toEqual(['istio-sidecar-injector-canary']);
      expect(proxyOf(result.pod).args).toEqual(expect.arrayContaining(['proxy', 'sidecar']));
      expect(JSON.parse(result.pod.metadata.annotations['sidecar.istio.io/status']).revision).toBe('canary');
      expect(plain.selects(bookinfoPod(podLabels), namespace(nsLabels))).toBe(false);
    }
  });

  test('the canary injector is not found without its revision, and the default injector not with it', () => {
    expect(() => SidecarInjector.fromAppliedObjects(canaryObjects, { release: tag })).toThrow(/no ConfigMap istio-sidecar-injector among/);
  });
});

/** validateAnnotations (pkg/kube/inject/validate.go): a bad value makes the webhook refuse the pod. */
describe('annotations the injector refuses', () => {
  const policyEnabled = (release: string) => injectorWithConfig(release, { policy: 'enabled' });
  const pod = (annotations: Record<string, string>) => ({ metadata: { name: 'p', namespace: 'test-namespace', annotations }, spec: { containers: [{ name: 'app', image: 'app' }] } });
  const ns = { metadata: { name: 'test-namespace' } };

  test.each([
    ['1.1.17', 'status.sidecar.istio.io/port', '65536'],
    ['1.4.10', 'traffic.sidecar.istio.io/includeInboundPorts', '80,http'],
    ['1.9.9', 'traffic.sidecar.istio.io/excludeOutboundIPRanges', '10.0.0.0/33'],
    ['1.9.9', 'sidecar.istio.io/interceptionMode', 'redirect'],
    ['1.22.8', 'readiness.status.sidecar.istio.io/periodSeconds', '-1'],
    ['1.22.8', 'sidecar.istio.io/enableCoreDump', 'yes'],
    ['1.30.3', 'sidecar.istio.io/proxyCPU', '100 m'],
    ['1.30.3', 'traffic.sidecar.istio.io/excludeInterfaces', 'eth0,1bad'],
  ])('Istio %s refuses %s: %s', (release, annotation, value) => {
    expect(() => policyEnabled(release).inject(pod({ [annotation]: value }), ns)).toThrow(new RegExp(`invalid value '${value}' for annotation '${annotation}'`));
  });

  test.each([
    ['1.4.10', 'sidecar.istio.io/enableCoreDump', 'yes', 'validated from 1.5'],
    ['1.30.3', 'sidecar.istio.io/enableCoreDump', 'yes', 'no longer validated from 1.25'],
    ['1.22.8', 'sidecar.istio.io/proxyCPU', '100 m', 'validated from 1.27'],
    ['1.9.9', 'traffic.sidecar.istio.io/includeOutboundIPRanges', '*', 'the wildcard'],
    ['1.9.9', 'traffic.sidecar.istio.io/excludeInboundPorts', '', 'an empty list'],
  ])('Istio %s accepts %s: %j (%s)', (release, annotation, value) => {
    expect(() => policyEnabled(release).injectionRequired(pod({ [annotation]: value }), ns)).not.toThrow();
    expect(policyEnabled(release).inject(pod({ [annotation]: value }), ns).injected).toBe(true);
  });
});
