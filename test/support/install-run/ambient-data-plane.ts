/**
 * The ambient data plane of the fake cluster: what the Istio CNI node agent and istiod's ambient controller do once
 * they run, as their sources say, read from what the cluster holds (the rendered DaemonSets, ConfigMaps, istiod's
 * Deployment, the Gateways and labels), never from what the product expects.
 *
 * - The CNI node agent (istio-cni chart, pods `k8s-app: istio-cni-node`) with its ambient switch on (AMBIENT_ENABLED in
 *   its env or in the ConfigMap its envFrom names) redirects the traffic of each pod that PodRedirectionEnabled accepts
 *   (cni/pkg/util/podutil.go, 1.22.0-1.24.6; enablement_selector.go in 1.30.3: the pod's or its namespace's label
 *   `istio.io/dataplane-mode: ambient`, no `sidecar.istio.io/status` annotation, not labelled `none`, not hostNetwork)
 *   to ztunnel, and marks it with the annotation `ambient.istio.io/redirection: enabled` (AnnotateEnrolledPod). A
 *   node without a running ztunnel (pods `app: ztunnel`) takes no pod over: the annotation waits for it.
 * - istiod with PILOT_ENABLE_AMBIENT binds a Service to the waypoint its label `istio.io/use-waypoint` names (the
 *   Service's own label wins over its namespace's; "none" opts out; the waypoint's own Service, labelled
 *   `gateway.istio.io/managed: istio.io-mesh-controller`, never), once that Gateway of class istio-waypoint has an
 *   address and serves service traffic (label `istio.io/waypoint-for` service or all; unset means service)
 *   (pilot/pkg/serviceregistry/kube/controller/ambient/waypoints.go, 1.22.0-1.30.3). From 1.24 it writes the
 *   outcome into the Service's status as the condition `istio.io/WaypointBound` (pilot/pkg/model/service.go,
 *   GetConditions; ambient/status.go for the reasons).
 */
import type { FakeCluster, KubeObject } from './cluster';
import type { DataPlane, RunningPod } from './data-plane';

export const WAYPOINT_CLASS = 'istio-waypoint';
const DATAPLANE_MODE = 'istio.io/dataplane-mode';
const USE_WAYPOINT = 'istio.io/use-waypoint';
const USE_WAYPOINT_NAMESPACE = 'istio.io/use-waypoint-namespace';
const WAYPOINT_FOR = 'istio.io/waypoint-for';
const REDIRECTION = 'ambient.istio.io/redirection';
const MESH_CONTROLLER = 'istio.io-mesh-controller';
const WAYPOINT_BOUND = 'istio.io/WaypointBound';

/** The waypoint a Service is bound to, or why none is. */
export interface WaypointBinding {
  /** The waypoint Gateway, when the Service is bound to it. */
  readonly gateway?: KubeObject;
  /** The reason and message istiod reports when the Service names a waypoint it cannot use. */
  readonly error?: { readonly reason: string; readonly message: string };
}

export class AmbientControllers {
  public constructor(private readonly cluster: FakeCluster, private readonly dataPlane: DataPlane, private readonly release: string | undefined) {}

  public reconcile(): void {
    this.redirectAmbientPods();
    this.writeWaypointStatus();
  }

  /** Whether the CNI node agent took the pod's traffic over (its annotation says enabled). */
  public isCaptured(pod: RunningPod): boolean {
    return pod.object.metadata.annotations?.[REDIRECTION] === 'enabled';
  }

  /** The running pod of the waypoint a Service is bound to, if istiod binds it to one that runs. */
  public waypointPodFor(service: KubeObject): RunningPod | undefined {
    if (!this.istiodAmbient()) return undefined;
    const gateway = this.bindingOf(service).gateway;
    if (!gateway) return undefined;
    return this.dataPlane.runningPods().find((pod) => pod.object.metadata.namespace === gateway.metadata.namespace
      && pod.object.metadata.labels?.['gateway.networking.k8s.io/gateway-name'] === gateway.metadata.name);
  }

