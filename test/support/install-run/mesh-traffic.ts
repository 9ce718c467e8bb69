/**
 * Requests through the fake cluster, and the spans they make. A request is routed the way the objects say:
 * a LoadBalancer address and port to a Service, its targetPort to the pods it selects; an Istio Gateway binds a
 * gateway pod whose labels its selector matches on the port the pod listens on, and a VirtualService bound to it
 * routes the path to a Service; a Gateway API Gateway routes through the HTTPRoutes whose parentRefs name it.
 * Bookinfo's productpage then calls details and reviews, and reviews v2 and v3 call ratings (samples/bookinfo).
 *
 * Each proxy on the way reports its spans where its own configuration says, as the fake reads it when the pod
 * started: Envoy's LightStep tracer (1.1-1.14) to the satellite, counted in `tracing.lightstep.spans_sent` when the
 * CA file its TLS settings name held, at its start, the CA that signed the satellites' certificate (else every report
 * fails and the spans count in `spans_dropped`); the Zipkin tracer (1.15.0-1.16.0) or the OpenTelemetry provider that
 * a Telemetry selects (1.16.1+) to the collector's receiver, if the NetworkPolicies of the collector's namespace let
 * the connection in (calls between Bookinfo's services are not checked against them), which exports what it accepts
 * when it started with a token and a CA file that verifies the satellites.
 */
import * as yaml from 'js-yaml';
import { FakeCluster, KubeObject } from './cluster';
import { selects } from './label-selector';
import { DataPlane, NODE_ADDRESS, proxyContainerOf, RunningPod } from './data-plane';

/** The page productpage serves. */
export interface Page {
  readonly status: number;
  readonly body: string;
}

/** What lies outside the cluster: the page productpage serves, and LightStep's satellites. */
export interface TrafficWorld {
  /** The page productpage's template renders. */
  readonly productPage: string;
  /**
   * The PEM of the CA that signed the certificate LightStep's satellites and public ingest present: a proxy or the
   * collector that verifies them with a CA file completes the TLS handshake only when that file holds this CA.
   */
  readonly satelliteCa: string;
}

/**
 * The address of the user's machine, from which curl reaches the cluster (RFC 5737): a LoadBalancer Service whose
 * `loadBalancerSourceRanges` leave it out does not answer it.
 */
export const USER_MACHINE_ADDRESS = '192.0.2.10';

/** What a proxy counts, per pod. */
export interface ProxyCounters {
  spansSent: number;
  spansDropped: number;
}

/** What the collector counts, per receiver and exporter. */
export interface CollectorCounters {
  accepted: Record<string, number>;
  sent: number;
  failed: number;
}

/** The control plane revision that injected a pod; the default one labels its pods `istio.io/rev: default`. */
function revisionOf(pod: RunningPod): string | undefined {
  const revision = pod.object.metadata.labels?.['istio.io/rev'];
  return revision === 'default' ? undefined : revision;
}

const LABELS_MATCH = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels?.[key] === value);

export class MeshTraffic {
  public readonly proxies = new Map<string, ProxyCounters>();
  public readonly collectors = new Map<string, CollectorCounters>();
  /** Spans each proxy reported to a collector, by pod ("namespace/name"): which proxies made the spans. */
  public readonly reported = new Map<string, number>();
  private reviewsTurn = 0;

  public constructor(private readonly cluster: FakeCluster, private readonly dataPlane: DataPlane, private readonly world: TrafficWorld) {}

