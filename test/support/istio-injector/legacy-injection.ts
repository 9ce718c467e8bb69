/**
 * The injection of Istio 1.1 to 1.8 (pilot/pkg/kube/inject/webhook.go 1.1-1.3, pkg/kube/inject/webhook.go 1.4-1.8:
 * inject() and createPatch(); inject.go InjectionData, concurrency.go applyConcurrency): the template renders a
 * SidecarInjectionSpec (initContainers, containers, volumes, imagePullSecrets, dnsConfig), whose lists are appended
 * to the pod's, with the status annotation and, by release, the tlsMode, canonical service, revision and network
 * labels and the Prometheus merge annotations.
 */
import { createHash } from 'node:crypto';
import { GoTemplateError } from './go-value';
import { goJsonMarshal } from './go-encoding';
import { InjectionContext } from './injection-context';
import { atLeast } from './releases';
import { INJECTION_SPEC_SHAPE, POD_SECURITY_CONTEXT_SHAPE, decodeAs, kubernetesApiMinor, loadGoYaml } from './pod-decode';
import { quantityMilliValue } from './quantity';
import { deploymentMeta, templateData } from './template-data';
import { InjectionRequest } from './template-injection';

/** Kubernetes objects as JSON data. */
type Json = Record<string, any>;

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const LEGACY_STATUS = { initContainers: ['istio-init', 'enable-core-dump'], containers: ['istio-proxy'], volumes: ['istio-certs', 'istio-envoy'], imagePullSecrets: [] as string[] };
const SERVICE_ACCOUNT_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/** applyConcurrency: a proxy without --concurrency gets the ceiling of its CPU limit (else request) in cores. */
function applyConcurrency(containers: Json[]): void {
  const proxy = containers.find((container) => container.name === 'istio-proxy');
  if (!proxy) return;
  const args = (proxy.args ?? []) as string[];
  for (let i = 0; i < args.length; i++) {
    const match = /^-{1,2}concurrency(=(\d+))?$/.exec(args[i].trim());
    if (!match) continue;
    const value = match[2] ?? args[i + 1];
    if (value !== undefined && /^\d+$/.test(value) && Number(value) > 0) return;
    break;
  }
  const resources = (proxy.resources ?? {}) as Json;
  for (const source of [resources.limits, resources.requests] as Array<Record<string, string> | undefined>) {
    const cpu = source?.cpu;
    const cores = cpu === undefined ? 0 : Math.ceil(quantityMilliValue(cpu) / 1000);
    if (cores > 0) {
      proxy.args = [...args, '--concurrency', String(cores)];
      return;
    }
  }
}

/** The names previously injected (injectionStatus), falling back to the legacy names. */
function previousNames(pod: Json): typeof LEGACY_STATUS {
  const text = (pod.metadata?.annotations ?? {})['sidecar.istio.io/status'];
  try {
    const status = text === undefined ? undefined : JSON.parse(text);
    const lists = ['initContainers', 'containers', 'volumes', 'imagePullSecrets'] as const;
    if (status && lists.some((key) => (status[key] ?? []).length > 0)) {
      return Object.fromEntries(lists.map((key) => [key, status[key] ?? []])) as unknown as typeof LEGACY_STATUS;
    }
  } catch {
    // An unreadable status is treated as no status.
  }
  return LEGACY_STATUS;
}

function canonicalLabels(labels: Record<string, string>, workloadName: string): [string, string] {
  const name = labels['service.istio.io/canonical-name'] ?? labels['app.kubernetes.io/name'] ?? labels.app ?? workloadName;
  const revision = labels['service.istio.io/canonical-revision'] ?? labels['app.kubernetes.io/version'] ?? labels.version ?? 'latest';
  return [name, revision];
}

/** Whether pods get fsGroup 1337 (1.1-1.8, each release with its own condition). */
function setsFsGroup(context: InjectionContext): boolean {
  const { release, mesh } = context;
  if (atLeast(release, '1.8')) {
    const flag = context.environment.ENABLE_LEGACY_FSGROUP_INJECTION;
    if (flag !== undefined && /^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(flag)) return /^(1|t|T|TRUE|true|True)$/.test(flag);
    return context.env('JWT_POLICY', 'third-party-jwt') !== 'first-party-jwt';
  }
  const sds = String(mesh.sdsUdsPath ?? '') !== '';
  return atLeast(release, '1.3') ? sds : sds && mesh.enableSdsTokenMount === true;
}

