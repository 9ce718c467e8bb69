/**
 * The running part of the fake cluster: the pods of every Deployment and DaemonSet (injected by the release's
 * own injector template, through the fake injector), the LoadBalancer addresses a cloud gives Services, the
 * gateway istiod deploys for a Gateway API Gateway, and what the proxies and the collector count when traffic
 * flows. Whether a pod starts, and whether its spans leave, follows from what the cluster holds when it starts:
 * the Secrets and ConfigMaps it mounts, the mesh config and tracer settings its proxy got, the token.
 */
import { createHash } from 'node:crypto';
import * as yaml from 'js-yaml';
import { isPodSecurityLevel, POD_SECURITY_ENFORCE_LABEL, podSecurityViolations } from '../../../src/analysis/pod-security';
import { admittedPod } from '../istio-injector/admitted-pod';
import { FakeCluster, KubeObject } from './cluster';
import { AmbientControllers, WAYPOINT_CLASS } from './ambient-data-plane';
import { DataPlaneControl } from './world';

/** A pod as the fake runs it, with the facts its proxy or the collector acts on. */
export interface RunningPod {
  readonly object: KubeObject;
  /** The workload's key in the cluster, e.g. "apps/Deployment/default/productpage-v1". */
  readonly workload: string;
  /** Logical time the workload created it. */
  readonly created: number;
  /**
   * Logical time its containers started: when the last object it needs existed (kubelet retries a missing Secret
   * or ConfigMap until it appears), or undefined while one is still missing.
   */
  readonly started?: number;
  /** Why it is not running (kubectl's words), or undefined. */
  readonly blocked?: string;
  /**
   * What it read from each Secret it mounts or takes environment from, by Secret name, as the Secret was when its
   * containers started (a missing optional Secret is absent): the environment it runs with and the files its
   * processes loaded at start, which later changes to the Secret do not reach.
   */
  readonly secretsAtStart?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** How a pod of a workload gets its sidecar: the fake injector derived from the release's rendered templates. */
export interface PodInjector {
  /** The pod as the API server stores it after the mutating webhooks, or the template as it is when none selects it. */
  inject(pod: KubeObject, namespace: KubeObject, cluster: FakeCluster): KubeObject;
  /** The Deployment, Service and ServiceAccount istiod creates for a Gateway API Gateway, if its class is one istiod serves. */
  gatewayDeployment?(gateway: KubeObject, cluster: FakeCluster): KubeObject[] | undefined;
}

/**
 * The pod's Istio proxy: the `istio-proxy` container, or the native sidecar of that name (an init container that keeps
 * running, restartPolicy Always), which the injector writes from Istio 1.27 where the nodes support it.
 */
export function proxyContainerOf(pod: KubeObject): Record<string, any> | undefined {
  return (pod.spec?.containers ?? []).find((c: any) => c.name === 'istio-proxy')
    ?? (pod.spec?.initContainers ?? []).find((c: any) => c.name === 'istio-proxy' && c.restartPolicy === 'Always');
}

/** The address of the cluster's one node (RFC 5737), where kube-proxy serves every Service's node ports. */
export const NODE_ADDRESS = '198.51.100.7';
/** Documentation addresses (RFC 5737), handed out to LoadBalancer Services in the order they appear. */
const LOAD_BALANCER_RANGE = '203.0.113.';
/** The first port of the API server's default node port range (--service-node-port-range 30000-32767). */
const FIRST_NODE_PORT = 30000;
/** The cluster IPs the API server gives Services, from the default service CIDR, in the order they appear. */
const CLUSTER_IP_RANGE = '10.96.0.';

/** What the cluster runs besides the objects: the Istio release whose control plane answers (for its status writes). */
export interface DataPlaneOptions {
  /** The Istio release, e.g. "1.24.6"; undefined for runs that never need a release's own behaviour. */
  readonly release?: string;
}

export class DataPlane implements DataPlaneControl {
  public readonly pods = new Map<string, RunningPod[]>();
  /** The workload start (lastStart) each workload's pods were created for. */
  private readonly podsStartedAt = new Map<string, number>();
  private readonly addresses = new Map<string, string>();
  private loadBalancersMade = 0;
  private nodePorts = 0;
  private readonly clusterIps = new Map<string, string>();
  /** istiod's ambient controller and the CNI node agent, which act once they run (ambient-data-plane.ts). */
  public readonly ambient: AmbientControllers;