  /**
   * A request from the user's machine to http://host:port/path: to a load balancer's address and a port of its Service,
   * which the cloud's load balancer drops when the Service's `loadBalancerSourceRanges` leave the machine out
   * (core/v1 ServiceSpec: "traffic through the cloud-provider load-balancer will be restricted to the specified client
   * IPs"); or to the node's address and a node port, which kube-proxy serves for NodePort and LoadBalancer Services.
   */
  public fromOutside(host: string, port: number, path: string, hostHeader = '*'): Page | undefined {
    const byNodePort = host === NODE_ADDRESS;
    const service = this.cluster.list('Service').find((s) => (byNodePort
      ? ['NodePort', 'LoadBalancer'].includes(s.spec.type) && s.spec.ports?.some((p: any) => p.nodePort === port)
      : s.status?.loadBalancer?.ingress?.some((i: any) => i.ip === host) && s.spec.ports?.some((p: any) => p.port === port)));
    if (!service) return undefined;
    const ranges: string[] = service.spec.loadBalancerSourceRanges ?? [];
    if (!byNodePort && ranges.length > 0 && !ranges.some((range) => inCidr(USER_MACHINE_ADDRESS, range))) return undefined;
    const servicePort = service.spec.ports.find((p: any) => (byNodePort ? p.nodePort : p.port) === port);
    const pods = this.selectedPods(service);
    if (pods.length === 0) return { status: 503, body: 'no healthy upstream' };
    const gatewayPod = pods[0];
    const target = this.numericTargetPort(servicePort, gatewayPod.object);
    const destination = this.routeAtGateway(gatewayPod, target, path, hostHeader);
    this.span(gatewayPod, 1);
    if (!destination) return { status: 404, body: '' };
    return this.call(destination.namespace, destination.host, destination.port, path, undefined);
  }

  /** A request from inside a pod (kubectl exec ... curl) to host:port/path. */
  public fromPod(from: RunningPod, host: string, port: number, path: string): Page | undefined {
    const [name, namespace = from.object.metadata.namespace] = host.split('.');
    return this.call(namespace, name, port, path, from);
  }

  /**
   * A call to a Service of the mesh: the callee's sidecar reports a server span, the caller's a client span. In ambient
   * mode a call from a captured pod to a Service bound to a waypoint passes through the waypoint, which reports the
   * span (its HCM traces with the Telemetry's server settings, listener_waypoint.go); ztunnel reports none, and the
   * ingress gateway (not a captured workload's outbound) goes to the pod directly.
   */
  private call(namespace: string, serviceName: string, port: number, path: string, from: RunningPod | undefined): Page | undefined {
    const service = this.cluster.get('Service', namespace, serviceName);
    if (!service || !service.spec.ports?.some((p: any) => p.port === port)) return undefined;
    const pods = this.selectedPods(service);
    if (pods.length === 0) return { status: 503, body: 'no healthy upstream' };
    if (from) this.span(from, 1);
    const waypoint = from && this.dataPlane.ambient.isCaptured(from) ? this.dataPlane.ambient.waypointPodFor(service) : undefined;
    if (waypoint) this.span(waypoint, 1);
    const app = service.metadata.name;
    const callee = app === 'reviews' ? pods[this.reviewsTurn++ % pods.length] : pods[0];
    this.span(callee, 1);
    if (app === 'productpage' && path.startsWith('/productpage')) {
      this.call(namespace, 'details', 9080, '/details/0', callee);
      this.call(namespace, 'reviews', 9080, '/reviews/0', callee);
      return { status: 200, body: this.world.productPage };
    }
    if (app === 'reviews' && callee.object.metadata.labels?.version !== 'v1') this.call(namespace, 'ratings', 9080, '/ratings/0', callee);
    return { status: 200, body: '{}' };
  }

  private selectedPods(service: KubeObject): RunningPod[] {
    return [...this.dataPlane.pods.values()].flat().filter((pod) => !pod.blocked
      && pod.object.metadata.namespace === service.metadata.namespace
      && LABELS_MATCH(service.spec.selector, pod.object.metadata.labels));
  }

  private numericTargetPort(servicePort: any, pod: KubeObject): number {
    const target = servicePort.targetPort ?? servicePort.port;
    if (typeof target === 'number') return target;
    const named = (pod.spec.containers ?? []).flatMap((c: any) => c.ports ?? []).find((p: any) => p.name === target);
    return named?.containerPort ?? -1;
  }