/** The webhook of Istio 1.1-1.8: the injected pod. */
export function injectLegacy(context: InjectionContext, original: Json, request: InjectionRequest): Json {
  const { release } = context;
  const pod = clone(original);
  pod.metadata ??= {};
  pod.spec ??= {};
  if (setsFsGroup(context)) {
    pod.spec.securityContext = !atLeast(release, '1.4') || !pod.spec.securityContext ? { fsGroup: 1337 } : { ...pod.spec.securityContext, fsGroup: 1337 };
  }
  // createPatch writes the pod's security context back as the webhook decoded it.
  if (pod.spec.securityContext) pod.spec.securityContext = decodeAs(POD_SECURITY_CONTEXT_SHAPE, pod.spec.securityContext, { scalars: 'convert', kubernetesMinor: kubernetesApiMinor(release) }) ?? {};
  const annotations = (pod.metadata.annotations ?? {}) as Record<string, string>;
  const proxyConfig = atLeast(release, '1.6')
    ? context.protos.applyProxyConfigAnnotation(context.mesh, annotations['proxy.istio.io/config'])
    : (context.mesh.defaultConfig ?? {}) as Json;
  const deployment = deploymentMeta(release, pod);
  const data = templateData(release, context.protos, {
    pod, deployment, proxyConfig, mesh: { ...context.mesh, defaultConfig: proxyConfig }, values: context.values,
    revision: context.revision, nativeSidecars: false, compliancePolicy: '',
  });
  const templateText = context.config.template!;
  const rendered = context.run('inject', templateText, data);
  // ghodss/yaml into SidecarInjectionSpec: numbers become strings in string fields, unknown fields are dropped.
  const decoding = { scalars: 'convert', kubernetesMinor: kubernetesApiMinor(release) } as const;
  const spec = (decodeAs(INJECTION_SPEC_SHAPE, normalizeSpecKeys(loadGoYaml(rendered, 'the rendered injection template')), decoding) ?? {}) as Json;
  const initContainers = (spec.initContainers ?? []) as Json[];
  const containers = (spec.containers ?? []) as Json[];
  const volumes = (spec.volumes ?? []) as Json[];
  const pullSecrets = (spec.imagePullSecrets ?? []) as Json[];
  applyConcurrency(containers);
  // overwriteClusterInfo (1.6+): the webhook URL's cluster and network.
  const proxy = containers.find((container) => container.name === 'istio-proxy');
  if (atLeast(release, '1.6') && proxy && Object.keys(request.proxyEnvs).length > 0) {
    const env = ((proxy.env ?? []) as Json[]).filter((item) => !(item.name in request.proxyEnvs));
    for (const key of Object.keys(request.proxyEnvs).sort()) env.push({ name: key, value: request.proxyEnvs[key] });
    proxy.env = env;
  }

  const version = createHash('sha256').update(templateText).digest('hex');
  const names = (list: Json[]) => (list.length > 0 ? list.map((item) => item.name) : null);
  const status = goJsonMarshal({ version, initContainers: names(initContainers), containers: names(containers), volumes: names(volumes), imagePullSecrets: names(pullSecrets) });
  const added: Record<string, string> = { 'sidecar.istio.io/status': status };
  if (atLeast(release, '1.4')) Object.assign(added, context.config.injectedAnnotations);

  // createPatch
  const rewriteAnnotation = annotations['sidecar.istio.io/rewriteAppHTTPProbers'];
  const rewrite = atLeast(release, '1.2') && rewriteAnnotation !== undefined ? /^(1|t|T|TRUE|true|True)$/.test(rewriteAnnotation) : spec.rewriteAppHTTPProbe === true;
  if (rewrite) {
    for (const container of (pod.spec.containers ?? []) as Json[]) {
      for (const probe of ['livenessProbe', 'readinessProbe']) {
        const probeSpec = container[probe] as Json | undefined;
        if (probeSpec?.httpGet) throw new GoTemplateError(`container ${container.name} has an HTTP ${probe} that Istio ${release} would rewrite (rewriteAppHTTPProbe); rewriting app probes is not modelled by this injector`);
      }
    }
  }
  const previous = previousNames(pod);
  const drop = (list: Json[] | undefined, names: string[]) => (list ?? []).filter((item) => !names.includes(item.name));
  pod.spec.initContainers = drop(pod.spec.initContainers, previous.initContainers);
  pod.spec.containers = drop(pod.spec.containers, previous.containers);
  pod.spec.volumes = drop(pod.spec.volumes, previous.volumes);
  pod.spec.imagePullSecrets = drop(pod.spec.imagePullSecrets, previous.imagePullSecrets);

  if (atLeast(release, '1.6')) applyLegacyPrometheusMerge(context, annotations, proxyConfig, proxy, added);

  // addContainer: the app's service account token mount is shared with the proxy; from 1.7 the validation
  // container, and the proxy when holdApplicationUntilProxyStarts, go in front.
  const tokenMount = ((pod.spec.containers ?? []) as Json[]).flatMap((c) => (c.volumeMounts ?? []) as Json[]).filter((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT).pop();
  const addContainers = (target: Json[], list: Json[]) => {
    for (const container of list) {
      if (container.name === 'istio-proxy' && tokenMount) container.volumeMounts = [...((container.volumeMounts ?? []) as Json[]), tokenMount];
      const front = atLeast(release, '1.7') && target.length > 0
        && (container.name === 'istio-validation' || (container.name === 'istio-proxy' && spec.holdApplicationUntilProxyStarts === true));
      if (front) target.unshift(container);
      else target.push(container);
    }
    return target;
  };
  pod.spec.initContainers = addContainers(pod.spec.initContainers, initContainers);
  pod.spec.containers = addContainers(pod.spec.containers, containers);
  pod.spec.volumes = [...pod.spec.volumes, ...volumes];
  pod.spec.imagePullSecrets = [...pod.spec.imagePullSecrets, ...pullSecrets];
  for (const key of ['initContainers', 'volumes', 'imagePullSecrets']) if (pod.spec[key].length === 0 && original.spec?.[key] === undefined) delete pod.spec[key];
  if (spec.dnsConfig) pod.spec.dnsConfig = spec.dnsConfig;

  pod.metadata.annotations = { ...annotations, ...added };
  if (atLeast(release, '1.4')) {
    const labels = (pod.metadata.labels ?? {}) as Record<string, string>;
    const wanted: Record<string, string> = { 'security.istio.io/tlsMode': 'istio' };
    if (atLeast(release, '1.5')) {
      const [name, revision] = canonicalLabels(labels, String(deployment.meta.name ?? deployment.meta.Name ?? ''));
      Object.assign(wanted, { 'service.istio.io/canonical-name': name, 'service.istio.io/canonical-revision': revision });
    }
    if (atLeast(release, '1.6')) wanted['istio.io/rev'] = context.revision;
    if (atLeast(release, '1.8')) {
      const network = ((proxy?.env ?? []) as Json[]).find((item) => item.name === 'ISTIO_META_NETWORK')?.value;
      if (network) wanted['topology.istio.io/network'] = String(network);
    }
    for (const key of Object.keys(wanted).sort()) if (!labels[key]) labels[key] = wanted[key];
    pod.metadata.labels = labels;
  }
  return pod;
}

/** ghodss/yaml matches JSON keys to SidecarInjectionSpec's untagged Go fields case-insensitively. */
function normalizeSpecKeys(data: unknown): unknown {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  const known = ['podRedirectAnnot', 'rewriteAppHTTPProbe', 'holdApplicationUntilProxyStarts', 'initContainers', 'containers', 'volumes', 'dnsConfig', 'imagePullSecrets'];
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [known.find((name) => name.toLowerCase() === key.toLowerCase()) ?? key, value]));
}

