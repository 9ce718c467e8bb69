/**
 * The injection of Istio 1.9 and later (pkg/kube/inject/webhook.go injectPod, inject.go RunTemplate): each selected
 * template is rendered and laid over the pod with a strategic merge patch; containers the pod already declares under
 * a template's container names are re-applied on top (reapplyOverwrittenContainers, how gateways customise their
 * proxy); then postProcessPod: cluster and network env, Prometheus merge annotations, probe rewriting, the status
 * annotation, and the container order (reorderPod).
 */
import { GoTemplateError } from './go-value';
import { goJsonMarshal } from './go-encoding';
import { InjectionContext } from './injection-context';
import { atLeast } from './releases';
import { CONTAINER_SHAPE, DecodeOptions, POD_SHAPE, decodeAs, inGoFieldOrder, keepFieldsUnknownToRelease, kubernetesApiMinor, loadGoYaml } from './pod-decode';
import { strategicMergePod } from './strategic-merge';
import { deploymentMeta, templateData } from './template-data';

/** Kubernetes objects as JSON data. */
type Json = Record<string, any>;

/** Per-request inputs the webhook gets besides the pod. */
export interface InjectionRequest {
  /** The env of the webhook URL path (/inject/cluster/<id>/net/<network>): ISTIO_META_CLUSTER_ID, ISTIO_META_NETWORK. */
  readonly proxyEnvs: Readonly<Record<string, string>>;
  /** Whether the cluster runs native sidecars (1.19+: ENABLE_NATIVE_SIDECARS, or node detection from 1.27). */
  readonly nativeSidecars: boolean;
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const containersOf = (pod: Json, key: 'containers' | 'initContainers'): Json[] => ((pod.spec ?? {})[key] ?? []) as Json[];

/** How Istio 1.9+ decodes pods: encoding/json into the release's vendored core/v1 types. */
function podDecoding(release: string): DecodeOptions {
  return { scalars: 'strict', kubernetesMinor: kubernetesApiMinor(release) };
}

/** The pod after strategic-merging one rendered template over it, decoded as a core/v1 Pod (applyOverlay). */
function applyOverlay(release: string, pod: Json, overlay: Json): Json {
  return decodeAs(POD_SHAPE, strategicMergePod(pod, overlay), podDecoding(release)) as Json;
}

/** The injection status annotation (getInjectionStatus): the names the templates added; the revision from 1.11. */
function injectionStatus(release: string, templatePod: Json, revision: string): string {
  const names = (list: Json[] | undefined) => (list && list.length > 0 ? list.map((item) => item.name) : null);
  const status: Json = {
    initContainers: names(containersOf(templatePod, 'initContainers')),
    containers: names(containersOf(templatePod, 'containers')),
    volumes: names((templatePod.spec ?? {}).volumes),
    imagePullSecrets: names((templatePod.spec ?? {}).imagePullSecrets),
  };
  if (atLeast(release, '1.11')) status.revision = revision || 'default';
  return goJsonMarshal(status);
}

/** The previously injected status of a pod (re-injection), if any. */
function previousStatus(pod: Json): Json | undefined {
  const text = (pod.metadata?.annotations ?? {})['sidecar.istio.io/status'];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}

/** stripPod: a re-injected pod loses what the previous injection added. */
function stripPod(pod: Json, statusPort: number): Json {
  const status = previousStatus(pod);
  if (!status) return pod;
  const stripped = clone(pod);
  const spec = stripped.spec ?? {};
  spec.containers = ((spec.containers ?? []) as Json[]).filter((c) => !((status.containers ?? []) as string[]).includes(c.name));
  spec.initContainers = ((spec.initContainers ?? []) as Json[]).filter((c) => !((status.initContainers ?? []) as string[]).includes(c.name));
  if (spec.initContainers.length === 0) delete spec.initContainers;
  const annotations = stripped.metadata.annotations as Record<string, string>;
  if (annotations['prometheus.io/port'] === String(statusPort)) {
    for (const key of ['prometheus.io/scrape', 'prometheus.io/path', 'prometheus.io/port']) delete annotations[key];
  }
  delete annotations['sidecar.istio.io/status'];
  return stripped;
}

/** reinsertOverrides: containers recorded in proxy.istio.io/overrides come back before the templates run. */
function reinsertOverrides(pod: Json): Json {
  const text = (pod.metadata?.annotations ?? {})['proxy.istio.io/overrides'];
  if (text === undefined) return pod;
  const overrides = JSON.parse(text) as { containers?: Json[]; initContainers?: Json[] };
  const result = clone(pod);
  for (const key of ['containers', 'initContainers'] as const) {
    for (const container of overrides[key] ?? []) {
      const list = (result.spec[key] ??= []) as Json[];
      if (!list.some((existing) => existing.name === container.name)) list.push(container);
    }
  }
  return result;
}

/** The templates to run: the inject.istio.io/templates annotation or the defaults, aliases expanded. */
function selectTemplates(context: InjectionContext, pod: Json): string[] {
  const annotation = (pod.metadata?.annotations ?? {})['inject.istio.io/templates'] as string | undefined;
  const names = annotation !== undefined ? annotation.split(',').map((name) => name.trim()) : [...context.config.defaultTemplates];
  return names.flatMap((name) => context.config.aliases[name] ?? [name]);
}

/** modifyContainers: move a named container first or last. */
function moveContainer(list: Json[] | undefined, name: string, where: 'first' | 'last'): Json[] | undefined {
  if (!list) return list;
  const match = list.find((container) => container.name === name);
  if (!match) return list;
  const rest = list.filter((container) => container.name !== name);
  return where === 'first' ? [match, ...rest] : [...rest, match];
}

/** Whether a proxy container's probes need the agent to rewrite app probes, and the pod has any. */
function checkProbeRewrite(context: InjectionContext, pod: Json): void {
  const annotation = (pod.metadata?.annotations ?? {})['sidecar.istio.io/rewriteAppHTTPProbers'];
  const fromValues = ((context.values.sidecarInjectorWebhook ?? {}) as Json).rewriteAppHTTPProbe;
  const rewrite = annotation !== undefined ? annotation.toLowerCase() === 'true' : fromValues === true;
  if (!rewrite) return;
  for (const container of containersOf(pod, 'containers')) {
    if (container.name === 'istio-proxy') continue;
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      const spec = container[probe] as Json | undefined;
      if (spec && (spec.httpGet || spec.tcpSocket || spec.grpc)) {
        throw new GoTemplateError(`container ${container.name} has a ${probe} that Istio ${context.release} would rewrite to the agent's port (sidecarInjectorWebhook.rewriteAppHTTPProbe); rewriting app probes is not modelled by this injector`);
      }
    }
  }
}

