/**
 * The reads of the fake cluster, as kubectl prints them: `get` (objects and pods, `-o json|yaml|name|jsonpath=`),
 * `get --raw` of a pod's metrics through the API server's pod proxy, and `exec` of the read-only commands
 * verify.sh runs (Envoy's stats through pilot-agent, curl from a Bookinfo container). Anything else is refused.
 */
import * as yaml from 'js-yaml';
import { jsonPath } from './json-path';
import { ClusterError, FakeCluster, KubeObject, resourceName } from './cluster';
import { DataPlane, RunningPod } from './data-plane';
import { CollectorCounters, MeshTraffic } from './mesh-traffic';
import { ClusterReads, ToolAnswer } from './world';

/** HELP texts of the collector's own counters (receiverhelper and exporterhelper metadata.yaml, v0.120.0). */
const COLLECTOR_HELP: Record<string, string> = {
  otelcol_exporter_send_failed_spans: 'Number of spans in failed attempts to send to destination.',
  otelcol_exporter_sent_spans: 'Number of spans successfully sent to destination.',
  otelcol_receiver_accepted_spans: 'Number of spans successfully pushed into the pipeline.',
  otelcol_receiver_refused_spans: 'Number of spans that could not be pushed into the pipeline.',
};

export class FakeClusterReads implements ClusterReads {
  public constructor(private readonly cluster: FakeCluster, private readonly dataPlane: DataPlane, private readonly traffic: MeshTraffic) {}

  public get(words: string[], options: { namespace?: string; output?: string; selector?: string; raw?: string }): ToolAnswer {
    if (options.raw !== undefined) return this.raw(options.raw);
    let [resource, name] = words;
    if (resource?.includes('/')) [resource, name] = [resource.slice(0, resource.indexOf('/')), resource.slice(resource.indexOf('/') + 1)];
    const kind = resource ? this.cluster.kindOfResource(resource) : undefined;
    if (!kind) throw new ClusterError(`error: the server doesn't have a resource type "${resource}"`);
    const namespace = options.namespace ?? 'default';
    const candidates = kind === 'Pod' ? this.dataPlane.podsIn(namespace) : this.cluster.list(kind).filter((o) => !this.cluster.isNamespaced(o) || o.metadata.namespace === namespace);
    const found = candidates.filter((o) => (name === undefined || o.metadata.name === name) && matchesSelector(o, options.selector));
    if (name !== undefined && found.length === 0) {
      throw new ClusterError(`Error from server (NotFound): ${resource} "${name}" not found`);
    }
    const result = name !== undefined ? found[0] : { apiVersion: 'v1', kind: 'List', items: found, metadata: { resourceVersion: '' } };
    const output = options.output;
    if (output === 'name') return ok(`${(name !== undefined ? [found[0]] : found).map((o) => resourceName(o)).join('\n')}\n`);
    if (output === 'json') return ok(`${JSON.stringify(result, null, 4)}\n`);
    if (output === 'yaml') return ok(yaml.dump(result, { lineWidth: -1 }));
    if (output?.startsWith('jsonpath=')) return ok(jsonPath(output.slice('jsonpath='.length), result));
    throw new ClusterError(`error: the fake cluster prints -o name, json, yaml or jsonpath= (got ${output ?? 'the table'})`);
  }

  public exec(podName: string, namespace: string, container: string | undefined, command: string[]): ToolAnswer {
    const pod = this.dataPlane.pod(namespace, podName);
    if (!pod) throw new ClusterError(`Error from server (NotFound): pods "${podName}" not found`);
    if (pod.blocked) throw new ClusterError(`error: unable to upgrade connection: container not found ("${container}")`);
    const text = command.join(' ');
    if (container === 'istio-proxy' && text === 'pilot-agent request GET stats') return ok(this.envoyStats(pod));
    const curl = /^curl -sS ([a-z0-9.-]+):(\d+)(\/\S*)$/.exec(text);
    if (curl && container !== 'istio-proxy') {
      const page = this.traffic.fromPod(pod, curl[1], Number(curl[2]), curl[3]);
      if (!page) return { code: 7, stdout: '', stderr: `curl: (7) Failed to connect to ${curl[1]} port ${curl[2]}\n` };
      return ok(page.body);
    }
    throw new ClusterError(`error: the fake cluster runs only read-only commands in pods (refused: ${text})`);
  }