/** createPatch's Prometheus merge (1.6-1.8). */
function applyLegacyPrometheusMerge(context: InjectionContext, annotations: Record<string, string>, proxyConfig: Json, proxy: Json | undefined, added: Record<string, string>): void {
  const flag = annotations['prometheus.istio.io/merge-metrics'];
  let enabled = true;
  if (flag !== undefined && /^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(flag)) enabled = /^(1|t|T|TRUE|true|True)$/.test(flag);
  else if (typeof context.mesh.enablePrometheusMerge === 'boolean') enabled = context.mesh.enablePrometheusMerge;
  if (!enabled) return;
  const scrape = { scrape: annotations['prometheus.io/scrape'] ?? '', path: annotations['prometheus.io/path'] ?? '', port: annotations['prometheus.io/port'] ?? '' };
  if (proxy && (scrape.scrape || scrape.path || scrape.port)) {
    proxy.env = [...((proxy.env ?? []) as Json[]), { name: 'ISTIO_PROMETHEUS_ANNOTATIONS', value: goJsonMarshal(scrape) }];
  }
  added['prometheus.io/port'] = String(proxyConfig.statusPort ?? 0);
  added['prometheus.io/path'] = '/stats/prometheus';
  added['prometheus.io/scrape'] = 'true';
}
