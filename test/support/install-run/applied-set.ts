/**
 * Checks of what the cluster received from one install run, as one set. What is expected comes from the
 * configuration the user wrote (address, CA path, namespaces, revision, token), never from the product's tables;
 * what is found comes from the objects the release's own charts rendered and the commands applied.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { listFiles } from '../run-app';
import { FakeCluster, KubeObject } from './cluster';
import { proxyContainerOf, RunningPod } from './data-plane';
import { selects } from './label-selector';
import { InstallRun } from './run-install';

/** What the user asked for, read from the configuration file. */
export interface AskedFor {
  readonly address: string;
  readonly secure: boolean;
  /** Where the native tracer reads the CA (lightstep.cacertPath), when a CA file was given. */
  readonly cacertPath?: string;
  readonly istioNamespace: string;
  readonly revision?: string;
  readonly bookinfoNamespace: string;
  /** The access token as the shell held it when the commands ran. */
  readonly token: string;
  /** The pod labels of the Istio ingress gateway Bookinfo's ingress goes through, which then must trace too; undefined for another ingress. */
  readonly ingressGatewayLabels?: Readonly<Record<string, string>>;
}

/** Every way the applied set falls short, one line each; empty when none. */
export function appliedSetProblems(run: InstallRun, asked: AskedFor): string[] {
  const problems: string[] = [];
  const { cluster } = run;
  const pods = [...run.dataPlane.pods.values()].flat();
  // istiod (1.6+) or istio-pilot (1.1-1.5), with the revision's suffix when there is one.
  const istiod = cluster.list('Deployment').find((d) => ['istiod', 'istio-pilot'].some((name) => d.metadata.name === (asked.revision ? `${name}-${asked.revision}` : name)));
  const meshConfigMap = cluster.get('ConfigMap', asked.istioNamespace, asked.revision ? `istio-${asked.revision}` : 'istio');
  if (!istiod) problems.push(`no control plane Deployment${asked.revision ? ` of revision ${asked.revision}` : ''} was installed`);
  else if (istiod.metadata.namespace !== asked.istioNamespace) problems.push(`the control plane runs in ${istiod.metadata.namespace}, not in istio.namespace ${asked.istioNamespace}`);
  if (!meshConfigMap) {
    problems.push(`no mesh config ConfigMap ${asked.revision ? `istio-${asked.revision}` : 'istio'} in ${asked.istioNamespace}`);
    return problems;
  }
  const mesh = (yaml.load(meshConfigMap.data?.mesh ?? '') ?? {}) as Record<string, any>;
  problems.push(...tracerProblems(cluster, mesh, asked));
  // The CA is mounted into proxies only where they run LightStep's own tracer (the mesh config says so).
  problems.push(...injectionProblems(cluster, pods, asked, mesh.defaultConfig?.tracing?.lightstep !== undefined));
  problems.push(...secretOrderProblems(cluster, pods, asked, mesh.defaultConfig?.tracing?.lightstep !== undefined));
  // Every pod of the applied set runs: the control plane, gateways, node agents, the collector and Bookinfo.
  for (const pod of pods) if (pod.blocked) problems.push(`pod ${pod.object.metadata.namespace}/${pod.object.metadata.name} does not run: ${pod.blocked}`);
  problems.push(...tokenProblems(run, asked));
  return problems;
}

/** The mesh config carries the LightStep tracer at the address asked for, or a provider the Telemetry names, or Zipkin to a collector. */
function tracerProblems(cluster: FakeCluster, mesh: Record<string, any>, asked: AskedFor): string[] {
  const problems: string[] = [];
  const tracing = mesh.defaultConfig?.tracing ?? {};
  const telemetries = cluster.list('Telemetry');
  if (tracing.lightstep) {
    if (tracing.lightstep.address !== asked.address) problems.push(`mesh config: the LightStep tracer reports to ${tracing.lightstep.address}, not to ${asked.address}`);
    if (tracing.lightstep.accessToken !== asked.token) problems.push('mesh config: the LightStep tracer has not the access token of the shell');
    const caPath = tracing.tlsSettings?.caCertificates ?? (tracing.lightstep.secure ? tracing.lightstep.cacertPath : undefined);
    if (asked.secure && caPath !== asked.cacertPath) problems.push(`mesh config: the tracer reads its CA at ${caPath}, not at lightstep.cacertPath ${asked.cacertPath}`);
    return problems;
  }
  if (telemetries.length > 0) {
    const root = mesh.rootNamespace ?? 'istio-system';
    if (root !== asked.istioNamespace) problems.push(`mesh config: the root namespace is ${root}, not istio.namespace ${asked.istioNamespace}`);
    for (const telemetry of telemetries) {
      if (telemetry.metadata.namespace !== root) problems.push(`Telemetry ${telemetry.metadata.namespace}/${telemetry.metadata.name} is outside the root namespace ${root}: it applies to no proxy mesh-wide`);
      for (const provider of (telemetry.spec?.tracing ?? []).flatMap((t: any) => t.providers ?? [])) {
        const defined = (mesh.extensionProviders ?? []).find((p: any) => p.name === provider.name);
        if (!defined) { problems.push(`Telemetry names provider ${provider.name}, which the mesh config does not define`); continue; }
        problems.push(...serviceProblems(cluster, `provider ${provider.name}`, defined.opentelemetry?.service, defined.opentelemetry?.port));
      }
    }
    return problems;
  }
  if (tracing.zipkin?.address) {
    const [host, port] = String(tracing.zipkin.address).split(':');
    return serviceProblems(cluster, 'the Zipkin tracer', host, Number(port));
  }
  return ['mesh config: no tracer, no Telemetry provider: no proxy reports a span'];
}