  /**
   * The port a gateway pod listens on for an Istio Gateway server, as istiod resolves it for a Gateway that selects
   * pods by label (pilot/pkg/model/gateway.go, resolvePorts, 1.12.9-1.30.3): the targetPort of a Service of the pod
   * whose port is the server's number, else the number itself.
   */
  private listenPort(pod: RunningPod, number: number): number {
    for (const service of this.cluster.list('Service', pod.object.metadata.namespace)) {
      if (!LABELS_MATCH(service.spec.selector, pod.object.metadata.labels)) continue;
      const servicePort = (service.spec.ports ?? []).find((p: any) => p.port === number);
      if (servicePort) return this.numericTargetPort(servicePort, pod.object);
    }
    return number;
  }

  /** The Service an ingress gateway pod sends a path to, on the port it received it on. */
  private routeAtGateway(gatewayPod: RunningPod, port: number, path: string, host: string): { namespace: string; host: string; port: number } | undefined {
    const pod = gatewayPod.object;
    // A Gateway API gateway pod carries the name of its Gateway.
    const gatewayName = pod.metadata.labels?.['gateway.networking.k8s.io/gateway-name'] ?? pod.metadata.labels?.['istio.io/gateway-name'];
    if (gatewayName) return this.routeHttpRoutes(pod.metadata.namespace, gatewayName, path);
    for (const gateway of this.cluster.list('Gateway').filter((g) => g.apiVersion.startsWith('networking.istio.io/'))) {
      if (!LABELS_MATCH(gateway.spec.selector, pod.metadata.labels)) continue;
      const server = (gateway.spec.servers ?? []).find((s: any) => this.listenPort(gatewayPod, s.port?.number) === port
        && (s.hosts ?? []).some((h: string) => h === '*' || h.endsWith(`/${host}`) || h === host || h === '*/*'));
      if (!server) continue;
      for (const service of this.cluster.list('VirtualService')) {
        const bound = (service.spec.gateways ?? []).some((g: string) => g === gateway.metadata.name && service.metadata.namespace === gateway.metadata.namespace
          || g === `${gateway.metadata.namespace}/${gateway.metadata.name}`);
        if (!bound) continue;
        for (const route of service.spec.http ?? []) {
          const matches = !route.match || route.match.some((m: any) => (m.uri?.exact === path) || (m.uri?.prefix !== undefined && path.startsWith(m.uri.prefix)));
          const destination = route.route?.[0]?.destination;
          if (matches && destination) {
            return { namespace: service.metadata.namespace, host: destination.host.split('.')[0], port: destination.port?.number ?? 9080 };
          }
        }
      }
    }
    return undefined;
  }

  private routeHttpRoutes(namespace: string, gatewayName: string, path: string): { namespace: string; host: string; port: number } | undefined {
    for (const route of this.cluster.list('HTTPRoute', namespace)) {
      if (!(route.spec.parentRefs ?? []).some((ref: any) => ref.name === gatewayName && (ref.kind ?? 'Gateway') === 'Gateway')) continue;
      for (const rule of route.spec.rules ?? []) {
        const matches = (rule.matches ?? [{}]).some((m: any) => !m.path || (m.path.type === 'Exact' ? m.path.value === path : path.startsWith(m.path.value)));
        const backend = rule.backendRefs?.[0];
        if (matches && backend) return { namespace: backend.namespace ?? namespace, host: backend.name, port: backend.port };
      }
    }
    return undefined;
  }

  /** `count` spans made by the proxy of `pod`, reported as its configuration says. */
  private span(pod: RunningPod, count: number): void {
    const proxy = proxyContainerOf(pod.object);
    if (!proxy) return;
    const tracer = this.tracerOf(pod);
    if (!tracer) return;
    if (tracer.kind === 'lightstep') {
      const counters = this.countersOf(pod);
      if (tracer.readable) counters.spansSent += count;
      else counters.spansDropped += count;
      return;
    }
    const collector = this.collectorAt(tracer.service, tracer.port, pod);
    if (!collector) return;
    const reporter = `${pod.object.metadata.namespace}/${pod.object.metadata.name}`;
    this.reported.set(reporter, (this.reported.get(reporter) ?? 0) + count);
    const counters = this.collectorCounters(collector.pod);
    counters.accepted[tracer.receiver] = (counters.accepted[tracer.receiver] ?? 0) + count;
    if (collector.exports) counters.sent += count;
    else counters.failed += count;
  }