/** injectPod of Istio 1.9+: the injected pod. */
export function injectWithTemplates(context: InjectionContext, original: Json, request: InjectionRequest): Json {
  const { release } = context;
  const annotations = (original.metadata?.annotations ?? {}) as Record<string, string>;
  const labels = (original.metadata?.labels ?? {}) as Record<string, string>;
  const proxyConfig = context.protos.applyProxyConfigAnnotation(context.mesh, annotations['proxy.istio.io/config']);
  const mesh = { ...context.mesh, defaultConfig: proxyConfig };
  const statusPort = Number(proxyConfig.statusPort ?? 0);

  // Cluster and network: values, then the webhook URL, then the pod's network label.
  const proxyEnvs: Record<string, string> = { ...request.proxyEnvs };
  const global = (context.values.global ?? {}) as Json;
  let cluster = String((global.multiCluster ?? {}).clusterName ?? '');
  let network = String(global.network ?? '');
  if (proxyEnvs.ISTIO_META_CLUSTER_ID) cluster = proxyEnvs.ISTIO_META_CLUSTER_ID;
  if (proxyEnvs.ISTIO_META_NETWORK) network = proxyEnvs.ISTIO_META_NETWORK;
  // From 1.10 the pod's own network label wins (extractClusterAndNetwork).
  if (atLeast(release, '1.10') && labels['topology.istio.io/network'] !== undefined) network = labels['topology.istio.io/network'];
  if (cluster !== '') proxyEnvs.ISTIO_META_CLUSTER_ID = cluster;
  if (network !== '') proxyEnvs.ISTIO_META_NETWORK = network;

  const stripped = reinsertOverrides(stripPod(original, statusPort));
  const data = templateData(release, context.protos, {
    pod: stripped,
    deployment: deploymentMeta(release, original),
    proxyConfig,
    mesh,
    values: context.values,
    revision: context.revision,
    nativeSidecars: request.nativeSidecars,
    compliancePolicy: context.env('COMPLIANCE_POLICY', ''),
  });

  let merged = decodeAs(POD_SHAPE, original, podDecoding(release)) as Json;
  let templatePod: Json = {};
  for (const name of selectTemplates(context, original)) {
    const text = context.config.templates[name];
    if (text === undefined) throw new GoTemplateError(`requested template ${JSON.stringify(name)} not found; have ${Object.keys(context.config.templates).join(', ')}`);
    const rendered = context.run(name, text, data);
    const overlay = (loadGoYaml(rendered, `the rendered ${name} template`) ?? {}) as Json;
    templatePod = applyOverlay(release, templatePod, overlay);
    // 1.19+: with native sidecars the proxy is an init container; a customised proxy in containers moves there.
    const native = annotations['sidecar.istio.io/nativeSidecar'] === 'true' || (annotations['sidecar.istio.io/nativeSidecar'] !== 'false' && request.nativeSidecars);
    if (atLeast(release, '1.19') && native && containersOf(templatePod, 'initContainers').some((c) => c.name === 'istio-proxy')
      && containersOf(merged, 'containers').some((c) => c.name === 'istio-proxy')) {
      merged = clone(merged);
      const proxy = containersOf(merged, 'containers').find((c) => c.name === 'istio-proxy')!;
      merged.spec.containers = containersOf(merged, 'containers').filter((c) => c !== proxy);
      merged.spec.initContainers = [...containersOf(merged, 'initContainers'), proxy];
    }
    merged = applyOverlay(release, merged, overlay);
  }

  merged = reapplyOverwrittenContainers(release, merged, original, templatePod);
  const injected = postProcessPod(context, merged, templatePod, original, { proxyConfig, proxyEnvs, statusPort, mesh });
  // The webhook answers with a JSON patch between its own decodings of the pod: what its types lack stays.
  return keepFieldsUnknownToRelease(POD_SHAPE, original, injected, kubernetesApiMinor(release)) as Json;
}