  /** Which waypoint istiod binds a Service to (fetchWaypointForService), or the error it reports. */
  public bindingOf(service: KubeObject): WaypointBinding {
    if (service.metadata.labels?.['gateway.istio.io/managed'] === MESH_CONTROLLER) return {};
    const namespace = this.cluster.get('Namespace', undefined, service.metadata.namespace);
    const own = service.metadata.labels?.[USE_WAYPOINT];
    const labels: Record<string, string> | undefined = own !== undefined ? service.metadata.labels : namespace?.metadata.labels;
    const name = labels?.[USE_WAYPOINT];
    if (name === undefined || name === 'none') return {};
    const waypointNamespace = labels?.[USE_WAYPOINT_NAMESPACE] ?? service.metadata.namespace;
    const resource = `${waypointNamespace}/${name}`;
    const gateway = this.cluster.list('Gateway', waypointNamespace)
      .find((g) => g.apiVersion.startsWith('gateway.networking.k8s.io/') && g.metadata.name === name && g.spec?.gatewayClassName === WAYPOINT_CLASS);
    if (!gateway || !(gateway.status?.addresses?.length > 0)) {
      return { error: { reason: 'WaypointIsNotReady', message: `waypoint "${resource}" is not ready` } };
    }
    const traffic = gateway.metadata.labels?.[WAYPOINT_FOR] ?? 'service';
    if (traffic !== 'service' && traffic !== 'all') {
      return { error: { reason: 'UnsupportedTrafficType', message: `attempting to bind to traffic type "service" which the waypoint "${resource}" does not support` } };
    }
    return { gateway };
  }

  /** istiod runs, with ambient on (PILOT_ENABLE_AMBIENT in its discovery container, as the profile renders it). */
  private istiodAmbient(): boolean {
    return this.dataPlane.runningPods().some((pod) => pod.object.metadata.labels?.app === 'istiod'
      && (pod.object.spec.containers ?? []).some((c: any) => (c.env ?? []).some((e: any) => e.name === 'PILOT_ENABLE_AMBIENT' && e.value === 'true')));
  }

  /** The CNI node agent's redirection, for the pods it accepts, once it and ztunnel run. */
  private redirectAmbientPods(): void {
    const running = this.dataPlane.runningPods();
    const agent = running.find((pod) => pod.object.metadata.labels?.['k8s-app'] === 'istio-cni-node' && this.ambientSwitchOn(pod));
    const ztunnel = running.some((pod) => pod.object.metadata.labels?.app === 'ztunnel');
    if (!agent || !ztunnel) return;
    for (const pod of running) {
      const namespace = this.cluster.get('Namespace', undefined, pod.object.metadata.namespace);
      if (!this.redirectionEnabled(pod.object, namespace)) continue;
      pod.object.metadata.annotations = { ...(pod.object.metadata.annotations ?? {}), [REDIRECTION]: 'enabled' };
    }
  }

  /** PodRedirectionEnabled (cni/pkg/util/podutil.go). */
  private redirectionEnabled(pod: KubeObject, namespace: KubeObject | undefined): boolean {
    const podMode = pod.metadata.labels?.[DATAPLANE_MODE];
    if (namespace?.metadata.labels?.[DATAPLANE_MODE] !== 'ambient' && podMode !== 'ambient') return false;
    if (pod.metadata.annotations?.['sidecar.istio.io/status'] !== undefined) return false;
    if (podMode === 'none') return false;
    return pod.spec?.hostNetwork !== true;
  }

  /** AMBIENT_ENABLED of the agent's container: its own env (1.22) or the ConfigMap it takes its env from (1.23+). */
  private ambientSwitchOn(agent: RunningPod): boolean {
    for (const container of agent.object.spec.containers ?? []) {
      const env = (container.env ?? []).find((e: any) => e.name === 'AMBIENT_ENABLED');
      if (env) return env.value === 'true';
      for (const source of container.envFrom ?? []) {
        const configMap = source.configMapRef && this.cluster.get('ConfigMap', agent.object.metadata.namespace, source.configMapRef.name);
        if (configMap?.data?.AMBIENT_ENABLED !== undefined) return configMap.data.AMBIENT_ENABLED === 'true';
      }
    }
    return false;
  }

  /** istiod's WaypointBound condition in each Service's status (1.24 and later). */
  private writeWaypointStatus(): void {
    if (!this.release || !this.istiodAmbient() || compare(this.release, '1.24.0') < 0) return;
    for (const service of this.cluster.list('Service')) {
      const { gateway, error } = this.bindingOf(service);
      const others = (service.status?.conditions ?? []).filter((c: any) => c.type !== WAYPOINT_BOUND);
      const condition = gateway
        ? { type: WAYPOINT_BOUND, status: 'True', reason: 'WaypointAccepted', message: `Successfully attached to waypoint ${gateway.metadata.namespace}/${gateway.metadata.name}` }
        : error ? { type: WAYPOINT_BOUND, status: 'False', reason: error.reason, message: error.message } : undefined;
      const conditions = condition ? [...others, condition] : others;
      service.status = { ...(service.status ?? {}), ...(conditions.length > 0 ? { conditions } : {}) };
      if (conditions.length === 0) delete service.status.conditions;
    }
  }
}

function compare(a: string, b: string): number {
  const [x, y] = [a, b].map((text) => text.split('.').map(Number));
  return x[0] - y[0] || x[1] - y[1] || (x[2] ?? 0) - (y[2] ?? 0);
}