  public countersOf(pod: RunningPod): ProxyCounters {
    const key = `${pod.object.metadata.namespace}/${pod.object.metadata.name}`;
    if (!this.proxies.has(key)) this.proxies.set(key, { spansSent: 0, spansDropped: 0 });
    return this.proxies.get(key)!;
  }

  public collectorCounters(pod: RunningPod): CollectorCounters {
    const key = `${pod.object.metadata.namespace}/${pod.object.metadata.name}`;
    if (!this.collectors.has(key)) this.collectors.set(key, { accepted: {}, sent: 0, failed: 0 });
    return this.collectors.get(key)!;
  }

  /**
   * Where a proxy sends its spans. Istio 1.1-1.5 pass the tracer to the proxy as arguments the injector rendered
   * (`--lightstepAddress`, `--lightstepSecure`, `--lightstepCacertPath`, `--zipkinAddress`); later proxies build
   * their tracer from ProxyConfig (mesh defaultConfig and the `proxy.istio.io/config` annotation) and, from 1.16.1,
   * from the Telemetry that selects an extension provider of the mesh config.
   */
  private tracerOf(pod: RunningPod): { kind: 'lightstep'; readable: boolean } | { kind: 'collector'; service: string; port: number; receiver: string } | undefined {
    const proxy = proxyContainerOf(pod.object)!;
    const args: string[] = proxy.args ?? [];
    const argument = (flag: string) => {
      const index = args.indexOf(flag);
      if (index >= 0) return args[index + 1];
      return args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
    };
    const proxyConfig = this.proxyConfigOf(pod);
    const lightstepAddress = argument('--lightstepAddress') ?? proxyConfig?.tracing?.lightstep?.address;
    if (lightstepAddress) {
      const secureArgument = argument('--lightstepSecure');
      const secure = secureArgument !== undefined ? secureArgument === 'true' : proxyConfig?.tracing?.tlsSettings !== undefined;
      const caPath = argument('--lightstepCacertPath') ?? proxyConfig?.tracing?.tlsSettings?.caCertificates ?? proxyConfig?.tracing?.lightstep?.cacertPath;
      return { kind: 'lightstep', readable: !secure || (caPath !== undefined && this.trustsSatellites(this.fileAtStart(pod, proxy, caPath))) };
    }
    const zipkin = argument('--zipkinAddress') ?? proxyConfig?.tracing?.zipkin?.address;
    const provider = this.telemetryProvider(pod);
    if (provider) return provider;
    if (zipkin && !provider) {
      const [service, port] = zipkin.split(':');
      return { kind: 'collector', service, port: Number(port), receiver: 'zipkin' };
    }
    return undefined;
  }

  /**
   * The ProxyConfig the proxy starts with: the PROXY_CONFIG the injector rendered into its environment (the mesh's
   * defaultConfig with the pod's `proxy.istio.io/config` applied), else the mesh config of its control plane.
   */
  public proxyConfigOf(pod: RunningPod): Record<string, any> | undefined {
    const proxy = proxyContainerOf(pod.object)!;
    const rendered = (proxy?.env ?? []).find((e: any) => e.name === 'PROXY_CONFIG')?.value;
    if (typeof rendered === 'string' && rendered.trim() !== '') return JSON.parse(rendered) as Record<string, any>;
    const istioNamespace = this.istioNamespaceOf(pod);
    if (!istioNamespace) return undefined;
    const mesh = this.dataPlane.meshConfig(istioNamespace, revisionOf(pod));
    const annotation = pod.object.metadata.annotations?.['proxy.istio.io/config'];
    const fromAnnotation = annotation ? (yaml.load(annotation) as Record<string, any>) : {};
    return { ...(mesh?.defaultConfig ?? {}), ...fromAnnotation };
  }