  /** Envoy's stats text (name: value) of a pod's sidecar; the tracer's counters appear when Istio keeps them. */
  private envoyStats(pod: RunningPod): string {
    const counters = this.traffic.countersOf(pod);
    const lines = ['cluster_manager.active_clusters: 27', 'server.live: 1'];
    if (this.keepsLightstepStats(pod)) {
      lines.push(`tracing.lightstep.spans_dropped: ${counters.spansDropped}`, `tracing.lightstep.spans_sent: ${counters.spansSent}`);
    }
    return `${lines.sort().join('\n')}\n`;
  }

  /**
   * Istio trims Envoy's statistics to its own inclusion list; a pod keeps tracing.lightstep.* when its
   * `sidecar.istio.io/statsInclusionPrefixes` annotation (1.1-1.7) or the mesh's proxyStatsMatcher (1.8+) names them.
   */
  private keepsLightstepStats(pod: RunningPod): boolean {
    const prefixes = `${pod.object.metadata.annotations?.['sidecar.istio.io/statsInclusionPrefixes'] ?? ''}`.split(',');
    if (prefixes.some((prefix) => 'tracing.lightstep.spans_sent'.startsWith(prefix.trim()) && prefix.trim() !== '')) return true;
    // The bootstrap reads the matcher of the ProxyConfig the proxy started with (pkg/bootstrap/config.go, 1.8-1.14).
    const inclusion: string[] = this.traffic.proxyConfigOf(pod)?.proxyStatsMatcher?.inclusionPrefixes ?? [];
    return inclusion.some((prefix) => 'tracing.lightstep.spans_sent'.startsWith(prefix));
  }

  /** `get --raw /api/v1/namespaces/NS/pods/POD:PORT/proxy/metrics`: the collector's Prometheus text. */
  private raw(target: string): ToolAnswer {
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/:]+):(\d+)\/proxy\/metrics$/.exec(target);
    const pod = match ? this.dataPlane.pod(match[1], match[2]) : undefined;
    if (!match || !pod || pod.blocked) throw new ClusterError(`Error from server (NotFound): the server could not find the requested resource (${target})`);
    if (!this.servesMetricsOn(pod, Number(match[3]))) {
      throw new ClusterError('Error from server (ServiceUnavailable): the server is currently unable to handle the request');
    }
    return ok(collectorMetricsText(this.traffic.collectorCounters(pod)));
  }

  /** The collector serves its metrics on the pod address at the port its config's pull reader names. */
  private servesMetricsOn(pod: RunningPod, port: number): boolean {
    const configVolume = (pod.object.spec.volumes ?? []).find((v: any) => v.configMap);
    const configMap = configVolume && this.cluster.get('ConfigMap', pod.object.metadata.namespace, configVolume.configMap.name);
    const config = configMap ? yaml.load(Object.values<string>(configMap.data)[0]) as any : undefined;
    const readers: any[] = config?.service?.telemetry?.metrics?.readers ?? [];
    return readers.some((reader) => {
      const exporter = reader.pull?.exporter?.prometheus;
      return exporter && Number(exporter.port) === port && exporter.host === '0.0.0.0';
    });
  }
}

/**
 * The collector's own span counters in the Prometheus text its pull reader serves, configured as OtelCollector
 * configures it (without_type_suffix, without_units, without_scope_info): bare counter names, no scope labels.
 */
export function collectorMetricsText(counters: CollectorCounters): string {
  const metric = (name: string, series: [string, number][]) => [
    `# HELP ${name} ${COLLECTOR_HELP[name]}`, `# TYPE ${name} counter`, ...series.map(([labels, value]) => `${name}{${labels}} ${value}`),
  ];
  const receivers = Object.keys(counters.accepted).length ? Object.keys(counters.accepted) : ['otlp'];
  return [
    ...metric('otelcol_exporter_send_failed_spans', [['exporter="otlp"', counters.failed]]),
    ...metric('otelcol_exporter_sent_spans', [['exporter="otlp"', counters.sent]]),
    ...metric('otelcol_receiver_accepted_spans', receivers.map((r) => [`receiver="${r}",transport="${r === 'zipkin' ? 'http' : 'grpc'}"`, counters.accepted[r] ?? 0])),
    ...metric('otelcol_receiver_refused_spans', receivers.map((r) => [`receiver="${r}",transport="${r === 'zipkin' ? 'http' : 'grpc'}"`, 0])),
  ].join('\n') + '\n';
}

function ok(stdout: string): ToolAnswer {
  return { code: 0, stdout };
}

function matchesSelector(object: KubeObject, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [key, value] = term.split('=');
    return (object.metadata.labels ?? {})[key] === value;
  });
}

/** `KubeObject` re-exported for callers that only read. */
export type { KubeObject };