/** A provider's service names a Service of the cluster with that port. */
function serviceProblems(cluster: FakeCluster, what: string, host: string | undefined, port: number | undefined): string[] {
  const [name, namespace] = (host ?? '').split('.');
  const service = namespace ? cluster.get('Service', namespace, name) : undefined;
  if (!service) return [`${what} sends to ${host}:${port}, which is no Service of the cluster`];
  if (!service.spec.ports?.some((p: any) => p.port === port)) return [`${what} sends to port ${port} of Service ${namespace}/${name}, which has no such port`];
  return [];
}

/**
 * Every pod that must get a sidecar is selected by a mutating webhook whose service exists, and has it; the
 * sidecar (and the gateway, when it traces with the CA) mounts lightstep.cacert at the directory of the path the
 * tracer reads, keyed by its file name.
 */
function injectionProblems(cluster: FakeCluster, pods: RunningPod[], asked: AskedFor, proxiesReadTheCa: boolean): string[] {
  const problems: string[] = [];
  const webhooks = cluster.list('MutatingWebhookConfiguration').flatMap((c) => (c.webhooks ?? []).map((w: any) => ({ config: c.metadata.name, ...w })));
  for (const pod of pods) {
    const { object } = pod;
    const namespace = cluster.get('Namespace', undefined, object.metadata.namespace);
    const labels = object.metadata.labels ?? {};
    const name = `pod ${object.metadata.namespace}/${object.metadata.name}`;
    // An ambient namespace's pods get no sidecar: the CNI node agent takes them over (cni/pkg/util/podutil.go), except
    // those labelled out of ambient, such as the waypoint and gateway pods istiod deploys there.
    if (namespace?.metadata.labels?.['istio.io/dataplane-mode'] === 'ambient') {
      if (labels['istio.io/dataplane-mode'] === 'none') continue;
      if (proxyContainerOf(object)) problems.push(`${name} has a sidecar in the ambient namespace ${object.metadata.namespace}`);
      else if (object.metadata.annotations?.['ambient.istio.io/redirection'] !== 'enabled') problems.push(`${name} is not captured by the ambient data plane`);
      continue;
    }
    const optedOut = labels['sidecar.istio.io/inject'] === 'false' || object.metadata.annotations?.['sidecar.istio.io/inject'] === 'false';
    const wanted = (object.metadata.namespace === asked.bookinfoNamespace || labels['sidecar.istio.io/inject'] === 'true') && !optedOut;
    if (!wanted) continue;
    const selected = webhooks.filter((w) => selects(w.namespaceSelector, namespace?.metadata.labels) && selects(w.objectSelector, labels));
    if (selected.length === 0) { problems.push(`${name} must be injected, and no mutating webhook selects it`); continue; }
    const service = selected[0].clientConfig?.service;
    if (service && !cluster.get('Service', service.namespace, service.name)) problems.push(`${name}: webhook ${selected[0].name} calls Service ${service.namespace}/${service.name}, which does not exist`);
    const proxy = proxyContainerOf(object);
    if (!proxy) { problems.push(`${name} has no istio-proxy container`); continue; }
  }
  if (asked.cacertPath && asked.secure && proxiesReadTheCa) {
    const directory = asked.cacertPath.slice(0, asked.cacertPath.lastIndexOf('/') + 1);
    const key = asked.cacertPath.slice(asked.cacertPath.lastIndexOf('/') + 1);
    for (const pod of pods) {
      const { object } = pod;
      const proxy = proxyContainerOf(object);
      if (!proxy || object.metadata.namespace === 'kube-system') continue;
      // Gateways of 1.1-1.3 trace with Zipkin whatever the sidecars do: their rendered arguments say which tracer runs.
      const zipkinOnly = (proxy.args ?? []).includes('--zipkinAddress') && !(proxy.args ?? []).includes('--lightstepAddress');
      const tracesWithCa = !zipkinOnly && (object.metadata.namespace === asked.bookinfoNamespace || (asked.ingressGatewayLabels !== undefined && selects({ matchLabels: asked.ingressGatewayLabels }, object.metadata.labels)));
      if (!tracesWithCa) continue;
      const mount = (proxy.volumeMounts ?? []).find((m: any) => `${m.mountPath.replace(/\/$/, '')}/` === directory);
      const volume = mount && (object.spec.volumes ?? []).find((v: any) => v.name === mount.name);
      const name = `pod ${object.metadata.namespace}/${object.metadata.name}`;
      if (!volume?.secret) problems.push(`${name}: istio-proxy mounts no Secret at ${directory}, where the tracer reads ${key}`);
      else if (!cluster.get('Secret', object.metadata.namespace, volume.secret.secretName)?.data?.[key]) {
        problems.push(`${name}: the Secret ${volume.secret.secretName} it mounts at ${directory} has no key ${key} in ${object.metadata.namespace}`);
      }
    }
  }
  return problems;
}