/** Containers of the original pod named like a template's containers are laid back over the result. */
function reapplyOverwrittenContainers(release: string, finalPod: Json, original: Json, templatePod: Json): Json {
  const annotations = (original.metadata?.annotations ?? {}) as Record<string, string>;
  const existing = annotations['proxy.istio.io/overrides'] ? JSON.parse(annotations['proxy.istio.io/overrides']) as { containers?: Json[]; initContainers?: Json[] } : {};
  const status = atLeast(release, '1.18') ? previousStatus(original) : undefined;
  const overrides: { containers?: Json[]; initContainers?: Json[] } = {};
  let result = finalPod;
  for (const key of ['containers', 'initContainers'] as const) {
    for (const container of containersOf(templatePod, key)) {
      if (status && ((status[key] ?? []) as string[]).includes(container.name)) continue;
      const match = (existing[key] ?? []).find((c) => c.name === container.name)
        ?? containersOf(original, key).find((c) => c.name === container.name)
        ?? (atLeast(release, '1.19') && key === 'initContainers' ? containersOf(original, 'containers').find((c) => c.name === container.name) : undefined);
      if (!match) continue;
      // The container as the webhook decoded it (Go's encoding writes its empty resources).
      const overlay = decodeAs(CONTAINER_SHAPE, clone(match), podDecoding(release)) as Json;
      if (overlay.image === 'auto') delete overlay.image;
      (overrides[key] ??= []).push(overlay);
      result = applyOverlay(release, result, { spec: key === 'containers' ? { containers: [overlay] } : { containers: [], initContainers: [overlay] } });
    }
  }
  const alreadyInjected = annotations['sidecar.istio.io/status'] !== undefined;
  if (!alreadyInjected && (overrides.containers || overrides.initContainers)) {
    result = clone(result);
    result.metadata.annotations = { ...(result.metadata.annotations ?? {}), 'proxy.istio.io/overrides': goJsonMarshal({
      ...(overrides.containers ? { containers: inGoFieldOrder({ list: CONTAINER_SHAPE }, overrides.containers) } : {}),
      ...(overrides.initContainers ? { initContainers: inGoFieldOrder({ list: CONTAINER_SHAPE }, overrides.initContainers) } : {}),
    }) };
  }
  return result;
}

interface PostProcessInput {
  readonly proxyConfig: Json;
  readonly proxyEnvs: Record<string, string>;
  readonly statusPort: number;
  readonly mesh: Json;
}