  public constructor(private readonly cluster: FakeCluster, private readonly injector: PodInjector, options: DataPlaneOptions = {}) {
    this.ambient = new AmbientControllers(cluster, this, options.release);
  }

  public reconcile(): void {
    for (const key of [...this.pods.keys()]) if (!this.cluster.all().some((object) => this.cluster.key(object) === key)) this.pods.delete(key);
    // kube-controller-manager's service account controller gives every namespace a ServiceAccount `default`.
    const withoutDefault = this.cluster.list('Namespace').filter((ns) => !this.cluster.get('ServiceAccount', ns.metadata.name, 'default'));
    if (withoutDefault.length) {
      this.cluster.apply(withoutDefault.map((ns) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns.metadata.name } })), 'kube-controller-manager');
    }
    this.deployGateways();
    for (const service of this.cluster.list('Service')) this.balance(service);
    for (const workload of [...this.cluster.list('Deployment'), ...this.cluster.list('DaemonSet')]) this.startPods(workload);
    // What istiod or Citadel write once they run can unblock pods that wait for it: start them again.
    if (this.publishRootCertificates() || this.issueWorkloadSecrets()) {
      for (const workload of [...this.cluster.list('Deployment'), ...this.cluster.list('DaemonSet')]) this.startPods(workload);
    }
    this.programGateways();
    this.ambient.reconcile();
  }

  /** Every running pod, of every namespace. */
  public runningPods(): RunningPod[] {
    return [...this.pods.values()].flat().filter((pod) => !pod.blocked);
  }

  /** The cluster IP the API server gave a Service (ClusterIP and LoadBalancer types), once it exists. */
  public clusterIpOf(service: KubeObject): string | undefined {
    return this.clusterIps.get(this.cluster.key(service));
  }

  /**
   * Citadel (istio-citadel, Istio 1.1-1.5) writes a Secret `istio.<service account>` with each service account's
   * certificate into its namespace (security/pkg/k8s/controller/workloadsecret.go), which Istio's own pods mount.
   * Returns whether it wrote one.
   */
  private issueWorkloadSecrets(): boolean {
    const citadel = [...this.pods.values()].flat().some((pod) => !pod.blocked && pod.object.metadata.labels?.istio === 'citadel');
    if (!citadel) return false;
    const missing = this.cluster.list('ServiceAccount')
      .filter((account) => !this.cluster.get('Secret', account.metadata.namespace, `istio.${account.metadata.name}`));
    if (missing.length === 0) return false;
    this.cluster.apply(missing.map((account) => ({
      apiVersion: 'v1', kind: 'Secret', type: 'istio.io/key-and-cert',
      metadata: { name: `istio.${account.metadata.name}`, namespace: account.metadata.namespace },
      data: { 'cert-chain.pem': '', 'key.pem': '', 'root-cert.pem': '' },
    })), 'istio-citadel');
    return true;
  }

  /**
   * istiod (1.6+) writes its root certificate into a ConfigMap `istio-ca-root-cert` of every namespace
   * (pilot/pkg/bootstrap/server.go, the namespace controller), which injected proxies and gateways mount.
   * Returns whether it wrote one.
   */
  private publishRootCertificates(): boolean {
    const istiod = [...this.pods.values()].flat().some((pod) => !pod.blocked && pod.object.metadata.labels?.app === 'istiod');
    if (!istiod) return false;
    const missing = this.cluster.list('Namespace').filter((ns) => !this.cluster.get('ConfigMap', ns.metadata.name, 'istio-ca-root-cert'));
    if (missing.length === 0) return false;
    this.cluster.apply(missing.map((ns) => ({
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio-ca-root-cert', namespace: ns.metadata.name }, data: { 'root-cert.pem': '(istiod root certificate)' },
    })), 'istiod');
    return true;
  }

  public whyNotAvailable(deployment: KubeObject): string | undefined {
    const pods = this.pods.get(this.cluster.key(deployment)) ?? [];
    if (pods.length === 0) return 'no pod was created';
    return pods.find((pod) => pod.blocked)?.blocked;
  }

  /** The pods of a namespace, as `kubectl get pods` lists them. */
  public podsIn(namespace: string): KubeObject[] {
    return [...this.pods.values()].flat().filter((pod) => pod.object.metadata.namespace === namespace).map((pod) => pod.object);
  }

  public pod(namespace: string, name: string): RunningPod | undefined {
    return [...this.pods.values()].flat().find((pod) => pod.object.metadata.namespace === namespace && pod.object.metadata.name === name);
  }

  /**
   * The API server gives every Service a cluster IP, and each port of a NodePort Service that names none a node port
   * (from the default range 30000-32767; here in order, where the API server picks at random). A cloud's load balancer
   * gives each LoadBalancer Service an address once, and takes it away with its status when the Service stops being
   * one (the service controller of the cloud provider).
   */
  private balance(service: KubeObject): void {
    const key = this.cluster.key(service);
    if (service.spec?.clusterIP !== 'None' && !this.clusterIps.has(key)) this.clusterIps.set(key, `${CLUSTER_IP_RANGE}${10 + this.clusterIps.size}`);
    if (service.spec?.type === 'NodePort') {
      for (const port of service.spec.ports ?? []) port.nodePort ??= FIRST_NODE_PORT + this.nodePorts++;
    }
    if (service.spec?.type !== 'LoadBalancer') {
      if (this.addresses.delete(key)) delete service.status;
      return;
    }
    if (!this.addresses.has(key)) this.addresses.set(key, `${LOAD_BALANCER_RANGE}${10 + this.loadBalancersMade++}`);
    service.status = { loadBalancer: { ingress: [{ ip: this.addresses.get(key) }] } };
  }

  /** istiod's gateway controller: the objects of each Gateway API Gateway it serves, created once. */
  private deployGateways(): void {
    if (!this.injector.gatewayDeployment) return;
    for (const gateway of this.cluster.list('Gateway').filter((g) => g.apiVersion.startsWith('gateway.networking.k8s.io/'))) {
      const objects = this.injector.gatewayDeployment(gateway, this.cluster);
      if (!objects) continue;
      const missing = objects.filter((object) => !this.cluster.get(object.kind, object.metadata.namespace, object.metadata.name));
      if (missing.length) this.cluster.apply(missing, `istiod (Gateway ${gateway.metadata.namespace}/${gateway.metadata.name})`);
    }
  }

  /**
   * A served Gateway gets the address of the LoadBalancer Service istiod made for it. A waypoint (ClusterIP Service)
   * gets its cluster IP and its hostname ("Report both", classInfo of istio-waypoint, deploymentcontroller.go), and only
   * once its Deployment has a ready pod (ambient/waypoints.go: "gateway.Status.Addresses should only be populated once
   * the Waypoint's deployment has at least 1 ready pod").
   */
  private programGateways(): void {
    for (const gateway of this.cluster.list('Gateway').filter((g) => g.apiVersion.startsWith('gateway.networking.k8s.io/'))) {
      // The Service istiod made for it: owned by the Gateway (its name changed from `<gateway>` to `<gateway>-istio` in 1.18).
      const service = this.cluster.list('Service', gateway.metadata.namespace)
        .find((s) => (s.metadata.ownerReferences ?? []).some((owner: any) => owner.kind === 'Gateway' && owner.name === gateway.metadata.name));
      const ip = service?.status?.loadBalancer?.ingress?.[0]?.ip;
      if (ip) gateway.status = { addresses: [{ type: 'IPAddress', value: ip }], conditions: [{ type: 'Programmed', status: 'True' }] };
      if (!service || service.spec?.type === 'LoadBalancer' || gateway.spec?.gatewayClassName !== WAYPOINT_CLASS) continue;
      const ready = this.runningPods().some((pod) => pod.object.metadata.namespace === gateway.metadata.namespace
        && pod.object.metadata.labels?.['gateway.networking.k8s.io/gateway-name'] === gateway.metadata.name);
      const clusterIp = this.clusterIpOf(service);
      gateway.status = ready && clusterIp ? {
        addresses: [{ type: 'IPAddress', value: clusterIp }, { type: 'Hostname', value: `${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local` }],
        conditions: [{ type: 'Programmed', status: 'True' }],
      } : { conditions: [{ type: 'Programmed', status: 'False', reason: 'NoResources' }] };
    }
  }

  /**
   * A workload's pods, as its controllers keep them (the ReplicaSet and DaemonSet controllers of
   * kube-controller-manager): a start or restart (a new pod template) replaces them all, created at that time and
   * injected by the webhooks present then; otherwise the pods that exist stay, a deleted one is replaced and a change
   * of replicas adds pods, created when that happens, or removes the ones not running, then the newest (the
   * controller's ActivePods order). A pod runs once what it needs exists, and then keeps running whatever later happens
   * to what it read: kubelet resolves a container's environment when it starts and does not stop a container whose
   * Secret or ConfigMap goes away.
   */
  private startPods(workload: KubeObject): void {
    const key = this.cluster.key(workload);
    const lastStart = this.cluster.lastStart(key);
    if (lastStart === undefined) return;
    const namespace = this.cluster.get('Namespace', undefined, workload.metadata.namespace);
    if (!namespace) return;
    const replicas = workload.kind === 'DaemonSet' ? 1 : (workload.spec?.replicas ?? 1);
    const sameStart = this.podsStartedAt.get(key) === lastStart;
    this.podsStartedAt.set(key, lastStart);
    const pods = sameStart ? [...(this.pods.get(key) ?? [])] : [];
    while (pods.length > replicas) {
      const removable = pods.filter((pod) => pod.blocked).at(-1) ?? pods.reduce((newest, pod) => (pod.created > newest.created ? pod : newest));
      pods.splice(pods.indexOf(removable), 1);
    }
    const created = sameStart ? this.cluster.now : lastStart;
    for (let slot = 0; pods.length < replicas; slot++) {
      // The webhooks see the pod the controller sends (generateName, owner); the API server names it afterwards.
      const object = this.injector.inject(admittedPod(workload), namespace, this.cluster);
      object.metadata.name = `${object.metadata.generateName}${suffix(`${key}@${created}#${slot}`, 5)}`;
      delete object.metadata.generateName;
      pods.push({ object, workload: key, created });
    }
    const running = pods.map((pod, index): RunningPod => {
      if (pod.started !== undefined) return pod;
      const refused = this.podSecurityRefusal(pod.object);
      const { started, blocked } = refused ? { started: undefined, blocked: refused } : this.startOf(pod.object, pod.created);
      pod.object.status = {
        phase: blocked ? 'Pending' : 'Running',
        hostIP: NODE_ADDRESS,
        podIP: `10.244.0.${index + 2}`,
        startTime: this.cluster.timestamp(pod.created),
        containerStatuses: (pod.object.spec.containers ?? []).map((c: any) => ({ name: c.name, ready: !blocked })),
      };
      return { ...pod, started, blocked, secretsAtStart: started === undefined ? undefined : this.secretsReadBy(pod.object) };
    });
    this.pods.set(key, running);
    const ready = running.filter((p) => !p.blocked).length;
    if (workload.kind === 'Deployment') {
      // Every count of a DeploymentStatus is omitempty: a Deployment without ready pods has no readyReplicas.
      const counts = { replicas: running.length, readyReplicas: ready, availableReplicas: ready };
      workload.status = Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 0));
    } else {
      // One node: a DaemonSet schedules one pod, which is ready once it runs.
      workload.status = { desiredNumberScheduled: running.length, currentNumberScheduled: running.length, numberReady: ready, numberAvailable: ready };
    }
  }

  /** The data of each Secret a pod mounts or takes environment from, as the cluster holds it now (the pod's start). */
  private secretsReadBy(pod: KubeObject): Record<string, Record<string, string>> {
    const names = new Set<string>([
      ...(pod.spec.volumes ?? []).filter((v: any) => v.secret).map((v: any) => v.secret.secretName as string),
      ...[...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])].flatMap((c: any) => c.env ?? [])
        .filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.valueFrom.secretKeyRef.name as string),
    ]);
    const read: Record<string, Record<string, string>> = {};
    for (const name of names) {
      const secret = this.cluster.get('Secret', pod.metadata.namespace, name);
      if (secret) read[name] = { ...(secret.data ?? {}) };
    }
    return read;
  }

  /**
   * `kubectl delete pod`: the pod goes (an event of the cluster), and its controller creates another at once.
   * Returns whether the pod existed.
   */
  public deletePod(namespace: string, name: string, by: string): boolean {
    for (const [key, pods] of this.pods) {
      const pod = pods.find((candidate) => candidate.object.metadata.namespace === namespace && candidate.object.metadata.name === name);
      if (!pod) continue;
      this.cluster.recordPodDeletion(namespace, name, by);
      this.pods.set(key, pods.filter((candidate) => candidate !== pod));
      this.reconcile();
      return true;
    }
    return false;
  }

  /**
   * Pod Security admission: a namespace labelled to enforce "baseline" or "restricted" refuses a pod (as injected)
   * that breaks a rule of that level, so its workload's controller creates no pod (kubernetes/pod-security-admission,
   * ported in src/analysis/pod-security.ts).
   */
  private podSecurityRefusal(pod: KubeObject): string | undefined {
    const namespace = this.cluster.get('Namespace', undefined, pod.metadata.namespace);
    const level = namespace?.metadata.labels?.[POD_SECURITY_ENFORCE_LABEL];
    if (!isPodSecurityLevel(level)) return undefined;
    const violations = podSecurityViolations(level, pod);
    if (violations.length === 0) return undefined;
    const containerOf = (field: string) => {
      const match = /^spec\.(initContainers|containers|ephemeralContainers)\[(\d+)\]/.exec(field);
      return match ? ` of container ${pod.spec[match[1]]?.[Number(match[2])]?.name}` : '';
    };
    return `pods "${pod.metadata.name}" is forbidden: violates PodSecurity "${level}:latest": ${violations.map((v) => `${v.rule}${containerOf(v.field)} (${v.field})`).join(', ')}`;
  }

  /**
   * When a pod created at `created` starts: once its service account, the Secrets and ConfigMaps it mounts or reads
   * without `optional: true`, and the keys it reads exist; blocked, with kubelet's reason, while one is missing.
   */
  private startOf(pod: KubeObject, created: number): { started?: number; blocked?: string } {
    const namespace = pod.metadata.namespace;
    let started = created;
    const need = (kind: string, name: string, reason: string): string | undefined => {
      const object = this.cluster.get(kind, namespace, name);
      if (!object) return reason;
      started = Math.max(started, this.cluster.createdAt(this.cluster.key(object)) ?? started);
      return undefined;
    };
    const account = pod.spec.serviceAccountName ?? pod.spec.serviceAccount;
    const problems: (string | undefined)[] = [];
    if (account && account !== 'default') problems.push(need('ServiceAccount', account, `error looking up service account ${namespace}/${account}: serviceaccount "${account}" not found`));
    for (const volume of pod.spec.volumes ?? []) {
      if (volume.secret && volume.secret.optional !== true) {
        problems.push(need('Secret', volume.secret.secretName, `MountVolume.SetUp failed for volume "${volume.name}": secret "${volume.secret.secretName}" not found`));
      }
      if (volume.configMap && volume.configMap.optional !== true) {
        problems.push(need('ConfigMap', volume.configMap.name, `MountVolume.SetUp failed for volume "${volume.name}": configmap "${volume.configMap.name}" not found`));
      }
    }
    for (const container of [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])]) {
      for (const env of container.env ?? []) {
        const ref = env.valueFrom?.secretKeyRef;
        if (!ref || ref.optional === true) continue;
        const missing = need('Secret', ref.name, `container ${container.name}: secret "${ref.name}" not found (CreateContainerConfigError)`);
        const secret = this.cluster.get('Secret', namespace, ref.name);
        problems.push(missing ?? (secret?.data?.[ref.key] === undefined
          ? `container ${container.name}: couldn't find key ${ref.key} in Secret ${namespace}/${ref.name} (CreateContainerConfigError)` : undefined));
      }
    }
    const blocked = problems.find((problem) => problem !== undefined);
    return blocked ? { blocked } : { started };
  }

  /** The mesh config a proxy of `revision` reads, from the istio ConfigMap of the control plane. */
  public meshConfig(istioNamespace: string, revision?: string): Record<string, any> | undefined {
    const configMap = this.cluster.get('ConfigMap', istioNamespace, revision ? `istio-${revision}` : 'istio');
    const text = configMap?.data?.mesh;
    return typeof text === 'string' ? (yaml.load(text) as Record<string, any>) ?? {} : undefined;
  }
}

/** A pod-name suffix as Kubernetes makes them (lower-case consonants and digits), here from a hash, for stable names. */
function suffix(seed: string, length: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...createHash('sha256').update(seed).digest()].slice(0, length).map((byte) => alphabet[byte % alphabet.length]).join('');
}