/**
 * Every pod started after the Secrets it reads only at start existed: the environment taken from a Secret (set once,
 * when the container starts) and the CA its proxy's tracer loads into Envoy's bootstrap (a later Secret reaches the
 * volume, but not the tracer already running). Certificates that pilot-agent watches are not of this kind.
 */
function secretOrderProblems(cluster: FakeCluster, pods: RunningPod[], asked: AskedFor, proxiesReadTheCa: boolean): string[] {
  const problems: string[] = [];
  const caDirectory = asked.cacertPath && proxiesReadTheCa ? asked.cacertPath.slice(0, asked.cacertPath.lastIndexOf('/') + 1) : undefined;
  for (const pod of pods.filter((p) => p.started !== undefined)) {
    const namespace = pod.object.metadata.namespace;
    const proxy = proxyContainerOf(pod.object);
    const caVolumes = caDirectory === undefined ? [] : (proxy?.volumeMounts ?? [])
      .filter((m: any) => `${m.mountPath.replace(/\/$/, '')}/` === caDirectory).map((m: any) => m.name as string);
    const secrets = [
      ...(pod.object.spec.volumes ?? []).filter((v: any) => v.secret && caVolumes.includes(v.name)).map((v: any) => v.secret.secretName as string),
      ...[...(pod.object.spec.containers ?? []), ...(pod.object.spec.initContainers ?? [])]
        .flatMap((c: any) => c.env ?? []).filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.valueFrom.secretKeyRef.name as string),
    ];
    for (const name of new Set(secrets)) {
      const secret = cluster.get('Secret', namespace, name);
      if (!secret) continue; // optional and never created: the mount checks say so
      const created = cluster.createdAt(cluster.key(secret))!;
      if (created > pod.started!) problems.push(`pod ${namespace}/${pod.object.metadata.name} started (t=${pod.started}) before Secret ${name} existed (t=${created}): it runs without it`);
    }
  }
  return problems;
}

/**
 * The access token is in no file of the output, plain or base64, and in the cluster only in Secrets, or in Istio's own
 * ConfigMaps of its namespace where the install handed it to Istio on the command line (`--set`).
 */
function tokenProblems(run: InstallRun, asked: AskedFor): string[] {
  const problems: string[] = [];
  const forms = [asked.token, Buffer.from(asked.token).toString('base64')];
  const handedToIstio = run.log.some((call) => ['helm', 'istioctl'].includes(call.tool) && call.args.some((arg) => arg.includes(asked.token)));
  for (const file of listFiles(run.distDir)) {
    const text = fs.readFileSync(path.join(run.distDir, file), 'utf8');
    if (forms.some((form) => text.includes(form))) problems.push(`the access token is in the file ${file}`);
  }
  for (const object of run.cluster.all()) {
    const text = JSON.stringify(object);
    if (!forms.some((form) => text.includes(form))) continue;
    // Istio keeps a token it was handed in the objects it renders (mesh config, injector values, 1.4-1.5 gateway args).
    const createdBy = run.cluster.events.find((event) => event.key === run.cluster.key(object) && event.action === 'created')?.by ?? '';
    const renderedByIstio = handedToIstio && object.metadata.namespace === asked.istioNamespace && !/^kubectl apply -[fk] (?!STDIN)/.test(createdBy);
    if (object.kind === 'Secret' || renderedByIstio) continue;
    problems.push(`the access token is in ${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`);
  }
  return problems;
}

/** `KubeObject` for callers of the checks. */
export type { KubeObject };