/** postProcessPod: cluster env, Prometheus merge, probe rewriting, metadata, container order. */
function postProcessPod(context: InjectionContext, merged: Json, templatePod: Json, original: Json, input: PostProcessInput): Json {
  const { release } = context;
  const pod = clone(merged);
  pod.metadata ??= {};
  pod.metadata.annotations ??= {};
  pod.metadata.labels ??= {};
  const annotations = pod.metadata.annotations as Record<string, string>;
  const proxy = () => containersOf(pod, 'containers').find((c) => c.name === 'istio-proxy')
    ?? (atLeast(release, '1.19') ? containersOf(pod, 'initContainers').find((c) => c.name === 'istio-proxy') : undefined);

  // overwriteClusterInfo / updateClusterEnvs: the URL's env replaces the proxy's, appended in key order.
  const sidecar = proxy();
  if (sidecar && Object.keys(input.proxyEnvs).length > 0) {
    const env = ((sidecar.env ?? []) as Json[]).filter((item) => !(item.name in input.proxyEnvs));
    for (const key of Object.keys(input.proxyEnvs).sort()) env.push({ name: key, value: input.proxyEnvs[key] });
    sidecar.env = env;
  }

  applyPrometheusMerge(context, pod, input);
  checkProbeRewrite(context, pod);

  // applyMetadata
  if (input.proxyEnvs.ISTIO_META_NETWORK !== undefined) (pod.metadata.labels as Record<string, string>)['topology.istio.io/network'] = input.proxyEnvs.ISTIO_META_NETWORK;
  annotations['sidecar.istio.io/status'] = injectionStatus(release, templatePod, context.revision);
  Object.assign(annotations, context.config.injectedAnnotations);

  // reorderPod
  const values = context.values as Json;
  const hold = ((input.proxyConfig.holdApplicationUntilProxyStarts as boolean | undefined) ?? false)
    || (((values.global ?? {}).proxy ?? {}).holdApplicationUntilProxyStarts === true);
  const spec = pod.spec as Json;
  spec.containers = moveContainer(spec.containers, 'istio-proxy', hold ? 'first' : 'last');
  if (atLeast(release, '1.19') && containersOf(pod, 'initContainers').some((c) => c.name === 'istio-proxy')) {
    for (const name of ['enable-core-dump', 'istio-proxy', 'istio-validation', 'istio-init']) spec.initContainers = moveContainer(spec.initContainers, name, 'first');
  } else {
    spec.initContainers = moveContainer(spec.initContainers, 'istio-validation', 'first');
    spec.initContainers = moveContainer(spec.initContainers, 'istio-init', 'last');
    spec.initContainers = moveContainer(spec.initContainers, 'enable-core-dump', 'last');
  }
  if (Object.keys(pod.metadata.labels).length === 0 && !original.metadata?.labels) delete pod.metadata.labels;
  return decodeAs(POD_SHAPE, pod, podDecoding(release)) as Json;
}

/** applyPrometheusMerge: the agent serves merged metrics on the status port; the app's scrape config goes to its env. */
function applyPrometheusMerge(context: InjectionContext, pod: Json, input: PostProcessInput): void {
  const { release } = context;
  const annotations = pod.metadata.annotations as Record<string, string>;
  const byName = (wanted: string) => Object.keys(annotations).filter((key) => sanitizeLabelName(key) === wanted);
  const mergeAnnotation = annotations['prometheus.istio.io/merge-metrics'];
  let enabled = true;
  if (mergeAnnotation !== undefined && /^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(mergeAnnotation)) enabled = /^(1|t|T|TRUE|true|True)$/.test(mergeAnnotation);
  else if (typeof input.mesh.enablePrometheusMerge === 'boolean') enabled = input.mesh.enablePrometheusMerge;
  if (atLeast(release, '1.14')) {
    const scrapeKey = byName('prometheus_io_scrape')[0];
    const scrape = scrapeKey === undefined ? 'true' : annotations[scrapeKey];
    if (/^(0|f|F|FALSE|false|False)$/.test(scrape)) enabled = false;
  }
  if (!enabled) return;
  const target = String(input.statusPort);
  const portKey = atLeast(release, '1.14') ? byName('prometheus_io_port')[0] : (annotations['prometheus.io/port'] !== undefined ? 'prometheus.io/port' : undefined);
  if (portKey !== undefined && annotations[portKey] === target) return;
  const pick = (sanitized: string, exact: string) => (atLeast(release, '1.14') ? annotations[byName(sanitized)[0] ?? ''] ?? '' : annotations[exact] ?? '');
  const scrapeConfig = { scrape: pick('prometheus_io_scrape', 'prometheus.io/scrape'), path: pick('prometheus_io_path', 'prometheus.io/path'), port: pick('prometheus_io_port', 'prometheus.io/port') };
  const sidecar = containersOf(pod, 'containers').find((c) => c.name === 'istio-proxy');
  if (sidecar && (scrapeConfig.scrape || scrapeConfig.path || scrapeConfig.port)) {
    sidecar.env = [...((sidecar.env ?? []) as Json[]), { name: 'ISTIO_PROMETHEUS_ANNOTATIONS', value: goJsonMarshal(scrapeConfig) }];
  }
  if (atLeast(release, '1.14')) {
    for (const key of Object.keys(annotations)) if (['prometheus_io_scrape', 'prometheus_io_path', 'prometheus_io_port'].includes(sanitizeLabelName(key))) delete annotations[key];
  }
  annotations['prometheus.io/port'] = target;
  annotations['prometheus.io/path'] = '/stats/prometheus';
  annotations['prometheus.io/scrape'] = 'true';
}

/** strutil.SanitizeLabelName: Prometheus' label-name rules, every other character an underscore. */
function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_').replace(/^([0-9])/, '_$1');
}