  /** The namespace of the control plane that injected the pod, from the discovery address the injector gave its proxy. */
  private istioNamespaceOf(pod: RunningPod): string | undefined {
    const proxy = proxyContainerOf(pod.object)!;
    const discovery = [...(proxy.args ?? []), ...(proxy.env ?? []).map((e: any) => `${e.value ?? ''}`)].join(' ');
    const match = /istiod(?:-[a-z0-9-]+)?\.([a-z0-9-]+)\.svc|istio-pilot\.([a-z0-9-]+)(?::|\.svc)/.exec(discovery);
    return match?.[1] ?? match?.[2];
  }

  /** The OpenTelemetry provider a mesh-wide Telemetry of the root namespace selects, resolved in the mesh config. */
  private telemetryProvider(pod: RunningPod): { kind: 'collector'; service: string; port: number; receiver: string } | undefined {
    const istioNamespace = this.istioNamespaceOf(pod);
    if (!istioNamespace) return undefined;
    const mesh = this.dataPlane.meshConfig(istioNamespace, revisionOf(pod));
    if (!mesh) return undefined;
    const rootNamespace = mesh.rootNamespace ?? 'istio-system';
    const telemetry = this.cluster.list('Telemetry', rootNamespace).find((t) => !t.spec?.selector && !t.spec?.targetRef && !t.spec?.targetRefs);
    // A waypoint traces with the server settings (its listener class is SidecarInbound, tracing.go): a CLIENT-only entry misses it.
    const waypoint = pod.object.metadata.labels?.['gateway.istio.io/managed'] === 'istio.io-mesh-controller';
    const tracing = (telemetry?.spec?.tracing ?? []).find((entry: any) => !(waypoint && entry.match?.mode === 'CLIENT'));
    const name = tracing?.providers?.[0]?.name;
    const provider = (mesh.extensionProviders ?? []).find((p: any) => p.name === name);
    if (!provider?.opentelemetry) return undefined;
    return { kind: 'collector', service: provider.opentelemetry.service, port: provider.opentelemetry.port, receiver: 'otlp' };
  }

  /**
   * The content of a file as the container's processes read it at start: the key of a Secret volume it mounts, from
   * the Secret as it was when the pod started (Envoy and the collector load their CA file once, at start); undefined
   * when no mounted Secret held it then.
   */
  private fileAtStart(pod: RunningPod, container: any, file: string): string | undefined {
    for (const mount of container.volumeMounts ?? []) {
      const directory = mount.mountPath.endsWith('/') ? mount.mountPath : `${mount.mountPath}/`;
      if (!file.startsWith(directory)) continue;
      const volume = (pod.object.spec.volumes ?? []).find((v: any) => v.name === mount.name);
      const data = volume?.secret ? pod.secretsAtStart?.[volume.secret.secretName]?.[file.slice(directory.length)] : undefined;
      if (data !== undefined) return Buffer.from(data, 'base64').toString('utf8');
    }
    return undefined;
  }

  /** Whether a CA file (PEM, one certificate or a bundle) holds the CA that signed the satellites' certificate. */
  private trustsSatellites(caFile: string | undefined): boolean {
    if (caFile === undefined) return false;
    const satellites = pemBodies(this.world.satelliteCa);
    return pemBodies(caFile).some((body) => satellites.includes(body));
  }

  /**
   * The collector pod behind `service:port` (a Service name, with or without its namespace and cluster domain), if
   * the connection from `from` reaches it.
   */
  private collectorAt(host: string, port: number, from: RunningPod): { pod: RunningPod; exports: boolean } | undefined {
    const [name, namespace] = host.split('.');
    const service = namespace ? this.cluster.get('Service', namespace, name) : undefined;
    const servicePort = service?.spec.ports?.find((p: any) => p.port === port);
    if (!service || !servicePort) return undefined;
    const [pod] = this.selectedPods(service);
    if (!pod || !this.admits(pod, from, this.numericTargetPort(servicePort, pod.object))) return undefined;
    return { pod, exports: this.collectorExports(pod) };
  }

  /**
   * Whether the NetworkPolicies of a pod's namespace let a connection from another pod in, on a port of the pod, as
   * networking/v1 NetworkPolicy says: a pod no policy of type Ingress selects takes every connection; a selected
   * pod only those that a rule of one of those policies allows (no `from`: any source; a peer's podSelector in the
   * policy's namespace, its namespaceSelector, or both; an ipBlock, meant for addresses outside the cluster, matches
   * no pod here; no `ports`: every port).
   */
  private admits(pod: RunningPod, from: RunningPod, port: number): boolean {
    const namespace = pod.object.metadata.namespace;
    const policies = this.cluster.list('NetworkPolicy', namespace).filter((policy) => (policy.spec?.policyTypes ?? ['Ingress']).includes('Ingress')
      && selects(policy.spec?.podSelector ?? {}, pod.object.metadata.labels));
    if (policies.length === 0) return true;
    const sourceNamespace = this.cluster.get('Namespace', undefined, from.object.metadata.namespace);
    const peerMatches = (peer: any) => {
      if (peer.ipBlock) return false;
      const inNamespace = peer.namespaceSelector ? selects(peer.namespaceSelector, sourceNamespace?.metadata.labels) : from.object.metadata.namespace === namespace;
      return inNamespace && (!peer.podSelector || selects(peer.podSelector, from.object.metadata.labels));
    };
    const portMatches = (rulePort: any) => rulePort.port === undefined || rulePort.port === port
      || (pod.object.spec.containers ?? []).some((c: any) => (c.ports ?? []).some((p: any) => p.name === rulePort.port && p.containerPort === port));
    return policies.some((policy) => (policy.spec.ingress ?? []).some((rule: any) => (!rule.from || rule.from.some(peerMatches))
      && (!rule.ports || rule.ports.some(portMatches))));
  }

  /**
   * The collector exports when its exporter's TLS verifies the satellites (with the `tls.ca_file` it loaded at start,
   * or the system's roots without one) and its token header resolves to a non-empty value: the environment the
   * container got at start, from the Secret as it was then. Otherwise every export fails, and the exporter counts
   * the spans in `otelcol_exporter_send_failed_spans`.
   */
  private collectorExports(pod: RunningPod): boolean {
    const container = pod.object.spec.containers[0];
    const configVolume = (pod.object.spec.volumes ?? []).find((v: any) => v.configMap);
    const configMap = configVolume && this.cluster.get('ConfigMap', pod.object.metadata.namespace, configVolume.configMap.name);
    const config = configMap ? yaml.load(Object.values<string>(configMap.data)[0]) as Record<string, any> : undefined;
    const exporter = Object.values<any>(config?.exporters ?? {})[0];
    const caFile = exporter?.tls?.ca_file;
    if (caFile !== undefined && !this.trustsSatellites(this.fileAtStart(pod, container, caFile))) return false;
    const variable = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(exporter?.headers?.['lightstep-access-token'] ?? '')?.[1];
    const ref = (container.env ?? []).find((e: any) => e.name === variable)?.valueFrom?.secretKeyRef;
    return Boolean(ref && pod.secretsAtStart?.[ref.name]?.[ref.key]);
  }
}

/** The base64 bodies of the certificates of a PEM text, without line breaks. */
function pemBodies(pem: string): string[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((match) => match[1].replace(/\s+/g, ''));
}

/** Whether an IPv4 address is inside a CIDR block. */
function inCidr(address: string, cidr: string): boolean {
  const [network, prefix = '32'] = cidr.split('/');
  const hostBits = 32 - Number(prefix);
  const toNumber = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
  return Math.floor(toNumber(address) / 2 ** hostBits) === Math.floor(toNumber(network) / 2 ** hostBits);
}
